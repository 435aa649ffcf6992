/** @jsxImportSource @kitajs/html */
import { Elysia } from "elysia";
import { TrendingPage } from "../../views/trending.tsx";
import { applyFilters } from "../core/filters.ts";
import { roleRank } from "../core/moderation.ts";
import { trendingLinks, trendingPostIds, trendingTags, trendsEnabled } from "../core/trends.ts";
import { loadPostViews } from "../core/views.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { exploreTabs } from "./timelines.tsx";

/** Explore → Trending, for visitors and members alike; moderators get "Hide from trends". */
export function trendingRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "trending" }).use(page).get("/trending", ({ ctx, viewer }) => {
    const viewerId = viewer?.account.id ?? null;
    const ids = trendingPostIds(db, viewerId, { offset: 0, limit: 20 });
    return (
      <TrendingPage
        ctx={ctx}
        tabs={exploreTabs}
        enabled={trendsEnabled(db)}
        tags={trendingTags(db, { offset: 0, limit: 10 })}
        posts={applyFilters(db, viewerId, "public", loadPostViews(db, baseUrl, ids, viewerId))}
        links={trendingLinks(db, { offset: 0, limit: 5 })}
        moderator={viewer !== null && roleRank[viewer.user.role] >= roleRank.moderator}
      />
    );
  });
}
