import { eq } from "drizzle-orm";
import { mastodonNotificationType } from "../core/notifications.ts";
import { Elysia, t } from "elysia";
import { conversationApiRoutes } from "./conversations.ts";
import { pushApiRoutes } from "./push.ts";
import { CoreError } from "../core/errors.ts";
import { dismissNotifications, listNotifications, markNotificationsRead } from "../core/notifications.ts";
import { type NotificationType, notifications, notificationTypes, users } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { notificationEntities } from "./entities.ts";
import { flag, limitOf, linkHeader, list, paging, tFlag, tList } from "./params.ts";
import { notificationRequestApiRoutes } from "./notification-requests.ts";

type NotificationRow = typeof notifications.$inferSelect;

const pageQuery = t.Object({
  ...paging,
  types: tList(20),
  "types[]": tList(20),
  exclude_types: tList(20),
  "exclude_types[]": tList(20),
  account_id: t.Optional(t.String({ maxLength: 64 })),
  include_filtered: tFlag,
});
type PageQuery = typeof pageQuery.static;

/** v1 notifications as v2's grouped results: one group each, the accounts and statuses beside. */
function groupedResults(notes: ReturnType<typeof notificationEntities>) {
  const accounts = new Map(notes.map((n) => [n.account.id, n.account]));
  const statuses = new Map(notes.flatMap((n) => (n.status ? [[n.status.id, n.status] as const] : [])));
  const notification_groups = notes.map((n) => ({
    group_key: n.group_key,
    notifications_count: 1,
    type: n.type,
    most_recent_notification_id: n.id,
    page_min_id: n.id,
    page_max_id: n.id,
    latest_page_notification_at: n.created_at,
    sample_account_ids: [n.account.id],
    ...(n.status ? { status_id: n.status.id } : {}),
    ...(n.report ? { report: n.report } : {}),
    ...(n.moderation_warning ? { moderation_warning: n.moderation_warning } : {}),
    ...(n.event ? { event: n.event } : {}),
  }));
  return { accounts: [...accounts.values()], statuses: [...statuses.values()], notification_groups };
}

const ourTypes = (types: string[]): NotificationType[] =>
  notificationTypes.filter((ours) => types.includes(mastodonNotificationType(ours)) || types.includes(ours));

/** Notifications: the list (filtered by type), one, dismissing, and the read marker. */
export function notificationApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const entities = (rows: NotificationRow[], viewerId: string) => notificationEntities(db, baseUrl, rows, viewerId);
  const one = (accountId: string, id: string) => {
    const row = db.select().from(notifications).where(eq(notifications.id, id)).get();
    if (!row || row.accountId !== accountId) throw new CoreError("Record not found", 404);
    return row;
  };

  /** A page of the member's notifications (v1 and v2 alike), with its Link header set. */
  const page = (accountId: string, query: PageQuery, url: string, set: { headers: Record<string, unknown> }) => {
    const types = list(query, "types");
    // Asked for types Skein never makes: nothing, rather than everything.
    if (types.length > 0 && ourTypes(types).length === 0) return [];
    const rows = listNotifications(db, accountId, {
      maxId: query.max_id,
      sinceId: query.since_id,
      minId: query.min_id,
      limit: limitOf(query, 40, 80),
      types: types.length > 0 ? ourTypes(types) : undefined,
      excludeTypes: ourTypes(list(query, "exclude_types")),
      fromAccountId: query.account_id,
      filtered: flag(query.include_filtered) ? "include" : "exclude",
    });
    const link = linkHeader(
      url,
      rows.map((r) => r.id),
    );
    if (link) set.headers.link = link;
    return rows;
  };
  const dismissOne = (accountId: string, id: string) => {
    one(accountId, id);
    dismissNotifications(db, accountId, id);
    return {};
  };
  /** Notifications since the member's read marker (at most 80, as Mastodon counts). */
  const unreadCount = (userId: string, accountId: string) => {
    const readId = db.select({ id: users.notificationsReadId }).from(users).where(eq(users.id, userId)).get()?.id;
    return { count: listNotifications(db, accountId, { sinceId: readId ?? undefined, limit: 80 }).length };
  };

  return new Elysia({ name: "api-notifications" })
    .use(api)
    .use(pushApiRoutes(deps, api))
    .use(conversationApiRoutes(deps, api))
    .use(notificationRequestApiRoutes(deps, api))
    .get(
      "/api/v1/notifications",
      ({ member, query, request, set }) => {
        const me = member("read:notifications");
        return entities(page(me.account.id, query, request.url, set), me.account.id);
      },
      { query: pageQuery },
    )
    .get(
      "/api/v2/notifications",
      ({ member, query, request, set }) => {
        // Mastodon 4.3's grouped notifications, each in a group of its own (the form Mastodon's
        // documentation allows for notifications it does not group): apps that see version 4.3 ask here.
        const me = member("read:notifications");
        return groupedResults(entities(page(me.account.id, query, request.url, set), me.account.id));
      },
      {
        query: t.Object({
          ...pageQuery.properties,
          grouped_types: tList(20),
          "grouped_types[]": tList(20),
          expand_accounts: t.Optional(t.String({ maxLength: 20 })),
        }),
      },
    )
    .get("/api/v2/notifications/unread_count", ({ member }) => {
      const me = member("read:notifications");
      return unreadCount(me.user.id, me.account.id);
    })
    .get(
      "/api/v2/notifications/:group_key",
      ({ member, params }) => {
        const me = member("read:notifications");
        return groupedResults(entities([one(me.account.id, params.group_key.replace(/^ungrouped-/, ""))], me.account.id));
      },
      { params: t.Object({ group_key: t.String({ maxLength: 80 }) }) },
    )
    .get(
      "/api/v2/notifications/:group_key/accounts",
      ({ member, params }) => {
        const me = member("read:notifications");
        return entities([one(me.account.id, params.group_key.replace(/^ungrouped-/, ""))], me.account.id).map((n) => n.account);
      },
      { params: t.Object({ group_key: t.String({ maxLength: 80 }) }) },
    )
    .post(
      "/api/v2/notifications/:group_key/dismiss",
      ({ member, params }) => {
        return dismissOne(member("write:notifications").account.id, params.group_key.replace(/^ungrouped-/, ""));
      },
      { params: t.Object({ group_key: t.String({ maxLength: 80 }) }) },
    )
    .get("/api/v1/notifications/unread_count", ({ member }) => {
      const me = member("read:notifications");
      return unreadCount(me.user.id, me.account.id);
    })
    .get(
      "/api/v1/notifications/:id",
      ({ member, params }) => {
        const me = member("read:notifications");
        return entities([one(me.account.id, params.id)], me.account.id)[0] ?? {};
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .post("/api/v1/notifications/clear", ({ member }) => {
      dismissNotifications(db, member("write:notifications").account.id);
      return {};
    })
    .post(
      "/api/v1/notifications/:id/dismiss",
      ({ member, params }) => {
        return dismissOne(member("write:notifications").account.id, params.id);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .get(
      "/api/v1/markers",
      ({ member }) => {
        const me = member("read:statuses");
        const user = db.select().from(users).where(eq(users.id, me.user.id)).get();
        const readId = user?.notificationsReadId;
        return readId ? { notifications: { last_read_id: readId, version: 1, updated_at: new Date().toISOString() } } : {};
      },
      { query: t.Object({ timeline: tList(2), "timeline[]": tList(2) }) },
    )
    .post(
      "/api/v1/markers",
      ({ member, body }) => {
        const me = member("write:statuses");
        const b = body as Record<string, unknown>;
        const nested = (b.notifications ?? {}) as { last_read_id?: unknown };
        const readId = b["notifications[last_read_id]"] ?? nested.last_read_id;
        if (typeof readId === "string" && readId) markNotificationsRead(db, me.account.id, readId);
        return typeof readId === "string"
          ? { notifications: { last_read_id: readId, version: 1, updated_at: new Date().toISOString() } }
          : {};
      },
      { body: t.Object({}, { additionalProperties: true, maxProperties: 10 }) },
    );
}
