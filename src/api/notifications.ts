import { and, eq, inArray, notInArray, type SQL } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { conversationApiRoutes } from "./conversations.ts";
import { pushApiRoutes } from "./push.ts";
import { CoreError } from "../core/errors.ts";
import {
  dismissNotifications,
  findNotification,
  listNotifications,
  mastodonNotificationType,
  notificationNumbers,
  shownNotifications,
} from "../core/notifications.ts";
import { notificationScreen } from "../core/filters.ts";
import { type NotificationType, notifications, notificationTypes, users } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, notificationEntities } from "./entities.ts";
import { dismissGroup, gatherGroups, groupKey, groupSummary } from "../core/notification-groups.ts";
import { type MarkerTimeline, markersOf, markerTimelines, saveMarkers } from "../core/markers.ts";
import { flag, nested, limitOf, linkHeader, list, paging, tFlag, tList } from "./params.ts";
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
const groupedQuery = t.Object({
  ...pageQuery.properties,
  grouped_types: tList(20),
  "grouped_types[]": tList(20),
  expand_accounts: t.Optional(t.String({ maxLength: 20 })),
});
type GroupedQuery = typeof groupedQuery.static;

/**
 * Mastodon's grouped notifications: each group with its count and whom (up to its newest on the
 * page, and within what the list was narrowed to), its newest notification standing for it; the
 * accounts and statuses beside. `entityOf` gives a notification's entity (none: not shown).
 */
function groupedResults(
  db: ApiDeps["db"],
  baseUrl: URL,
  accountId: string,
  groups: [string, NotificationRow[]][],
  entityOf: (rows: NotificationRow[]) => ReturnType<typeof notificationEntities>,
  narrowed?: SQL,
) {
  const heads = entityOf(groups.flatMap(([, members]) => members.slice(0, 1)));
  const byId = new Map(heads.map((n) => [n.id, n]));
  const notification_groups = groups.flatMap(([key, members]) => {
    // A group whose newest is not shown (its post hidden by a filter) is not shown: its others share that post.
    const newest = members[0]?.id;
    const note = newest && byId.get(newest);
    if (!newest || !note) return [];
    const summary = key.startsWith("ungrouped-")
      ? undefined
      : groupSummary(db, accountId, key, { upTo: newest, where: narrowed });
    return [
      {
        group_key: key,
        notifications_count: summary?.count ?? 1,
        type: note.type,
        most_recent_notification_id: summary?.latestId ?? newest,
        page_min_id: members.at(-1)?.id ?? newest,
        page_max_id: newest,
        latest_page_notification_at: note.created_at,
        sample_account_ids: summary?.accountIds ?? [note.account.id],
        ...(note.status ? { status_id: note.status.id } : {}),
        ...(note.report ? { report: note.report } : {}),
        ...(note.moderation_warning ? { moderation_warning: note.moderation_warning } : {}),
        ...(note.event ? { event: note.event } : {}),
      },
    ];
  });
  const accounts = accountEntities(
    db,
    baseUrl,
    notification_groups.flatMap((g) => g.sample_account_ids),
  );
  const statuses = new Map([...byId.values()].flatMap((n) => (n.status ? [[n.status.id, n.status] as const] : [])));
  // An integer in Mastodon's entity, and apps decode it so (Ice Cubes); the API takes it back as an id.
  const numbers = notificationNumbers(
    db,
    notification_groups.map((g) => g.most_recent_notification_id),
  );
  return {
    accounts: [...accounts.values()],
    statuses: [...statuses.values()],
    notification_groups: notification_groups.map((g) => ({
      ...g,
      most_recent_notification_id: numbers.get(g.most_recent_notification_id) ?? 0,
    })),
  };
}

const ourTypes = (types: string[]): NotificationType[] =>
  notificationTypes.filter((ours) => types.includes(mastodonNotificationType(ours)) || types.includes(ours));

/** Notifications: the list (filtered by type), one, dismissing, and the read marker. */
export function notificationApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const entities = (rows: NotificationRow[], viewerId: string) => notificationEntities(db, baseUrl, rows, viewerId);
  const one = (accountId: string, idOrNumber: string) => {
    const row = findNotification(db, accountId, idOrNumber);
    if (!row) throw new CoreError("Record not found", 404);
    return row;
  };

  /** What a page query narrows the list to (types, sender), as options and as SQL for group counts. */
  const narrowing = (query: PageQuery) => {
    const types = list(query, "types");
    const options = {
      types: types.length > 0 ? ourTypes(types) : undefined,
      excludeTypes: ourTypes(list(query, "exclude_types")),
      fromAccountId: query.account_id,
      filtered: flag(query.include_filtered) ? ("include" as const) : ("exclude" as const),
    };
    const sql = and(
      options.types ? inArray(notifications.type, options.types) : undefined,
      options.excludeTypes.length > 0 ? notInArray(notifications.type, options.excludeTypes) : undefined,
      options.fromAccountId ? eq(notifications.fromAccountId, options.fromAccountId) : undefined,
    );
    // Asked for types Skein never makes: nothing, rather than everything.
    return { options, sql, none: types.length > 0 && options.types?.length === 0 };
  };
  const setLink = (url: string, ids: string[], set: { headers: Record<string, unknown> }) => {
    const link = linkHeader(url, ids);
    if (link) set.headers.link = link;
  };
  /** A page of the member's notifications, one by one (v1), with its Link header set. */
  const page = (accountId: string, query: PageQuery, url: string, set: { headers: Record<string, unknown> }) => {
    const { options, none } = narrowing(query);
    if (none) return [];
    const { rows, span } = shownNotifications(db, baseUrl, accountId, {
      ...options,
      maxId: query.max_id,
      sinceId: query.since_id,
      minId: query.min_id,
      limit: limitOf(query, 40, 80),
    });
    // From the notifications passed, not only those shown: paging goes on past hidden ones.
    setLink(url, span, set);
    return rows;
  };
  /**
   * A page of groups (v2): `limit` counts groups. The walk goes from newest to oldest, or, with
   * `min_id`, from just after it towards the newest (then shown newest first); the page, and its
   * Link header, end with the last notification passed.
   */
  const groupedPage = (accountId: string, query: GroupedQuery, url: string, set: { headers: Record<string, unknown> }) => {
    const { options, sql, none } = narrowing(query);
    if (none) return groupedResults(db, baseUrl, accountId, [], () => []);
    const forward = Boolean(query.min_id);
    const asked = list(query, "grouped_types");
    const { groups, first, last } = gatherGroups<NotificationRow>(
      (after) => {
        const bounds = forward
          ? { minId: after?.id ?? query.min_id, maxId: query.max_id }
          : { maxId: after?.id ?? query.max_id, sinceId: query.since_id };
        const batch = listNotifications(db, accountId, { ...options, ...bounds, limit: 200 });
        return forward ? batch.toReversed() : batch;
      },
      limitOf(query, 40, 80),
      {
        groupedTypes: asked.length > 0 ? ourTypes(asked) : undefined,
        shown: notificationScreen(db, baseUrl, accountId),
      },
    );
    const newestFirst = (rows: NotificationRow[]) => rows.toSorted((a, b) => (a.id < b.id ? 1 : -1));
    const ordered = [...groups].map(([key, members]) => [key, newestFirst(members)] as [string, NotificationRow[]]);
    const span = forward ? [last, first] : [first, last];
    setLink(
      url,
      span.flatMap((r) => (r ? [r.id] : [])),
      set,
    );
    return groupedResults(
      db,
      baseUrl,
      accountId,
      forward ? ordered.toReversed() : ordered,
      (rows) => entities(rows, accountId),
      sql,
    );
  };
  /** One group of the member's, whole (its newest notification stands for it). */
  const group = (accountId: string, key: string) => {
    const newestId = key.startsWith("ungrouped-") ? key.slice("ungrouped-".length) : groupSummary(db, accountId, key)?.latestId;
    if (!newestId) throw new CoreError("Record not found", 404);
    const newest = one(accountId, newestId);
    const results = groupedResults(db, baseUrl, accountId, [[key, [newest]]], (rows) => entities(rows, accountId));
    if (results.notification_groups.length === 0) throw new CoreError("Record not found", 404);
    return results;
  };
  const dismissOne = (accountId: string, idOrNumber: string) => {
    dismissNotifications(db, accountId, one(accountId, idOrNumber).id);
    return {};
  };
  /** Notifications since the member's read marker, as shown (at most 80, as Mastodon counts); v2 counts their groups. */
  const unreadCount = (userId: string, accountId: string, grouped = false) => {
    const readId = db.select({ id: users.notificationsReadId }).from(users).where(eq(users.id, userId)).get()?.id;
    const { rows } = shownNotifications(db, baseUrl, accountId, { sinceId: readId ?? undefined, limit: grouped ? 400 : 80 });
    return { count: grouped ? Math.min(new Set(rows.map((r) => groupKey(r))).size, 80) : rows.length };
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
        // Mastodon 4.3's grouped notifications (core/notification-groups.ts): apps that see version 4.3 ask here.
        const me = member("read:notifications");
        return groupedPage(me.account.id, query, request.url, set);
      },
      { query: groupedQuery },
    )
    .get("/api/v2/notifications/unread_count", ({ member }) => {
      const me = member("read:notifications");
      return unreadCount(me.user.id, me.account.id, true);
    })
    .get(
      "/api/v2/notifications/:group_key",
      ({ member, params }) => group(member("read:notifications").account.id, params.group_key),
      { params: t.Object({ group_key: t.String({ maxLength: 120 }) }) },
    )
    .get(
      "/api/v2/notifications/:group_key/accounts",
      ({ member, params }) => {
        const me = member("read:notifications");
        const summary = groupSummary(db, me.account.id, params.group_key, { samples: 80 });
        if (!summary) throw new CoreError("Record not found", 404);
        const found = accountEntities(db, baseUrl, summary.accountIds);
        return summary.accountIds.flatMap((id) => found.get(id) ?? []);
      },
      { params: t.Object({ group_key: t.String({ maxLength: 120 }) }) },
    )
    .post(
      "/api/v2/notifications/:group_key/dismiss",
      ({ member, params }) => {
        if (!dismissGroup(db, member("write:notifications").account.id, params.group_key))
          throw new CoreError("Record not found", 404);
        return {};
      },
      { params: t.Object({ group_key: t.String({ maxLength: 120 }) }) },
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
      ({ member, query }) => {
        const me = member("read:statuses");
        const asked = list(query, "timeline");
        return markerEntities(markersOf(db, me.account.id), asked.length > 0 ? asked : markerTimelines);
      },
      { query: t.Object({ timeline: tList(2), "timeline[]": tList(2) }) },
    )
    .post(
      "/api/v1/markers",
      ({ member, body }) => {
        const me = member("write:statuses");
        const given = nested(body as Record<string, unknown>);
        const readId = (timeline: MarkerTimeline) => {
          const id = (given[timeline] as { last_read_id?: unknown } | undefined)?.last_read_id;
          const text = typeof id === "number" ? String(id) : id;
          return typeof text === "string" && text && text.length <= 64 ? text : undefined;
        };
        const home = readId("home");
        const notificationsId = readId("notifications");
        // A notification may be named by its number; one the member does not have moves nothing
        // (an id compared as text could carry the marker past every notification to come).
        saveMarkers(db, me.account.id, {
          home,
          notifications: notificationsId && findNotification(db, me.account.id, notificationsId)?.id,
        });
        return markerEntities(
          markersOf(db, me.account.id),
          markerTimelines.filter((t) => (t === "home" ? home : notificationsId)),
        );
      },
      { body: t.Object({}, { additionalProperties: true, maxProperties: 10 }) },
    );
}

/** Mastodon's Marker entities, by timeline, for those asked that are set. */
function markerEntities(markers: ReturnType<typeof markersOf>, timelines: readonly string[]) {
  return Object.fromEntries(
    markerTimelines.flatMap((timeline) => {
      const marker = markers[timeline];
      if (!marker || !timelines.includes(timeline)) return [];
      return [[timeline, { last_read_id: marker.lastReadId, version: 1, updated_at: marker.updatedAt.toISOString() }]];
    }),
  );
}
