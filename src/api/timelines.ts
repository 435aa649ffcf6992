import { Elysia, t } from "elysia";
import { CoreError } from "../core/errors.ts";
import { federatedTimeline, homeTimeline, linkTimeline, localTimeline, tagTimeline } from "../core/timelines.ts";
import { trendingLink } from "../core/trends.ts";
import { applyFilters } from "../core/filters.ts";
import { loadPostViews } from "../core/views.ts";
import type { FilterContext } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { statusEntities } from "./entities.ts";
import { flag, linkHeader, pageQuery, paging, tFlag } from "./params.ts";

/** Home, the public timelines and hashtags (list timelines are in lists.ts), paged with max_id / since_id / min_id and Link headers. */
export function timelineApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const respond = (
    ids: string[],
    viewerId: string | null,
    request: Request,
    set: { headers: Record<string, string | number> },
    context: FilterContext,
    onlyMedia = false,
  ) => {
    let views = applyFilters(db, viewerId, context, loadPostViews(db, baseUrl, ids, viewerId));
    if (onlyMedia) views = views.filter((v) => v.media.length > 0);
    const link = linkHeader(request.url, ids);
    if (link) set.headers.link = link;
    return statusEntities(db, baseUrl, views);
  };
  const publicQuery = t.Object({ ...paging, local: tFlag, remote: tFlag, only_media: tFlag });

  return new Elysia({ name: "api-timelines" })
    .use(api)
    .get(
      "/api/v1/timelines/home",
      ({ member, query, request, set }) => {
        const me = member("read:statuses");
        return respond(homeTimeline(db, me.account.id, pageQuery(query)), me.account.id, request, set, "home");
      },
      { query: t.Object(paging) },
    )
    .get(
      "/api/v1/timelines/public",
      ({ token, authorized, query, request, set }) => {
        if (token) authorized("read:statuses");
        const viewerId = token?.account?.id ?? null;
        const page = pageQuery(query);
        const ids = flag(query.local)
          ? localTimeline(db, viewerId, page)
          : federatedTimeline(db, viewerId, page).filter((id, _i, all) => !flag(query.remote) || all.includes(id));
        const remoteOnly = flag(query.remote)
          ? ids.filter((id) => loadPostViews(db, baseUrl, [id], viewerId)[0]?.account.domain)
          : ids;
        return respond(remoteOnly, viewerId, request, set, "public", flag(query.only_media));
      },
      { query: publicQuery },
    )
    .get(
      "/api/v1/timelines/tag/:hashtag",
      ({ token, authorized, params, query, request, set }) => {
        if (token) authorized("read:statuses");
        const viewerId = token?.account?.id ?? null;
        return respond(
          tagTimeline(db, viewerId, params.hashtag, pageQuery(query)),
          viewerId,
          request,
          set,
          "public",
          flag(query.only_media),
        );
      },
      { params: t.Object({ hashtag: t.String({ maxLength: 100 }) }), query: publicQuery },
    )
    .get(
      "/api/v1/timelines/link",
      ({ token, authorized, query, request, set }) => {
        if (token) authorized("read:statuses");
        // As Mastodon: only a link that trends now has a timeline.
        if (!trendingLink(db, baseUrl, query.url)) throw new CoreError("Record not found", 404);
        const viewerId = token?.account?.id ?? null;
        return respond(linkTimeline(db, viewerId, query.url, pageQuery(query)), viewerId, request, set, "public");
      },
      { query: t.Object({ ...paging, url: t.String({ maxLength: 2000 }) }) },
    );
}
