import { eq } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, type ProfileField } from "../db/schema.ts";
import { ImageError } from "../media/images.ts";
import { processImageInWorker } from "../media/worker.ts";
import type { MediaStore } from "../media/store.ts";
import { attributionDomainsFrom } from "./attribution.ts";
import type { CoreDeps } from "./deps.ts";
import { ValidationError } from "./errors.ts";
import { discardFiles, MAX_UPLOAD_BYTES, mediaFile } from "./media.ts";

/** Characters in a bio, as on Mastodon. */
export const MAX_BIO_LENGTH = 500;

export const MAX_FIELDS = 4;

export interface ProfileInput {
  displayName: string;
  note: string;
  fields: { name: string; value: string }[];
  locked: boolean;
  bot: boolean;
  hideCollections: boolean;
  discoverable: boolean;
  /** Websites allowed to credit the member as an author, as typed (core/attribution.ts); absent: unchanged. */
  attributionDomains?: string[];
  avatar?: Uint8Array;
  header?: Uint8Array;
  /** Pictures to take away (a new one given in the same form wins). */
  remove?: { avatar?: boolean; header?: boolean };
}

/**
 * Saves a member's profile (their preferences: core/preferences.ts). Bio and field values are plain text (links are made
 * when shown); pictures go through the same image pipeline as posts, so their metadata is gone.
 */
export async function updateProfile(
  deps: CoreDeps & { media: MediaStore },
  accountId: string,
  input: ProfileInput,
): Promise<void> {
  const problems: Record<string, string> = {};
  const displayName = input.displayName.trim();
  const note = input.note.trim();
  if ([...displayName].length > 30) problems.display_name = "Use at most 30 characters.";
  if ([...note].length > MAX_BIO_LENGTH) problems.note = `Keep the bio under ${MAX_BIO_LENGTH} characters.`;
  const fields: ProfileField[] = input.fields
    .map((f) => ({ name: f.name.trim(), value: f.value.trim() }))
    .filter((f) => f.name || f.value)
    .slice(0, MAX_FIELDS);
  fields.forEach((f, i) => {
    if (!f.name || !f.value) problems[`fields_${i}`] = "Give each extra field both a label and a value.";
    if ([...f.name].length > 255 || [...f.value].length > 255)
      problems[`fields_${i}`] = "Labels and values are at most 255 characters.";
  });
  let attributionDomains: string[] | undefined;
  try {
    attributionDomains = input.attributionDomains && attributionDomainsFrom(input.attributionDomains);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    Object.assign(problems, error.fields);
  }
  const avatar = input.avatar?.length ? await picture(deps.media, input.avatar, 400, "avatar", problems) : undefined;
  const header = input.header?.length ? await picture(deps.media, input.header, 1500, "header", problems) : undefined;
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);

  const old = deps.db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  // Keep a field's verification only while its value stays the same.
  const verified = new Map((old?.fields ?? []).filter((f) => f.verifiedAt).map((f) => [f.value, f.verifiedAt]));
  deps.db
    .update(accounts)
    .set({
      displayName,
      note,
      fields: fields.map((f) => ({ ...f, ...(verified.has(f.value) ? { verifiedAt: verified.get(f.value) } : {}) })),
      locked: input.locked,
      bot: input.bot,
      hideCollections: input.hideCollections,
      discoverable: input.discoverable,
      ...(attributionDomains ? { attributionDomains } : {}),
      ...(avatar ? { avatarUrl: `/media/${avatar}` } : input.remove?.avatar ? { avatarUrl: null } : {}),
      ...(header ? { headerUrl: `/media/${header}` } : input.remove?.header ? { headerUrl: null } : {}),
      updatedAt: new Date(),
    })
    .where(eq(accounts.id, accountId))
    .run();
  // A replaced or removed picture is not served any more.
  const dropped = [
    avatar || input.remove?.avatar ? old?.avatarUrl : null,
    header || input.remove?.header ? old?.headerUrl : null,
  ];
  discardFiles(deps.media, dropped.map(mediaFile));
  deps.events.emit("account.updated", { accountId });
}

async function picture(media: MediaStore, bytes: Uint8Array, maxSide: number, field: string, problems: Record<string, string>) {
  try {
    const image = await processImageInWorker(bytes, { maxBytes: MAX_UPLOAD_BYTES, maxSide });
    return await media.save(image.bytes, image.mime);
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    problems[field] = error.code === "too_large" ? "Pictures can be at most 10 MB." : "Use a JPEG, PNG, WebP or GIF image.";
    return undefined;
  }
}

/** Takes a member's avatar or header away (Mastodon's DELETE /api/v1/profile/avatar); their servers hear of it. */
export function removePicture(deps: CoreDeps & { media?: MediaStore }, accountId: string, which: "avatar" | "header"): void {
  const before = deps.db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  deps.db
    .update(accounts)
    .set({ ...(which === "avatar" ? { avatarUrl: null } : { headerUrl: null }), updatedAt: new Date() })
    .where(eq(accounts.id, accountId))
    .run();
  discardFiles(deps.media, [mediaFile(which === "avatar" ? before?.avatarUrl : before?.headerUrl)]);
  deps.events.emit("account.updated", { accountId });
}

/** Marks the profile field with this value as verified (its page links back with rel="me"). */
export function setFieldVerified(db: Db, accountId: string, value: string, verifiedAt: string): void {
  db.transaction((tx) => {
    const account = tx.select({ fields: accounts.fields }).from(accounts).where(eq(accounts.id, accountId)).get();
    if (!account) return;
    const fields = account.fields.map((f) => (f.value === value ? { ...f, verifiedAt } : f));
    tx.update(accounts).set({ fields }).where(eq(accounts.id, accountId)).run();
  });
}
