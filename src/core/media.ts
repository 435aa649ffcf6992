import { getLogger } from "@logtape/logtape";
import { and, eq, isNull, lt, type SQL, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, customEmojis, mediaAttachments, previewCards } from "../db/schema.ts";
import { ImageError } from "../media/images.ts";
import { processImageInWorker } from "../media/worker.ts";
import type { MediaStore } from "../media/store.ts";
import { blockFor } from "./domain-blocks.ts";
import { CoreError, ValidationError } from "./errors.ts";

const logger = getLogger(["skein", "media"]);

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_DESCRIPTION = 1500;

const imageMessages: Record<ImageError["code"], string> = {
  unsupported_type: "This file is not a JPEG, PNG, WebP or GIF image.",
  too_large: `Images can be at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`,
  too_many_pixels: "This image has too many pixels.",
  corrupt: "This image is damaged or incomplete.",
};

/**
 * Stores an uploaded image for a post to come: its type is read from the bytes, metadata (EXIF,
 * GPS) goes with re-encoding, it is scaled to 1920 px at most, with a thumbnail and a blurhash.
 * The web form and the API's media upload both call this.
 */
export async function uploadImage(
  deps: { db: Db; media: MediaStore },
  accountId: string,
  upload: { bytes: Uint8Array; description?: string },
) {
  const description = (upload.description ?? "").trim();
  if (description.length > MAX_DESCRIPTION)
    throw new ValidationError({ description: `Keep the description under ${MAX_DESCRIPTION} characters.` });
  let image: Awaited<ReturnType<typeof processImageInWorker>>;
  try {
    image = await processImageInWorker(upload.bytes, { maxBytes: MAX_UPLOAD_BYTES });
  } catch (error) {
    if (error instanceof ImageError) throw new ValidationError({ media: imageMessages[error.code] });
    throw error;
  }
  const name = crypto.randomUUID();
  const path = await deps.media.save(image.bytes, image.mime, { name });
  const thumbnailPath = await deps.media.save(image.thumbnail.bytes, image.thumbnail.mime, { name, suffix: "-small" });
  return deps.db
    .insert(mediaAttachments)
    .values({
      id: newId(),
      accountId,
      mime: image.mime,
      path,
      thumbnailPath,
      width: image.width,
      height: image.height,
      blurhash: image.blurhash,
      description,
    })
    .returning()
    .get();
}

/** Changes an unposted or own image's alt text. */
export function describeMedia(db: Db, accountId: string, mediaId: string, description: string) {
  return db
    .update(mediaAttachments)
    .set({ description: description.trim().slice(0, MAX_DESCRIPTION) })
    .where(and(eq(mediaAttachments.id, mediaId), eq(mediaAttachments.accountId, accountId)))
    .returning()
    .get();
}

/** An upload not attached to a post goes now, with its files (Mastodon's DELETE /api/v1/media/:id). */
export function deleteUpload(deps: { db: Db; media?: MediaStore }, accountId: string, mediaId: string): void {
  const mine = and(eq(mediaAttachments.id, mediaId), eq(mediaAttachments.accountId, accountId)) as SQL;
  const row = deps.db
    .select({ postId: mediaAttachments.postId, scheduled: mediaAttachments.scheduledPostId })
    .from(mediaAttachments)
    .where(mine)
    .get();
  if (!row) throw new CoreError("Record not found", 404);
  if (row.postId) throw new CoreError("This image is part of a post; delete the post instead.", 422);
  if (row.scheduled) throw new CoreError("This image is part of a scheduled post; delete that instead.", 422);
  const files = mediaFilesWhere(deps.db, mine);
  deps.db.delete(mediaAttachments).where(mine).run();
  discardFiles(deps.media, files);
}

/** Uploads never attached to a post (nor kept for a scheduled one) within a day are removed with their files. */
export async function pruneUnattachedMedia(deps: { db: Db; media: MediaStore }): Promise<number> {
  const stale = deps.db
    .delete(mediaAttachments)
    .where(
      and(
        isNull(mediaAttachments.postId),
        isNull(mediaAttachments.scheduledPostId),
        lt(mediaAttachments.createdAt, new Date(Date.now() - 24 * 3600_000)),
      ),
    )
    .returning()
    .all();
  for (const m of stale) {
    await deps.media.remove(m.path);
    await deps.media.remove(m.thumbnailPath);
  }
  return stale.length;
}

/**
 * Stored files nothing points to any more, older than a day (an upload's file is written just
 * before its row): what a deletion could not remove at once, or a crash left behind. A deleted
 * post's, account's or replaced picture's files normally go at once (discardFiles); this sweep
 * makes sure they go. Returns how many files and bytes were freed.
 */
export async function pruneOrphanMedia(deps: { db: Db; media: MediaStore }, now: Date) {
  const files = (await deps.media.files()).filter((f) => f.changedMs < now.getTime() - 24 * 3600_000);
  const used = referencedFiles(deps.db);
  let removed = 0;
  let bytes = 0;
  for (const file of files) {
    if (used.has(file.path)) continue;
    await deps.media.remove(file.path);
    removed++;
    bytes += file.bytes;
  }
  return { files: removed, bytes };
}

/** Every file under media/ a row points to: uploads and their thumbnails, avatars and headers, the instance's emoji. */
function referencedFiles(db: Db): Set<string> {
  const rows = db.all<{ path: string }>(sql`
    SELECT path FROM media_attachments WHERE path IS NOT NULL
    UNION ALL SELECT thumbnail_path FROM media_attachments WHERE thumbnail_path IS NOT NULL
    UNION ALL SELECT substr(avatar_url, 8) FROM accounts WHERE avatar_url LIKE '/media/%'
    UNION ALL SELECT substr(header_url, 8) FROM accounts WHERE header_url LIKE '/media/%'
    UNION ALL SELECT path FROM local_emojis
    UNION ALL SELECT static_path FROM local_emojis`);
  return new Set(rows.map((r) => r.path));
}

/**
 * The files of what was just deleted, removed now rather than at the next sweep (so a deleted
 * photo stops being served at once). Best effort: what fails here the sweep removes.
 */
export function discardFiles(media: MediaStore | undefined, paths: (string | null)[]): void {
  if (!media) return;
  for (const path of paths) {
    try {
      media.removeNow(path);
    } catch (error) {
      logger.warning("Could not remove {path}: {error}", { path, error });
    }
  }
}

/** The stored file behind a picture's URL ("/media/…"), if it is one of ours. */
export const mediaFile = (url: string | null | undefined) => (url?.startsWith("/media/") ? url.slice("/media/".length) : null);

/** The local files of some media rows (a post's, an account's), to discard once the rows are gone. */
export function mediaFilesWhere(db: DbOrTx, where: SQL): string[] {
  return db
    .select({ path: mediaAttachments.path, thumbnail: mediaAttachments.thumbnailPath })
    .from(mediaAttachments)
    .where(where)
    .all()
    .flatMap((m) => [m.path, m.thumbnail].filter((p): p is string => p !== null));
}

/** Attachments the pages show from the cache: pictures, and video or audio to play. */
export const isCachedKind = (mime: string) => /^(image|video|audio)\//.test(mime);

/**
 * The remote address behind a proxied file: a remote post's attachment, or a remote account's
 * avatar or header; `playable` for video and audio. Null for anything else, so the route never
 * fetches what no page shows, and for servers whose media the instance rejects (or that it suspended).
 */
export function remoteMediaSource(
  db: Db,
  kind: "media" | "avatars" | "headers" | "cards" | "emojis",
  id: string,
): { url: string; playable: boolean } | null {
  if (kind === "cards") return cardImageSource(db, id);
  if (kind === "emojis") return emojiImageSource(db, id);
  const attachment = kind === "media" ? db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id)).get() : undefined;
  const accountId = kind === "media" ? attachment?.accountId : id;
  const account = accountId ? db.select().from(accounts).where(eq(accounts.id, accountId)).get() : undefined;
  if (!account?.domain) return null;
  const block = blockFor(db, account.domain);
  if (block?.rejectMedia || block?.severity === "suspend") return null;
  const image = (url: string | null) => (url ? { url, playable: false } : null);
  if (kind === "avatars") return image(account.avatarUrl);
  if (kind === "headers") return image(account.headerUrl);
  if (!attachment?.remoteUrl || attachment.path || !isCachedKind(attachment.mime)) return null;
  return { url: attachment.remoteUrl, playable: !attachment.mime.startsWith("image/") };
}

/** A link preview's image, unless its server's media is rejected here. */
function cardImageSource(db: Db, cardId: string): { url: string; playable: boolean } | null {
  const url = db
    .select({ imageUrl: previewCards.imageUrl })
    .from(previewCards)
    .where(eq(previewCards.id, cardId))
    .get()?.imageUrl;
  return imageUnlessRejected(db, url ?? null, url ? URL.parse(url)?.hostname : undefined);
}

/** A custom emoji's image, unless the server it came from has its media rejected here. */
function emojiImageSource(db: Db, emojiId: string): { url: string; playable: boolean } | null {
  const emoji = db.select().from(customEmojis).where(eq(customEmojis.id, emojiId)).get();
  return imageUnlessRejected(db, emoji?.url ?? null, emoji?.domain);
}

function imageUnlessRejected(db: Db, url: string | null, domain: string | undefined) {
  if (!url || !domain) return null;
  const block = blockFor(db, domain);
  return block?.rejectMedia || block?.severity === "suspend" ? null : { url, playable: false };
}
