import { and, asc, count, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import {
  type FilterAction,
  type FilterContext,
  filterActions,
  filterContexts,
  filterKeywords,
  filterStatuses,
  filters,
  posts,
} from "../db/schema.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { findVisiblePost } from "./posts.ts";
import { htmlToPlainText } from "./text.ts";
import { loadPostViews, type PostView } from "./views.ts";
import { notHiddenFromNotifications, visibleTo } from "./visibility.ts";

/**
 * Keyword filters (Mastodon's filters v2): a member names a filter, says where it applies
 * (contexts) and what it does (warn: shown collapsed; hide: left out; blur: its pictures folded), and lists keywords and
 * single posts. The web settings page and the API both go through these functions, and every
 * timeline goes through `applyFilters`.
 */

export const MAX_FILTERS = 100;
export const MAX_KEYWORDS = 100;
export const MAX_TITLE = 200;
export const MAX_KEYWORD = 200;
export const MAX_FILTER_STATUSES = 1000;

type FilterRow = typeof filters.$inferSelect;
export type FilterKeyword = typeof filterKeywords.$inferSelect;
export type FilterStatus = typeof filterStatuses.$inferSelect;
export interface Filter extends FilterRow {
  keywords: FilterKeyword[];
  statuses: FilterStatus[];
}

/** A keyword to add (no id), change (id) or remove (id and destroy), as Mastodon's keywords_attributes. */
export interface KeywordChange {
  id?: string;
  keyword?: string;
  wholeWord?: boolean;
  destroy?: boolean;
}

export interface FilterInput {
  title?: string;
  context?: string[];
  filterAction?: string;
  /** Seconds from now; null: never expires; undefined: left as it is. */
  expiresIn?: number | null;
  keywords?: KeywordChange[];
}

const notFound = () => new CoreError("Record not found", 404);

/** The member's filters with their keywords and posts, oldest first. */
export function listFilters(db: Db, accountId: string): Filter[] {
  return withRules(db, db.select().from(filters).where(eq(filters.accountId, accountId)).orderBy(asc(filters.id)).all());
}

/** One of the member's filters; 404 for anyone else's. */
export function getFilter(db: DbOrTx, accountId: string, id: string): Filter {
  const row = db.select().from(filters).where(eq(filters.id, id)).get();
  if (!row || row.accountId !== accountId) throw notFound();
  return withRules(db, [row])[0] as Filter;
}

function withRules(db: DbOrTx, rows: FilterRow[]): Filter[] {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const keywords = db.select().from(filterKeywords).where(inArray(filterKeywords.filterId, ids)).orderBy(filterKeywords.id).all();
  const statuses = db.select().from(filterStatuses).where(inArray(filterStatuses.filterId, ids)).orderBy(filterStatuses.id).all();
  return rows.map((r) => ({
    ...r,
    keywords: keywords.filter((k) => k.filterId === r.id),
    statuses: statuses.filter((s) => s.filterId === r.id),
  }));
}

export function createFilter(db: Db, accountId: string, input: FilterInput, now = new Date()): Filter {
  const fields = checkFilterFields(input, true, now);
  return db.transaction((tx) => {
    const [{ n } = { n: 0 }] = tx.select({ n: count() }).from(filters).where(eq(filters.accountId, accountId)).all();
    if (n >= MAX_FILTERS) throw new ValidationError({ title: `You can have at most ${MAX_FILTERS} filters.` });
    const id = newId();
    tx.insert(filters)
      .values({
        id,
        accountId,
        title: fields.title ?? "",
        context: fields.context ?? [],
        filterAction: fields.filterAction ?? "warn",
        expiresAt: fields.expiresAt ?? null,
      })
      .run();
    changeKeywords(tx, id, input.keywords ?? []);
    return getFilter(tx, accountId, id);
  });
}

/** Changes only what `input` holds; keyword changes are applied in order, then counted. */
export function updateFilter(db: Db, accountId: string, id: string, input: FilterInput, now = new Date()): Filter {
  getFilter(db, accountId, id);
  const fields = checkFilterFields(input, false, now);
  return db.transaction((tx) => {
    if (Object.keys(fields).length > 0) tx.update(filters).set(fields).where(eq(filters.id, id)).run();
    changeKeywords(tx, id, input.keywords ?? []);
    return getFilter(tx, accountId, id);
  });
}

export function deleteFilter(db: Db, accountId: string, id: string): void {
  getFilter(db, accountId, id);
  db.delete(filters).where(eq(filters.id, id)).run();
}

type FilterFields = Partial<Pick<FilterRow, "title" | "context" | "filterAction" | "expiresAt">>;

function checkFilterFields(input: FilterInput, creating: boolean, now: Date): FilterFields {
  const errors: Record<string, string> = {};
  const fields: FilterFields = {};
  if (creating || input.title !== undefined) {
    const title = (input.title ?? "").trim();
    if (!title) errors.title = "Give the filter a title.";
    else if ([...title].length > MAX_TITLE) errors.title = `Title is too long (maximum is ${MAX_TITLE} characters)`;
    fields.title = title;
  }
  if (creating || input.context !== undefined) {
    const context = [...new Set(input.context ?? [])];
    const valid = (c: string): c is FilterContext => (filterContexts as readonly string[]).includes(c);
    if (context.length === 0 || !context.every(valid)) errors.context = "Context: none or invalid context supplied";
    else fields.context = context;
  }
  if (input.filterAction !== undefined) {
    const action = input.filterAction;
    if (!(filterActions as readonly string[]).includes(action))
      errors.filter_action = "Filter action is not included in the list";
    else fields.filterAction = action as FilterAction;
  }
  if (input.expiresIn !== undefined) {
    const seconds = input.expiresIn;
    if (seconds !== null && !(Number.isFinite(seconds) && seconds > 0 && seconds <= 10 * 365 * 86400)) {
      errors.expires_in = "Expires in must be a number of seconds, or empty for never";
    } else fields.expiresAt = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return fields;
}

function checkKeyword(keyword: string | undefined): string {
  const trimmed = (keyword ?? "").trim();
  if (!trimmed) throw new ValidationError({ keyword: "Write the word or phrase to filter." });
  if ([...trimmed].length > MAX_KEYWORD) {
    throw new ValidationError({ keyword: `Keyword is too long (maximum is ${MAX_KEYWORD} characters)` });
  }
  return trimmed;
}

function changeKeywords(tx: DbOrTx, filterId: string, changes: KeywordChange[]): void {
  for (const change of changes) {
    if (!change.id) {
      if (change.destroy) continue;
      tx.insert(filterKeywords)
        .values({ id: newId(), filterId, keyword: checkKeyword(change.keyword), wholeWord: change.wholeWord ?? true })
        .run();
      continue;
    }
    const where = and(eq(filterKeywords.id, change.id), eq(filterKeywords.filterId, filterId));
    if (!tx.select({ id: filterKeywords.id }).from(filterKeywords).where(where).get()) throw notFound();
    if (change.destroy) tx.delete(filterKeywords).where(where).run();
    else {
      const set: Partial<FilterKeyword> = {};
      if (change.keyword !== undefined) set.keyword = checkKeyword(change.keyword);
      if (change.wholeWord !== undefined) set.wholeWord = change.wholeWord;
      if (Object.keys(set).length > 0) tx.update(filterKeywords).set(set).where(where).run();
    }
  }
  const [{ n } = { n: 0 }] = tx.select({ n: count() }).from(filterKeywords).where(eq(filterKeywords.filterId, filterId)).all();
  if (n > MAX_KEYWORDS) throw new ValidationError({ keywords: `A filter holds at most ${MAX_KEYWORDS} keywords.` });
}

/** A keyword of one of the member's filters; 404 for anyone else's. */
export function getKeyword(db: DbOrTx, accountId: string, keywordId: string): FilterKeyword {
  const row = db
    .select({ keyword: filterKeywords, owner: filters.accountId })
    .from(filterKeywords)
    .innerJoin(filters, eq(filters.id, filterKeywords.filterId))
    .where(eq(filterKeywords.id, keywordId))
    .get();
  if (!row || row.owner !== accountId) throw notFound();
  return row.keyword;
}

export function addKeyword(db: Db, accountId: string, filterId: string, input: KeywordChange): FilterKeyword {
  getFilter(db, accountId, filterId);
  return db.transaction((tx) => {
    changeKeywords(tx, filterId, [{ keyword: input.keyword, wholeWord: input.wholeWord }]);
    return tx
      .select()
      .from(filterKeywords)
      .where(eq(filterKeywords.filterId, filterId))
      .orderBy(filterKeywords.id)
      .all()
      .at(-1) as FilterKeyword;
  });
}

export function updateKeyword(db: Db, accountId: string, keywordId: string, input: KeywordChange): FilterKeyword {
  const keyword = getKeyword(db, accountId, keywordId);
  db.transaction((tx) => changeKeywords(tx, keyword.filterId, [{ ...input, id: keywordId, destroy: false }]));
  return getKeyword(db, accountId, keywordId);
}

export function deleteKeyword(db: Db, accountId: string, keywordId: string): void {
  getKeyword(db, accountId, keywordId);
  db.delete(filterKeywords).where(eq(filterKeywords.id, keywordId)).run();
}

/** A post one of the member's filters applies to; 404 for anyone else's. */
export function getFilterStatus(db: Db, accountId: string, id: string): FilterStatus {
  const row = db
    .select({ status: filterStatuses, owner: filters.accountId })
    .from(filterStatuses)
    .innerJoin(filters, eq(filters.id, filterStatuses.filterId))
    .where(eq(filterStatuses.id, id))
    .get();
  if (!row || row.owner !== accountId) throw notFound();
  return row.status;
}

/** Adds a post the member can see to one of their filters. */
export function addFilterStatus(db: Db, accountId: string, filterId: string, postId: string): FilterStatus {
  const filter = getFilter(db, accountId, filterId);
  if (!findVisiblePost(db, postId, accountId)) throw new ValidationError({ status_id: "Status is invalid" });
  if (filter.statuses.some((s) => s.postId === postId)) throw new ValidationError({ status_id: "Status has already been taken" });
  if (filter.statuses.length >= MAX_FILTER_STATUSES) {
    throw new ValidationError({ status_id: `A filter holds at most ${MAX_FILTER_STATUSES} posts.` });
  }
  const row = { id: newId(), filterId, postId };
  db.insert(filterStatuses).values(row).run();
  return row;
}

export function deleteFilterStatus(db: Db, accountId: string, id: string): void {
  getFilterStatus(db, accountId, id);
  db.delete(filterStatuses).where(eq(filterStatuses.id, id)).run();
}

// ---- Matching ----

/** A filter ready to match: its keywords as one regular expression, its posts as a set. */
export interface ActiveFilter {
  filter: Filter;
  keywords: RegExp | null;
  statusIds: Set<string>;
}

/** Mastodon's FilterResult: which filter, the text its keywords matched, the posts it names. */
export interface FilterMatch {
  filter: Filter;
  keywordMatches: string[] | null;
  statusMatches: string[] | null;
}

// Ruby's [[:word:]], which Mastodon's `\b` stands on: letters, marks, digits, connectors in any script.
const WORD = String.raw`[\p{L}\p{M}\p{Nd}\p{Pc}]`;
const STARTS_WITH_WORD = new RegExp(`^${WORD}`, "u");
const ENDS_WITH_WORD = new RegExp(`${WORD}$`, "u");
// The characters that need a backslash in a `u` pattern (where escaping anything else is an error).
const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

/**
 * Mastodon's CustomFilterKeyword#to_regex: a whole-word keyword has a word boundary on each side
 * that begins or ends with a word character (so "#tag" or "c++" still match), made Unicode-aware
 * with lookarounds since JavaScript's `\b` knows only ASCII.
 */
function keywordPattern(keyword: FilterKeyword): string {
  const text = keyword.keyword.normalize("NFC");
  const body = escapeRegExp(text);
  if (!keyword.wholeWord) return body;
  const start = STARTS_WITH_WORD.test(text) ? `(?<!${WORD})` : "";
  const end = ENDS_WITH_WORD.test(text) ? `(?!${WORD})` : "";
  return `${start}${body}${end}`;
}

/** A filter's keywords as one case-insensitive expression (null without keywords). */
export function compileKeywords(keywords: FilterKeyword[]): RegExp | null {
  if (keywords.length === 0) return null;
  return new RegExp(keywords.map(keywordPattern).join("|"), "iu");
}

/** The member's unexpired filters for a context (null: every context), compiled once per request. */
export function activeFilters(db: Db, accountId: string, context: FilterContext | null, now = new Date()): ActiveFilter[] {
  const rows = db
    .select()
    .from(filters)
    .where(and(eq(filters.accountId, accountId), or(isNull(filters.expiresAt), gt(filters.expiresAt, now))))
    .orderBy(asc(filters.id))
    .all()
    .filter((f) => context === null || f.context.includes(context));
  return withRules(db, rows).map((filter) => ({
    filter,
    keywords: compileKeywords(filter.keywords),
    statusIds: new Set(filter.statuses.map((s) => s.postId)),
  }));
}

/**
 * THE matching rule: which of the active filters a post matches, by the words of its text or
 * by its id (`ids`: the post and, for a boost, the boosted one). As Mastodon, a keyword match
 * reports the first text matched.
 */
export function matchFilters(active: ActiveFilter[], post: { ids: string[]; text: string }): FilterMatch[] {
  if (active.length === 0) return [];
  const text = post.text.normalize("NFC");
  return active.flatMap(({ filter, keywords, statusIds }) => {
    const found = keywords?.exec(text);
    const statusMatches = statusIds.size > 0 ? post.ids.filter((id) => statusIds.has(id)) : null;
    if (!found && !statusMatches?.length) return [];
    return [{ filter, keywordMatches: found ? [found[0]] : null, statusMatches }];
  });
}

/** What filters read in a post (Mastodon's searchable_text): warning, text, image descriptions. */
export function postText(view: PostView): string {
  const post = view.reblog ?? view;
  const body = post.text ?? htmlToPlainText(post.contentHtml);
  return [post.spoilerText, body, ...post.media.map((m) => m.description)].filter((part) => part !== "").join("\n\n");
}

/**
 * The viewer's filters applied to posts shown in a context: posts a `hide` filter matches are
 * left out (except `keep`, the post a thread page is about), the others carry their matches in
 * `filtered`. With a null context (a single post), every filter counts and nothing is left out.
 * The viewer's own posts are never filtered, as on Mastodon's home feed and web client.
 */
export function applyFilters(
  db: Db,
  viewerId: string | null,
  context: FilterContext | null,
  views: PostView[],
  keep?: string,
): PostView[] {
  if (!viewerId || views.length === 0) return views;
  const active = activeFilters(db, viewerId, context);
  if (active.length === 0) return views;
  return views.flatMap((view) => {
    const proper = view.reblog ?? view;
    if (proper.account.id === viewerId) return [view];
    const matches = matchFilters(active, { ids: [view.id, ...(view.reblog ? [view.reblog.id] : [])], text: postText(view) });
    if (matches.length === 0) return [view];
    if (context && view.id !== keep && matches.some((m) => m.filter.filterAction === "hide")) return [];
    return [{ ...view, filtered: matches, reblog: view.reblog ? { ...view.reblog, filtered: matches } : null }];
  });
}

/**
 * The keyword changes that make a filter hold exactly `keywords` (the web form's one-per-line
 * list), all with the same whole-word setting: unlisted ones go, listed ones stay (by text).
 */
export function keywordChangesFor(current: FilterKeyword[], keywords: string[], wholeWord: boolean): KeywordChange[] {
  const wanted = [...new Set(keywords.map((k) => k.trim()).filter((k) => k !== ""))];
  const kept = new Map(current.map((k) => [k.keyword, k]));
  return [
    ...current.filter((k) => !wanted.includes(k.keyword)).map((k) => ({ id: k.id, destroy: true })),
    ...wanted.map((keyword) => {
      const existing = kept.get(keyword);
      return existing ? { id: existing.id, wholeWord } : { keyword, wholeWord };
    }),
  ];
}

/** Of these posts, those whose notifications the viewer is still shown: posts they may see, from no one they hid from notifications. */
function postsStillShown(db: Db, viewerId: string, ids: string[]): string[] {
  if (ids.length === 0) return [];
  return db
    .select({ id: posts.id })
    .from(posts)
    .where(and(inArray(posts.id, ids), visibleTo(viewerId), notHiddenFromNotifications(viewerId)))
    .all()
    .map((p) => p.id);
}

/** Whether the viewer has a filter in force that hides posts from their notifications (only then do their words matter). */
function hidesNotifications(db: Db, viewerId: string, now = new Date()): boolean {
  return db
    .select({ context: filters.context })
    .from(filters)
    .where(
      and(
        eq(filters.accountId, viewerId),
        eq(filters.filterAction, "hide"),
        or(isNull(filters.expiresAt), gt(filters.expiresAt, now)),
      ),
    )
    .all()
    .some((f) => f.context.includes("notifications"));
}

/**
 * Notifications with their posts as the viewer sees them, the `notifications` filters applied
 * (the page, the API and notification e-mails alike): one whose post a `hide` filter removed, or
 * whose post the viewer may no longer see, goes with it.
 */
export function notificationsWithPosts<T extends { postId: string | null }>(
  db: Db,
  baseUrl: URL,
  viewerId: string,
  rows: T[],
): { row: T; post: PostView | null }[] {
  // A post the viewer may no longer see (a private message edited to leave them out, an author
  // who blocked them since) takes its notification with it: apps expect the post with it.
  const ids = rows.flatMap((r) => (r.postId ? [r.postId] : []));
  const loaded = loadPostViews(db, baseUrl, postsStillShown(db, viewerId, ids), viewerId);
  const shown = new Map(applyFilters(db, viewerId, "notifications", loaded).map((p) => [p.id, p]));
  const hidden = new Set(ids.filter((id) => !shown.has(id)));
  return rows.flatMap((row) =>
    row.postId && hidden.has(row.postId) ? [] : [{ row, post: row.postId ? (shown.get(row.postId) ?? null) : null }],
  );
}

/**
 * Cuts rows of notifications to those `notificationsWithPosts` keeps, without loading their posts
 * unless a hide filter needs their words: for unread counts and for filling pages past those
 * left out. Made once for a walk over several batches.
 */
export function notificationScreen(db: Db, baseUrl: URL, viewerId: string) {
  const hides = hidesNotifications(db, viewerId);
  return <T extends { postId: string | null }>(rows: T[]): T[] => {
    const ids = rows.flatMap((r) => (r.postId ? [r.postId] : []));
    if (ids.length === 0) return rows;
    const visible = postsStillShown(db, viewerId, ids);
    const kept = new Set(
      hides
        ? applyFilters(db, viewerId, "notifications", loadPostViews(db, baseUrl, visible, viewerId)).map((p) => p.id)
        : visible,
    );
    return rows.filter((r) => !r.postId || kept.has(r.postId));
  };
}
