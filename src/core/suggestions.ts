import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, follows, suggestionDismissals } from "../db/schema.ts";
import { CoreError } from "./errors.ts";
import { listable } from "./directory.ts";
import { slowResultCache } from "./slow-cache.ts";

/**
 * Whom to follow (Mastodon's follow suggestions): first the accounts most followed by those the
 * member follows, then those most followed by the instance's members. Never the member, anyone
 * they follow or asked to follow, anyone they said "not interested" to, nor an account the
 * directory would not list. The ranking reads follows only; the member's rules then apply to
 * the candidates (the instance's most followed are ranked once in ten minutes), so a new
 * member's home page stays quick.
 */

export type SuggestionSource = "friends_of_friends" | "most_followed";

export interface Suggestion {
  accountId: string;
  source: SuggestionSource;
}

/** How many of the most followed are looked at before the viewer's own rules leave some out. */
const CANDIDATES = 1000;

/** Accounts followed by the followers `among` picks, the most followed first (follows alone: no per-viewer rule yet). */
function mostFollowedBy(db: Db, among: SQL): string[] {
  return db
    .select({ id: follows.followingId })
    .from(follows)
    .where(and(eq(follows.state, "accepted"), among))
    .groupBy(follows.followingId)
    .orderBy(desc(sql`count(*)`), desc(follows.followingId))
    .limit(CANDIDATES)
    .all()
    .map((r) => r.id);
}

// The members' most followed accounts change slowly, and the query reads every follow: on a big
// instance kept ten minutes; a small one asks afresh, so its first follows count at once.
// (The highest rowid stands for the number of follows: one index step, where count() reads them all.)
const MANY_FOLLOWS = 10_000;
const mostFollowedCache = slowResultCache<string[]>(
  10 * 60_000,
  (db) =>
    (db
      .select({ n: sql<number>`max(${follows}.rowid)` })
      .from(follows)
      .get()?.n ?? 0) > MANY_FOLLOWS,
);

function mostFollowedHere(db: Db): string[] {
  return mostFollowedCache.get(db, "", () =>
    mostFollowedBy(db, sql`${follows.followerId} IN (SELECT id FROM ${accounts} a WHERE a.domain IS NULL)`),
  );
}

/** Not the member, nor whom they follow (or asked to), nor whom they said "not interested" to. */
const notYetFollowed = (accountId: string, candidate: SQL) =>
  sql`${candidate} != ${accountId}
    AND ${candidate} NOT IN (SELECT ${follows.followingId} FROM ${follows} WHERE ${follows.followerId} = ${accountId})
    AND ${candidate} NOT IN (SELECT ${suggestionDismissals.targetAccountId} FROM ${suggestionDismissals} WHERE ${suggestionDismissals.accountId} = ${accountId})`;

export function suggestions(db: Db, accountId: string, limit = 40): Suggestion[] {
  // Whom those the member follows follow, the more of them the better (those the member follows
  // already left out here, since they are most of it); not through accounts that keep their
  // follows private (that would show whom they follow).
  const friendsOfFriends = mostFollowedBy(
    db,
    sql`${follows.followerId} IN (SELECT f.following_id FROM ${follows} f JOIN ${accounts} a ON a.id = f.following_id
      WHERE f.follower_id = ${accountId} AND f.state = 'accepted' AND a.hide_collections = 0)
      AND ${notYetFollowed(accountId, sql`${follows.followingId}`)}`,
  );
  const ranked = [
    ...friendsOfFriends.map((id) => ({ accountId: id, source: "friends_of_friends" as const })),
    ...mostFollowedHere(db).map((id) => ({ accountId: id, source: "most_followed" as const })),
  ];
  if (ranked.length === 0) return [];
  // The member's own rules, on those few candidates only.
  const allowed = new Set(
    db
      .select({ id: accounts.id })
      .from(accounts)
      .where(
        and(
          inArray(
            accounts.id,
            ranked.map((r) => r.accountId),
          ),
          notYetFollowed(accountId, sql`${accounts.id}`),
          listable(accountId),
        ),
      )
      .all()
      .map((r) => r.id),
  );
  const seen = new Set<string>();
  return ranked.filter((s) => allowed.has(s.accountId) && !seen.has(s.accountId) && seen.add(s.accountId)).slice(0, limit);
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
