import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { CoreError } from "../core/errors.ts";
import { dismissNotifications, listNotifications, markNotificationsRead } from "../core/notifications.ts";
import { type NotificationType, notifications, notificationTypes, users } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { apiNotificationType as apiType, notificationEntities } from "./entities.ts";
import { limitOf, linkHeader, list, paging, tList } from "./params.ts";

type NotificationRow = typeof notifications.$inferSelect;

const ourTypes = (types: string[]): NotificationType[] =>
  notificationTypes.filter((ours) => types.includes(apiType(ours)) || types.includes(ours));

/** Notifications: the list (filtered by type), one, dismissing, and the read marker. */
export function notificationApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const entities = (rows: NotificationRow[], viewerId: string) => notificationEntities(db, baseUrl, rows, viewerId);
  const one = (accountId: string, id: string) => {
    const row = db.select().from(notifications).where(eq(notifications.id, id)).get();
    if (!row || row.accountId !== accountId) throw new CoreError("Record not found", 404);
    return row;
  };

  return new Elysia({ name: "api-notifications" })
    .use(api)
    .get(
      "/api/v1/notifications",
      ({ member, query, request, set }) => {
        const me = member("read:notifications");
        const types = list(query, "types");
        const rows = listNotifications(db, me.account.id, {
          maxId: query.max_id,
          sinceId: query.since_id,
          minId: query.min_id,
          limit: limitOf(query, 40, 80),
          types: types.length > 0 ? ourTypes(types) : undefined,
          excludeTypes: ourTypes(list(query, "exclude_types")),
        }).filter((r) => !query.account_id || r.fromAccountId === query.account_id);
        // Asked for types Skein never makes: nothing, rather than everything.
        if (types.length > 0 && ourTypes(types).length === 0) return [];
        const link = linkHeader(
          request.url,
          rows.map((r) => r.id),
        );
        if (link) set.headers.link = link;
        return entities(rows, me.account.id);
      },
      {
        query: t.Object({
          ...paging,
          types: tList(20),
          "types[]": tList(20),
          exclude_types: tList(20),
          "exclude_types[]": tList(20),
          account_id: t.Optional(t.String({ maxLength: 64 })),
        }),
      },
    )
    .get("/api/v1/notifications/unread_count", ({ member }) => {
      const me = member("read:notifications");
      const readId = db.select({ id: users.notificationsReadId }).from(users).where(eq(users.id, me.user.id)).get()?.id;
      const rows = listNotifications(db, me.account.id, { sinceId: readId ?? undefined, limit: 80 });
      return { count: rows.length };
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
        const me = member("write:notifications");
        one(me.account.id, params.id);
        dismissNotifications(db, me.account.id, params.id);
        return {};
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
