import { Elysia } from "elysia";
import { accountApiRoutes } from "./accounts.ts";
import { adminApiRoutes } from "./admin.ts";
import { apiPlugin, type ApiDeps } from "./context.ts";
import { filterApiRoutes } from "./filters.ts";
import { instanceApiRoutes } from "./instance.ts";
import { listApiRoutes } from "./lists.ts";
import { mediaApiRoutes } from "./media.ts";
import { miscApiRoutes } from "./misc.ts";
import { notificationApiRoutes } from "./notifications.ts";
import { oauthApiRoutes } from "./oauth.ts";
import { registrationApiRoutes } from "./registrations.ts";
import { searchApiRoutes } from "./search.ts";
import { translationApiRoutes } from "./translations.ts";
import { statusApiRoutes } from "./statuses.ts";
import { tagApiRoutes } from "./tags.ts";
import { timelineApiRoutes } from "./timelines.ts";

export type { ApiDeps } from "./context.ts";

/** The Mastodon-compatible client API: one module per area, each calling the same core functions as the web pages. */
export function apiRoutes(deps: ApiDeps) {
  const api = apiPlugin(deps);
  return new Elysia({ name: "api" })
    .use(api)
    .use(oauthApiRoutes(deps, api))
    .use(instanceApiRoutes(deps, api))
    .use(accountApiRoutes(deps, api).use(registrationApiRoutes(deps, api)))
    .use(statusApiRoutes(deps, api).use(translationApiRoutes(deps, api)))
    .use(timelineApiRoutes(deps, api))
    .use(listApiRoutes(deps, api))
    .use(notificationApiRoutes(deps, api))
    .use(mediaApiRoutes(deps, api))
    .use(searchApiRoutes(deps, api))
    .use(filterApiRoutes(deps, api))
    .use(tagApiRoutes(deps, api))
    .use(miscApiRoutes(deps, api).use(adminApiRoutes(deps, api)));
}
