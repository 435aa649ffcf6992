/**
 * Notification requests: a member's held-back notifications (core/notification-policy.ts decides
 * which), one request per sender, accepted (the notifications come in, the sender is let through
 * from then on, their private messages filed under Messages) or dismissed (deleted).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { blocks, notificationPermissions, notificationRequests, notifications } from "../db/schema.ts";
import { recordConversation } from "./conversations.ts";
import { CoreError } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import type { Incoming } from "./notification-policy.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";

/** How many of the member's notifications from the request's sender are held back. */
const heldBack = sql<number>`(SELECT count(*) FROM ${notifications} n
  WHERE n.account_id = ${notificationRequests.accountId} AND n.from_account_id = ${notificationRequests.fromAccountId}
    AND n.filtered = 1)`;

/**
 * A held-back notification (just stored) joins its sender's request, made on the first one. A
 * request left with none (they were undone, or their posts deleted) starts anew, so it is listed
 * as new rather than where it first was.
 */
export function recordRequest(db: DbOrTx, event: Incoming): void {
  const now = new Date();
  db.delete(notificationRequests)
    .where(
      and(
        eq(notificationRequests.accountId, event.accountId),
        eq(notificationRequests.fromAccountId, event.fromAccountId),
        sql`${heldBack} <= 1`,
      ),
    )
    .run();
  db.insert(notificationRequests)
    .values({ id: newId(), accountId: event.accountId, fromAccountId: event.fromAccountId, lastPostId: event.postId ?? null })
    .onConflictDoUpdate({
      target: [notificationRequests.accountId, notificationRequests.fromAccountId],
      set: { updatedAt: now, lastPostId: sql`coalesce(${event.postId ?? null}, ${notificationRequests.lastPostId})` },
    })
    .run();
}

export interface RequestRow {
  id: string;
  fromAccountId: string;
  lastPostId: string | null;
  createdAt: Date;
  updatedAt: Date;
  notificationsCount: number;
}

/**
 * A member's pending requests, newest first, paged by id. A request whose notifications all went
 * (an undone like, say) or whose sender the member has since blocked is not shown.
 */
export function listRequests(
  db: Db,
  accountId: string,
  page: { maxId?: string; sinceId?: string; minId?: string; limit?: number; ids?: string[] } = {},
): RequestRow[] {
  const rows = db
    .select({
      id: notificationRequests.id,
      fromAccountId: notificationRequests.fromAccountId,
      lastPostId: notificationRequests.lastPostId,
      createdAt: notificationRequests.createdAt,
      updatedAt: notificationRequests.updatedAt,
      notificationsCount: heldBack,
    })
    .from(notificationRequests)
    .where(
      and(
        eq(notificationRequests.accountId, accountId),
        page.ids ? inArray(notificationRequests.id, page.ids) : undefined,
        pageBounds(notificationRequests.id, page),
        sql`${heldBack} > 0`,
        sql`NOT EXISTS (SELECT 1 FROM ${blocks} b WHERE b.account_id = ${accountId} AND b.target_account_id = ${notificationRequests.fromAccountId})`,
      ),
    )
    .orderBy(pageOrder(notificationRequests.id, page))
    .limit(Math.min(page.limit ?? 40, 80))
    .all();
  return newestFirst(rows, page);
}

export function findRequest(db: Db, accountId: string, id: string): RequestRow {
  const [row] = listRequests(db, accountId, { ids: [id], limit: 1 });
  if (!row) throw new CoreError("There is no such notification request.", 404);
  return row;
}

/** How many senders and notifications wait for review (the policy's summary, the banner on the page). */
export function pendingSummary(db: Db, accountId: string): { requests: number; notifications: number } {
  const rows = listRequests(db, accountId, { limit: 80 });
  return { requests: rows.length, notifications: rows.reduce((sum, r) => sum + r.notificationsCount, 0) };
}

/**
 * Accepts requests: their notifications come in, their senders are never held back again, and
 * their private messages to the member go into the member's Messages.
 */
export function acceptRequests(deps: { db: Db; events: DomainEvents }, accountId: string, ids: string[]): void {
  settle(deps.db, accountId, ids, (tx, fromAccountId) => {
    tx.insert(notificationPermissions).values({ accountId, fromAccountId }).onConflictDoNothing().run();
    const released = tx
      .update(notifications)
      .set({ filtered: false })
      .where(
        and(
          eq(notifications.accountId, accountId),
          eq(notifications.fromAccountId, fromAccountId),
          eq(notifications.filtered, true),
        ),
      )
      .returning({ type: notifications.type, postId: notifications.postId })
      .all();
    for (const { type, postId } of released) {
      if (postId && (type === "mention" || type === "reply"))
        recordConversation({ db: tx, events: deps.events }, postId, { onlyFor: accountId });
    }
  });
}

/** Dismisses requests: their notifications are deleted (a new one from the sender makes a new request). */
export function dismissRequests(db: Db, accountId: string, ids: string[]): void {
  settle(db, accountId, ids, (tx, fromAccountId) => {
    tx.delete(notifications)
      .where(
        and(
          eq(notifications.accountId, accountId),
          eq(notifications.fromAccountId, fromAccountId),
          eq(notifications.filtered, true),
        ),
      )
      .run();
  });
}

/** Ids that are not the member's are skipped, as Mastodon's bulk calls do. */
function settle(db: Db, accountId: string, ids: string[], each: (tx: DbOrTx, fromAccountId: string) => void): void {
  if (ids.length === 0) return;
  db.transaction((tx) => {
    const requests = tx
      .select({ id: notificationRequests.id, fromAccountId: notificationRequests.fromAccountId })
      .from(notificationRequests)
      .where(and(eq(notificationRequests.accountId, accountId), inArray(notificationRequests.id, ids)))
      .all();
    for (const request of requests) {
      each(tx, request.fromAccountId);
      tx.delete(notificationRequests).where(eq(notificationRequests.id, request.id)).run();
    }
  });
}
