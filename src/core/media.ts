import { and, eq, isNull, lt } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, customEmojis, mediaAttachments, previewCards } from "../db/schema.ts";
import { ImageError } from "../media/images.ts";
import { processImageInWorker } from "../media/worker.ts";
import type { MediaStore } from "../media/store.ts";
import { blockFor } from "./domain-blocks.ts";
import { ValidationError } from "./errors.ts";

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

/** Uploads never attached to a post within a day are removed with their files. */
export async function pruneUnattachedMedia(deps: { db: Db; media: MediaStore }): Promise<number> {
  const stale = deps.db
    .delete(mediaAttachments)
    .where(and(isNull(mediaAttachments.postId), lt(mediaAttachments.createdAt, new Date(Date.now() - 24 * 3600_000))))
    .returning()
    .all();
  for (const m of stale) {
    await deps.media.remove(m.path);
    await deps.media.remove(m.thumbnailPath);
  }
  return stale.length;
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
