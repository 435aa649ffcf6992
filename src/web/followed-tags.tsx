/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { FollowedTagsPage } from "../../views/settings-filters.tsx";
import { CoreError } from "../core/errors.ts";
import { findTag, followTag, listFollowedTags, unfollowTag } from "../core/followed-tags.ts";
import { featuredTagsOf, featureTag, tagSuggestions, unfeatureTag } from "../core/featured-tags.ts";
import type { PageContext } from "../../views/context.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { back, loginFirst } from "./redirects.ts";

const PATH = "/settings/tags";
const csrfOnly = t.Optional(t.Object({ _csrf: t.Optional(t.String()) }));

/**
 * Following and featuring hashtags: the buttons on a tag's page and the lists in settings (the
 * same core calls as the API).
 */
export function followedTagRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const render = (
    ctx: PageContext,
    accountId: string,
    extra: { errors?: Record<string, string>; value?: string; featuredValue?: string } = {},
  ) => (
    <FollowedTagsPage
      ctx={ctx}
      tags={listFollowedTags(db, accountId, { limit: 200 }).map((r) => r.tag)}
      featured={featuredTagsOf(db, accountId)}
      suggestions={tagSuggestions(db, accountId)}
      {...extra}
    />
  );
  return new Elysia({ name: "followed-tags" })
    .use(page)
    .get(PATH, ({ viewer, ctx, redirect }) => {
      if (!viewer) return redirect(loginFirst(PATH), 303);
      return render(ctx, viewer.account.id);
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
          return render(ctx, viewer.account.id, { errors, value: body.name });
        }
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), name: t.String({ maxLength: 200 }) }) },
    )
    .post(
      `${PATH}/featured`,
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        try {
          featureTag(deps, viewer.account.id, body.featured_name);
          return redirect(`${PATH}#featured`, 303);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 422) throw error;
          set.status = 422;
          const errors = { featured_name: error.message };
          return render(ctx, viewer.account.id, { errors, featuredValue: body.featured_name });
        }
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), featured_name: t.String({ maxLength: 200 }) }) },
    )
    .post(
      "/tags/:name/:action",
      ({ viewer, params, request, redirect }) => {
        const path = `/tags/${encodeURIComponent(params.name)}`;
        if (!viewer) return redirect(loginFirst(path), 303);
        const actions = {
          follow: () => followTag(db, viewer.account.id, params.name),
          unfollow: () => unfollowTag(db, viewer.account.id, params.name),
          feature: () => featureTag(deps, viewer.account.id, params.name),
          unfeature: () => unfeatureTag(deps, viewer.account.id, { name: findTag(db, params.name).name }),
        };
        actions[params.action]();
        return redirect(back(request, path), 303);
      },
      {
        params: t.Object({
          name: t.String({ maxLength: 200 }),
          action: t.UnionEnum(["follow", "unfollow", "feature", "unfeature"]),
        }),
        body: csrfOnly,
      },
    );
}
