import { Elysia, t } from "elysia";
import * as core from "../core/filters.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { filterEntity, filterKeywordEntity, filterStatusEntity, v1FilterEntities } from "./entities.ts";
import { flag, list, nestedList, tFlag, text, tList } from "./params.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });

// Form bodies carry keywords as flattened `keywords_attributes[0][keyword]` fields: allowed
// beside the named ones, bounded in number; core checks every value it reads.
const filterBody = t.Object(
  {
    title: t.Optional(t.String({ maxLength: 1000 })),
    context: tList(10),
    "context[]": tList(10),
    filter_action: t.Optional(t.String({ maxLength: 20 })),
    expires_in: t.Optional(t.Union([t.Number(), t.String({ maxLength: 20 }), t.Null()])),
    keywords_attributes: t.Optional(t.Unknown()),
  },
  { additionalProperties: true, maxProperties: 420 },
);

const keywordBody = t.Object({
  keyword: t.Optional(t.String({ maxLength: 1000 })),
  whole_word: tFlag,
});

type FilterBody = typeof filterBody.static;

/** `expires_in` as sent: empty or null means never; absent means unchanged. */
function expiresIn(value: FilterBody["expires_in"]): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === "") return null;
  return typeof value === "number" ? value : Number(value);
}

/** The request's parameters as core's FilterInput (only what was sent). */
function filterInput(body: FilterBody): core.FilterInput {
  const sentContext = body.context !== undefined || body["context[]"] !== undefined;
  return {
    title: body.title,
    context: sentContext ? list(body, "context") : undefined,
    filterAction: body.filter_action,
    expiresIn: expiresIn(body.expires_in),
    keywords: nestedList(body, "keywords_attributes").map((k) => ({
      id: text(k.id),
      keyword: text(k.keyword),
      wholeWord: flag(k.whole_word),
      destroy: flag(k._destroy) ?? false,
    })),
  };
}

/** Filters v2 (and v1's list, one entry per keyword), for the member's own filters only. */
export function filterApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db } = deps;
  return new Elysia({ name: "api-filters" })
    .use(api)
    .get("/api/v2/filters", ({ member }) => {
      const me = member("read:filters");
      return core.listFilters(db, me.account.id).map((f) => filterEntity(f));
    })
    .post(
      "/api/v2/filters",
      ({ member, body }) => {
        const me = member("write:filters");
        const input = filterInput(body);
        return filterEntity(core.createFilter(db, me.account.id, { ...input, expiresIn: input.expiresIn ?? null }));
      },
      { body: filterBody },
    )
    .get(
      "/api/v2/filters/:id",
      ({ member, params }) => filterEntity(core.getFilter(db, member("read:filters").account.id, params.id)),
      { params: id },
    )
    .put(
      "/api/v2/filters/:id",
      ({ member, params, body }) =>
        filterEntity(core.updateFilter(db, member("write:filters").account.id, params.id, filterInput(body))),
      { params: id, body: filterBody },
    )
    .delete(
      "/api/v2/filters/:id",
      ({ member, params }) => {
        core.deleteFilter(db, member("write:filters").account.id, params.id);
        return {};
      },
      { params: id },
    )
    .get(
      "/api/v2/filters/:id/keywords",
      ({ member, params }) => core.getFilter(db, member("read:filters").account.id, params.id).keywords.map(filterKeywordEntity),
      { params: id },
    )
    .post(
      "/api/v2/filters/:id/keywords",
      ({ member, params, body }) =>
        filterKeywordEntity(
          core.addKeyword(db, member("write:filters").account.id, params.id, {
            keyword: body.keyword,
            wholeWord: flag(body.whole_word),
          }),
        ),
      { params: id, body: keywordBody },
    )
    .get(
      "/api/v2/filters/keywords/:id",
      ({ member, params }) => filterKeywordEntity(core.getKeyword(db, member("read:filters").account.id, params.id)),
      { params: id },
    )
    .put(
      "/api/v2/filters/keywords/:id",
      ({ member, params, body }) =>
        filterKeywordEntity(
          core.updateKeyword(db, member("write:filters").account.id, params.id, {
            keyword: body.keyword,
            wholeWord: flag(body.whole_word),
          }),
        ),
      { params: id, body: keywordBody },
    )
    .delete(
      "/api/v2/filters/keywords/:id",
      ({ member, params }) => {
        core.deleteKeyword(db, member("write:filters").account.id, params.id);
        return {};
      },
      { params: id },
    )
    .get(
      "/api/v2/filters/:id/statuses",
      ({ member, params }) => core.getFilter(db, member("read:filters").account.id, params.id).statuses.map(filterStatusEntity),
      { params: id },
    )
    .post(
      "/api/v2/filters/:id/statuses",
      ({ member, params, body }) =>
        filterStatusEntity(core.addFilterStatus(db, member("write:filters").account.id, params.id, body.status_id)),
      { params: id, body: t.Object({ status_id: t.String({ maxLength: 64 }) }) },
    )
    .get(
      "/api/v2/filters/statuses/:id",
      ({ member, params }) => filterStatusEntity(core.getFilterStatus(db, member("read:filters").account.id, params.id)),
      { params: id },
    )
    .delete(
      "/api/v2/filters/statuses/:id",
      ({ member, params }) => {
        core.deleteFilterStatus(db, member("write:filters").account.id, params.id);
        return {};
      },
      { params: id },
    )
    .get("/api/v1/filters", ({ member }) => core.listFilters(db, member("read:filters").account.id).flatMap(v1FilterEntities));
}
