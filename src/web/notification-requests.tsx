/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { NotificationItem } from "../../views/notifications.tsx";
import { severanceOfNotification } from "../core/severances.ts";
import { NotificationRequestPage, NotificationRequestsPage } from "../../views/notification-requests.tsx";
import { notificationsWithPosts } from "../core/filters.ts";
import { policyOf, updatePolicy } from "../core/notification-policy.ts";
import { acceptRequests, dismissRequests, findRequest, listRequests } from "../core/notification-requests.ts";
import { shownNotifications } from "../core/notifications.ts";
import { waitingSignups } from "../core/registrations.ts";
import { followingAmong } from "../core/accounts-read.ts";
import { reportTargets } from "../core/reports.ts";
import { loadAccountViews } from "../core/views.ts";
import { notificationPolicyActions, type notifications } from "../db/schema.ts";
import { optionalOneOf } from "../schemas.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const csrf = t.Optional(t.String());
const action = optionalOneOf(notificationPolicyActions);
const PATH = "/notifications/requests";
const PAGE = 40;

/** Notifications as the page shows them: their senders and posts loaded, those a `hide` filter removes left out. */
export function notificationItems(
  deps: Pick<WebDeps, "db" | "baseUrl">,
  viewerId: string,
  rows: (typeof notifications.$inferSelect)[],
  readId: string,
): NotificationItem[] {
  const { db, baseUrl } = deps;
  const senders = loadAccountViews(
    db,
    baseUrl,
    rows.map((r) => r.fromAccountId),
  );
  const waiting = waitingSignups(
    db,
    rows.flatMap((r) => (r.type === "admin.sign_up" ? [r.fromAccountId] : [])),
  );
  const reported = reportTargets(
    db,
    rows.flatMap((r) => (r.reportId ? [r.reportId] : [])),
  );
  // New followers the member does not follow yet get a "Follow back".
  const followed = new Set(
    followingAmong(
      db,
      viewerId,
      rows.flatMap((r) => (r.type === "follow" ? [r.fromAccountId] : [])),
      { requests: true },
    ),
  );
  return notificationsWithPosts(db, baseUrl, viewerId, rows).flatMap(({ row: r, post }) => {
    const account = senders.get(r.fromAccountId);
    if (!account) return [];
    const staff = {
      reportId: r.reportId,
      reported: r.reportId ? reported.get(r.reportId) : undefined,
      waiting: waiting.has(r.fromAccountId),
      severance: severanceOfNotification(db, r),
    };
    // A newcomer's profile is nobody's to see before approval: staff go to its admin page.
    const from = r.type === "admin.sign_up" ? { ...account, localUrl: `/admin/accounts/${account.id}` } : account;
    const followBack = r.type === "follow" && !followed.has(r.fromAccountId);
    return [{ id: r.id, type: r.type, from, post, createdAt: r.createdAt, unread: r.id > readId, followBack, ...staff }];
  });
}

/** Filtered notifications: the member's policy, the senders held back, and each one's notifications. */
export function notificationRequestRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "notification-requests" })
    .use(page)
    .get(
      PATH,
      ({ ctx, viewer, query, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const rows = listRequests(db, viewer.account.id, { maxId: query.max_id, limit: PAGE });
        const accounts = loadAccountViews(
          db,
          baseUrl,
          rows.map((r) => r.fromAccountId),
        );
        const requests = rows.flatMap((r) => {
          const account = accounts.get(r.fromAccountId);
          return account ? [{ id: r.id, account, count: r.notificationsCount, updatedAt: r.updatedAt }] : [];
        });
        const last = rows.at(-1)?.id;
        return (
          <NotificationRequestsPage
            ctx={ctx}
            policy={policyOf(db, viewer.account.id)}
            requests={requests}
            more={rows.length === PAGE && last ? `${PATH}?max_id=${last}` : undefined}
            message={query.saved ? "Saved. New notifications follow these choices." : undefined}
          />
        );
      },
      { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })), saved: t.Optional(t.String({ maxLength: 1 })) }) },
    )
    .post(
      "/notifications/policy",
      ({ viewer, body, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        updatePolicy(db, viewer.account.id, {
          forNotFollowing: body.for_not_following,
          forNotFollowers: body.for_not_followers,
          forNewAccounts: body.for_new_accounts,
          forPrivateMentions: body.for_private_mentions,
          forLimitedAccounts: body.for_limited_accounts,
        });
        return redirect(`${PATH}?saved=1`, 303);
      },
      {
        body: t.Object({
          _csrf: csrf,
          for_not_following: action,
          for_not_followers: action,
          for_new_accounts: action,
          for_private_mentions: action,
          for_limited_accounts: action,
        }),
      },
    )
    .get(
      `${PATH}/:id`,
      ({ ctx, viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const request = findRequest(db, viewer.account.id, params.id);
        const account = loadAccountViews(db, baseUrl, [request.fromAccountId]).get(request.fromAccountId);
        const { rows } = shownNotifications(db, baseUrl, viewer.account.id, {
          filtered: "only",
          fromAccountId: request.fromAccountId,
          limit: 80,
        });
        if (!account) return redirect(PATH, 303);
        return (
          <NotificationRequestPage
            ctx={ctx}
            request={{ id: request.id, account, count: request.notificationsCount, updatedAt: request.updatedAt }}
            items={notificationItems(deps, viewer.account.id, rows, "")}
          />
        );
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .post(
      `${PATH}/:id/:decision`,
      ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const request = findRequest(db, viewer.account.id, params.id);
        if (params.decision === "accept") acceptRequests(deps, viewer.account.id, [request.id]);
        else dismissRequests(db, viewer.account.id, [request.id]);
        return redirect(PATH, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), decision: t.UnionEnum(["accept", "dismiss"]) }),
        body: t.Optional(t.Object({ _csrf: csrf })),
      },
    );
}
