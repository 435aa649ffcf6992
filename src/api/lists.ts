import { Elysia, t } from "elysia";
import {
  addToList,
  createList,
  deleteList,
  getList,
  type ListRow,
  listMembers,
  listsContaining,
  listsOf,
  listTimeline,
  removeFromList,
  updateList,
} from "../core/lists.ts";
import { loadPostViews } from "../core/views.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, statusEntities } from "./entities.ts";
import { flag, linkHeader, list, nullAsAbsent, pageQuery, paging, tFlag, tList } from "./params.ts";

/** Mastodon's List entity. */
const listEntity = (l: ListRow) => ({ id: l.id, title: l.title, replies_policy: l.repliesPolicy, exclusive: l.exclusive });

const id = t.Object({ id: t.String({ maxLength: 64 }) });
// Lengths are checked by core, which answers 422 with a message like Mastodon's.
const listBody = t.Object({
  title: t.Optional(t.String({ maxLength: 1000 })),
  replies_policy: t.Optional(t.String({ maxLength: 20 })),
  exclusive: tFlag,
});
const accountIds = t.Object({ account_ids: tList(500), "account_ids[]": tList(500) });

const inputOf = (b: { title?: string; replies_policy?: string; exclusive?: unknown }) => ({
  title: b.title,
  repliesPolicy: b.replies_policy,
  exclusive: flag(b.exclusive),
});

/** Lists: the lists themselves, their accounts, the lists holding an account, and the list timeline. */
export function listApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const accountsOf = (ids: string[]) => {
    const entities = accountEntities(db, baseUrl, ids);
    return ids.flatMap((i) => entities.get(i) ?? []);
  };

  return new Elysia({ name: "api-lists" })
    .use(api)
    .get("/api/v1/lists", ({ member }) => listsOf(db, member("read:lists").account.id).map(listEntity))
    .post(
      "/api/v1/lists",
      ({ member, body }) =>
        listEntity(createList(deps, member("write:lists").account, { ...inputOf(body), title: body.title ?? "" })),
      { body: listBody, transform: nullAsAbsent },
    )
    .get("/api/v1/lists/:id", ({ member, params }) => listEntity(getList(db, member("read:lists").account.id, params.id)), {
      params: id,
    })
    .put(
      "/api/v1/lists/:id",
      ({ member, params, body }) => listEntity(updateList(deps, member("write:lists").account, params.id, inputOf(body))),
      { params: id, body: listBody, transform: nullAsAbsent },
    )
    .delete(
      "/api/v1/lists/:id",
      ({ member, params }) => {
        deleteList(deps, member("write:lists").account, params.id);
        return {};
      },
      { params: id },
    )
    .get(
      "/api/v1/lists/:id/accounts",
      ({ member, params, query, request, set }) => {
        const me = member("read:lists");
        // limit=0 gives every account at once, without paging (as Mastodon does).
        const page = query.limit === 0 ? { limit: 0 } : pageQuery(query, 40, 80);
        const rows = listMembers(db, me.account.id, params.id, page);
        const link =
          page.limit === 0
            ? undefined
            : linkHeader(
                request.url,
                rows.map((a) => a.id),
              );
        if (link) set.headers.link = link;
        return accountsOf(rows.map((a) => a.id));
      },
      { params: id, query: t.Object({ ...paging, limit: t.Optional(t.Numeric({ minimum: 0, maximum: 1000 })) }) },
    )
    .post(
      "/api/v1/lists/:id/accounts",
      ({ member, params, body }) => {
        addToList(deps, member("write:lists").account, params.id, list(body, "account_ids"));
        return {};
      },
      { params: id, body: accountIds },
    )
    .delete(
      "/api/v1/lists/:id/accounts",
      ({ member, params, body, query }) => {
        // Clients send the ids in the body or in the query string.
        const ids = [...list(body, "account_ids"), ...list(query, "account_ids")];
        removeFromList(deps, member("write:lists").account, params.id, ids);
        return {};
      },
      { params: id, body: t.Optional(accountIds), query: accountIds },
    )
    .get(
      "/api/v1/accounts/:id/lists",
      ({ member, params }) => listsContaining(db, member("read:lists").account.id, params.id).map(listEntity),
      { params: id },
    )
    .get(
      "/api/v1/timelines/list/:id",
      ({ member, params, query, request, set }) => {
        const me = member("read:lists");
        const ids = listTimeline(db, me.account.id, params.id, pageQuery(query));
        const link = linkHeader(request.url, ids);
        if (link) set.headers.link = link;
        return statusEntities(db, baseUrl, loadPostViews(db, baseUrl, ids, me.account.id));
      },
      { params: id, query: t.Object(paging) },
    );
}
