import { and, asc, count, desc, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { type accounts, announcementReactions, announcementReads, announcements } from "../db/schema.ts";
import { findAccountByAcct } from "./accounts-read.ts";
import { audit } from "./audit.ts";
import { type EmojiView, localEmojiViews, shortcodesIn, withEmojis } from "./custom-emojis.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { normalizeHashtag, parseText, renderText } from "./text.ts";
import { parseLocalTime } from "./times.ts";

/**
 * The staff's announcements to the members, as Mastodon's: admins write, publish, unpublish and
 * delete them (audited); members see the published ones that have not ended on top of their
 * home page and in apps, dismiss them, and react with an emoji. Pages, the API and the
 * streaming API all go through here.
 */

export type Announcement = typeof announcements.$inferSelect;

export const MAX_ANNOUNCEMENT_LENGTH = 2_000;
/** Different reactions one announcement can have, as on Mastodon. */
export const MAX_REACTIONS = 8;
const DAY_MS = 24 * 3600 * 1000;

/**
 * What the form (or an admin tool) sends: times as `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, or empty;
 * in UTC, or typed in the admin's zone when its offset at that date is given (minutes east, as
 * the page's script sends it). An all-day announcement's dates are days as typed, in any zone.
 */
export interface AnnouncementInput {
  text: string;
  startsAt: string;
  endsAt: string;
  allDay: boolean;
  publish: boolean;
  startsOffset?: number;
  endsOffset?: number;
}

export interface ReactionView {
  name: string;
  count: number;
  /** The viewer reacted so. */
  me: boolean;
  /** Set when the reaction is one of the instance's custom emoji. */
  emoji?: EmojiView;
}

export interface AnnouncementView {
  id: string;
  text: string;
  /** The text as HTML: paragraphs, links, hashtags, mentions of accounts known here, custom emoji. */
  html: string;
  startsAt: Date | null;
  endsAt: Date | null;
  allDay: boolean;
  publishedAt: Date | null;
  updatedAt: Date;
  state: "draft" | "published" | "ended";
  /** The viewer dismissed it. */
  read: boolean;
  reactions: ReactionView[];
  emojis: EmojiView[];
  mentions: (typeof accounts.$inferSelect)[];
  tags: string[];
}

/** When it stops showing: its end, or with `allDay` the end of the end's day (UTC). */
function stopsAt(row: Pick<Announcement, "endsAt" | "allDay">): number | null {
  if (!row.endsAt) return null;
  return row.allDay ? Math.floor(row.endsAt.getTime() / DAY_MS) * DAY_MS + DAY_MS : row.endsAt.getTime();
}

/** Published and not yet ended. SQL side of `stopsAt`, for the members' queries. */
const showing = (now: number) =>
  and(
    isNotNull(announcements.publishedAt),
    or(
      isNull(announcements.endsAt),
      sql`(CASE WHEN ${announcements.allDay} THEN (${announcements.endsAt} / ${DAY_MS}) * ${DAY_MS} + ${DAY_MS} ELSE ${announcements.endsAt} END) > ${now}`,
    ),
  );

function stateOf(row: Announcement, now: number): AnnouncementView["state"] {
  if (!row.publishedAt) return "draft";
  const stop = stopsAt(row);
  return stop !== null && stop <= now ? "ended" : "published";
}

function validate(input: AnnouncementInput, now: number): Pick<Announcement, "text" | "startsAt" | "endsAt" | "allDay"> {
  const errors: Record<string, string> = {};
  const text = input.text.trim();
  if (text === "") errors.text = "Write what you want to tell the members.";
  else if (text.length > MAX_ANNOUNCEMENT_LENGTH)
    errors.text = `At most ${MAX_ANNOUNCEMENT_LENGTH} characters (this is ${text.length}).`;
  const zoned = (value: string, offset = 0) => parseLocalTime(value, input.allDay ? 0 : offset);
  const startsAt = zoned(input.startsAt, input.startsOffset);
  const endsAt = zoned(input.endsAt, input.endsOffset);
  if (startsAt === undefined) errors.starts_at = "Give a date, like 2026-12-24, or a date and a time.";
  if (endsAt === undefined) errors.ends_at = "Give a date, like 2026-12-24, or a date and a time.";
  else if (startsAt && endsAt && endsAt < startsAt) errors.ends_at = "The end comes before the start.";
  else if (endsAt && input.publish && (stopsAt({ endsAt, allDay: input.allDay }) ?? now) <= now)
    errors.ends_at = "This end has passed: members would never see the announcement.";
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { text, startsAt: startsAt ?? null, endsAt: endsAt ?? null, allDay: input.allDay && (!!startsAt || !!endsAt) };
}

function load(db: Db, id: string): Announcement {
  const row = db.select().from(announcements).where(eq(announcements.id, id)).get();
  if (!row) throw new CoreError("This announcement does not exist.", 404);
  return row;
}

/** Writes a new announcement (id undefined) or changes one; published at once when `publish` (a draft otherwise). */
export function saveAnnouncement(deps: CoreDeps, staffId: string, id: string | undefined, input: AnnouncementInput): string {
  const { db, events } = deps;
  const now = Date.now();
  const values = validate(input, now);
  const before = id ? load(db, id) : undefined;
  const publishedAt = input.publish ? (before?.publishedAt ?? new Date(now)) : null;
  const saved = before?.id ?? newId();
  db.transaction((tx) => {
    if (before)
      tx.update(announcements)
        .set({ ...values, publishedAt, updatedAt: new Date(now) })
        .where(eq(announcements.id, saved))
        .run();
    else
      tx.insert(announcements)
        .values({ id: saved, ...values, publishedAt })
        .run();
    const action = before ? "announcement.update" : "announcement.create";
    audit(tx, { actorId: staffId, action, targetType: "announcement", targetId: saved, detail: values.text.slice(0, 200) });
  });
  if (publishedAt) events.emit("announcement.published", { announcementId: saved });
  else if (before?.publishedAt) events.emit("announcement.removed", { announcementId: saved });
  return saved;
}

/** Shows a draft (or an unpublished one) to the members; its end must not have passed. */
export function publishAnnouncement(deps: CoreDeps, staffId: string, id: string): void {
  const row = load(deps.db, id);
  if (row.publishedAt) return;
  const stop = stopsAt(row);
  if (stop !== null && stop <= Date.now())
    throw new CoreError("This announcement has ended: change its end first, or it would never show.", 422);
  deps.db.transaction((tx) => {
    tx.update(announcements).set({ publishedAt: new Date() }).where(eq(announcements.id, id)).run();
    audit(tx, { actorId: staffId, action: "announcement.publish", targetType: "announcement", targetId: id });
  });
  deps.events.emit("announcement.published", { announcementId: id });
}

/** Takes it back from the members; it stays, as a draft, with its reactions. */
export function unpublishAnnouncement(deps: CoreDeps, staffId: string, id: string): void {
  const row = load(deps.db, id);
  if (!row.publishedAt) return;
  deps.db.transaction((tx) => {
    tx.update(announcements).set({ publishedAt: null }).where(eq(announcements.id, id)).run();
    audit(tx, { actorId: staffId, action: "announcement.unpublish", targetType: "announcement", targetId: id });
  });
  deps.events.emit("announcement.removed", { announcementId: id });
}

export function deleteAnnouncement(deps: CoreDeps, staffId: string, id: string): void {
  const row = load(deps.db, id);
  deps.db.transaction((tx) => {
    tx.delete(announcements).where(eq(announcements.id, id)).run();
    const detail = row.text.slice(0, 200);
    audit(tx, { actorId: staffId, action: "announcement.delete", targetType: "announcement", targetId: id, detail });
  });
  if (row.publishedAt) deps.events.emit("announcement.removed", { announcementId: id });
}

/** One announcement as the staff edit it (drafts and ended ones too). */
export function announcementView(db: Db, baseUrl: URL, id: string): AnnouncementView {
  return views(db, baseUrl, [load(db, id)], null)[0] as AnnouncementView;
}

/** Every announcement, newest first, for the staff's page. */
export function allAnnouncements(db: Db, baseUrl: URL): AnnouncementView[] {
  const rows = db.select().from(announcements).orderBy(desc(announcements.id)).all();
  return views(db, baseUrl, rows, null);
}

/**
 * What a member sees: the published announcements that have not ended, oldest first (as
 * Mastodon's API), without those they dismissed unless `withDismissed`.
 */
export function activeAnnouncements(
  db: Db,
  baseUrl: URL,
  accountId: string,
  { withDismissed = true }: { withDismissed?: boolean } = {},
): AnnouncementView[] {
  const dismissed = sql`EXISTS (SELECT 1 FROM ${announcementReads} WHERE ${announcementReads.announcementId} = ${announcements.id} AND ${announcementReads.accountId} = ${accountId})`;
  const rows = db
    .select()
    .from(announcements)
    .where(and(showing(Date.now()), withDismissed ? undefined : sql`NOT ${dismissed}`))
    .orderBy(asc(announcements.publishedAt), asc(announcements.id))
    .all();
  return views(db, baseUrl, rows, accountId);
}

/** The one announcement a member acts on: published and not ended, else 404 (drafts stay unseen). */
function showingOne(db: Db, id: string): Announcement {
  const row = db
    .select()
    .from(announcements)
    .where(and(eq(announcements.id, id), showing(Date.now())))
    .get();
  if (!row) throw new CoreError("This announcement does not exist.", 404);
  return row;
}

export function activeAnnouncement(db: Db, baseUrl: URL, accountId: string, id: string): AnnouncementView {
  return views(db, baseUrl, [showingOne(db, id)], accountId)[0] as AnnouncementView;
}

/** The member has read it: it leaves their home page (apps mark it read too). */
export function dismissAnnouncement(db: Db, accountId: string, id: string): void {
  showingOne(db, id);
  db.insert(announcementReads).values({ announcementId: id, accountId }).onConflictDoNothing().run();
}

/**
 * The reaction's name as stored: one Unicode emoji, or the shortcode (with or without colons)
 * of one of the instance's custom emoji, spelled as the instance spells it. Undefined otherwise.
 */
function reactionName(db: Db, name: string): string | undefined {
  const trimmed = name.trim();
  if (/^\p{RGI_Emoji}$/v.test(trimmed)) return trimmed;
  const code = trimmed.replace(/^:(.*):$/, "$1");
  const emoji = localEmojiViews(db).find((e) => e.shortcode.toLowerCase() === code.toLowerCase());
  return emoji?.shortcode;
}

export function addReaction(deps: CoreDeps, accountId: string, id: string, name: string): void {
  const { db } = deps;
  showingOne(db, id);
  const stored = reactionName(db, name);
  if (!stored) throw new CoreError("React with one emoji, or with one of this instance's custom emoji.", 422);
  const added = db.transaction((tx) => {
    const names = tx
      .selectDistinct({ name: announcementReactions.name })
      .from(announcementReactions)
      .where(eq(announcementReactions.announcementId, id))
      .all()
      .map((r) => r.name);
    if (!names.includes(stored) && names.length >= MAX_REACTIONS)
      throw new CoreError(`An announcement has at most ${MAX_REACTIONS} different reactions: add to one of them.`, 422);
    return tx
      .insert(announcementReactions)
      .values({ announcementId: id, accountId, name: stored })
      .onConflictDoNothing()
      .returning({ name: announcementReactions.name })
      .all();
  });
  if (added.length > 0) deps.events.emit("announcement.reacted", { announcementId: id, name: stored });
}

export function removeReaction(deps: CoreDeps, accountId: string, id: string, name: string): void {
  const { db } = deps;
  showingOne(db, id);
  const stored = reactionName(db, name) ?? name;
  const removed = db
    .delete(announcementReactions)
    .where(
      and(
        eq(announcementReactions.announcementId, id),
        eq(announcementReactions.accountId, accountId),
        eq(announcementReactions.name, stored),
      ),
    )
    .returning({ name: announcementReactions.name })
    .all();
  if (removed.length > 0) deps.events.emit("announcement.reacted", { announcementId: id, name: stored });
}

/** How many reacted so (for the streaming API's `announcement.reaction`). */
export function reactionCount(db: Db, id: string, name: string): number {
  return (
    db
      .select({ n: count() })
      .from(announcementReactions)
      .where(and(eq(announcementReactions.announcementId, id), eq(announcementReactions.name, name)))
      .get()?.n ?? 0
  );
}

function views(db: Db, baseUrl: URL, rows: Announcement[], viewerId: string | null): AnnouncementView[] {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const reactionRows = db
    .select({
      announcementId: announcementReactions.announcementId,
      name: announcementReactions.name,
      count: count(),
      me: sql<number>`max(${announcementReactions.accountId} = ${viewerId ?? ""})`,
    })
    .from(announcementReactions)
    .where(inArray(announcementReactions.announcementId, ids))
    .groupBy(announcementReactions.announcementId, announcementReactions.name)
    .orderBy(sql`min(${announcementReactions.createdAt})`)
    .all();
  const read = viewerId
    ? new Set(
        db
          .select({ id: announcementReads.announcementId })
          .from(announcementReads)
          .where(and(eq(announcementReads.accountId, viewerId), inArray(announcementReads.announcementId, ids)))
          .all()
          .map((r) => r.id),
      )
    : new Set<string>();
  const codes = [...new Set([...rows.flatMap((r) => shortcodesIn(r.text)), ...reactionRows.map((r) => r.name)])];
  const emojis = new Map(localEmojiViews(db, { shortcodes: codes }).map((e) => [e.shortcode, e]));
  const now = Date.now();
  return rows.map((row) => {
    const mentions: AnnouncementView["mentions"] = [];
    const html = renderText(row.text, {
      mention: (m) => {
        const account = findAccountByAcct(db, m.domain ? `${m.username}@${m.domain}` : m.username, baseUrl.host);
        if (!account) return null;
        mentions.push(account);
        const acct = account.domain ? `${account.username}@${account.domain}` : account.username;
        return account.url ?? new URL(`/@${acct}`, baseUrl).href;
      },
      hashtag: (name) => new URL(`/tags/${encodeURIComponent(normalizeHashtag(name))}`, baseUrl).href,
    });
    const used = shortcodesIn(row.text).flatMap((code) => emojis.get(code) ?? []);
    return {
      id: row.id,
      text: row.text,
      html: withEmojis(html, used),
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      allDay: row.allDay,
      publishedAt: row.publishedAt,
      updatedAt: row.updatedAt,
      state: stateOf(row, now),
      read: read.has(row.id),
      reactions: reactionRows
        .filter((r) => r.announcementId === row.id)
        .map((r) => ({ name: r.name, count: r.count, me: r.me === 1, emoji: emojis.get(r.name) })),
      emojis: used,
      mentions,
      tags: [...new Set(parseText(row.text).hashtags.map((h) => normalizeHashtag(h.name)))],
    };
  });
}
