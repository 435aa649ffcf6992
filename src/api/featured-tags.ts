import { Elysia, t } from "elysia";
import { type FeaturedTagView, featuredTagsOf, featureTag, tagSuggestions, unfeatureTag } from "../core/featured-tags.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";

/** Mastodon's FeaturedTag entity; `url` lists the member's posts with it. */
export function featuredTagEntity(f: FeaturedTagView, username: string, baseUrl: URL) {
  return {
    id: f.featuredId,
    name: f.display,
    url: new URL(`/@${username}/tagged/${encodeURIComponent(f.name)}`, baseUrl).href,
    statuses_count: String(f.posts), // a string in Mastodon's entity (and apps that read it so)
    last_status_at: f.lastPostAt ? f.lastPostAt.toISOString().slice(0, 10) : null,
  };
}

/** The member's featured hashtags: list, feature, stop featuring, and what to suggest. */
export function featuredTagApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "api-featured-tags" })
    .use(api)
    .get("/api/v1/featured_tags", ({ member }) => {
      const me = member("read:accounts").account;
      return featuredTagsOf(db, me.id).map((f) => featuredTagEntity(f, me.username, baseUrl));
    })
    .post(
      "/api/v1/featured_tags",
      ({ member, body }) => {
        const me = member("write:accounts").account;
        return featuredTagEntity(featureTag(deps, me.id, body.name ?? ""), me.username, baseUrl);
      },
      { body: t.Object({ name: t.Optional(t.String({ maxLength: 200 })) }) },
    )
    .delete(
      "/api/v1/featured_tags/:id",
      ({ member, params }) => {
        unfeatureTag(deps, member("write:accounts").account.id, { featuredId: params.id });
        return {};
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .get("/api/v1/featured_tags/suggestions", ({ member }) =>
      tagSuggestions(db, member("read:accounts").account.id).map((tag) => ({
        name: tag.display,
        url: new URL(`/tags/${encodeURIComponent(tag.name)}`, baseUrl).href,
        history: [],
        following: false,
      })),
    );
}
