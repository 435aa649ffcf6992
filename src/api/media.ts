import { and, eq, isNull } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { CoreError } from "../core/errors.ts";
import { deleteUpload, describeMedia, MAX_PLAYABLE_BYTES, MAX_UPLOAD_BYTES, setMediaCover, uploadMedia } from "../core/media.ts";
import { mediaView } from "../core/views.ts";
import { mediaAttachments } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { mediaEntity } from "./entities.ts";
import { nullAsAbsent } from "./params.ts";

const upload = t.Object({
  file: t.File({ maxSize: MAX_PLAYABLE_BYTES }),
  description: t.Optional(t.String({ maxLength: 1500 })),
  focus: t.Optional(t.String({ maxLength: 40 })),
  /** A video's or audio file's cover image. */
  thumbnail: t.Optional(t.File({ maxSize: MAX_UPLOAD_BYTES })),
});

const bytesOf = async (file: File) => new Uint8Array(await file.arrayBuffer());

/** Media uploads (images, video, audio: the same pipeline as the web's compose form), their alt text and covers. */
export function mediaApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  // One's own upload not posted yet, as on Mastodon: a posted file changes through an edit of its
  // post (media_attributes), which keeps the history and tells other servers.
  const own = (accountId: string, id: string) => {
    const row = db
      .select()
      .from(mediaAttachments)
      .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.accountId, accountId), isNull(mediaAttachments.postId)))
      .get();
    if (!row) throw new CoreError("Record not found", 404);
    return row;
  };
  const store = async ({ member, body }: { member: ApiPluginMember; body: typeof upload.static }) => {
    const me = member("write:media");
    const row = await uploadMedia(deps, me.account.id, {
      bytes: await bytesOf(body.file),
      description: body.description,
      focus: body.focus,
      thumbnail: body.thumbnail ? await bytesOf(body.thumbnail) : undefined,
    });
    return mediaEntity(mediaView(row), baseUrl);
  };
  return (
    new Elysia({ name: "api-media" })
      .use(api)
      // Files are ready before the answer (video is not transcoded): the v2 endpoint answers 200, never 202.
      .post("/api/v2/media", store, { body: upload, transform: nullAsAbsent })
      .post("/api/v1/media", store, { body: upload, transform: nullAsAbsent })
      .get(
        "/api/v1/media/:id",
        ({ member, params }) => mediaEntity(mediaView(own(member("write:media").account.id, params.id)), baseUrl),
        { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
      )
      .delete(
        "/api/v1/media/:id",
        ({ member, params }) => {
          deleteUpload(deps, member("write:media").account.id, params.id);
          return {};
        },
        { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
      )
      .put(
        "/api/v1/media/:id",
        async ({ member, params, body }) => {
          const me = member("write:media");
          let row = own(me.account.id, params.id);
          if (body.thumbnail) row = (await setMediaCover(deps, me.account.id, row.id, await bytesOf(body.thumbnail))) ?? row;
          // A null clears the description (and the focus), as on Mastodon.
          if (body.description !== undefined || body.focus !== undefined)
            row =
              describeMedia(db, me.account.id, row.id, {
                description: body.description === undefined ? undefined : (body.description ?? ""),
                focus: body.focus === undefined ? undefined : (body.focus ?? ""),
              }) ?? row;
          return mediaEntity(mediaView(row), baseUrl);
        },
        {
          params: t.Object({ id: t.String({ maxLength: 64 }) }),
          body: t.Object({
            description: t.Optional(t.Nullable(t.String({ maxLength: 1500 }))),
            focus: t.Optional(t.Nullable(t.String({ maxLength: 40 }))),
            thumbnail: t.Optional(t.File({ maxSize: MAX_UPLOAD_BYTES })),
          }),
        },
      )
  );
}

type ApiPluginMember = (scope: string) => { account: { id: string } };
