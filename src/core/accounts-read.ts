import { and, count, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { seenByOthers } from "./accounts.ts";
import { accounts, blocks, follows, mutes, posts } from "../db/schema.ts";
import { muteInForce } from "./visibility.ts";

export type AccountRow = typeof accounts.$inferSelect;

/** An account by its handle as it appears in URLs: `name` (local) or `name@domain`. */
export function findAccountByAcct(db: Db, acct: string, localHost: string): AccountRow | undefined {
  const [username = "", domain] = acct.replace(/^@/, "").split("@", 2);
  const local = !domain || domain.toLowerCase() === localHost.toLowerCase();
  return db
    .select()
    .from(accounts)
    .where(
      and(
        sql`lower(${accounts.username}) = lower(${username})`,
        local ? isNull(accounts.domain) : sql`lower(${accounts.domain}) = lower(${domain})`,
        seenByOthers(),
      ),
    )
    .get();
}

/** Whether one account follows another (an accepted follow, not a request). */
export function isFollowing(db: Db, followerId: string, followingId: string): boolean {
  return followingAmong(db, followerId, [followingId]).length > 0;
}

/** Those of these accounts that one account follows (accepted follows; with `requests`, also those it asked to follow). */
export function followingAmong(db: Db, followerId: string, accountIds: string[], { requests = false } = {}): string[] {
  return db
    .select({ id: follows.followingId })
    .from(follows)
    .where(
      and(
        eq(follows.followerId, followerId),
        inArray(follows.followingId, accountIds),
        requests ? undefined : eq(follows.state, "accepted"),
      ),
    )
    .all()
    .map((r) => r.id);
}

/** The same counts for many accounts at once (three grouped queries, for pages of accounts). */
export function accountCountsMany(db: Db, accountIds: string[]) {
  const ids = [...new Set(accountIds)];
  const byId = (rows: { id: string; n: number }[]) => new Map(rows.map((r) => [r.id, r.n]));
  const posted = byId(
    db
      .select({ id: posts.accountId, n: count() })
      .from(posts)
      .where(and(inArray(posts.accountId, ids), isNull(posts.reblogOfId)))
      .groupBy(posts.accountId)
      .all(),
  );
  const following = byId(
    db
      .select({ id: follows.followerId, n: count() })
      .from(follows)
      .where(and(inArray(follows.followerId, ids), eq(follows.state, "accepted")))
      .groupBy(follows.followerId)
      .all(),
  );
  const followers = byId(
    db
      .select({ id: follows.followingId, n: count() })
      .from(follows)
      .where(and(inArray(follows.followingId, ids), eq(follows.state, "accepted")))
      .groupBy(follows.followingId)
      .all(),
  );
  return new Map(
    ids.map((id) => [id, { posts: posted.get(id) ?? 0, following: following.get(id) ?? 0, followers: followers.get(id) ?? 0 }]),
  );
}

/** An account's own posts (boosts aside), follows and followers. */
export function accountCounts(db: Db, accountId: string) {
  return accountCountsMany(db, [accountId]).get(accountId) ?? { posts: 0, following: 0, followers: 0 };
}

/** Followers or followed accounts, newest relation first; the cursor is the follow's id. */
export function followList(db: Db, accountId: string, direction: "followers" | "following", maxId?: string, limit = 40) {
  const mine = direction === "followers" ? follows.followingId : follows.followerId;
  const theirs = direction === "followers" ? follows.followerId : follows.followingId;
  const rows = db
    .select({ followId: follows.id, account: accounts })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, theirs))
    .where(and(eq(mine, accountId), eq(follows.state, "accepted"), maxId ? lt(follows.id, maxId) : undefined))
    .orderBy(desc(follows.id))
    .limit(limit)
    .all();
  return { accounts: rows.map((r) => r.account), next: rows.length === limit ? rows.at(-1)?.followId : undefined };
}

/** Accounts waiting for the member to accept their follow request. */
export function followRequests(db: Db, accountId: string) {
  return db
    .select({ account: accounts })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.followerId))
    .where(and(eq(follows.followingId, accountId), eq(follows.state, "pending")))
    .orderBy(desc(follows.id))
    .all()
    .map((r) => r.account);
}

/** One account a member blocks or mutes; `id` is the block's (or mute's), the paging cursor. */
export interface BlockedOrMuted {
  id: string;
  account: AccountRow;
  /** When a mute ends (null: for good, and for blocks). */
  expiresAt: Date | null;
  /** Whether a mute hides their notifications too (true for blocks). */
  notifications: boolean;
}

/** Accounts a member blocks or mutes (mutes in force), newest first. */
export function blockedOrMuted(
  db: Db,
  accountId: string,
  kind: "blocks" | "mutes",
  maxId?: string,
  limit = 40,
): BlockedOrMuted[] {
  const table = kind === "blocks" ? blocks : mutes;
  const muting = kind === "mutes";
  return db
    .select({
      id: table.id,
      account: accounts,
      expiresAt: muting ? mutes.expiresAt : sql<null>`NULL`,
      notifications: muting ? mutes.notifications : sql<boolean>`1`.mapWith(Boolean),
    })
    .from(table)
    .innerJoin(accounts, eq(accounts.id, table.targetAccountId))
    .where(and(eq(table.accountId, accountId), maxId ? lt(table.id, maxId) : undefined, muting ? muteInForce() : undefined))
    .orderBy(desc(table.id))
    .limit(limit)
    .all();
}

/** Of the accounts the viewer follows, those who also follow each target ("followed by … you know"). */
export function familiarFollowers(db: Db, viewerId: string, targetId: string, limit = 5): AccountRow[] {
  return db
    .select({ account: accounts })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.followerId))
    .where(
      and(
        eq(follows.followingId, targetId),
        eq(follows.state, "accepted"),
        sql`${follows.followerId} IN (SELECT following_id FROM follows WHERE follower_id = ${viewerId} AND state = 'accepted')`,
      ),
    )
    .limit(limit)
    .all()
    .map((r) => r.account);
}
