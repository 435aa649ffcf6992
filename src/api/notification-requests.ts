import { Elysia, t } from "elysia";
import { loadPostViews } from "../core/views.ts";
import { type NotificationPolicy, policyOf, updatePolicy } from "../core/notification-policy.ts";
import {
  acceptRequests,
  dismissRequests,
  findRequest,
  listRequests,
  pendingSummary,
  type RequestRow,
} from "../core/notification-requests.ts";
import { notificationPolicyActions } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, statusEntities } from "./entities.ts";
import { flag, limitOf, linkHeader, list, paging, tFlag, tList } from "./params.ts";
import { optionalOneOf } from "../schemas.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });
const ids = t.Object({ id: tList(80), "id[]": tList(80) });
const action = optionalOneOf(notificationPolicyActions);

/** The policy's fields under Mastodon's names (v2), and v1's booleans (filter or not). */
const names = {
  for_not_following: "forNotFollowing",
  for_not_followers: "forNotFollowers",
  for_new_accounts: "forNewAccounts",
  for_private_mentions: "forPrivateMentions",
  for_limited_accounts: "forLimitedAccounts",
} as const satisfies Record<string, keyof NotificationPolicy>;

/** Mastodon 4.3's notification policy and notification requests (filtered notifications). */
export function notificationRequestApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;

  const summary = (accountId: string) => {
    const pending = pendingSummary(db, accountId);
    return { pending_requests_count: pending.requests, pending_notifications_count: pending.notifications };
  };
  const v2Policy = (accountId: string, policy = policyOf(db, accountId)) => ({
    ...Object.fromEntries(Object.entries(names).map(([name, key]) => [name, policy[key]])),
    summary: summary(accountId),
  });
  const v1Policy = (accountId: string, policy = policyOf(db, accountId)) => ({
    filter_not_following: policy.forNotFollowing !== "accept",
    filter_not_followers: policy.forNotFollowers !== "accept",
    filter_new_accounts: policy.forNewAccounts !== "accept",
    filter_private_mentions: policy.forPrivateMentions !== "accept",
    summary: summary(accountId),
  });
  const entities = (rows: RequestRow[], viewerId: string) => {
    const accounts = accountEntities(
      db,
      baseUrl,
      rows.map((r) => r.fromAccountId),
    );
    const postIds = rows.flatMap((r) => (r.lastPostId ? [r.lastPostId] : []));
    const statuses = new Map(statusEntities(db, baseUrl, loadPostViews(db, baseUrl, postIds, viewerId)).map((s) => [s.id, s]));
    return rows.flatMap((r) => {
      const account = accounts.get(r.fromAccountId);
      if (!account) return [];
      return [
        {
          id: r.id,
          created_at: r.createdAt.toISOString(),
          updated_at: r.updatedAt.toISOString(),
          account,
          // A string in Mastodon's entity.
          notifications_count: String(r.notificationsCount),
          last_status: (r.lastPostId && statuses.get(r.lastPostId)) || null,
        },
      ];
    });
  };

  const v1Body = t.Object({
    filter_not_following: tFlag,
    filter_not_followers: tFlag,
    filter_new_accounts: tFlag,
    filter_private_mentions: tFlag,
  });
  /** v1's booleans: true filters, false accepts, absent leaves the choice as it is. */
  const updateV1 = (accountId: string, body: typeof v1Body.static) => {
    const toAction = (value: boolean | string | undefined) =>
      value === undefined ? undefined : flag(value) ? ("filter" as const) : ("accept" as const);
    const changes: Partial<NotificationPolicy> = {
      forNotFollowing: toAction(body.filter_not_following),
      forNotFollowers: toAction(body.filter_not_followers),
      forNewAccounts: toAction(body.filter_new_accounts),
      forPrivateMentions: toAction(body.filter_private_mentions),
    };
    return v1Policy(accountId, updatePolicy(db, accountId, changes));
  };

  return (
    new Elysia({ name: "api-notification-requests" })
      .use(api)
      .get("/api/v2/notifications/policy", ({ member }) => v2Policy(member("read:notifications").account.id))
      .patch(
        "/api/v2/notifications/policy",
        ({ member, body }) => {
          const me = member("write:notifications");
          const changes: Partial<NotificationPolicy> = {};
          for (const [name, key] of Object.entries(names)) {
            const value = body[name as keyof typeof names];
            if (value) changes[key] = value;
          }
          return v2Policy(me.account.id, updatePolicy(db, me.account.id, changes));
        },
        {
          body: t.Object({
            for_not_following: action,
            for_not_followers: action,
            for_new_accounts: action,
            for_private_mentions: action,
            for_limited_accounts: action,
          }),
        },
      )
      .get("/api/v1/notifications/policy", ({ member }) => v1Policy(member("read:notifications").account.id))
      // Apps send PUT, as Mastodon's documentation says, or PATCH, which Mastodon takes too.
      .put("/api/v1/notifications/policy", ({ member, body }) => updateV1(member("write:notifications").account.id, body), {
        body: v1Body,
      })
      .patch("/api/v1/notifications/policy", ({ member, body }) => updateV1(member("write:notifications").account.id, body), {
        body: v1Body,
      })
      .get(
        "/api/v1/notifications/requests",
        ({ member, query, request, set }) => {
          const me = member("read:notifications");
          const rows = listRequests(db, me.account.id, {
            maxId: query.max_id,
            sinceId: query.since_id,
            minId: query.min_id,
            limit: limitOf(query, 40, 80),
          });
          const link = linkHeader(
            request.url,
            rows.map((r) => r.id),
          );
          if (link) set.headers.link = link;
          return entities(rows, me.account.id);
        },
        { query: t.Object(paging) },
      )
      // Mastodon moved old filtered notifications into requests once, in the background; here
      // requests are kept as notifications come, so the move is always done.
      .get("/api/v1/notifications/requests/merged", ({ member }) => {
        member("read:notifications");
        return { merged: true };
      })
      .post(
        "/api/v1/notifications/requests/accept",
        ({ member, body }) => {
          acceptRequests(deps, member("write:notifications").account.id, list(body, "id"));
          return {};
        },
        { body: ids },
      )
      .post(
        "/api/v1/notifications/requests/dismiss",
        ({ member, body }) => {
          dismissRequests(db, member("write:notifications").account.id, list(body, "id"));
          return {};
        },
        { body: ids },
      )
      .get(
        "/api/v1/notifications/requests/:id",
        ({ member, params }) => {
          const me = member("read:notifications");
          return entities([findRequest(db, me.account.id, params.id)], me.account.id)[0] ?? {};
        },
        { params: id },
      )
      .post(
        "/api/v1/notifications/requests/:id/accept",
        ({ member, params }) => {
          const me = member("write:notifications");
          acceptRequests(deps, me.account.id, [findRequest(db, me.account.id, params.id).id]);
          return {};
        },
        { params: id },
      )
      .post(
        "/api/v1/notifications/requests/:id/dismiss",
        ({ member, params }) => {
          const me = member("write:notifications");
          dismissRequests(db, me.account.id, [findRequest(db, me.account.id, params.id).id]);
          return {};
        },
        { params: id },
      )
  );
}
