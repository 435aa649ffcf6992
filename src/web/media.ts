import { Elysia, t } from "elysia";
import { remoteMediaSource } from "../core/media.ts";
import type { Db } from "../db/open.ts";
import type { RemoteMediaCache } from "../media/remote-cache.ts";
import { type MediaStore, mediaTypes } from "../media/store.ts";

/** Headers that keep a served file what its type says: no sniffing, a download name, no scripts, no frames. */
function fileHeaders(type: string, name: string, cacheControl: string) {
  return {
    "content-type": type,
    "cache-control": cacheControl,
    "content-disposition": `inline; filename="${name}"`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
  };
}

/**
 * Uploaded files, served so they can only ever be pictures, video or sound: the type comes from
 * our own stored name, nothing is sniffed, and a sandboxing CSP stops a file from acting as a page. Remote
 * images, video and audio are served the same way from the cache, fetched on their first view
 * (Bun answers a player's Range requests on a file).
 */
export function mediaRoutes(store: MediaStore, remote: { db: Db; cache: RemoteMediaCache }) {
  return new Elysia({ name: "media" })
    .get(
      "/media/remote/:kind/:id",
      async ({ params, set }) => {
        const source = remoteMediaSource(remote.db, params.kind, params.id);
        const cached = source ? await remote.cache.get(source.url, source.playable) : null;
        if (!cached) {
          set.status = 404;
          return { error: "No such file." };
        }
        const name = cached.path.split("/").at(-1) ?? "image";
        // The URL carries a version of the remote address: a changed avatar gets a new URL.
        return new Response(cached.file, { headers: fileHeaders(cached.mime, name, "public, max-age=604800") });
      },
      {
        params: t.Object({
          kind: t.Union([
            t.Literal("media"),
            t.Literal("covers"),
            t.Literal("avatars"),
            t.Literal("headers"),
            t.Literal("cards"),
            t.Literal("emojis"),
          ]),
          id: t.String({ maxLength: 64 }),
        }),
      },
    )
    .get("/media/*", async ({ params, set }) => {
      const path = params["*"];
      const file = store.file(path);
      if (!file || !(await file.exists())) {
        set.status = 404;
        return { error: "No such file." };
      }
      const type = mediaTypes[path.split(".").at(-1) ?? ""] ?? "application/octet-stream";
      const name = path.split("/").at(-1) ?? "";
      return new Response(file, { headers: fileHeaders(type, name, "public, max-age=31536000, immutable") });
    });
}
