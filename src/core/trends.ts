import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { lowestIdAt } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import {
  accounts,
  favourites,
  hiddenTrends,
  posts,
  postCards,
  postTags,
  previewCards,
  type TrendKind,
  tags,
  trends,
} from "../db/schema.ts";
import { audit } from "./audit.ts";
import { onCutOffDomain } from "./domain-allows.ts";
import { onSilencedDomain } from "./domain-blocks.ts";
import { CoreError } from "./errors.ts";
import type { TagInfo } from "./followed-tags.ts";
import { getSettings, updateSettings } from "./instance.ts";
import { type Job, listJobRuns } from "./jobs.ts";
import { cardsById } from "./cards.ts";
import { cardViews, type CardView } from "./views.ts";
import { notSilencedBy, visibleTo } from "./visibility.ts";

/**
 * Trends (Mastodon's Explore): the hashtags, posts and links most people here and on the servers
 * this instance hears from used, boosted and liked, or shared, in the last two days. A job ranks
 * them every 15 minutes into `trends`; pages and the API read that. Only public, original posts
 * by discoverable accounts in good standing count, from two people up. Moderators take out what
 * should not trend, and admins can switch trends off.
 */

const WINDOW_MS = 48 * 3600_000;
const DAY_MS = 24 * 3600_000;
/** Fewer people than this is not a trend. */
const MIN_ACCOUNTS = 2;
const KEEP = { tag: 20, post: 40, link: 20 } as const;

/** Posts that may make something trend: public originals by discoverable accounts in good standing, lately. */
function countable(since: number): SQL {
  return sql`${posts.id} >= ${lowestIdAt(since)}
    AND ${posts.visibility} = 'public' AND ${posts.reblogOfId} IS NULL
    AND EXISTS (SELECT 1 FROM ${accounts} ta WHERE ta.id = ${posts.accountId} AND ta.discoverable = 1
      AND ta.suspended_at IS NULL AND ta.silenced_at IS NULL)
    AND NOT ${onSilencedDomain(posts.accountId)} AND NOT ${onCutOffDomain(posts.accountId)}`;
}

const notHidden = (kind: TrendKind, id: SQL) =>
  sql`NOT EXISTS (SELECT 1 FROM ${hiddenTrends} h WHERE h.kind = ${kind} AND h.target_id = ${id})`;

const sources = {
  tag: { table: postTags, target: postTags.tagId, post: postTags.postId },
  link: { table: postCards, target: postCards.cardId, post: postCards.postId },
};

/** Ranks what trends now and keeps it; returns how many of each. */
export function computeTrends(db: Db, now: number): Record<TrendKind, number> {
  const since = now - WINDOW_MS;
  // Each query starts from the window of what is counted (CROSS JOIN keeps SQLite's loops in
  // that order): the window's tags, cards, likes and boosts, not every post of two days.
  const sharedBy = (kind: "tag" | "link") => {
    const { table, target, post } = sources[kind];
    return db.all<{ id: string; accounts: number }>(sql`
      SELECT ${target} AS id, count(DISTINCT ${posts.accountId}) AS accounts
      FROM ${table} CROSS JOIN ${posts} ON ${posts.id} = ${post}
      WHERE ${post} >= ${lowestIdAt(since)} AND ${countable(since)} AND ${notHidden(kind, sql`${target}`)}
      GROUP BY 1 HAVING count(DISTINCT ${posts.accountId}) >= ${MIN_ACCOUNTS}
      ORDER BY 2 DESC, count(*) DESC LIMIT ${KEEP[kind]}`);
  };
  const tagRows = sharedBy("tag");
  // A post: the distinct people known here who boosted or liked it lately (its author aside).
  const reactions = sql`(
    SELECT f.post_id AS target, f.account_id AS who FROM ${favourites} f WHERE f.id >= ${lowestIdAt(since)}
    UNION ALL
    SELECT r.reblog_of_id, r.account_id FROM ${posts} r WHERE r.id >= ${lowestIdAt(since)} AND r.reblog_of_id IS NOT NULL)`;
  const postRows = db.all<{ id: string; accounts: number }>(sql`
    SELECT ${posts.id} AS id, count(DISTINCT i.who) AS accounts
    FROM ${reactions} i CROSS JOIN ${posts} ON ${posts.id} = i.target
    WHERE ${countable(since)} AND i.who != ${posts.accountId}
      AND ${posts.inReplyToId} IS NULL AND ${posts.inReplyToUri} IS NULL AND ${posts.sensitive} = 0
      AND ${notHidden("post", sql`${posts.id}`)}
    GROUP BY 1 HAVING count(DISTINCT i.who) >= ${MIN_ACCOUNTS}
    ORDER BY 2 DESC, 1 DESC LIMIT ${KEEP.post}`);
  const linkRows = sharedBy("link");
  const computedAt = new Date(now);
  const rows = (kind: TrendKind, found: { id: string; accounts: number }[]) =>
    found.map((r, rank) => ({ kind, targetId: r.id, rank, accounts: r.accounts, computedAt }));
  const all = [...rows("tag", tagRows), ...rows("post", postRows), ...rows("link", linkRows)];
  db.transaction((tx) => {
    tx.delete(trends).run();
    if (all.length > 0) tx.insert(trends).values(all).run();
  });
  return { tag: tagRows.length, post: postRows.length, link: linkRows.length };
}

export interface Paging {
  offset: number;
  limit: number;
}

/** The ranked ids of one kind, with how many people; nothing when trends are off. */
function ranked(db: Db, kind: TrendKind, page: Paging) {
  if (!trendsEnabled(db)) return [];
  return db
    .select({ id: trends.targetId, accounts: trends.accounts })
    .from(trends)
    .where(eq(trends.kind, kind))
    .orderBy(asc(trends.rank))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}

export interface DayUse {
  /** The day's start (UTC). */
  day: Date;
  uses: number;
  accounts: number;
}

export interface TrendingTag {
  tag: TagInfo & { id: string };
  accounts: number;
  /** The last seven days, today first (Mastodon's tag history). */
  history: DayUse[];
}

export function trendingTags(db: Db, page: Paging, now = Date.now()): TrendingTag[] {
  const found = ranked(db, "tag", page);
  if (found.length === 0) return [];
  const ids = found.map((f) => f.id);
  const rows = db.select().from(tags).where(inArray(tags.id, ids)).all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const history = dailyUses(db, "tag", ids, now);
  return found.flatMap((f) => {
    const tag = byId.get(f.id);
    return tag
      ? [{ tag: { id: tag.id, name: tag.name, display: tag.display }, accounts: f.accounts, history: history(tag.id) }]
      : [];
  });
}

/** Each of these hashtags' uses a day over the last week, newest day first (Mastodon's tag `history`). */
export function tagHistory(db: Db, tagIds: string[], now = Date.now()): (tagId: string) => DayUse[] {
  return tagIds.length > 0 ? dailyUses(db, "tag", tagIds, now) : () => [];
}

/** Posts and people per day for these tags or links over the last week (the public originals that count). */
function dailyUses(db: Db, kind: "tag" | "link", ids: string[], now: number) {
  const { table, target, post } = sources[kind];
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const rows = db.all<{ target: string; day: number; uses: number; accounts: number }>(sql`
    SELECT ${target} AS target, ${posts.createdAt} / ${DAY_MS} AS day, count(*) AS uses,
      count(DISTINCT ${posts.accountId}) AS accounts
    FROM ${table} JOIN ${posts} ON ${posts.id} = ${post}
    WHERE ${target} IN ${ids} AND ${countable(today - 6 * DAY_MS)}
    GROUP BY 1, 2`);
  return (id: string): DayUse[] =>
    Array.from({ length: 7 }, (_, i) => {
      const start = today - i * DAY_MS;
      const row = rows.find((r) => r.target === id && r.day === start / DAY_MS);
      return { day: new Date(start), uses: row?.uses ?? 0, accounts: row?.accounts ?? 0 };
    });
}

/** Trending posts the viewer may see (and has not muted or blocked the author of), best first. */
export function trendingPostIds(db: Db, viewerId: string | null, page: Paging): string[] {
  const found = ranked(db, "post", page).map((f) => f.id);
  if (found.length === 0) return [];
  const visible = new Set(
    db
      .select({ id: posts.id })
      .from(posts)
      .where(and(inArray(posts.id, found), visibleTo(viewerId), notSilencedBy(viewerId)))
      .all()
      .map((r) => r.id),
  );
  return found.filter((id) => visible.has(id));
}

export interface TrendingLink {
  id: string;
  card: CardView;
  accounts: number;
  history: DayUse[];
}

export function trendingLinks(db: Db, baseUrl: URL, page: Paging, now = Date.now()): TrendingLink[] {
  return linkViews(db, baseUrl, ranked(db, "link", page), now);
}

/** Ranked links (card ids, with how many people) with their cards and their week's history. */
function linkViews(db: Db, baseUrl: URL, found: { id: string; accounts: number }[], now: number): TrendingLink[] {
  if (found.length === 0) return [];
  const ids = found.map((f) => f.id);
  const history = dailyUses(db, "link", ids, now);
  const cards = cardViews(db, baseUrl, cardsById(db, ids));
  return found.flatMap((f) => {
    const card = cards.get(f.id);
    return card ? [{ id: f.id, card, accounts: f.accounts, history: history(f.id) }] : [];
  });
}

export const TRENDS_JOB = "compute-trends";

/** The ranking as a periodic job: the scheduler runs it every 15 minutes, staff with "Rank now". */
export function trendsJob(db: Db): Job {
  return {
    name: TRENDS_JOB,
    everyMs: 15 * 60_000,
    run: (now) => {
      const n = computeTrends(db, now.getTime());
      return `trending: ${n.tag} hashtags, ${n.post} posts, ${n.link} links`;
    },
  };
}

/** When the trends were last ranked (null before the first time), whatever it found. */
export function lastRanked(db: Db): Date | null {
  return listJobRuns(db).find((r) => r.name === TRENDS_JOB)?.lastFinishedAt ?? null;
}

/** The trending link with this URL (its card), when trends are on and it trends now. */
export function trendingLink(db: Db, baseUrl: URL, url: string, now = Date.now()): TrendingLink | undefined {
  if (!trendsEnabled(db)) return undefined;
  const found = db
    .select({ id: previewCards.id, accounts: trends.accounts })
    .from(previewCards)
    .innerJoin(trends, and(eq(trends.kind, "link"), eq(trends.targetId, previewCards.id)))
    .where(eq(previewCards.url, url))
    .all();
  return linkViews(db, baseUrl, found, now)[0];
}

export function trendsEnabled(db: Db): boolean {
  return getSettings(db).trendsEnabled;
}

/** Admins switch trends on or off (audited). */
export function setTrendsEnabled(db: Db, staffId: string, enabled: boolean): void {
  updateSettings(db, { trendsEnabled: enabled });
  audit(db, { actorId: staffId, action: enabled ? "trends.enable" : "trends.disable", targetType: "settings" });
}

/** A moderator takes it out of the trends, now and later (audited). */
export function hideTrend(db: Db, staffId: string, kind: TrendKind, targetId: string): void {
  const current = db
    .select()
    .from(trends)
    .where(and(eq(trends.kind, kind), eq(trends.targetId, targetId)))
    .get();
  if (!current) throw new CoreError("This is not trending.", 404);
  db.transaction((tx) => {
    tx.insert(hiddenTrends).values({ kind, targetId }).onConflictDoNothing().run();
    tx.delete(trends)
      .where(and(eq(trends.kind, kind), eq(trends.targetId, targetId)))
      .run();
    audit(tx, { actorId: staffId, action: "trends.hide", targetType: kind, targetId });
  });
}

/** Lets it trend again (from the next ranking on). */
export function unhideTrend(db: Db, staffId: string, kind: TrendKind, targetId: string): void {
  const removed = db
    .delete(hiddenTrends)
    .where(and(eq(hiddenTrends.kind, kind), eq(hiddenTrends.targetId, targetId)))
    .returning()
    .all();
  if (removed.length === 0) throw new CoreError("This is not hidden from the trends.", 404);
  audit(db, { actorId: staffId, action: "trends.unhide", targetType: kind, targetId });
}

/** What the moderators hid, newest first, with a name to show (a tag, a post's start, a link). */
export function hiddenTrendList(db: Db) {
  const rows = db.select().from(hiddenTrends).orderBy(sql`${hiddenTrends.createdAt} DESC`).limit(200).all();
  const label = (kind: TrendKind, id: string): string => {
    if (kind === "tag") return `#${db.select({ d: tags.display }).from(tags).where(eq(tags.id, id)).get()?.d ?? "(gone)"}`;
    if (kind === "link")
      return db.select({ u: previewCards.url }).from(previewCards).where(eq(previewCards.id, id)).get()?.u ?? "(gone)";
    const text = db.select({ t: posts.text, h: posts.contentHtml }).from(posts).where(eq(posts.id, id)).get();
    return text ? (text.t ?? text.h.replace(/<[^>]*>/g, " ")).slice(0, 80) : "(gone)";
  };
  return rows.map((r) => ({ kind: r.kind, targetId: r.targetId, label: label(r.kind, r.targetId), hiddenAt: r.createdAt }));
}
