import { and, count, eq, inArray, lte, notInArray, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accountOnDomainBlockedBy } from "./account-domain-blocks.ts";
import { conversationMuted } from "./conversation-mutes.ts";
import type { CoreDeps } from "./deps.ts";
import { screen } from "./notification-policy.ts";
import { recordRequest } from "./notification-requests.ts";
import { muteInForce, visibleTo } from "./visibility.ts";
import { notificationScreen } from "./filters.ts";
import { blocks, follows, mutes, type NotificationType, notifications, posts, users } from "../db/schema.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";

/** Our notification types under Mastodon's names (the API, Web Push): a reply is a mention there. */
export const mastodonNotificationType = (type: NotificationType) => (type === "reply" ? "mention" : type);

/**
 * Notifications newer than the last one the member has seen, as many as they are shown (those the
 * list leaves out are not counted), up to `cap`.
 */
export function countUnread(db: Db, baseUrl: URL, accountId: string, cap = 100): number {
  const readId = db.select({ id: users.notificationsReadId }).from(users).where(eq(users.accountId, accountId)).get()?.id;
  // One batch: this runs for every page a member opens. With more unread past it, some shown: "cap or more".
  const { rows, end } = shownNotifications(db, baseUrl, accountId, { sinceId: readId ?? undefined, limit: cap }, cap);
  return end ? rows.length : cap;
}

/**
 * What a member is told of from their own account: their poll ended, and the moderators' notes (as
 * on Mastodon, no moderator is named). Nobody blocks, mutes or domain-blocks themselves, so the
 * checks below let these through.
 */
const FROM_ONESELF = new Set<NotificationType>(["poll", "moderation_warning"]);

/**
 * Tells a local member that something happened. Nothing is sent to oneself (but FROM_ONESELF),
 * to a remote account
 * (their server notifies them), from someone the member blocked or muted (or whose domain they
 * blocked), or about a thread they muted; the same event notifies once. The member's notification
 * policy may drop it, or hold it back for review (no badge, push or streaming then).
 */
export function notify(
  deps: Pick<CoreDeps, "db" | "events">,
  event: { accountId: string; type: NotificationType; fromAccountId: string; postId?: string | null; warningId?: string },
): void {
  const { db } = deps;
  if (event.accountId === event.fromAccountId && !FROM_ONESELF.has(event.type)) return;
  const local = db.select({ id: users.id }).from(users).where(eq(users.accountId, event.accountId)).get();
  if (!local) return;
  const silenced = db
    .select({ n: count() })
    .from(blocks)
    .where(and(eq(blocks.accountId, event.accountId), eq(blocks.targetAccountId, event.fromAccountId)))
    .get()?.n;
  const muted = db
    .select({ n: count() })
    .from(mutes)
    .where(
      and(
        eq(mutes.accountId, event.accountId),
        eq(mutes.targetAccountId, event.fromAccountId),
        eq(mutes.notifications, true),
        muteInForce(),
      ),
    )
    .get()?.n;
  if (silenced || muted || accountOnDomainBlockedBy(db, event.accountId, event.fromAccountId)) return;
  if (event.postId && conversationMuted(db, event.accountId, event.postId)) return;
  const action = screen(db, event);
  if (action === "drop") return;
  const filtered = action === "filter";
  const inserted = db
    .insert(notifications)
    .values({ id: newId(), ...event, postId: event.postId ?? null, filtered })
    .onConflictDoNothing()
    .returning({ id: notifications.id })
    .get();
  if (!inserted) return;
  if (filtered) recordRequest(db, event);
  else deps.events.emit("notification.created", { notificationId: inserted.id, accountId: event.accountId });
}

/**
 * A new post of someone members follow with "notify me" (the bell): each of them is told
 * ("status"), as Mastodon does for what lands in their home: originals and the author's own
 * thread replies, not boosts, replies to others or direct messages; only posts made after the
 * follow (a server's older posts fetched later do not ring).
 */
export function notifySubscribers(deps: Pick<CoreDeps, "db" | "events">, postId: string): void {
  const { db } = deps;
  const post = db.select().from(posts).where(eq(posts.id, postId)).get();
  if (!post || post.reblogOfId || post.visibility === "direct") return;
  if (post.inReplyToId) {
    const parent = db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, post.inReplyToId)).get();
    if (parent?.accountId !== post.accountId) return;
  }
  const subscribers = db
    .select({ id: follows.followerId })
    .from(follows)
    .innerJoin(users, eq(users.accountId, follows.followerId))
    .where(
      and(
        eq(follows.followingId, post.accountId),
        eq(follows.state, "accepted"),
        // Spelled as follows_notify_idx's condition, so the planner can use it.
        sql`${follows.notify} = 1`,
        lte(follows.createdAt, post.createdAt),
      ),
    )
    .all();
  for (const { id } of subscribers) notify(deps, { accountId: id, type: "status", fromAccountId: post.accountId, postId });
}

/** Edits of one post ring each member at most this often (a server may send edit after edit). */
const EDIT_NOTICE_EVERY_MS = 10 * 60_000;

/**
 * A post was edited: the members who boosted it are told ("update"), and those whose posts quote
 * it ("quoted_update", about their quote), as on Mastodon, if they may still see it. A later
 * edit's notice replaces the earlier one, so it comes up again as new, once in ten minutes at most.
 */
export function notifyEdit(deps: Pick<CoreDeps, "db" | "events">, postId: string, authorId: string): void {
  const { db } = deps;
  const boosters = db.select({ id: posts.accountId }).from(posts).where(eq(posts.reblogOfId, postId)).all();
  const quotes = db
    .select({ id: posts.id, accountId: posts.accountId })
    .from(posts)
    .where(and(eq(posts.quoteOfId, postId), eq(posts.quotePending, false)))
    .all();
  const sees = (accountId: string) =>
    db
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.id, postId), visibleTo(accountId)))
      .get() !== undefined;
  const tell = (event: { accountId: string; type: "update" | "quoted_update"; postId: string }) => {
    const notice = { ...event, fromAccountId: authorId };
    if (!sees(event.accountId)) return;
    const earlier = db
      .select({ createdAt: notifications.createdAt })
      .from(notifications)
      .where(
        and(
          eq(notifications.accountId, notice.accountId),
          eq(notifications.type, notice.type),
          eq(notifications.fromAccountId, authorId),
          eq(notifications.postId, notice.postId),
        ),
      )
      .get();
    if (earlier && earlier.createdAt.getTime() > Date.now() - EDIT_NOTICE_EVERY_MS) return;
    withdrawNotification(db, notice);
    notify(deps, notice);
  };
  for (const b of boosters) tell({ accountId: b.id, type: "update", postId });
  for (const q of quotes) tell({ accountId: q.accountId, type: "quoted_update", postId: q.id });
}

/** Takes back a notification whose cause was undone (an unliked post, a withdrawn follow). */
export function withdrawNotification(
  db: Db,
  event: { accountId: string; type: NotificationType; fromAccountId: string; postId?: string | null },
): void {
  db.delete(notifications)
    .where(
      and(
        eq(notifications.accountId, event.accountId),
        eq(notifications.type, event.type),
        eq(notifications.fromAccountId, event.fromAccountId),
        event.postId ? eq(notifications.postId, event.postId) : undefined,
      ),
    )
    .run();
}

export interface NotificationQuery {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit?: number;
  types?: NotificationType[];
  excludeTypes?: NotificationType[];
  /** Held-back notifications: left out (the default), with the others, or alone. */
  filtered?: "exclude" | "include" | "only";
  fromAccountId?: string;
}

/** A member's notifications, newest first, paged by id (minId: the page right after it). */
export function listNotifications(db: Db, accountId: string, options: NotificationQuery = {}) {
  const filtered = options.filtered ?? "exclude";
  const rows = db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.accountId, accountId),
        filtered === "include" ? undefined : eq(notifications.filtered, filtered === "only"),
        options.fromAccountId ? eq(notifications.fromAccountId, options.fromAccountId) : undefined,
        pageBounds(notifications.id, options),
        options.types && options.types.length > 0 ? inArray(notifications.type, options.types) : undefined,
        options.excludeTypes && options.excludeTypes.length > 0
          ? notInArray(notifications.type, options.excludeTypes)
          : undefined,
      ),
    )
    .orderBy(pageOrder(notifications.id, options))
    .limit(Math.min(options.limit ?? 20, 400))
    .all();
  return newestFirst(rows, options);
}

/**
 * Up to `limit` notifications the member is shown, newest first: read batch by batch past those
 * the list leaves out (`notificationScreen`: a post they may no longer see, one a filter hides),
 * at most `budget` read. With `minId`, those just after it. `span` is the newest and the oldest
 * notification passed, shown or not: a page's links go on from there, past hidden ones, even
 * when none was shown within the budget.
 */
export function shownNotifications(db: Db, baseUrl: URL, accountId: string, query: NotificationQuery, budget = 1000) {
  const limit = Math.min(query.limit ?? 20, 400);
  const batchSize = Math.max(limit, 40);
  const forward = Boolean(query.minId);
  const screen = notificationScreen(db, baseUrl, accountId);
  const rows: (typeof notifications.$inferSelect)[] = [];
  // The first and last passed, in the walk's order (newest first, or from minId towards the newest).
  let first: string | undefined;
  let last: string | undefined;
  let end = false;
  for (let read = 0; rows.length < limit && read < budget; ) {
    const bounds = forward
      ? { minId: last ?? query.minId, maxId: query.maxId }
      : { maxId: last ?? query.maxId, sinceId: query.sinceId };
    const fetched = listNotifications(db, accountId, { ...query, ...bounds, limit: batchSize });
    const batch = forward ? fetched.toReversed() : fetched;
    const shown = new Set(screen(batch));
    first ??= batch[0]?.id;
    for (const row of batch) {
      if (shown.has(row)) rows.push(row);
      last = row.id;
      if (rows.length === limit) break;
    }
    read += batch.length;
    // A short batch passed whole: nothing is left.
    end = batch.length < batchSize && (batch.length === 0 || last === batch.at(-1)?.id);
    if (batch.length < batchSize) break;
  }
  const span = forward ? [last, first] : [first, last];
  return {
    rows: rows.toSorted((a, b) => (a.id < b.id ? 1 : -1)),
    span: span.filter((id): id is string => id !== undefined),
    /** Whether the walk reached the last notification there is (no page further on). */
    end,
  };
}

/** One notification of a member's, dismissed; or all of them. */
export function dismissNotifications(db: Db, accountId: string, notificationId?: string): void {
  db.delete(notifications)
    .where(and(eq(notifications.accountId, accountId), notificationId ? eq(notifications.id, notificationId) : undefined))
    .run();
}

/**
 * The notifications page's "Clear all": those up to the newest the page showed (one come since
 * stays), and not those filtered, which wait under "Filtered notifications" for the member's answer.
 */
export function clearNotifications(db: Db, accountId: string, upToId: string): void {
  db.delete(notifications)
    .where(and(eq(notifications.accountId, accountId), eq(notifications.filtered, false), lte(notifications.id, upToId)))
    .run();
}

/** Marks everything up to the given notification as seen (the unread badge counts from there). */
export function markNotificationsRead(db: Db, accountId: string, upToId: string): void {
  db.update(users)
    .set({ notificationsReadId: upToId, notificationsReadAt: new Date() })
    .where(and(eq(users.accountId, accountId), sql`coalesce(${users.notificationsReadId}, '') < ${upToId}`))
    .run();
}

/**
 * Notifications by number too. Some apps read a notification's id as an integer where Mastodon
 * gives one (a push message's notification_id, a group's most_recent_notification_id) and fetch
 * it back by that number; the row's SQLite rowid serves, stable while the database lives (a
 * restored backup may number them anew).
 */
export function notificationNumbers(db: Db, ids: string[]): Map<string, number> {
  if (ids.length === 0) return new Map();
  const rows = db
    .select({ id: notifications.id, n: sql<number>`${notifications}.rowid` })
    .from(notifications)
    .where(inArray(notifications.id, ids))
    .all();
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** One of the member's notifications, given by its id or its number; undefined when they have no such one. */
export function findNotification(db: Db, accountId: string, idOrNumber: string) {
  const byNumber = /^\d{1,15}$/.test(idOrNumber);
  return db
    .select()
    .from(notifications)
    .where(
      and(
        byNumber ? sql`${notifications}.rowid = ${Number(idOrNumber)}` : eq(notifications.id, idOrNumber),
        eq(notifications.accountId, accountId),
      ),
    )
    .get();
}
