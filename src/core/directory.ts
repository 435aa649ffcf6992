import { and, desc, eq, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, blocks, posts, users } from "../db/schema.ts";
import { onCutOffDomain } from "./domain-allows.ts";
import { onSilencedDomain } from "./domain-blocks.ts";
import { silencedBy } from "./visibility.ts";

/**
 * The profile directory (Mastodon's): accounts that chose to be discoverable, members first of
 * all, for people to find each other. Left out: suspended, limited and moved accounts, members
 * not yet approved or disabled, servers limited or cut off here, and whoever the viewer blocked
 * or muted (or whose server they blocked).
 */

export const directoryOrders = ["active", "new"] as const;
export type DirectoryOrder = (typeof directoryOrders)[number];

export interface DirectoryQuery {
  /** Only this instance's members. */
  local: boolean;
  /** Recently active (newest post first; those who never posted last), or newest account first. */
  order: DirectoryOrder;
  offset: number;
  limit: number;
}

/**
 * The account may be listed to this viewer (the directory, suggestions): discoverable, in good
 * standing, on a server in good standing, neither blocked nor muted by the viewer, nor blocking them.
 */
export function listable(viewerId: string | null): SQL {
  return and(
    eq(accounts.discoverable, true),
    isNull(accounts.suspendedAt),
    isNull(accounts.silencedAt),
    isNull(accounts.movedToId),
    or(
      isNotNull(accounts.domain),
      sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.accountId} = ${accounts.id} AND ${users.approvedAt} IS NOT NULL AND ${users.emailConfirmedAt} IS NOT NULL AND ${users.disabledAt} IS NULL)`,
    ),
    sql`NOT ${onSilencedDomain(accounts.id)}`,
    sql`NOT ${onCutOffDomain(accounts.id)}`,
    viewerId
      ? sql`NOT ${silencedBy(viewerId, accounts.id)}
          AND NOT EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.accountId} = ${accounts.id} AND ${blocks.targetAccountId} = ${viewerId})`
      : undefined,
  ) as SQL;
}

export function directory(db: Db, viewerId: string | null, q: DirectoryQuery): string[] {
  const lastPost = sql`(SELECT max(${posts.id}) FROM ${posts} WHERE ${posts.accountId} = ${accounts.id})`;
  return db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(listable(viewerId), q.local ? isNull(accounts.domain) : undefined))
    .orderBy(...(q.order === "new" ? [desc(accounts.id)] : [sql`${lastPost} DESC NULLS LAST`, desc(accounts.id)]))
    .limit(q.limit)
    .offset(q.offset)
    .all()
    .map((r) => r.id);
}
