/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { MessagesPage } from "../../views/messages.tsx";
import { conversationViews, listConversations, markConversationsRead, unreadConversations } from "../core/conversations.ts";
import { getSettings } from "../core/instance.ts";
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
      const threads = conversationViews(db, baseUrl, me, rows);
      // Shown is read: the badge counts what came since.
      markConversationsRead(
        db,
        me,
        threads.filter((th) => th.unread).map((th) => th.id),
      );
      const oldest = rows.at(-1)?.lastPostId;
      const more = rows.length === PAGE && oldest ? `/messages?max_id=${encodeURIComponent(oldest)}` : undefined;
      return (
        <MessagesPage
          ctx={{ ...ctx, unreadMessages: unreadConversations(db, me) }}
          threads={threads}
          limit={getSettings(db).maxPostLength}
          more={more}
        />
      );
    },
    { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) },
  );
}
