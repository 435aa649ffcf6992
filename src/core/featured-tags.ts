import { and, asc, count, desc, eq, inArray, max, notInArray, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { featuredTags, posts, postTags, tags } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError } from "./errors.ts";
import { findTag, storedTag, type TagInfo } from "./followed-tags.ts";
import { slowResultCache } from "./slow-cache.ts";

/**
 * Hashtags a member features on their profile (Mastodon's featured tags): each shows how many
 * of their public posts carry it and links to those posts. The profile's actor lists them as
 * its `featuredTags` collection, so other servers show them too; a change sends an Update.
 */

export const MAX_FEATURED_TAGS = 10;

export interface FeaturedTagView extends TagInfo {
  /** The featured_tags row's id (the API's). */
  featuredId: string;
  /** The member's public and unlisted posts with it. */
  posts: number;
  lastPostAt: Date | null;
}

/** Features the tag (with or without `#`); again is no change. 422 for what cannot be a hashtag, or past 10. */
export function featureTag(deps: CoreDeps, accountId: string, rawName: string): FeaturedTagView {
  const { db } = deps;
  let found: TagInfo;
  try {
    found = findTag(db, rawName.trim());
  } catch {
    throw new CoreError("That is not a hashtag: letters, digits and underscores, with at least one letter.", 422);
  }
  const added = db.transaction((tx) => {
    const tag = storedTag(tx, found);
    const mine = tx.select({ tagId: featuredTags.tagId }).from(featuredTags).where(eq(featuredTags.accountId, accountId)).all();
    if (mine.some((r) => r.tagId === tag.id)) return false;
    if (mine.length >= MAX_FEATURED_TAGS) throw new CoreError(`You can feature at most ${MAX_FEATURED_TAGS} hashtags.`, 422);
    tx.insert(featuredTags).values({ id: newId(), accountId, tagId: tag.id }).run();
    return true;
  });
  if (added) {
    forget(db, accountId);
    deps.events.emit("account.updated", { accountId });
  }
  const view = featuredTagsOf(db, accountId).find((f) => f.name === found.name);
  if (!view) throw new CoreError("Record not found", 404);
  return view;
}

/** Stops featuring it: by the featured row's id (the API) or the tag's name (the pages). */
export function unfeatureTag(deps: CoreDeps, accountId: string, which: { featuredId?: string; name?: string }): void {
  const row = featuredTagsOf(deps.db, accountId).find((f) => f.featuredId === which.featuredId || f.name === which.name);
  if (!row) throw new CoreError("Record not found", 404);
  deps.db.delete(featuredTags).where(eq(featuredTags.id, row.featuredId)).run();
  forget(deps.db, accountId);
  deps.events.emit("account.updated", { accountId });
}

// Counting a prolific member's posts per tag takes tens of milliseconds, and profiles (and apps
// opening them) ask on every view: such counts are kept a minute.
const PROLIFIC = 2_000; // posts
const statsCache = slowResultCache<FeaturedTagView[]>(
  60_000,
  // One step past the first PROLIFIC posts of theirs: none there means a small account.
  (db, accountId) =>
    db.select({ id: posts.id }).from(posts).where(eq(posts.accountId, accountId)).limit(1).offset(PROLIFIC).get() !== undefined,
);

/** An account's featured tags, in the order featured, with their counts (a prolific member's at most a minute old). */
export function featuredTagsOf(db: Db, accountId: string): FeaturedTagView[] {
  return statsCache.get(db, accountId, () => {
    const rows = db
      .select({ featuredId: featuredTags.id, id: tags.id, name: tags.name, display: tags.display })
      .from(featuredTags)
      .innerJoin(tags, eq(tags.id, featuredTags.tagId))
      .where(eq(featuredTags.accountId, accountId))
      .orderBy(asc(featuredTags.id))
      .all();
    const stats = tagStats(
      db,
      accountId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({ ...r, posts: stats.get(r.id)?.posts ?? 0, lastPostAt: stats.get(r.id)?.last ?? null }));
  });
}

/**
 * Another server's account's featured hashtags, as its actor's `featuredTags` collection lists
 * them (what is not a hashtag is skipped; 10 at most). Unchanged, the rows stay as they are.
 */
export function replaceFeaturedTags(db: Db, accountId: string, names: string[]): void {
  const wanted = [
    ...new Map(
      names.flatMap((name) => {
        try {
          const tag = findTag(db, name);
          return [[tag.name, tag] as const];
        } catch {
          return [];
        }
      }),
    ).values(),
  ].slice(0, MAX_FEATURED_TAGS);
  const current = db
    .select({ name: tags.name })
    .from(featuredTags)
    .innerJoin(tags, eq(tags.id, featuredTags.tagId))
    .where(eq(featuredTags.accountId, accountId))
    .orderBy(asc(featuredTags.id))
    .all();
  if (current.map((c) => c.name).join(" ") === wanted.map((w) => w.name).join(" ")) return;
  db.transaction((tx) => {
    tx.delete(featuredTags).where(eq(featuredTags.accountId, accountId)).run();
    for (const tag of wanted)
      tx.insert(featuredTags)
        .values({ id: newId(), accountId, tagId: storedTag(tx, tag).id })
        .run();
  });
  forget(db, accountId);
}

/** A change to the member's featured tags shows at once. */
function forget(db: Db, accountId: string): void {
  statsCache.forget(db, accountId);
}

/** Whether the member features this (normalized) tag. */
export function featuresTag(db: Db, accountId: string, name: string): boolean {
  return (
    db
      .select({ id: featuredTags.id })
      .from(featuredTags)
      .innerJoin(tags, eq(tags.id, featuredTags.tagId))
      .where(and(eq(featuredTags.accountId, accountId), eq(tags.name, name)))
      .get() !== undefined
  );
}

/** The member's most used hashtags (in their last 200 posts) not featured yet: what to offer. */
export function tagSuggestions(db: Db, accountId: string, limit = 10): TagInfo[] {
  const recent = db.select({ id: posts.id }).from(posts).where(eq(posts.accountId, accountId)).orderBy(desc(posts.id)).limit(200);
  const featured = db.select({ id: featuredTags.tagId }).from(featuredTags).where(eq(featuredTags.accountId, accountId));
  return db
    .select({ id: tags.id, name: tags.name, display: tags.display })
    .from(postTags)
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(and(inArray(postTags.postId, recent), notInArray(postTags.tagId, featured)))
    .groupBy(tags.id)
    .orderBy(desc(count()), asc(tags.name))
    .limit(limit)
    .all();
}

/** How many of the account's public and unlisted posts carry each tag, and the newest one's date. */
function tagStats(db: Db, accountId: string, tagIds: string[]) {
  if (tagIds.length === 0) return new Map<string, { posts: number; last: Date | null }>();
  const rows = db
    .select({ tagId: postTags.tagId, n: count(), last: max(posts.createdAt) })
    .from(postTags)
    .innerJoin(posts, eq(posts.id, postTags.postId))
    .where(
      and(
        inArray(postTags.tagId, tagIds),
        eq(posts.accountId, accountId),
        sql`${posts.visibility} IN ('public', 'unlisted')`,
        sql`${posts.reblogOfId} IS NULL`,
      ),
    )
    .groupBy(postTags.tagId)
    .all();
  return new Map(rows.map((r) => [r.tagId, { posts: r.n, last: r.last ? new Date(r.last) : null }]));
}
