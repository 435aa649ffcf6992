/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { type NotificationItem, NotificationsPage } from "../../views/notifications.tsx";
import { SearchPage } from "../../views/search.tsx";
import { listNotifications, markNotificationsRead } from "../core/notifications.ts";
import { searchAccounts, searchPosts, searchTags } from "../core/search.ts";
import { accountView, loadAccountViews, loadPostViews } from "../core/views.ts";
import { users } from "../db/schema.ts";
import { eq } from "drizzle-orm";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

/** Notifications and search. */
export function socialRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "social" })
    .use(page)
    .get(
      "/notifications",
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst("/notifications"), 303);
        const readId = db.select({ id: users.notificationsReadId }).from(users).where(eq(users.id, viewer.user.id)).get()?.id ?? "";
        const rows = listNotifications(db, viewer.account.id, { maxId: query.max_id });
        const from = loadAccountViews(db, baseUrl, rows.map((r) => r.fromAccountId));
        const posts = new Map(loadPostViews(db, baseUrl, rows.flatMap((r) => (r.postId ? [r.postId] : [])), viewer.account.id).map((p) => [p.id, p]));
        const items: NotificationItem[] = rows.flatMap((r) => {
          const account = from.get(r.fromAccountId);
          if (!account) return [];
          return [{ id: r.id, type: r.type, from: account, post: r.postId ? (posts.get(r.postId) ?? null) : null, createdAt: r.createdAt, unread: r.id > readId }];
        });
        const newest = rows[0]?.id;
        if (newest && !query.max_id) markNotificationsRead(db, viewer.account.id, newest);
        const last = rows.at(-1)?.id;
        return <NotificationsPage ctx={{ ...ctx, unread: 0 }} items={items} more={rows.length === 20 && last ? `/notifications?max_id=${last}` : undefined} />;
      },
      { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get(
      "/search",
      ({ viewer, ctx, query }) => {
        const q = (query.q ?? "").trim().slice(0, 200);
        const viewerId = viewer?.account.id ?? null;
        return (
          <SearchPage
            ctx={ctx}
            q={q}
            accounts={q ? searchAccounts(db, q).map((a) => accountView(baseUrl, a)) : []}
            tags={q ? searchTags(db, q) : []}
            posts={q && !q.startsWith("@") ? loadPostViews(db, baseUrl, searchPosts(db, viewerId, q), viewerId) : []}
          />
        );
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 500 })) }) },
    );
}
