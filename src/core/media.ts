import { getLogger } from "@logtape/logtape";
import { and, eq, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, customEmojis, mediaAttachments, previewCards } from "../db/schema.ts";
import { ImageError, type ProcessOptions } from "../media/images.ts";
import {
  detectPlayableType,
  MAX_VIDEO_PIXELS,
  PlayableError,
  type PlayableErrorCode,
  playableExtensions,
  preparePlayable,
} from "../media/playable.ts";
import { processImageInWorker } from "../media/worker.ts";
import type { MediaStore } from "../media/store.ts";
import { countAccountAction } from "./account-limits.ts";
import { blockFor } from "./domain-blocks.ts";
import { CoreError, ValidationError } from "./errors.ts";

const logger = getLogger(["skein", "media"]);

/** Files in one post: four pictures, or one video or audio file. */
export const MAX_MEDIA = 4;
export const TOO_MANY_FILES = `Attach at most ${MAX_MEDIA} images.`;
export const PLAYABLE_ALONE = "A video or audio file goes alone in a post: post the other files separately.";
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Video and audio are stored as uploaded (nothing re-encodes them): Mastodon's limit before 4.3. */
export const MAX_PLAYABLE_BYTES = 40 * 1024 * 1024;
const MAX_DESCRIPTION = 1500;
export { MAX_VIDEO_PIXELS };
/** What uploads may be (told from the bytes, whatever the sender calls them); QuickTime is stored as the MP4 it nearly is. */
export const UPLOAD_TYPES = [
  ...["image/jpeg", "image/png", "image/webp", "image/gif", ...Object.keys(playableExtensions)],
  // The other names systems give the same files, which apps compare against.
  ...["video/x-m4v", "audio/x-m4a", "audio/mp3", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/x-flac", "audio/opus"],
];
/** The longest side of a video's or audio file's cover image. */
const POSTER_SIDE = 1280;

const imageMessages: Record<ImageError["code"], string> = {
  unsupported_type: "This file is not a JPEG, PNG, WebP or GIF image, nor an MP4, WebM, MP3, Ogg, WAV or FLAC file.",
  too_large: `Images can be at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`,
  too_many_pixels: "This image has too many pixels.",
  corrupt: "This image is damaged or incomplete.",
};

const playableMessages: Record<PlayableErrorCode, string> = {
  unsupported_type: "This video is a Matroska file: upload it as MP4 or WebM.",
  unsupported_codec: "This file's encoding does not play in web browsers: export it as MP4 (H.264) or WebM.",
  unsupported_layout:
    "This file holds more than its picture and sound (subtitles, data, other streams) in a layout Skein cannot clean: export it again without them.",
  too_large: `Video and audio files can be at most ${MAX_PLAYABLE_BYTES / 1024 / 1024} MB.`,
  too_many_pixels: "Videos can be at most 4K (3840×2160).",
  corrupt: "This video or audio file is damaged or incomplete.",
};

type Upload = { bytes: Uint8Array; description?: string; thumbnail?: Uint8Array; focus?: string };

/**
 * Stores an uploaded file for a post to come, its type read from the bytes. An image is
 * re-encoded (so its EXIF and GPS metadata go), scaled to 1920 px at most, with a thumbnail and a
 * blurhash. A video or audio file is kept as it is but for its metadata (preparePlayable), with
 * the cover image given (a frame the page's script took, or an app's thumbnail). The web form and
 * the API's media upload both call this.
 */
export async function uploadMedia(deps: { db: Db; media: MediaStore }, accountId: string, upload: Upload) {
  const description = checkedDescription(upload.description ?? "");
  const focus = upload.focus ? checkedFocus(upload.focus) : null;
  countAccountAction(deps.db, "media", accountId);
  const stored = (await storePlayable(deps.media, upload)) ?? (await storeImage(deps.media, upload.bytes));
  return deps.db
    .insert(mediaAttachments)
    .values({ id: newId(), accountId, description, focus, ...stored })
    .returning()
    .get();
}

/**
 * The files of one post chosen together (the compose form), checked as a post's would be before
 * any is stored: at most four, and a video or audio file alone. Returns their media ids.
 */
export async function uploadMediaSet(deps: { db: Db; media: MediaStore }, accountId: string, uploads: Upload[]) {
  if (uploads.length > MAX_MEDIA) throw new ValidationError({ media: TOO_MANY_FILES });
  if (uploads.length > 1 && uploads.some((u) => detectPlayableType(u.bytes)))
    throw new ValidationError({ media: PLAYABLE_ALONE });
  const ids: string[] = [];
  for (const upload of uploads) ids.push((await uploadMedia(deps, accountId, upload)).id);
  return ids;
}

type Stored = Pick<
  typeof mediaAttachments.$inferInsert,
  "mime" | "path" | "thumbnailPath" | "width" | "height" | "blurhash" | "duration"
>;

async function storeImage(media: MediaStore, bytes: Uint8Array): Promise<Stored> {
  const image = await processImage(bytes, { maxBytes: MAX_UPLOAD_BYTES });
  const name = crypto.randomUUID();
  const path = await media.save(image.bytes, image.mime, { name });
  const thumbnailPath = await media.save(image.thumbnail.bytes, image.thumbnail.mime, { name, suffix: "-small" });
  return { mime: image.mime, path, thumbnailPath, width: image.width, height: image.height, blurhash: image.blurhash };
}

/** A video or audio file with its cover; null when the bytes are neither (then they may be an image). */
async function storePlayable(media: MediaStore, upload: Upload): Promise<Stored | null> {
  let prepared: ReturnType<typeof preparePlayable>;
  try {
    prepared = preparePlayable(upload.bytes, MAX_PLAYABLE_BYTES);
  } catch (error) {
    if (error instanceof PlayableError) throw new ValidationError({ media: playableMessages[error.code] });
    throw error;
  }
  if (!prepared) return null;
  const poster = upload.thumbnail?.length
    ? await processImage(upload.thumbnail, { maxBytes: MAX_UPLOAD_BYTES, maxSide: POSTER_SIDE }, "thumbnail")
    : null;
  const name = crypto.randomUUID();
  const path = await media.save(prepared.bytes, prepared.mime, { name });
  const thumbnailPath = poster ? await media.save(poster.bytes, poster.mime, { name, suffix: "-small" }) : null;
  return {
    mime: prepared.mime,
    path,
    thumbnailPath,
    width: prepared.width,
    height: prepared.height,
    blurhash: poster?.blurhash ?? null,
    duration: prepared.duration,
  };
}

/** processImageInWorker, its refusals as messages for the form's field (the file, or a video's cover). */
async function processImage(bytes: Uint8Array, options: ProcessOptions, field: "media" | "thumbnail" = "media") {
  try {
    return await processImageInWorker(bytes, options);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    const cover = field === "thumbnail" && error.code === "unsupported_type";
    throw new ValidationError({
      [field]: cover ? "The cover must be a JPEG, PNG, WebP or GIF image." : imageMessages[error.code],
    });
  }
}

/**
 * Gives an own video or audio file not yet posted a new cover image (Mastodon's `thumbnail`),
 * discarding the old one. A posted file keeps its cover: other servers were sent its address.
 */
export async function setMediaCover(deps: { db: Db; media: MediaStore }, accountId: string, mediaId: string, bytes: Uint8Array) {
  const mine = and(eq(mediaAttachments.id, mediaId), eq(mediaAttachments.accountId, accountId)) as SQL;
  const row = deps.db.select().from(mediaAttachments).where(mine).get();
  if (!row) throw new CoreError("Record not found", 404);
  if (row.postId) throw new ValidationError({ thumbnail: "This file is already posted; its cover stays." });
  if (!isPlayable(row.mime) || !row.path) throw new ValidationError({ thumbnail: "Only a video or audio file has a cover." });
  const poster = await processImage(bytes, { maxBytes: MAX_UPLOAD_BYTES, maxSide: POSTER_SIDE }, "thumbnail");
  const thumbnailPath = await deps.media.save(poster.bytes, poster.mime, { suffix: "-small" });
  const updated = deps.db
    .update(mediaAttachments)
    .set({ thumbnailPath, blurhash: poster.blurhash })
    .where(mine)
    .returning()
    .get();
  discardFiles(deps.media, [row.thumbnailPath]);
  return updated;
}

/** A media's description (alt text) trimmed, or refused when too long (`field`: where to say so). */
export function checkedDescription(text: string, field = "description"): string {
  const description = text.trim();
  if (description.length > MAX_DESCRIPTION)
    throw new ValidationError({ [field]: `Keep each description under ${MAX_DESCRIPTION} characters.` });
  return description;
}

/**
 * A focal point as Mastodon apps send it, "x,y" with each from -1 to 1 (Mastodon's
 * `focus`); an empty one is the centre.
 */
export function checkedFocus(text: string): { x: number; y: number } | null {
  if (!text.trim()) return null;
  const parts = text.split(",").map((p) => (p.trim() === "" ? Number.NaN : Number(p)));
  const [x = Number.NaN, y = Number.NaN] = parts;
  if (parts.length !== 2 || ![x, y].every((n) => Number.isFinite(n) && n >= -1 && n <= 1))
    throw new ValidationError({ focus: "Give the focal point as two numbers from -1 to 1, like 0.5,-0.25." });
  return { x, y };
}

export type MediaChange = { description?: string; focus?: string };

/** A media's new alt text and focal point as stored, each checked; what is left out is not in it. */
export function checkedMediaChange(change: MediaChange, descriptionField = "description") {
  return {
    ...(change.description !== undefined ? { description: checkedDescription(change.description, descriptionField) } : {}),
    ...(change.focus !== undefined ? { focus: checkedFocus(change.focus) } : {}),
  };
}

/**
 * New alt text and focal points by media id (an edit's media_attributes, a form's kept files),
 * checked; those that change nothing are left out, and so are ids not in `only` when given.
 */
export function checkedMediaChanges(attributes: Record<string, MediaChange> = {}, only?: string[]) {
  return new Map(
    Object.entries(attributes)
      .filter(([id]) => !only || only.includes(id))
      .map(([id, change]) => [id, checkedMediaChange(change, "media_attributes")] as const)
      .filter(([, change]) => Object.keys(change).length > 0),
  );
}

/**
 * Changes an own upload's alt text or focal point (what is left out stays) before it is posted;
 * a posted one changes through an edit of its post (editPost's mediaAttributes).
 */
export function describeMedia(db: Db, accountId: string, mediaId: string, change: MediaChange) {
  return db
    .update(mediaAttachments)
    .set(checkedMediaChange(change))
    .where(and(eq(mediaAttachments.id, mediaId), eq(mediaAttachments.accountId, accountId), isNull(mediaAttachments.postId)))
    .returning()
    .get();
}

/**
 * Files a post may take besides fresh uploads: those kept for a scheduled post it publishes
 * (core/scheduled-posts.ts), or those of a post it redrafts or is (an edit).
 */
export type Free = { scheduledId?: string; ofPost?: string };

/**
 * The files a post may take: the author's own, on no post yet (or on `ofPost`), and kept for no
 * scheduled post (or for `scheduledId`). Posting checks it, and a refused form shows only these.
 */
export function takeableMedia(accountId: string, free: Free = {}): SQL {
  const { scheduledId, ofPost } = free;
  return and(
    eq(mediaAttachments.accountId, accountId),
    ofPost ? or(isNull(mediaAttachments.postId), eq(mediaAttachments.postId, ofPost)) : isNull(mediaAttachments.postId),
    scheduledId
      ? or(isNull(mediaAttachments.scheduledPostId), eq(mediaAttachments.scheduledPostId, scheduledId))
      : isNull(mediaAttachments.scheduledPostId),
  ) as SQL;
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
export const isPlayable = (mime: string) => /^(video|audio)\//.test(mime);

/**
 * The remote address behind a proxied file: a remote post's attachment, or a remote account's
 * avatar or header; `playable` for video and audio. Null for anything else, so the route never
 * fetches what no page shows, and for servers whose media the instance rejects (or that it suspended).
 */
export function remoteMediaSource(
  db: Db,
  kind: "media" | "covers" | "avatars" | "headers" | "cards" | "emojis",
  id: string,
): { url: string; playable: boolean } | null {
  if (kind === "cards") return cardImageSource(db, id);
  if (kind === "emojis") return emojiImageSource(db, id);
  const attached = kind === "media" || kind === "covers";
  const attachment = attached ? db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id)).get() : undefined;
  const accountId = attached ? attachment?.accountId : id;
  const account = accountId ? db.select().from(accounts).where(eq(accounts.id, accountId)).get() : undefined;
  if (!account?.domain || mediaRejected(db, account.domain)) return null;
  const image = (url: string | null) => (url ? { url, playable: false } : null);
  if (kind === "avatars") return image(account.avatarUrl);
  if (kind === "headers") return image(account.headerUrl);
  if (kind === "covers") {
    const url = attachment?.path ? null : (attachment?.thumbnailRemoteUrl ?? null);
    return imageUnlessRejected(db, url, url ? URL.parse(url)?.hostname : undefined);
  }
  if (!attachment?.remoteUrl || attachment.path || !isCachedKind(attachment.mime)) return null;
  // The file may be on another server than its poster's: that one's blocks count too.
  const host = URL.parse(attachment.remoteUrl)?.hostname;
  if (!host || mediaRejected(db, host)) return null;
  return { url: attachment.remoteUrl, playable: isPlayable(attachment.mime) };
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
  return !url || !domain || mediaRejected(db, domain) ? null : { url, playable: false };
}

/** No file from this server is fetched: its media is rejected, or it is suspended. */
function mediaRejected(db: Db, domain: string): boolean {
  const block = blockFor(db, domain);
  return block?.rejectMedia === true || block?.severity === "suspend";
}
