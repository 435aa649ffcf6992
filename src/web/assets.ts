import { MISSING_IMAGES } from "../core/views.ts";
import { Elysia } from "elysia";
import htmxPath from "htmx.org/dist/htmx.min.js" with { type: "file" };
import htmxSsePath from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
import htmxPackage from "htmx.org/package.json" with { type: "json" };
import appJs from "../../views/assets/app.js" with { type: "text" };
import iconSvg from "../../views/assets/icon.svg" with { type: "text" };
import styleCss from "../../views/assets/style.css" with { type: "text" };
import avatarPng from "../../views/assets/avatar-missing.png" with { type: "file" };
import headerPng from "../../views/assets/header-missing.png" with { type: "file" };

// Asset paths carry a version, so browsers may cache them for a year without going stale.
const styleHash = Bun.hash(styleCss).toString(36);
export const assetPaths = {
  htmx: `/assets/htmx-${htmxPackage.version}.min.js`,
  htmxSse: `/assets/hx-sse-${htmxPackage.version}.min.js`,
  style: `/assets/style-${styleHash}.css`,
  icon: `/assets/icon-${Bun.hash(iconSvg).toString(36)}.svg`,
  app: `/assets/app-${Bun.hash(appJs).toString(36)}.js`,
  avatarMissing: MISSING_IMAGES.avatar,
  headerMissing: MISSING_IMAGES.header,
};

const immutable = "public, max-age=31536000, immutable";

export const assetRoutes = new Elysia({ name: "assets" })
  .get(
    assetPaths.htmx,
    () =>
      new Response(Bun.file(htmxPath), {
        headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": immutable },
      }),
  )
  .get(
    assetPaths.htmxSse,
    () =>
      new Response(Bun.file(htmxSsePath), {
        headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": immutable },
      }),
  )
  .get(
    assetPaths.style,
    () =>
      new Response(styleCss, {
        headers: { "content-type": "text/css; charset=utf-8", "cache-control": immutable },
      }),
  )
  .get(
    assetPaths.app,
    () =>
      new Response(appJs, {
        headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": immutable },
      }),
  )
  .get(
    assetPaths.icon,
    () =>
      new Response(iconSvg, {
        headers: { "content-type": "image/svg+xml", "cache-control": immutable },
      }),
  )
  .get(assetPaths.avatarMissing, () => new Response(Bun.file(avatarPng), { headers: { "content-type": "image/png" } }))
  .get(assetPaths.headerMissing, () => new Response(Bun.file(headerPng), { headers: { "content-type": "image/png" } }));
