/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { NotificationsPage } from "../../views/notifications.tsx";
import { SearchPage } from "../../views/search.tsx";
import { clearNotifications, markNotificationsRead, shownNotifications } from "../core/notifications.ts";
import { CoreError } from "../core/errors.ts";
import { searchAccounts, searchPosts, searchTags } from "../core/search.ts";
import { searchesPostsOnly } from "../core/search-query.ts";
import { loadAccountViews, loadPostViews } from "../core/views.ts";
import { isOwnAddress } from "../core/remote.ts";
import { users } from "../db/schema.ts";
import { eq } from "drizzle-orm";
import { badgeCounts, type PagePlugin, type WebDeps } from "./context.ts";
import { messageRoutes } from "./messages.tsx";
import { notificationItems, notificationRequestRoutes } from "./notification-requests.tsx";
import { pendingSummary } from "../core/notification-requests.ts";
import { loginFirst } from "./redirects.ts";
import { optionalOneOf } from "../schemas.ts";

const isUrl = (q: string) => /^https?:\/\/\S+$/.test(q);

/** Notifications and search. */
export function socialRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const resolveRemote = async (q: string): Promise<{ accountIds: string[]; postIds: string[] }> => {
    const handle = /^@?([a-z0-9_.-]+)@([a-z0-9.-]+(?::\d+)?)$/i.exec(q);
    if (handle && handle[2]?.toLowerCase() !== baseUrl.host.toLowerCase()) {
      const id = await deps.resolver.resolveAccount(q);
      return { accountIds: id ? [id] : [], postIds: [] };
    }
    if (isUrl(q) && !isOwnAddress(q, baseUrl)) {
      // Both at once: one after the other, a server that never answers held the page for two deadlines.
      const [postId, accountId] = await Promise.all([deps.resolver.resolvePost(q), deps.resolver.resolveAccount(q)]);
      if (postId) return { accountIds: [], postIds: [postId] };
      return { accountIds: accountId ? [accountId] : [], postIds: [] };
    }
    return { accountIds: [], postIds: [] };
  };
  /** Notifications a page shows (likes, boosts and follows among them are grouped per page). */
  const PAGE = 40;
  return new Elysia({ name: "social" })
    .use(page)
    .use(messageRoutes(deps, page))
    .use(notificationRequestRoutes(deps, page))
    .get("/notifications/badges", ({ viewer, set }) => {
      // The navigation's badges, which app.js asks for while a page stays open.
      set.headers["cache-control"] = "no-store";
      if (!viewer) throw new CoreError("Log in first.", 401);
      const { unread, unreadMessages } = badgeCounts(deps, viewer.account.id);
      return { notifications: unread, messages: unreadMessages };
    })
    .post(
      "/notifications/clear",
      ({ viewer, body, redirect }) => {
        if (!viewer) throw new CoreError("Log in first.", 403);
        clearNotifications(db, viewer.account.id, body.up_to);
        return redirect("/notifications", 303);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), up_to: t.String({ maxLength: 64 }) }) },
    )
    .get(
      "/notifications",
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst("/notifications"), 303);
        const readId =
          db.select({ id: users.notificationsReadId }).from(users).where(eq(users.id, viewer.user.id)).get()?.id ?? "";
        const mentions = query.only === "mentions";
        const { rows, span, end } = shownNotifications(db, baseUrl, viewer.account.id, {
          maxId: query.max_id,
          types: mentions ? ["mention", "reply"] : undefined,
          limit: PAGE,
        });
        const items = notificationItems(deps, viewer.account.id, rows, readId);
        // The newest and oldest passed, shown or not: those hidden are seen too, and paging goes on past them.
        const [newest, last] = span;
        // Only the whole list marks them seen: the Mentions tab leaves the others new.
        if (newest && !query.max_id && !mentions) markNotificationsRead(db, viewer.account.id, newest);
        return (
          <NotificationsPage
            ctx={mentions ? ctx : { ...ctx, unread: 0 }}
            tab={mentions ? "mentions" : "all"}
            later={Boolean(query.max_id)}
            items={items}
            more={!end && last ? `/notifications?${mentions ? "only=mentions&" : ""}max_id=${last}` : undefined}
            pending={pendingSummary(db, viewer.account.id).requests}
            clearUpTo={mentions || query.max_id ? undefined : newest}
          />
        );
      },
      { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })), only: optionalOneOf(["mentions"] as const) }) },
    )
    .get(
      "/search",
      async ({ viewer, ctx, query }) => {
        const q = (query.q ?? "").trim().slice(0, 200);
        const viewerId = viewer?.account.id ?? null;
        // A handle or a URL from elsewhere is looked up on its server (members only: it makes requests).
        const found = viewer ? await resolveRemote(q) : { accountIds: [], postIds: [] };
        const postsOnly = searchesPostsOnly(q);
        const accounts = [
          ...new Set([
            ...found.accountIds,
            ...(q && !postsOnly ? searchAccounts(db, q, { localHost: baseUrl.host }).map((a) => a.id) : []),
          ]),
        ];
        const posts = [
          ...new Set([
            ...found.postIds,
            ...(q && !q.startsWith("@") && !isUrl(q) ? searchPosts(db, viewerId, q, { host: baseUrl.host }) : []),
          ]),
        ];
        return (
          <SearchPage
            ctx={ctx}
            q={q}
            accounts={[...loadAccountViews(db, baseUrl, accounts).values()]}
            tags={q && !isUrl(q) && !postsOnly ? searchTags(db, q) : []}
            posts={loadPostViews(db, baseUrl, posts, viewerId)}
          />
        );
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 500 })) }) },
    );
}
