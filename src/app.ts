import type { Database } from "bun:sqlite";
import { html } from "@elysiajs/html";
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Elysia } from "elysia";
import type { Config } from "./config.ts";
import type { CoreDeps } from "./core/deps.ts";
import { getSettings } from "./core/instance.ts";
import { federationPlugin } from "./federation/mount.ts";
import { assetRoutes } from "./web/assets.ts";
import { errorResponse } from "./web/errors.tsx";
import { healthRoutes } from "./web/health.ts";
import { homeRoutes } from "./web/home.tsx";
import { securityPlugin, withSecurityHeaders } from "./web/security.ts";
import { setupRoutes } from "./web/setup.tsx";

export interface AppDeps extends CoreDeps {
  sqlite: Database;
  config: Pick<Config, "url">;
  federation: Federation<void>;
}

const logger = getLogger(["skein", "http"]);

/** The whole HTTP surface: Fedify's routes first, then web pages (and later API and admin). */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  return new Elysia()
    .use(securityPlugin)
    .onError(({ code, error, request, set }) => {
      if (code !== "NOT_FOUND" && code !== "VALIDATION" && code !== "PARSE") {
        logger.error("{method} {url} failed: {error}", { method: request.method, url: request.url, error });
      }
      return errorResponse(code, request, set.headers, () => getSettings(deps.db).name);
    })
    .use(federationPlugin(deps.federation, config.url, withSecurityHeaders))
    .use(html({ contentType: "text/html; charset=utf-8" }))
    .use(assetRoutes)
    .use(healthRoutes(deps.sqlite))
    .use(homeRoutes(deps, config.url))
    .use(setupRoutes(deps, config.url));
}

export type App = ReturnType<typeof createApp>;
