import { Elysia, t } from "elysia";
import {
  type ConversationRow,
  conversationOf,
  conversationViews,
  listConversations,
  markConversationRead,
  removeConversation,
} from "../core/conversations.ts";
import type { Db } from "../db/open.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, statusEntities } from "./entities.ts";
import { linkHeader, pageQuery, paging } from "./params.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });

/** Conversation entities; one whose last message the member can no longer see is left out. */
export function conversationEntities(db: Db, baseUrl: URL, viewerId: string, rows: ConversationRow[]) {
  const views = conversationViews(db, baseUrl, viewerId, rows);
  const statuses = statusEntities(
    db,
    baseUrl,
    views.map((v) => v.last),
  );
  const people = accountEntities(
    db,
    baseUrl,
    views.flatMap((v) => v.people.map((p) => p.id)),
  );
  return views.map((v, i) => ({
    id: v.id,
    unread: v.unread,
    accounts: v.people.flatMap((p) => people.get(p.id) ?? []),
    last_status: statuses[i],
  }));
}

/** Direct messages as Mastodon's conversations: one per thread, with its newest message. */
export function conversationApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const entities = (viewerId: string, rows: ConversationRow[]) => conversationEntities(db, baseUrl, viewerId, rows);
  return new Elysia({ name: "api-conversations" })
    .use(api)
    .get(
      "/api/v1/conversations",
      ({ member, query, request, set }) => {
        const me = member("read:statuses").account.id;
        const rows = listConversations(db, me, pageQuery(query));
        // Paged by the newest message's id, as Mastodon's Link header does.
        const link = linkHeader(
          request.url,
          rows.map((r) => r.lastPostId),
        );
        if (link) set.headers.link = link;
        return entities(me, rows);
      },
      { query: t.Object(paging) },
    )
    .post(
      "/api/v1/conversations/:id/read",
      ({ member, params }) => {
        const me = member("write:conversations").account.id;
        const [entity] = entities(me, [markConversationRead(db, me, params.id)]);
        return entity ?? {};
      },
      { params: id },
    )
    .delete(
      "/api/v1/conversations/:id",
      ({ member, params }) => {
        removeConversation(db, member("write:conversations").account.id, params.id);
        return {};
      },
      { params: id },
    )
    .get(
      "/api/v1/conversations/:id",
      ({ member, params }) => {
        const me = member("read:statuses").account.id;
        return entities(me, [conversationOf(db, me, params.id)])[0] ?? {};
      },
      { params: id },
    );
}
