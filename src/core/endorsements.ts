import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, endorsements, follows } from "../db/schema.ts";
import { CoreError } from "./errors.ts";

/**
 * Featured people (Mastodon's endorsements): a member shows on their profile some of the
 * accounts they follow. Only followed accounts can be featured, and one stops being featured
 * when the follow ends (followEnded in core/follows.ts).
 */

/** Enough for a profile to show them all at once. */
export const MAX_ENDORSEMENTS = 40;

export function endorse(db: Db, actor: { id: string }, targetId: string): void {
  const following = db
    .select({ id: follows.id })
    .from(follows)
    .where(and(eq(follows.followerId, actor.id), eq(follows.followingId, targetId), eq(follows.state, "accepted")))
    .get();
  if (!following) throw new CoreError("Follow this account before featuring it on your profile.", 422);
  if (isEndorsed(db, actor.id, targetId)) return;
  if (endorsedBy(db, actor.id, { limit: MAX_ENDORSEMENTS }).length >= MAX_ENDORSEMENTS)
    throw new CoreError(`You can feature at most ${MAX_ENDORSEMENTS} people; stop featuring one first.`, 422);
  db.insert(endorsements).values({ id: newId(), accountId: actor.id, targetAccountId: targetId }).onConflictDoNothing().run();
}

export function unendorse(db: DbOrTx, ownerId: string, targetId: string): void {
  db.delete(endorsements)
    .where(and(eq(endorsements.accountId, ownerId), eq(endorsements.targetAccountId, targetId)))
    .run();
}

// Read with the follow they rest on: however a follow ended, its feature is gone with it.
const stillFollowed = sql`EXISTS (SELECT 1 FROM ${follows} f WHERE f.follower_id = ${endorsements.accountId}
  AND f.following_id = ${endorsements.targetAccountId} AND f.state = 'accepted')`;

export function isEndorsed(db: Db, ownerId: string, targetId: string): boolean {
  return (
    db
      .select({ id: endorsements.id })
      .from(endorsements)
      .where(and(eq(endorsements.accountId, ownerId), eq(endorsements.targetAccountId, targetId), stillFollowed))
      .get() !== undefined
  );
}

/** The accounts someone features, most recently featured first, with the ids that page them. */
export function endorsedBy(db: Db, ownerId: string, page: { maxId?: string; limit: number }) {
  return db
    .select({ id: endorsements.id, account: accounts })
    .from(endorsements)
    .innerJoin(accounts, eq(accounts.id, endorsements.targetAccountId))
    .where(
      and(
        eq(endorsements.accountId, ownerId),
        stillFollowed,
        isNull(accounts.suspendedAt),
        page.maxId ? lt(endorsements.id, page.maxId) : undefined,
      ),
    )
    .orderBy(desc(endorsements.id))
    .limit(page.limit)
    .all();
}
