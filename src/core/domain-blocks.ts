import { and, count, eq, inArray, isNull, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, domainBlocks, domainBlockSeverities, follows } from "../db/schema.ts";
import { recordSeverance } from "./severances.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { sha256Hex } from "./tokens.ts";

export type DomainBlock = typeof domainBlocks.$inferSelect;
export type DomainBlockInput = Omit<DomainBlock, "createdAt">;

const HOST =
  /^(?=.{1,253}(:\d{1,5})?$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/;

/** `https://Social.Example/path` → `social.example`; the port stays when given. */
export function normalizeDomain(input: string): string | null {
  const text = input
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, "")
    .replace(/\/.*$/, "")
    .replace(/\.$/, "");
  return HOST.test(text) ? text : null;
}

/**
 * SQL: the account's domain is `domain` itself or one of its subdomains. The port is part of
 * the domain: `example.com` covers `sub.example.com` but not `example.com:8443`.
 */
export const coveredBy = (accountDomain: SQL | typeof accounts.domain, ruleDomain: SQL | typeof domainBlocks.domain) =>
  sql`(${accountDomain} = ${ruleDomain} OR ${accountDomain} LIKE '%.' || ${ruleDomain})`;

export function onSilencedDomain(accountIdColumn: SQLWrapper): SQL {
  return sql`EXISTS (SELECT 1 FROM ${accounts} a JOIN ${domainBlocks} b ON ${coveredBy(sql`a.domain`, sql`b.domain`)}
    WHERE a.id = ${accountIdColumn} AND b.severity = 'silence')`;
}

/**
 * The block that applies to a host (itself or a parent domain), the most specific first. Whether
 * the instance federates with a host at all is `federationAllowed` (domain-allows.ts), not this.
 */
export function blockFor(db: Db, host: string | null): DomainBlock | undefined {
  if (!host) return undefined;
  return db
    .select()
    .from(domainBlocks)
    .where(coveredBy(sql`${host.toLowerCase()}`, domainBlocks.domain))
    .orderBy(sql`length(${domainBlocks.domain}) DESC`)
    .get();
}

/** How many follows between local members and accounts on the domain a suspension would cut. */
export function followsCutBy(db: Db, domain: string): number {
  const remote = db
    .select({ id: accounts.id })
    .from(accounts)
    .where(coveredBy(accounts.domain, sql`${domain}`));
  const local = db.select({ id: accounts.id }).from(accounts).where(isNull(accounts.domain));
  return (
    db
      .select({ n: count() })
      .from(follows)
      .where(
        or(
          and(inArray(follows.followerId, remote), inArray(follows.followingId, local)),
          and(inArray(follows.followerId, local), inArray(follows.followingId, remote)),
        ),
      )
      .get()?.n ?? 0
  );
}

export const MAX_PUBLIC_COMMENT = 1000;
export const MAX_PRIVATE_COMMENT = 5000;

/**
 * Blocks a domain, or changes its block (`change`: a new block must not replace one unseen); a
 * suspension cuts every follow with it.
 */
export function blockDomain(
  deps: CoreDeps,
  staffId: string,
  input: DomainBlockInput,
  { change = false }: { change?: boolean } = {},
): { cut: number } {
  const { db } = deps;
  const domain = normalizeDomain(input.domain);
  if (!domain) throw new ValidationError({ domain: "Enter a domain like social.example (with :port if it has one)." });
  if (domain === deps.baseUrl.host.toLowerCase())
    throw new ValidationError({ domain: "You cannot block this instance's own domain." });
  if (!change && blockFor(db, domain)?.domain === domain)
    throw new ValidationError({ domain: `${domain} is blocked already: change that block instead.` });
  if (!domainBlockSeverities.includes(input.severity))
    throw new ValidationError({ severity: "Choose Limit, Suspend or No action." });
  if (input.publicComment.length > MAX_PUBLIC_COMMENT)
    throw new ValidationError({ public_comment: `Use at most ${MAX_PUBLIC_COMMENT.toLocaleString("en")} characters.` });
  if (input.privateComment.length > MAX_PRIVATE_COMMENT)
    throw new ValidationError({ private_comment: `Use at most ${MAX_PRIVATE_COMMENT.toLocaleString("en")} characters.` });
  const values = { ...input, domain };
  const cut = input.severity === "suspend" ? followsCutBy(db, domain) : 0;
  const told = db.transaction((tx) => {
    tx.insert(domainBlocks).values(values).onConflictDoUpdate({ target: domainBlocks.domain, set: values }).run();
    if (input.severity !== "suspend") return [];
    const remote = tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(coveredBy(accounts.domain, sql`${domain}`));
    const severed = tx
      .delete(follows)
      .where(or(inArray(follows.followerId, remote), inArray(follows.followingId, remote)))
      .returning()
      .all();
    return recordSeverance(tx, { type: "domain_block", targetName: domain }, severed);
  });
  for (const n of told) deps.events.emit("notification.created", n);
  audit(db, {
    actorId: staffId,
    action: `domain.${input.severity}`,
    targetType: "domain",
    targetId: domain,
    detail: input.privateComment,
  });
  return { cut };
}

export function unblockDomain(deps: CoreDeps, staffId: string, domain: string): void {
  const removed = deps.db.delete(domainBlocks).where(eq(domainBlocks.domain, domain)).returning().all();
  if (removed.length === 0) throw new CoreError("This domain is not blocked.", 404);
  audit(deps.db, { actorId: staffId, action: "domain.unblock", targetType: "domain", targetId: domain });
}

export function listDomainBlocks(db: Db): DomainBlock[] {
  return db.select().from(domainBlocks).orderBy(domainBlocks.domain).all();
}

/**
 * The servers the moderators limited or suspended, as the public sees them (the about page, the
 * API): masked where the block says so, with the SHA-256 of the real name for those who know it.
 */
export function publicDomainBlocks(db: Db) {
  return listDomainBlocks(db)
    .filter((b) => b.severity !== "noop")
    .map((b) => ({
      domain: publicDomain(b),
      digest: sha256Hex(b.domain),
      severity: b.severity as "silence" | "suspend",
      comment: b.publicComment,
    }));
}

/** A blocked domain as shown to the public: masked (ma**do*.social) when obfuscated. */
export function publicDomain(block: DomainBlock): string {
  if (!block.obfuscate) return block.domain;
  return [...block.domain].map((c, i) => (i % 3 === 1 && c !== "." ? "*" : c)).join("");
}
