import { and, desc, eq, exists, gt, inArray, isNotNull, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/open.ts";
import {
  accounts,
  bookmarks,
  favourites,
  followedTags,
  follows,
  listAccounts,
  lists,
  mediaAttachments,
  mutes,
  postCards,
  posts,
  postTags,
  previewCards,
  tags,
} from "../db/schema.ts";
import { normalizeHashtag } from "./text.ts";
import { listedPublicly, muteInForce, notSilencedBy, notSilencedFor, visibleTo } from "./visibility.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";
import { inChosenLanguages } from "./preferences.ts";

/** Cursor paging by id: ids are UUIDv7, so they sort by time. */
export interface PageQuery {
  limit?: number;
  /** Older than this id. */
  maxId?: string;
  /** Newer than this id (the newest page). */
  sinceId?: string;
  /** Newer than this id, the page right after it (catching up from a point). */
  minId?: string;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 40;

function limitOf(page: PageQuery): number {
  return Math.min(Math.max(page.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

const cursor = (page: PageQuery) => pageBounds(posts.id, page);

/** A page of post ids, newest first; with minId, the oldest ones after it (still given newest first). */
function ids(db: Db, where: SQL | undefined, page: PageQuery): string[] {
  const rows = db
    .select({ id: posts.id })
    .from(posts)
    .where(and(where, cursor(page)))
    .orderBy(pageOrder(posts.id, page))
    .limit(limitOf(page))
    .all()
    .map((r) => r.id);
  return newestFirst(rows, page);
}
export { ids as pagedPostIds };

/**
 * The accounts whose posts reach one's home: those one follows, except members of one's
 * exclusive lists (read in their list instead). Not correlated with the post: SQLite
 * computes it once per query.
 */
const homeAccounts = (viewerId: string) =>
  sql`(SELECT ${follows.followingId} FROM ${follows} WHERE ${follows.followerId} = ${viewerId} AND ${follows.state} = 'accepted'
    AND ${follows.followingId} NOT IN (SELECT ${listAccounts.accountId} FROM ${listAccounts} JOIN ${lists} ON ${lists.id} = ${listAccounts.listId}
      WHERE ${lists.accountId} = ${viewerId} AND ${lists.exclusive} = 1))`;

const followedBy = (viewerId: string) => sql`${posts.accountId} IN ${homeAccounts(viewerId)}`;

// Boosts from an account whose boosts the viewer turned off stay out of home (and lists).
export const boostsWanted = (viewerId: string) =>
  sql`(${posts.reblogOfId} IS NULL OR ${posts.accountId} = ${viewerId} OR NOT EXISTS (
    SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${viewerId} AND ${follows.followingId} = ${posts.accountId} AND ${follows.showReblogs} = 0))`;

/**
 * A boost of a post the timeline already shows close by stays out, as Mastodon's feeds leave out
 * a boost of a post among their 40 newest: the original, or an earlier boost of it, that the
 * timeline shows (home: by the viewer or someone they follow; a list: by its accounts; not muted,
 * their boosts wanted), from at most a day before. So the same post does not show twice in a row;
 * boosted again after a quiet day, it comes back up. (Boosts each less than a day apart keep it
 * where it first showed.) `shownFrom` is the subquery of the accounts a list shows.
 */
const BOOST_FALLOFF_MS = 86_400_000;
const SEEN = "seen";
const seen = alias(posts, SEEN);
export const boostNotRepeated = (viewerId: string, shownFrom?: SQL) => {
  const notMuted = sql`NOT EXISTS (SELECT 1 FROM ${mutes} WHERE ${mutes.accountId} = ${viewerId} AND ${mutes.targetAccountId} = ${seen.accountId} AND ${muteInForce()})`;
  const shown = shownFrom
    ? sql`${seen.accountId} IN ${shownFrom}`
    : sql`(${seen.accountId} = ${viewerId} OR ${seen.accountId} IN ${homeAccounts(viewerId)})`;
  const inHome = sql`(${shown} AND ${notMuted})`;
  const boostShown = sql`(${seen.accountId} = ${viewerId} OR NOT EXISTS (SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${viewerId}
    AND ${follows.followingId} = ${seen.accountId} AND ${follows.showReblogs} = 0))`;
  const before = sql`${seen.createdAt} > ${posts.createdAt} - ${BOOST_FALLOFF_MS} AND ${seen.createdAt} <= ${posts.createdAt}`;
  const from = sql`FROM ${posts} AS ${sql.identifier(SEEN)}`;
  return sql`(${posts.reblogOfId} IS NULL OR (
    NOT EXISTS (SELECT 1 ${from} WHERE ${seen.id} = ${posts.reblogOfId} AND ${before} AND ${inHome})
    AND NOT EXISTS (SELECT 1 ${from} WHERE ${seen.reblogOfId} = ${posts.reblogOfId} AND ${seen.id} < ${posts.id} AND ${before} AND ${inHome} AND ${boostShown})))`;
};

// How many of the newest posts home scans before it looks up followed accounts one by one.
const HOME_WINDOW = 4000;

/**
 * Public posts (not boosts) carrying a hashtag the viewer follows, as Mastodon puts them in home;
 * a limited account's only for its followers. Per post, two index lookups (the post's tags, then
 * the viewer's follow of each); undefined when the viewer follows no tag, so home stays as cheap
 * as before for them.
 */
function withFollowedTag(db: Db, viewerId: string): SQL | undefined {
  const any = db.select({ id: followedTags.id }).from(followedTags).where(eq(followedTags.accountId, viewerId)).limit(1).get();
  if (!any) return undefined;
  return sql`(${listedPublicly} AND ${posts.reblogOfId} IS NULL AND EXISTS (
    SELECT 1 FROM ${postTags} JOIN ${followedTags} ON ${followedTags.tagId} = ${postTags.tagId} AND ${followedTags.accountId} = ${viewerId}
    WHERE ${postTags.postId} = ${posts.id}) AND ${notSilencedFor(viewerId)})`;
}

/**
 * Home: one's own posts and those of the accounts one follows (but not members of one's
 * exclusive lists), boosts included, and public posts with a followed hashtag. The newest posts are scanned first (the `+` keeps SQLite from
 * using the per-account index there): on a busy instance the page fills within a few thousand
 * rows instead of sorting every post of every followed account. Only when that window is not
 * enough do older posts come through the indexes (per account, and the followed tags' posts),
 * which is then cheap because the followed accounts post little.
 */
export function homeTimeline(db: Db, viewerId: string, page: PageQuery = {}): string[] {
  const limit = limitOf(page);
  const filters = and(visibleTo(viewerId), notSilencedBy(viewerId), boostsWanted(viewerId), boostNotRepeated(viewerId));
  const tagged = withFollowedTag(db, viewerId);
  const indexed = or(eq(posts.accountId, viewerId), followedBy(viewerId), tagged && taggedByIndex(viewerId, tagged));
  // Catching up from a point reads forward from it through the index: no window needed.
  if (page.minId) return ids(db, and(indexed, filters), page);
  const floor = db
    .select({ id: posts.id })
    .from(posts)
    .where(cursor(page))
    .orderBy(desc(posts.id))
    .limit(1)
    .offset(HOME_WINDOW)
    .get()?.id;
  const scanned = ids(
    db,
    and(
      sql`(+${posts.accountId} = ${viewerId} OR +${posts.accountId} IN ${homeAccounts(viewerId)}${tagged ? sql` OR ${tagged}` : sql``})`,
      filters,
      floor ? gt(posts.id, floor) : undefined,
    ),
    page,
  );
  if (scanned.length >= limit || !floor || page.sinceId) return scanned;
  const older = ids(db, and(indexed, filters, lte(posts.id, floor)), {
    ...page,
    limit: limit - scanned.length,
  });
  return [...scanned, ...older];
}

/** The tag condition with an id list SQLite can read through the post_tags index, for the OR of indexes. */
const taggedByIndex = (viewerId: string, tagged: SQL) =>
  sql`(${posts.id} IN (SELECT ${postTags.postId} FROM ${followedTags} JOIN ${postTags} ON ${postTags.tagId} = ${followedTags.tagId}
    WHERE ${followedTags.accountId} = ${viewerId}) AND ${tagged})`;

const isLocalAuthor = sql`EXISTS (SELECT 1 FROM ${accounts} WHERE ${accounts.id} = ${posts.accountId} AND ${accounts.domain} IS NULL)`;

/** Public posts of this instance's members. */
export function localTimeline(db: Db, viewerId: string | null, page: PageQuery = {}): string[] {
  return ids(
    db,
    and(
      listedPublicly,
      isNull(posts.reblogOfId),
      isLocalAuthor,
      notSilencedBy(viewerId),
      notSilencedFor(viewerId),
      visibleTo(viewerId),
      inChosenLanguages(db, viewerId),
    ),
    page,
  );
}

/** Every public post this instance knows, local and remote. */
export function federatedTimeline(db: Db, viewerId: string | null, page: PageQuery = {}): string[] {
  return ids(
    db,
    and(
      listedPublicly,
      isNull(posts.reblogOfId),
      notSilencedBy(viewerId),
      notSilencedFor(viewerId),
      visibleTo(viewerId),
      inChosenLanguages(db, viewerId),
    ),
    page,
  );
}

/** The post carries this hashtag (however it was typed). */
const taggedWith = (tag: string) =>
  sql`${posts.id} IN (SELECT ${postTags.postId} FROM ${postTags} JOIN ${tags} ON ${tags.id} = ${postTags.tagId} WHERE ${tags.name} = ${normalizeHashtag(tag.replace(/^#/, ""))})`;

export function tagTimeline(db: Db, viewerId: string | null, tag: string, page: PageQuery = {}): string[] {
  return publicWith(db, viewerId, taggedWith(tag), page);
}

/** Public posts sharing this link (its preview card's URL): a trending link's posts. */
export function linkTimeline(db: Db, viewerId: string | null, url: string, page: PageQuery = {}): string[] {
  const linked = sql`${posts.id} IN (SELECT ${postCards.postId} FROM ${postCards} JOIN ${previewCards} ON ${previewCards.id} = ${postCards.cardId} WHERE ${previewCards.url} = ${url})`;
  return publicWith(db, viewerId, linked, page);
}

/** Public original posts matching `what`, as the viewer may see them (hashtag and link timelines). */
function publicWith(db: Db, viewerId: string | null, what: SQL, page: PageQuery): string[] {
  return ids(
    db,
    and(
      listedPublicly,
      isNull(posts.reblogOfId),
      what,
      notSilencedBy(viewerId),
      notSilencedFor(viewerId),
      visibleTo(viewerId),
      inChosenLanguages(db, viewerId),
    ),
    page,
  );
}

export type ProfileTab = "posts" | "replies" | "media";

/** An account's posts as the viewer may see them: without replies to others, with them, or with images only. */
export function accountTimeline(
  db: Db,
  viewerId: string | null,
  accountId: string,
  tab: ProfileTab,
  page: PageQuery = {},
  /** Only the posts with this hashtag (a featured tag's link, the API's `tagged`). */
  tagged?: string,
): string[] {
  const byAccount = eq(posts.accountId, accountId);
  const withTag = tagged ? taggedWith(tagged) : undefined;
  const shape =
    tab === "posts"
      ? or(isNull(posts.inReplyToId), eq(posts.inReplyToAccountId, accountId))
      : tab === "media"
        ? and(
            isNull(posts.reblogOfId),
            exists(db.select({ id: mediaAttachments.id }).from(mediaAttachments).where(eq(mediaAttachments.postId, posts.id))),
          )
        : undefined;
  return ids(db, and(byAccount, shape, withTag, visibleTo(viewerId)), page);
}

export function pinnedPosts(db: Db, viewerId: string | null, accountId: string): string[] {
  return db
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.accountId, accountId), isNotNull(posts.pinnedAt), visibleTo(viewerId)))
    .orderBy(desc(posts.pinnedAt))
    .all()
    .map((r) => r.id);
}

/** Bookmarked or favourited posts, newest action first; the cursor is the action's id. */
export function savedPosts(
  db: Db,
  viewerId: string,
  kind: "bookmarks" | "favourites",
  page: PageQuery = {},
): { ids: string[]; next?: string } {
  const table = kind === "bookmarks" ? bookmarks : favourites;
  const rows = db
    .select({ id: table.id, postId: table.postId })
    .from(table)
    .innerJoin(posts, eq(posts.id, table.postId))
    .where(and(eq(table.accountId, viewerId), page.maxId ? lt(table.id, page.maxId) : undefined, visibleTo(viewerId)))
    .orderBy(desc(table.id))
    .limit(limitOf(page))
    .all();
  return { ids: rows.map((r) => r.postId), next: rows.length === limitOf(page) ? rows.at(-1)?.id : undefined };
}

/** A post's thread: its ancestors (oldest first) and its replies (in reading order), as far as visible. */
export function thread(db: Db, viewerId: string | null, postId: string): { ancestors: string[]; descendants: string[] } {
  const ancestors: string[] = [];
  let current = db.select({ parent: posts.inReplyToId }).from(posts).where(eq(posts.id, postId)).get()?.parent;
  // Bounded: a hostile chain of replies cannot make this loop forever.
  while (current && ancestors.length < 40 && !ancestors.includes(current)) {
    const row = db
      .select({ id: posts.id, parent: posts.inReplyToId })
      .from(posts)
      .where(and(eq(posts.id, current), visibleTo(viewerId)))
      .get();
    if (!row) break;
    ancestors.unshift(row.id);
    current = row.parent;
  }
  const descendants: string[] = [];
  const walk = (parentIds: string[], depth: number) => {
    if (parentIds.length === 0 || depth > 20 || descendants.length >= 200) return;
    const children = db
      .select({ id: posts.id, parent: posts.inReplyToId })
      .from(posts)
      .where(and(inArray(posts.inReplyToId, parentIds), visibleTo(viewerId), notSilencedBy(viewerId)))
      .orderBy(posts.id)
      .all();
    for (const parent of parentIds) {
      for (const child of children.filter((c) => c.parent === parent)) {
        if (descendants.length >= 200) return;
        descendants.push(child.id);
        walk([child.id], depth + 1);
      }
    }
  };
  walk([postId], 0);
  return { ancestors, descendants };
}

/** Of the given posts, the public ones (feeds show nothing else), in the same order. */
export function listedOnlyPublic(db: Db, postIds: string[]): string[] {
  if (postIds.length === 0) return [];
  const ok = new Set(
    db
      .select({ id: posts.id })
      .from(posts)
      .where(and(inArray(posts.id, postIds), listedPublicly, isNull(posts.reblogOfId)))
      .all()
      .map((r) => r.id),
  );
  return postIds.filter((id) => ok.has(id));
}
