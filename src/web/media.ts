import { Elysia } from "elysia";
import { type MediaStore, mediaTypes } from "../media/store.ts";

/**
 * Uploaded files, served so they can only ever be images: the type comes from our own stored
 * name, nothing is sniffed, and a sandboxing CSP stops a file from acting as a page.
 */
export function mediaRoutes(store: MediaStore) {
  return new Elysia({ name: "media" }).get("/media/*", async ({ params, set }) => {
    const path = params["*"];
    const file = store.file(path);
    if (!file || !(await file.exists())) {
      set.status = 404;
      return { error: "No such file." };
    }
    const type = mediaTypes[path.split(".").at(-1) ?? ""] ?? "application/octet-stream";
    return new Response(file, {
      headers: {
        "content-type": type,
        "cache-control": "public, max-age=31536000, immutable",
        "content-disposition": `inline; filename="${path.split("/").at(-1)}"`,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
      },
    });
  });
}
