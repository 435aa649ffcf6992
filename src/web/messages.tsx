/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { type MessageThread, MessagesPage } from "../../views/messages.tsx";
import { listConversations, markConversationsRead } from "../core/conversations.ts";
import { getSettings } from "../core/instance.ts";
import { loadAccountViews, loadPostViews } from "../core/views.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const PAGE = 20;

/** The Messages page: the member's conversations (core/conversations.ts), as apps list them. */
export function messageRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "messages" }).use(page).get(
    "/messages",
    ({ viewer, ctx, query, redirect }) => {
      if (!viewer) return redirect(loginFirst("/messages"), 303);
      const me = viewer.account.id;
      const rows = listConversations(db, me, { maxId: query.max_id, limit: PAGE });
      const posts = new Map(
        loadPostViews(
          db,
          baseUrl,
          rows.map((r) => r.lastPostId),
          me,
        ).map((p) => [p.id, p]),
      );
      const people = loadAccountViews(
        db,
        baseUrl,
        rows.flatMap((r) => r.participantIds),
      );
      const threads: MessageThread[] = rows.flatMap((r) => {
        const last = posts.get(r.lastPostId);
        return last ? [{ id: r.id, unread: r.unread, people: r.participantIds.flatMap((id) => people.get(id) ?? []), last }] : [];
      });
      // Shown is read: the badge counts what came since.
      markConversationsRead(
        db,
        me,
        threads.filter((th) => th.unread).map((th) => th.id),
      );
      const oldest = rows.at(-1)?.lastPostId;
      const more = rows.length === PAGE && oldest ? `/messages?max_id=${encodeURIComponent(oldest)}` : undefined;
      return (
        <MessagesPage ctx={{ ...ctx, unreadMessages: 0 }} threads={threads} limit={getSettings(db).maxPostLength} more={more} />
      );
    },
    { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) },
  );
}
