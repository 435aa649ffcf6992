import { Elysia, t } from "elysia";
import { applyFilters } from "../core/filters.ts";
import { followedAmong } from "../core/followed-tags.ts";
import { covers } from "../core/oauth.ts";
import { trendingLinks, trendingPostIds, trendingTags } from "../core/trends.ts";
import { loadPostViews } from "../core/views.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, cardEntity, historyEntity, statusEntities, tagEntity } from "./entities.ts";
import { limitOf } from "./params.ts";

const pageQuery = t.Object({
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Numeric({ minimum: 0, maximum: 10_000 })),
});
const page = (query: typeof pageQuery.static, fallback: number, max: number) => ({
  offset: Math.trunc(query.offset ?? 0),
  limit: limitOf(query, fallback, max),
});

/** What trends here: hashtags, posts and links (empty when the admins switched trends off). */
export function trendApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const tagsFor = ({
    token,
    query,
  }: {
    token?: { account?: { id: string } | null; scopes: string[] };
    query: typeof pageQuery.static;
  }) => {
    const found = trendingTags(db, page(query, 10, 20));
    const viewerId = token?.account && covers(token.scopes, "read:follows") ? token.account.id : null;
    const followed = followedAmong(
      db,
      viewerId,
      found.map((f) => f.tag.name),
    );
    return found.map((f) => tagEntity(f.tag, baseUrl, viewerId ? followed.has(f.tag.name) : undefined, f.history));
  };
  return new Elysia({ name: "api-trends" })
    .use(api)
    .get("/api/v1/trends", tagsFor, { query: pageQuery })
    .get("/api/v1/trends/tags", tagsFor, { query: pageQuery })
    .get(
      "/api/v1/trends/statuses",
      ({ token, query }) => {
        const viewerId = token?.account?.id ?? null;
        const ids = trendingPostIds(db, viewerId, page(query, 20, 40));
        return statusEntities(db, baseUrl, applyFilters(db, viewerId, "public", loadPostViews(db, baseUrl, ids, viewerId)));
      },
      { query: pageQuery },
    )
    .get(
      "/api/v1/trends/links",
      ({ query }) => {
        const links = trendingLinks(db, baseUrl, page(query, 10, 20));
        const authors = accountEntities(
          db,
          baseUrl,
          links.flatMap((l) => (l.card.author ? [l.card.author.id] : [])),
        );
        return links.map((l) => ({ ...cardEntity(l.card, baseUrl, authors), history: historyEntity(l.history) }));
      },
      { query: pageQuery },
    );
}
