import { and, count, eq, inArray, isNotNull, isNull, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, domainAllows, domainBlocks, follows, instanceSettings } from "../db/schema.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { coveredBy, normalizeDomain } from "./domain-blocks.ts";

export type DomainAllow = typeof domainAllows.$inferSelect;

export const MAX_ALLOW_COMMENT = 1000;

// The rule, in SQL so that timelines can filter by it and the federation code can ask it for one
// host (federationAllowed): the same text answers both, so they cannot drift apart.

/** The most specific block covering `domain` suspends it (a Limit on a subdomain overrides a parent's suspension). */
const suspended = (domain: SQL) =>
  sql`(coalesce((SELECT b.severity FROM ${domainBlocks} b WHERE ${coveredBy(domain, sql`b.domain`)}
    ORDER BY length(b.domain) DESC LIMIT 1), '') = 'suspend')`;

/** `domain` or a parent of it is on the allow-list. */
const listed = (domain: SQL) => sql`EXISTS (SELECT 1 FROM ${domainAllows} w WHERE ${coveredBy(domain, sql`w.domain`)})`;

/** The instance setting `federationMode` (instance.ts) is "allowlist"; settings are stored as JSON text. */
const allowlistMode = sql`(coalesce((SELECT s.value FROM ${instanceSettings} s WHERE s.key = 'federationMode'), '') = '"allowlist"')`;

/**
 * SQL: the instance federates with the server `domain` (an expression; NULL is a local account):
 * it is not suspended by a domain block, and, in allowlist mode, it is on the allow-list.
 */
export function federatesWith(domain: SQL): SQL {
  return sql`(${domain} IS NULL OR (NOT ${suspended(domain)} AND (NOT ${allowlistMode} OR ${listed(domain)})))`;
}

/**
 * May we federate with this host (`social.example`, with `:port` when it has one)? Every
 * federation path asks this: the inbox, deliveries, lookups, signed fetches. `null` is local.
 */
export function federationAllowed(db: Db, host: string | null): boolean {
  if (host === null) return true;
  const row = db.get<[number]>(sql`SELECT ${federatesWith(sql`${host.toLowerCase()}`)}`);
  return row?.[0] === 1;
}

/** Accounts whose server the instance does not federate with, as a condition on an accounts row id: their posts are hidden. */
export function onCutOffDomain(accountIdColumn: SQLWrapper): SQL {
  return sql`EXISTS (SELECT 1 FROM ${accounts} a WHERE a.id = ${accountIdColumn} AND NOT ${federatesWith(sql`a.domain`)})`;
}

/**
 * How many follows between members and remote accounts switching to allowlist mode would cut
 * (with the allow-list as it is). The follows are kept; they work again once their server is listed.
 */
export function followsCutByAllowlist(db: Db): number {
  const remote = db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(isNotNull(accounts.domain), sql`NOT ${listed(sql`${accounts.domain}`)}`));
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

export function listDomainAllows(db: Db): DomainAllow[] {
  return db.select().from(domainAllows).orderBy(domainAllows.domain).all();
}

/** Puts a server (and its subdomains) on the allow-list. */
export function allowDomain(deps: CoreDeps, staffId: string, input: { domain: string; comment: string }): DomainAllow {
  const { db } = deps;
  const domain = normalizeDomain(input.domain);
  if (!domain) throw new ValidationError({ domain: "Enter a domain like social.example (with :port if it has one)." });
  if (domain === deps.baseUrl.host.toLowerCase())
    throw new ValidationError({ domain: "This is this instance's own domain; it needs no entry." });
  const comment = input.comment.trim();
  if (comment.length > MAX_ALLOW_COMMENT)
    throw new ValidationError({ comment: `Keep it under ${MAX_ALLOW_COMMENT} characters.` });
  if (db.select().from(domainAllows).where(eq(domainAllows.domain, domain)).get())
    throw new ValidationError({ domain: `${domain} is already on the allow-list.` });
  const row = db.insert(domainAllows).values({ domain, comment, createdBy: staffId }).returning().get();
  audit(db, { actorId: staffId, action: "domain.allow", targetType: "domain", targetId: domain, detail: comment });
  return row;
}

/** Takes a server off the allow-list (in allowlist mode the instance stops federating with it). */
export function disallowDomain(deps: CoreDeps, staffId: string, domain: string): void {
  const normalized = normalizeDomain(domain) ?? domain;
  const removed = deps.db.delete(domainAllows).where(eq(domainAllows.domain, normalized)).returning().all();
  if (removed.length === 0) throw new CoreError("This domain is not on the allow-list.", 404);
  audit(deps.db, { actorId: staffId, action: "domain.disallow", targetType: "domain", targetId: normalized });
}
