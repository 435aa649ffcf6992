import { and, desc, eq, lt, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import { accountDomainBlocks, accounts } from "../db/schema.ts";

/*
 * A member's own blocks of domains (Mastodon's "Block domain"), unlike the instance's blocks in
 * domain-blocks.ts: only that member stops seeing the domain. Blocking and unblocking are in
 * follows.ts, with the other relationship actions.
 */

/** The member's blocked domains, newest first, paged by when they were blocked. */
export function domainBlocksOf(db: Db, accountId: string, page: { before?: Date; limit?: number } = {}) {
  return db
    .select({ domain: accountDomainBlocks.domain, createdAt: accountDomainBlocks.createdAt })
    .from(accountDomainBlocks)
    .where(
      and(eq(accountDomainBlocks.accountId, accountId), page.before ? lt(accountDomainBlocks.createdAt, page.before) : undefined),
    )
    .orderBy(desc(accountDomainBlocks.createdAt), accountDomainBlocks.domain)
    .limit(page.limit ?? 40)
    .all();
}

export function domainBlockedBy(db: DbOrTx, accountId: string, domain: string | null): boolean {
  if (!domain) return false;
  return (
    db
      .select({ d: accountDomainBlocks.domain })
      .from(accountDomainBlocks)
      .where(and(eq(accountDomainBlocks.accountId, accountId), eq(accountDomainBlocks.domain, domain)))
      .get() !== undefined
  );
}

/**
 * SQL: the account is on a domain the viewer blocked. The first test does not depend on the
 * row, so SQLite answers it once per query: for a viewer without domain blocks (nearly everyone)
 * no row pays for the second.
 */
export function onDomainBlockedBy(viewerId: string, accountIdColumn: SQLWrapper): SQL {
  return sql`(EXISTS (SELECT 1 FROM ${accountDomainBlocks} WHERE ${accountDomainBlocks.accountId} = ${viewerId})
    AND EXISTS (SELECT 1 FROM ${accounts} a JOIN ${accountDomainBlocks} d ON d.domain = a.domain
      WHERE a.id = ${accountIdColumn} AND d.account_id = ${viewerId}))`;
}

/** Whether the account is on a domain the member blocked: the same rule, for one account. */
export function accountOnDomainBlockedBy(db: DbOrTx, memberId: string, accountId: string): boolean {
  const [row] = db.all<{ blocked: number }>(sql`SELECT ${onDomainBlockedBy(memberId, sql`${accountId}`)} AS blocked`);
  return row?.blocked === 1;
}
