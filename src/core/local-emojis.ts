import { eq, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { customEmojis, localEmojis } from "../db/schema.ts";
import { ImageError } from "../media/images.ts";
import type { RemoteMediaCache } from "../media/remote-cache.ts";
import type { MediaStore } from "../media/store.ts";
import { processImageInWorker } from "../media/worker.ts";
import { audit } from "./audit.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { remoteMediaSource } from "./media.ts";

/**
 * This instance's custom emoji, as Mastodon's admins keep them: a shortcode, a small picture
 * (PNG, GIF, animated or not, or WebP), an optional category for the picker, and whether the
 * picker offers it. Members' posts and profiles show it wherever they name `:shortcode:`
 * (core/custom-emojis.ts); taking one away leaves the text as written.
 */

export type LocalEmoji = typeof localEmojis.$inferSelect;

/** Mastodon's rules: 2 or more letters, digits or underscores; files up to 256 KB. */
const LOCAL_SHORTCODE = /^[a-zA-Z0-9_]{2,64}$/;
export const MAX_EMOJI_BYTES = 256 * 1024;
/** Emoji are drawn at text size: 128 px a side is sharp on any screen. */
const EMOJI_SIDE = 128;
export const MAX_CATEGORY = 50;

const EMOJI_TYPES = new Set(["image/png", "image/gif", "image/webp"]);

export interface EmojiInput {
  shortcode: string;
  bytes: Uint8Array;
  category?: string;
}

/** Adds an emoji; the image is checked by its bytes and re-encoded (no metadata) at 128 px at most. */
export async function addLocalEmoji(deps: { db: Db; media: MediaStore }, staffId: string, input: EmojiInput) {
  const shortcode = input.shortcode.trim().replace(/^:|:$/g, "");
  const category = cleanCategory(input.category);
  const problems: Record<string, string> = {};
  if (!LOCAL_SHORTCODE.test(shortcode))
    problems.shortcode = "Use 2 to 64 letters, digits or underscores, like blobcat or party_parrot.";
  else if (findByShortcode(deps.db, shortcode)) problems.shortcode = `There is already an emoji called :${shortcode}:.`;
  if (category.length > MAX_CATEGORY) problems.category = `Keep the category under ${MAX_CATEGORY} characters.`;
  const image = await emojiImage(input.bytes, problems);
  if (!image || Object.keys(problems).length > 0) throw new ValidationError(problems);

  const name = crypto.randomUUID();
  const path = await deps.media.save(image.bytes, image.mime, { name });
  const staticPath = await deps.media.save(image.thumbnail.bytes, image.thumbnail.mime, { name, suffix: "-small" });
  try {
    return deps.db.transaction((tx) => {
      const emoji = tx
        .insert(localEmojis)
        .values({ id: newId(), shortcode, mime: image.mime, path, staticPath, category: category || null })
        .returning()
        .get();
      audit(tx, { actorId: staffId, action: "emoji.add", targetType: "emoji", targetId: emoji.id, detail: `:${shortcode}:` });
      return emoji;
    });
  } catch (error) {
    await deps.media.remove(path);
    await deps.media.remove(staticPath);
    // Another admin added the same shortcode while the picture was being processed.
    if (findByShortcode(deps.db, shortcode))
      throw new ValidationError({ shortcode: `There is already an emoji called :${shortcode}:.` });
    throw error;
  }
}

/** Changes an emoji's category or whether the picker offers it (its shortcode and image stay). */
export function updateLocalEmoji(db: Db, staffId: string, id: string, change: { category?: string; visibleInPicker?: boolean }) {
  const emoji = getLocalEmoji(db, id);
  const category = change.category === undefined ? undefined : cleanCategory(change.category);
  if (category !== undefined && category.length > MAX_CATEGORY)
    throw new ValidationError({ category: `Keep the category under ${MAX_CATEGORY} characters.` });
  return db.transaction((tx) => {
    const updated = tx
      .update(localEmojis)
      .set({
        ...(category === undefined ? {} : { category: category || null }),
        ...(change.visibleInPicker === undefined ? {} : { visibleInPicker: change.visibleInPicker }),
        updatedAt: new Date(),
      })
      .where(eq(localEmojis.id, emoji.id))
      .returning()
      .get();
    audit(tx, { actorId: staffId, action: "emoji.update", targetType: "emoji", targetId: id, detail: `:${emoji.shortcode}:` });
    return updated;
  });
}

/** Removes an emoji and its files; posts that name it show the `:shortcode:` text again. */
export async function removeLocalEmoji(deps: { db: Db; media: MediaStore }, staffId: string, id: string): Promise<void> {
  const emoji = getLocalEmoji(deps.db, id);
  deps.db.transaction((tx) => {
    tx.delete(localEmojis).where(eq(localEmojis.id, id)).run();
    audit(tx, { actorId: staffId, action: "emoji.remove", targetType: "emoji", targetId: id, detail: `:${emoji.shortcode}:` });
  });
  await deps.media.remove(emoji.path);
  await deps.media.remove(emoji.staticPath);
}

/**
 * Copies another server's emoji, as Mastodon's admins do: its picture (through the remote media
 * cache, so a server whose media is rejected gives none) becomes this instance's own, under its
 * shortcode, checked and re-encoded like an upload.
 */
export async function copyRemoteEmoji(
  deps: { db: Db; media: MediaStore; remoteMedia?: RemoteMediaCache },
  staffId: string,
  remoteId: string,
) {
  const remote = deps.db.select().from(customEmojis).where(eq(customEmojis.id, remoteId)).get();
  if (!remote) throw new CoreError("No such emoji.", 404);
  const source = remoteMediaSource(deps.db, "emojis", remote.id);
  const cached = source && deps.remoteMedia ? await deps.remoteMedia.get(source.url) : null;
  if (!cached)
    throw new ValidationError({ copy: `The picture of :${remote.shortcode}: could not be fetched from ${remote.domain}.` });
  const bytes = new Uint8Array(await cached.file.arrayBuffer());
  try {
    return await addLocalEmoji(deps, staffId, { shortcode: remote.shortcode, bytes });
  } catch (error) {
    // The add form's fields are not this form's: one message for the copy list.
    if (error instanceof ValidationError) throw new ValidationError({ copy: Object.values(error.fields).join(" ") });
    throw error;
  }
}

export function getLocalEmoji(db: Db, id: string): LocalEmoji {
  const emoji = db.select().from(localEmojis).where(eq(localEmojis.id, id)).get();
  if (!emoji) throw new CoreError("No such emoji.", 404);
  return emoji;
}

const findByShortcode = (db: Db, shortcode: string) =>
  db.select({ id: localEmojis.id }).from(localEmojis).where(sql`${localEmojis.shortcode} = ${shortcode} COLLATE NOCASE`).get();

const cleanCategory = (category: string | undefined) => (category ?? "").trim().replace(/\s+/g, " ");

/** The picture, or null with the reason in `problems`. */
async function emojiImage(bytes: Uint8Array, problems: Record<string, string>) {
  if (bytes.length === 0) {
    problems.image = "Choose a picture for the emoji.";
    return null;
  }
  try {
    const image = await processImageInWorker(bytes, { maxBytes: MAX_EMOJI_BYTES, maxSide: EMOJI_SIDE, maxPixels: 16e6 });
    if (EMOJI_TYPES.has(image.mime)) return image;
    problems.image = "Use a PNG, GIF or WebP picture (JPEG has no transparency).";
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    problems.image =
      error.code === "too_large"
        ? `Emoji can be at most ${MAX_EMOJI_BYTES / 1024} KB.`
        : error.code === "unsupported_type"
          ? "This file is not a PNG, GIF or WebP picture."
          : error.code === "too_many_pixels"
            ? "This picture has too many pixels."
            : "This picture is damaged or incomplete.";
  }
  return null;
}
