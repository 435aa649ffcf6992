import { and, desc, eq, gt, inArray, lt } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { followedTags, tags } from "../db/schema.ts";
import { CoreError } from "./errors.ts";
import { normalizeHashtag, parseText } from "./text.ts";

/**
 * Followed hashtags: public posts carrying one join the member's home timeline (the query is
 * in core/timelines.ts). The tag page's button and the API's follow/unfollow both call these.
 */

export interface TagInfo {
  /** The row's id, or null for a tag no post has carried yet. */
  id: string | null;
  /** Normalized: what tags are keyed by. */
  name: string;
  /** As first typed. */
  display: string;
}

const MAX_TAG = 100;

/** A tag by name (with or without `#`), known or not; 404 when it cannot be a hashtag. */
export function findTag(db: Db, rawName: string): TagInfo {
  const typed = rawName.replace(/^#/, "");
  const parsed = parseText(`#${typed}`).hashtags;
  if (typed.length > MAX_TAG || parsed.length !== 1 || parsed[0]?.name !== typed) throw new CoreError("Record not found", 404);
  const name = normalizeHashtag(typed);
  const row = db.select().from(tags).where(eq(tags.name, name)).get();
  return row ? { id: row.id, name, display: row.display } : { id: null, name, display: typed };
}

/** The tag's row, made if no post has carried it yet (following or featuring it needs one). */
export function storedTag(tx: DbOrTx, found: TagInfo): TagInfo & { id: string } {
  tx.insert(tags).values({ id: newId(), name: found.name, display: found.display }).onConflictDoNothing().run();
  const tag = tx.select().from(tags).where(eq(tags.name, found.name)).get();
  if (!tag) throw new CoreError("Record not found", 404);
  return { id: tag.id, name: tag.name, display: tag.display };
}

export function followTag(db: Db, accountId: string, rawName: string): TagInfo {
  const found = findTag(db, rawName);
  return db.transaction((tx) => {
    const tag = storedTag(tx, found);
    tx.insert(followedTags).values({ id: newId(), accountId, tagId: tag.id }).onConflictDoNothing().run();
    return tag;
  });
}

export function unfollowTag(db: Db, accountId: string, rawName: string): TagInfo {
  const tag = findTag(db, rawName);
  if (tag.id)
    db.delete(followedTags)
      .where(and(eq(followedTags.accountId, accountId), eq(followedTags.tagId, tag.id)))
      .run();
  return tag;
}

/** Of these normalized names, the ones the member follows. */
export function followedAmong(db: Db, accountId: string | null, names: string[]): Set<string> {
  if (!accountId || names.length === 0) return new Set();
  const rows = db
    .select({ name: tags.name })
    .from(followedTags)
    .innerJoin(tags, eq(tags.id, followedTags.tagId))
    .where(and(eq(followedTags.accountId, accountId), inArray(tags.name, names)))
    .all();
  return new Set(rows.map((r) => r.name));
}

/** The member's followed tags, newest follow first, paged by the follow's id. */
export function listFollowedTags(
  db: Db,
  accountId: string,
  page: { maxId?: string; minId?: string; limit?: number } = {},
): { followId: string; tag: TagInfo }[] {
  const rows = db
    .select({ followId: followedTags.id, tag: tags })
    .from(followedTags)
    .innerJoin(tags, eq(tags.id, followedTags.tagId))
    .where(
      and(
        eq(followedTags.accountId, accountId),
        page.maxId ? lt(followedTags.id, page.maxId) : undefined,
        page.minId ? gt(followedTags.id, page.minId) : undefined,
      ),
    )
    .orderBy(desc(followedTags.id))
    .limit(Math.min(Math.max(page.limit ?? 100, 1), 200))
    .all();
  return rows.map((r) => ({ followId: r.followId, tag: { id: r.tag.id, name: r.tag.name, display: r.tag.display } }));
}
