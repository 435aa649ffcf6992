import { Elysia, t } from "elysia";
import { findTag, followedAmong, followTag, listFollowedTags, unfollowTag } from "../core/followed-tags.ts";
import { covers } from "../core/oauth.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { tagEntity } from "./entities.ts";
import { limitOf, linkHeader, paging } from "./params.ts";

const name = t.Object({ name: t.String({ maxLength: 200 }) });

/** Hashtags: one tag (with `following` for a member), following and unfollowing, the followed list. */
export function tagApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "api-tags" })
    .use(api)
    .get(
      "/api/v1/followed_tags",
      ({ member, query, request, set }) => {
        const me = member("read:follows");
        const rows = listFollowedTags(db, me.account.id, {
          maxId: query.max_id,
          minId: query.min_id ?? query.since_id,
          limit: limitOf(query, 100, 200),
        });
        const link = linkHeader(
          request.url,
          rows.map((r) => r.followId),
        );
        if (link) set.headers.link = link;
        return rows.map((r) => tagEntity(r.tag, baseUrl, true));
      },
      { query: t.Object(paging) },
    )
    .get(
      "/api/v1/tags/:name",
      ({ token, params }) => {
        const tag = findTag(db, params.name);
        // Public; `following` only for a member whose token may read their follows.
        const viewerId = token?.account && covers(token.scopes, "read:follows") ? token.account.id : null;
        return tagEntity(tag, baseUrl, viewerId ? followedAmong(db, viewerId, [tag.name]).has(tag.name) : undefined);
      },
      { params: name },
    )
    .post(
      "/api/v1/tags/:name/follow",
      ({ member, params }) => tagEntity(followTag(db, member("write:follows").account.id, params.name), baseUrl, true),
      { params: name },
    )
    .post(
      "/api/v1/tags/:name/unfollow",
      ({ member, params }) => tagEntity(unfollowTag(db, member("write:follows").account.id, params.name), baseUrl, false),
      { params: name },
    );
}
