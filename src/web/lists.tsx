/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { ListDeletePage, ListEditPage, ListPicker, ListsPage, type ListSummary } from "../../views/lists.tsx";
import { TimelinePage } from "../../views/timeline.tsx";
import { ValidationError } from "../core/errors.ts";
import {
  addToList,
  createList,
  deleteList,
  getList,
  type ListRow,
  listCandidates,
  listMembers,
  listsContaining,
  listsOf,
  listTimeline,
  removeFromList,
  updateList,
} from "../core/lists.ts";
import type { Viewer } from "../core/sessions.ts";
import { accountViews, loadPostViews } from "../core/views.ts";
import type { PageContext } from "../../views/context.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { back, loginFirst } from "./redirects.ts";
import { moreLink, WEB_PAGE_SIZE } from "./timelines.tsx";

const csrf = { _csrf: t.Optional(t.String({ maxLength: 200 })) };
const listId = t.Object({ id: t.String({ maxLength: 64 }) });
const q = t.Optional(t.String({ maxLength: 100 }));
const withQ = (path: string, query?: string) => (query ? `${path}?q=${encodeURIComponent(query)}` : path);

/** The member's lists: the list of lists, each list's timeline, its settings and members. */
export function listRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const summary = (l: ListRow, members: number): ListSummary => ({ ...l, members });

  /** The edit page as it stands, with what the last form asked for when it was refused. */
  const editPage = (
    ctx: PageContext,
    viewer: Viewer,
    id: string,
    options: { q?: string; errors?: Record<string, string>; values?: ListEditValues; saved?: boolean } = {},
  ) => {
    const list = getList(db, viewer.account.id, id);
    const members = accountViews(db, baseUrl, listMembers(db, viewer.account.id, id, { limit: 0 })).sort((a, b) =>
      a.acct.localeCompare(b.acct),
    );
    const query = options.q ?? "";
    return (
      <ListEditPage
        ctx={ctx}
        list={summary(list, members.length)}
        members={members}
        q={query}
        candidates={accountViews(db, baseUrl, listCandidates(db, viewer.account.id, id, query))}
        errors={options.errors}
        values={options.values}
        saved={options.saved}
      />
    );
  };

  return (
    new Elysia({ name: "lists" })
      .use(page)
      .get("/lists", ({ viewer, ctx, redirect }) => {
        if (!viewer) return redirect(loginFirst("/lists"), 303);
        return <ListsPage ctx={ctx} lists={listsOf(db, viewer.account.id).map((l) => summary(l, l.accountIds.length))} />;
      })
      .post(
        "/lists",
        ({ viewer, ctx, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst("/lists"), 303);
          try {
            const list = createList(deps, viewer.account, { title: body.title ?? "" });
            return redirect(`/lists/${list.id}/edit`, 303);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            const lists = listsOf(db, viewer.account.id).map((l) => summary(l, l.accountIds.length));
            return <ListsPage ctx={ctx} lists={lists} errors={error.fields} title={body.title} />;
          }
        },
        { body: t.Object({ ...csrf, title: t.Optional(t.String({ maxLength: 1000 })) }) },
      )
      .get(
        "/lists/:id",
        ({ viewer, ctx, params, query, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/lists/${params.id}`), 303);
          const list = getList(db, viewer.account.id, params.id);
          const ids = listTimeline(db, viewer.account.id, list.id, { maxId: query.max_id, limit: WEB_PAGE_SIZE });
          return (
            <TimelinePage
              ctx={ctx}
              title={list.title}
              actions={
                <p class="row">
                  <a href={`/lists/${list.id}/edit`} class="button secondary">
                    Edit list
                  </a>
                  <a href="/lists">All lists</a>
                </p>
              }
              posts={loadPostViews(db, baseUrl, ids, viewer.account.id)}
              more={moreLink(`/lists/${list.id}`, ids)}
              empty="Nothing here yet. Posts of the people in this list appear here."
            />
          );
        },
        { params: listId, query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) },
      )
      .get(
        "/lists/:id/edit",
        ({ viewer, ctx, params, query, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/lists/${params.id}/edit`), 303);
          return editPage(ctx, viewer, params.id, { q: query.q, saved: query.saved === "1" });
        },
        { params: listId, query: t.Object({ q, saved: t.Optional(t.String({ maxLength: 1 })) }) },
      )
      .post(
        "/lists/:id",
        ({ viewer, ctx, params, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/lists/${params.id}/edit`), 303);
          // An unticked checkbox sends nothing: exclusive is off then.
          const values = {
            title: body.title ?? "",
            repliesPolicy: body.replies_policy ?? "list",
            exclusive: body.exclusive === "1",
          };
          try {
            updateList(deps, viewer.account, params.id, values);
            return redirect(`/lists/${params.id}/edit?saved=1`, 303);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            return editPage(ctx, viewer, params.id, { errors: error.fields, values });
          }
        },
        {
          params: listId,
          body: t.Object({
            ...csrf,
            title: t.Optional(t.String({ maxLength: 1000 })),
            replies_policy: t.Optional(t.String({ maxLength: 20 })),
            exclusive: t.Optional(t.String({ maxLength: 5 })),
          }),
        },
      )
      .post(
        "/lists/:id/accounts",
        ({ viewer, ctx, params, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/lists/${params.id}/edit`), 303);
          try {
            addToList(deps, viewer.account, params.id, [body.account_id]);
            return redirect(withQ(`/lists/${params.id}/edit`, body.q), 303);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            return editPage(ctx, viewer, params.id, { q: body.q, errors: error.fields });
          }
        },
        { params: listId, body: t.Object({ ...csrf, account_id: t.String({ maxLength: 64 }), q }) },
      )
      .post(
        "/lists/:id/accounts/:accountId/remove",
        ({ viewer, params, body, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/lists/${params.id}/edit`), 303);
          removeFromList(deps, viewer.account, params.id, [params.accountId]);
          return redirect(withQ(`/lists/${params.id}/edit`, body?.q), 303);
        },
        {
          params: t.Object({ id: t.String({ maxLength: 64 }), accountId: t.String({ maxLength: 64 }) }),
          body: t.Optional(t.Object({ ...csrf, q })),
        },
      )
      .get(
        "/lists/:id/delete",
        ({ viewer, ctx, params, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/lists/${params.id}/delete`), 303);
          return <ListDeletePage ctx={ctx} list={summary(getList(db, viewer.account.id, params.id), 0)} />;
        },
        { params: listId },
      )
      .post(
        "/lists/:id/delete",
        ({ viewer, params, redirect }) => {
          if (!viewer) return redirect(loginFirst("/lists"), 303);
          deleteList(deps, viewer.account, params.id);
          return redirect("/lists", 303);
        },
        { params: listId, body: t.Optional(t.Object(csrf)) },
      )
      // The "Add to list" control on a followed account's profile.
      .post(
        "/accounts/:id/lists",
        ({ viewer, params, body, request, redirect }) => {
          if (!viewer) return redirect(loginFirst("/lists"), 303);
          addToList(deps, viewer.account, body.list_id, [params.id]);
          return redirect(back(request, "/lists"), 303);
        },
        { params: listId, body: t.Object({ ...csrf, list_id: t.String({ maxLength: 64 }) }) },
      )
  );
}

type ListEditValues = { title: string; repliesPolicy: string; exclusive: boolean };

/** The profile's list control: the viewer's lists holding the account, and the others to add it to. */
export function listPickerFor(db: WebDeps["db"], ctx: PageContext, viewerId: string, accountId: string) {
  const inLists = listsContaining(db, viewerId, accountId);
  const held = new Set(inLists.map((l) => l.id));
  const otherLists = listsOf(db, viewerId).filter((l) => !held.has(l.id));
  return <ListPicker ctx={ctx} accountId={accountId} inLists={inLists} otherLists={otherLists} />;
}
