/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { TrendingLinkHeader, TrendingPage } from "../../views/trending.tsx";
import { TimelinePage } from "../../views/timeline.tsx";
import { CoreError } from "../core/errors.ts";
import { linkTimeline } from "../core/timelines.ts";
import { applyFilters } from "../core/filters.ts";
import { roleRank } from "../core/moderation.ts";
import { trendingLink, trendingLinks, trendingPostIds, trendingTags, trendsEnabled } from "../core/trends.ts";
import { loadPostViews } from "../core/views.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { exploreTabs, moreLink, WEB_PAGE_SIZE } from "./timelines.tsx";

/** Explore → Trending, for visitors and members alike; moderators get "Hide from trends". */
export function trendingRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "trending" })
    .use(page)
    .get(
      "/trending/link",
      ({ ctx, viewer, query }) => {
        const link = trendingLink(db, baseUrl, query.url);
        if (!link) throw new CoreError("This link is not trending.", 404);
        const viewerId = viewer?.account.id ?? null;
        const ids = linkTimeline(db, viewerId, query.url, { maxId: query.max_id, limit: WEB_PAGE_SIZE });
        const more = moreLink(`/trending/link?url=${encodeURIComponent(query.url)}`, ids)?.replace("?max_id", "&max_id");
        return (
          <TimelinePage
            ctx={ctx}
            title="Posts sharing a link"
            tabs={exploreTabs}
            actions={<TrendingLinkHeader link={link} />}
            posts={applyFilters(db, viewerId, "public", loadPostViews(db, baseUrl, ids, viewerId))}
            more={more}
            empty="None of the posts sharing it are public."
          />
        );
      },
      { query: t.Object({ url: t.String({ maxLength: 2000 }), max_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get("/trending", ({ ctx, viewer }) => {
      const viewerId = viewer?.account.id ?? null;
      const ids = trendingPostIds(db, viewerId, { offset: 0, limit: 20 });
      return (
        <TrendingPage
          ctx={ctx}
          tabs={exploreTabs}
          enabled={trendsEnabled(db)}
          tags={trendingTags(db, { offset: 0, limit: 10 })}
          posts={applyFilters(db, viewerId, "public", loadPostViews(db, baseUrl, ids, viewerId))}
          links={trendingLinks(db, baseUrl, { offset: 0, limit: 5 })}
          moderator={viewer !== null && roleRank[viewer.user.role] >= roleRank.moderator}
        />
      );
    });
}
