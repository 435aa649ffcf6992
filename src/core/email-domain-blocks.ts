import { domainToASCII } from "node:url";
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { emailDomainBlocks, users } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { coveredBy, normalizeDomain } from "./domain-blocks.ts";
import { CoreError, ValidationError } from "./errors.ts";

export type EmailDomainBlock = typeof emailDomainBlocks.$inferSelect;

export const EMAIL_DOMAIN_BLOCKED = "Sign-ups with addresses at this e-mail provider are not allowed here.";

/**
 * A domain as blocks are kept: its ASCII form (so `bücher.example` and `xn--bcher-kva.example`
 * are one), lowercase, without trailing dots; "" when it is no domain.
 */
const asciiDomain = (domain: string) => domainToASCII(domain.trim().replace(/\.+$/, "")).toLowerCase();

/** The part of an address after its last @, as blocks are kept. */
const domainOf = (email: string) => asciiDomain(email.slice(email.lastIndexOf("@") + 1));

/** The block covering an address's domain (the domain itself or a parent of it), if any: sign-ups with it are refused. */
export function emailDomainBlockFor(db: Db, email: string): EmailDomainBlock | undefined {
  return db
    .select()
    .from(emailDomainBlocks)
    .where(coveredBy(sql`${domainOf(email)}`, sql`${emailDomainBlocks.domain}`))
    .get();
}

/** The block of exactly this domain (in either form), if there is one. */
export function findEmailDomainBlock(db: Db, domain: string): EmailDomainBlock | undefined {
  return db
    .select()
    .from(emailDomainBlocks)
    .where(eq(emailDomainBlocks.domain, asciiDomain(domain)))
    .get();
}

/** The blocked e-mail domains, newest first, each with how many members' addresses it covers. */
export function listEmailDomainBlocks(db: Db): (EmailDomainBlock & { members: number })[] {
  const members = sql<number>`(SELECT count(*) FROM ${users} u WHERE ${coveredBy(
    sql`rtrim(lower(substr(u.email, instr(u.email, '@') + 1)), '.')`,
    sql`${emailDomainBlocks.domain}`,
  )})`;
  return db
    .select({
      domain: emailDomainBlocks.domain,
      createdBy: emailDomainBlocks.createdBy,
      createdAt: emailDomainBlocks.createdAt,
      members,
    })
    .from(emailDomainBlocks)
    .orderBy(desc(emailDomainBlocks.createdAt), emailDomainBlocks.domain)
    .all();
}

/**
 * Refuses sign-ups with addresses at a domain and its subdomains from now on. Members who have
 * such an address already keep their accounts (the list says how many there are).
 */
export function blockEmailDomain(db: Db, staffId: string, input: { domain: string }): EmailDomainBlock {
  const domain = normalizeDomain(asciiDomain(input.domain.replace(/^.*@/, "")));
  if (!domain || domain.includes(":")) throw new ValidationError({ domain: "Enter an e-mail domain like mail.example." });
  if (db.select().from(emailDomainBlocks).where(eq(emailDomainBlocks.domain, domain)).get())
    throw new ValidationError({ domain: `${domain} is blocked already.` });
  const row = db.insert(emailDomainBlocks).values({ domain, createdBy: staffId }).returning().get();
  audit(db, { actorId: staffId, action: "email_domain.block", targetType: "email_domain", targetId: domain });
  return row;
}

/** Lets addresses at the domain sign up again. */
export function unblockEmailDomain(db: Db, staffId: string, domain: string): void {
  const ascii = asciiDomain(domain);
  const removed = db.delete(emailDomainBlocks).where(eq(emailDomainBlocks.domain, ascii)).returning().all();
  if (removed.length === 0) throw new CoreError("This e-mail domain is not blocked.", 404);
  audit(db, { actorId: staffId, action: "email_domain.unblock", targetType: "email_domain", targetId: ascii });
}
