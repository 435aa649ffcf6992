/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { FilterEditPage, type FilterFormValues, FiltersPage, filterValues } from "../../views/settings-filters.tsx";
import { plain } from "../../views/meta.tsx";
import { ValidationError } from "../core/errors.ts";
import * as core from "../core/filters.ts";
import type { Viewer } from "../core/sessions.ts";
import { loadPostViews } from "../core/views.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";
import { loginFirst } from "./redirects.ts";
import { optionalOneOf } from "../schemas.ts";

const PATH = "/settings/filters";
const id = t.Object({ id: t.String({ maxLength: 64 }) });

const filterForm = t.Object({
  _csrf: t.Optional(t.String()),
  title: t.Optional(t.String({ maxLength: 1000 })),
  keywords: t.Optional(t.String({ maxLength: 30_000 })),
  whole_word: t.Optional(t.String({ maxLength: 5 })),
  context: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 10 })])),
  filter_action: t.Optional(t.String({ maxLength: 20 })),
  expires_in: t.Optional(t.String({ maxLength: 20 })),
});

type FilterForm = typeof filterForm.static;

/** The form as typed, to show again next to its errors. */
const formValues = (body: FilterForm): FilterFormValues => ({
  title: body.title ?? "",
  context: asList(body.context),
  filter_action: body.filter_action ?? "warn",
  expires_in: body.expires_in ?? "",
  keywords: body.keywords ?? "",
  whole_word: body.whole_word === "1",
});

/** The form as core's input; the keyword list replaces the filter's keywords. */
function filterInput(body: FilterForm, current: core.FilterKeyword[]): core.FilterInput {
  const expires = body.expires_in ?? "";
  return {
    title: body.title ?? "",
    context: asList(body.context),
    filterAction: body.filter_action ?? "warn",
    expiresIn: expires === "keep" ? undefined : expires === "" ? null : Number(expires),
    keywords: core.keywordChangesFor(current, (body.keywords ?? "").split(/\r?\n/), body.whole_word === "1"),
  };
}

/** Core's field names as the form's: keyword problems belong to the keywords box. */
const formErrors = (error: ValidationError) => {
  const { keyword, keywords, ...rest } = error.fields;
  return keyword || keywords ? { ...rest, keywords: [keyword, keywords].filter(Boolean).join(" ") } : rest;
};

/** Settings → Filters: list, add, edit, delete keyword filters (the same core functions as the API). */
export function filterRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const postsOf = (viewer: Viewer, filter: core.Filter) => {
    const views = new Map(
      loadPostViews(
        db,
        baseUrl,
        filter.statuses.map((s) => s.postId),
        viewer.account.id,
      ).map((v) => [v.id, v]),
    );
    return filter.statuses.flatMap((s) => {
      const view = views.get(s.postId);
      if (!view) return [];
      const excerpt = `${view.account.displayName}: ${view.spoilerText || plain(view.contentHtml).slice(0, 80)}`;
      return [{ id: s.id, url: view.localUrl, excerpt }];
    });
  };

  return new Elysia({ name: "filters" })
    .use(page)
    .get(
      PATH,
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const message = query.done
          ? { added: "Filter added.", saved: "Filter saved.", deleted: "Filter deleted." }[query.done]
          : "";
        return <FiltersPage ctx={ctx} filters={core.listFilters(db, viewer.account.id)} message={message} />;
      },
      { query: t.Object({ done: optionalOneOf(["added", "saved", "deleted"]) }) },
    )
    .post(
      PATH,
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        try {
          core.createFilter(db, viewer.account.id, filterInput(body, []));
          return redirect(`${PATH}?done=added`, 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const filters = core.listFilters(db, viewer.account.id);
          return <FiltersPage ctx={ctx} filters={filters} values={formValues(body)} errors={formErrors(error)} />;
        }
      },
      { body: filterForm },
    )
    .get(
      `${PATH}/:id/edit`,
      ({ viewer, ctx, params, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const filter = core.getFilter(db, viewer.account.id, params.id);
        return <FilterEditPage ctx={ctx} filter={filter} values={filterValues(filter)} posts={postsOf(viewer, filter)} />;
      },
      { params: id },
    )
    .post(
      `${PATH}/:id`,
      ({ viewer, ctx, params, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const filter = core.getFilter(db, viewer.account.id, params.id);
        try {
          core.updateFilter(db, viewer.account.id, filter.id, filterInput(body, filter.keywords));
          return redirect(`${PATH}?done=saved`, 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return (
            <FilterEditPage
              ctx={ctx}
              filter={filter}
              values={formValues(body)}
              posts={postsOf(viewer, filter)}
              errors={formErrors(error)}
            />
          );
        }
      },
      { params: id, body: filterForm },
    )
    .post(
      `${PATH}/:id/delete`,
      ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        core.deleteFilter(db, viewer.account.id, params.id);
        return redirect(`${PATH}?done=deleted`, 303);
      },
      { params: id, body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    )
    .post(
      `${PATH}/statuses/:id/delete`,
      ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const row = core.getFilterStatus(db, viewer.account.id, params.id);
        core.deleteFilterStatus(db, viewer.account.id, row.id);
        return redirect(`${PATH}/${row.filterId}/edit`, 303);
      },
      { params: id, body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
