import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, follows, suggestionDismissals } from "../db/schema.ts";
import { CoreError } from "./errors.ts";
import { listable } from "./directory.ts";

/**
 * Whom to follow (Mastodon's follow suggestions): first the accounts most followed by those the
 * member follows, then those most followed by the instance's members. Never the member, anyone
 * they follow or asked to follow, anyone they said "not interested" to, nor an account the
 * directory would not list.
 */

export type SuggestionSource = "friends_of_friends" | "most_followed";

export interface Suggestion {
  accountId: string;
  source: SuggestionSource;
}

export function suggestions(db: Db, accountId: string, limit = 40): Suggestion[] {
  const eligible = (candidate: SQL) =>
    sql`${candidate} != ${accountId}
      AND ${candidate} NOT IN (SELECT ${follows.followingId} FROM ${follows} WHERE ${follows.followerId} = ${accountId})
      AND ${candidate} NOT IN (SELECT ${suggestionDismissals.targetAccountId} FROM ${suggestionDismissals} WHERE ${suggestionDismissals.accountId} = ${accountId})`;
  /** Candidates followed by the followers `among` picks, the most followed first. */
  const followedBy = (source: SuggestionSource, among: SQL) =>
    db
      .select({ id: accounts.id })
      .from(follows)
      .innerJoin(accounts, eq(accounts.id, follows.followingId))
      .where(and(eq(follows.state, "accepted"), among, eligible(sql`${follows.followingId}`), listable(accountId)))
      .groupBy(accounts.id)
      .orderBy(desc(sql`count(*)`), desc(accounts.id))
      .limit(limit)
      .all()
      .map((r) => ({ accountId: r.id, source }));
  const friendsOfFriends = followedBy(
    "friends_of_friends",
    sql`${follows.followerId} IN (SELECT f.following_id FROM ${follows} f WHERE f.follower_id = ${accountId} AND f.state = 'accepted')`,
  );
  const mostFollowed = followedBy(
    "most_followed",
    sql`${follows.followerId} IN (SELECT id FROM ${accounts} a WHERE a.domain IS NULL)`,
  );
  const seen = new Set<string>();
  return [...friendsOfFriends, ...mostFollowed].filter((s) => !seen.has(s.accountId) && seen.add(s.accountId)).slice(0, limit);
}

/** Below this many follows, home offers people to follow (the page is not much without them). */
const FEW_FOLLOWS = 5;

export function followsFew(db: Db, accountId: string): boolean {
  const rows = db.select({ id: follows.id }).from(follows).where(eq(follows.followerId, accountId)).limit(FEW_FOLLOWS).all();
  return rows.length < FEW_FOLLOWS;
}

/** "Not interested": the account is not suggested to the member again. */
export function dismissSuggestion(db: Db, accountId: string, targetAccountId: string): void {
  if (!db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, targetAccountId)).get())
    throw new CoreError("Record not found", 404);
  db.insert(suggestionDismissals).values({ accountId, targetAccountId }).onConflictDoNothing().run();
}
