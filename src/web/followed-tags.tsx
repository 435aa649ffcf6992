/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { FollowedTagsPage } from "../../views/settings-filters.tsx";
import { CoreError } from "../core/errors.ts";
import { followTag, listFollowedTags, unfollowTag } from "../core/followed-tags.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { back, loginFirst } from "./redirects.ts";

const PATH = "/settings/tags";
const csrfOnly = t.Optional(t.Object({ _csrf: t.Optional(t.String()) }));

/** Following hashtags: the button on a tag's page and the list in settings (the same core calls as the API). */
export function followedTagRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const list = (accountId: string) => listFollowedTags(db, accountId, { limit: 200 }).map((r) => r.tag);
  return new Elysia({ name: "followed-tags" })
    .use(page)
    .get(PATH, ({ viewer, ctx, redirect }) => {
      if (!viewer) return redirect(loginFirst(PATH), 303);
      return <FollowedTagsPage ctx={ctx} tags={list(viewer.account.id)} />;
    })
    .post(
      PATH,
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        try {
          followTag(db, viewer.account.id, body.name.trim());
          return redirect(PATH, 303);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 404) throw error;
          set.status = 422;
          const errors = { name: "That is not a hashtag: letters, digits and underscores, with at least one letter." };
          return <FollowedTagsPage ctx={ctx} tags={list(viewer.account.id)} errors={errors} value={body.name} />;
        }
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), name: t.String({ maxLength: 200 }) }) },
    )
    .post(
      "/tags/:name/:action",
      ({ viewer, params, request, redirect }) => {
        const path = `/tags/${encodeURIComponent(params.name)}`;
        if (!viewer) return redirect(loginFirst(path), 303);
        (params.action === "follow" ? followTag : unfollowTag)(db, viewer.account.id, params.name);
        return redirect(back(request, path), 303);
      },
      {
        params: t.Object({ name: t.String({ maxLength: 200 }), action: t.UnionEnum(["follow", "unfollow"]) }),
        body: csrfOnly,
      },
    );
}
