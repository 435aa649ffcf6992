import { Elysia, t } from "elysia";
import { findTag, followedAmong, followTag, listFollowedTags, type TagInfo, unfollowTag } from "../core/followed-tags.ts";
import { covers } from "../core/oauth.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { tagEntities } from "./entities.ts";
import { limitOf, linkHeader, paging } from "./params.ts";

const name = t.Object({ name: t.String({ maxLength: 200 }) });

/** Hashtags: one tag (with `following` for a member), following and unfollowing, the followed list. */
export function tagApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const one = (tag: TagInfo, following: boolean | undefined) => tagEntities(db, baseUrl, [tag], () => following)[0];
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
        return tagEntities(
          db,
          baseUrl,
          rows.map((r) => r.tag),
          () => true,
        );
      },
      { query: t.Object(paging) },
    )
    .get(
      "/api/v1/tags/:name",
      ({ token, params }) => {
        const tag = findTag(db, params.name);
        // Public; `following` only for a member whose token may read their follows.
        const viewerId = token?.account && covers(token.scopes, "read:follows") ? token.account.id : null;
        return one(tag, viewerId ? followedAmong(db, viewerId, [tag.name]).has(tag.name) : undefined);
      },
      { params: name },
    )
    .post(
      "/api/v1/tags/:name/follow",
      ({ member, params }) => one(followTag(db, member("write:follows").account.id, params.name), true),
      { params: name },
    )
    .post(
      "/api/v1/tags/:name/unfollow",
      ({ member, params }) => one(unfollowTag(db, member("write:follows").account.id, params.name), false),
      { params: name },
    );
}
