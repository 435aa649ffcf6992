import { and, asc, eq } from "drizzle-orm";
import { sha256Hex } from "./tokens.ts";
import type { Db } from "../db/open.ts";
import { mediaAttachments, polls, postTranslations } from "../db/schema.ts";
import { checkLimit } from "./auth.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { findVisiblePost } from "./posts.ts";
import { RateLimiter } from "./rate-limit.ts";

/** A piece of a post to translate: its HTML content, or plain text (content warning, poll option, description). */
export interface TranslationItem {
  text: string;
  html: boolean;
}

/** A translation service, as the admin configured it (src/translation.ts has DeepL and LibreTranslate). */
export interface Translator {
  /** Shown as "Translated … with {name}" (Mastodon's `provider`). */
  readonly name: string;
  /** Each source language and the languages it translates into (Mastodon's translation_languages). */
  languages(): Promise<Record<string, string[]>>;
  /**
   * The items translated, HTML sanitized again (a service's answer is not trusted), and the source
   * language the service saw: it detects it (a post's own language tag is often just its app's default).
   */
  translate(items: TranslationItem[], target: string): Promise<{ texts: string[]; detected?: string }>;
}

/** The service did not answer, or answered with something unusable: the API says 503, the page says so. */
export class TranslationFailed extends Error {}

/**
 * What translating needs: the service, a limit per member on the calls it costs, and the calls
 * under way (readers of one post at once share one).
 */
export interface Translation {
  translator: Translator;
  limiter: RateLimiter;
  running: Map<string, Promise<PostTranslation>>;
}

/** Translating with a service: 30 calls a member in ten minutes (those kept from before are free). */
export const newTranslation = (translator: Translator): Translation => ({
  translator,
  limiter: new RateLimiter(30, 10 * 60_000),
  running: new Map(),
});

export type PostTranslation = typeof postTranslations.$inferSelect;

/** A language's base code ("pt" for pt-BR), or undefined for something that is not one. */
export function baseLanguage(code: string | null | undefined): string | undefined {
  const base = code?.toLowerCase().split(/[-_]/)[0];
  return base && /^[a-z]{2,3}$/.test(base) ? base : undefined;
}

/**
 * A post translated into `target` for a member, as on Mastodon: only public and unlisted posts go
 * to the service (a private one must not leave the instance), only into a language the service
 * translates the post's into (never its own), a boost means its post, and a translation is kept
 * until the words sent change.
 */
export async function translatePost(
  deps: { db: Db; translation?: Translation },
  viewerId: string,
  postId: string,
  target: string,
): Promise<PostTranslation> {
  const { db, translation } = deps;
  if (!translation) throw new CoreError("This server does not translate posts.", 404);
  const language = baseLanguage(target);
  if (!language) throw new ValidationError({ lang: "Give a language as its code, like de or pt-BR." });
  const found = findVisiblePost(db, postId, viewerId);
  const post = found?.reblogOfId ? findVisiblePost(db, found.reblogOfId, viewerId) : found;
  if (!post) throw new CoreError("Record not found", 404);
  if (!translatable(post)) throw new CoreError("Only public posts with words are translated: others stay on this server.", 403);

  const { items, options, media, sourceHash } = wordsOf(db, post);
  const kept = db
    .select()
    .from(postTranslations)
    .where(and(eq(postTranslations.postId, post.id), eq(postTranslations.language, language)))
    .get();
  // Kept ones are served without asking the service anything (it may be down).
  if (kept?.sourceHash === sourceHash) return kept;
  const pairs = await translation.translator.languages();
  const source = baseLanguage(post.language);
  if (source === language || !(pairs[source ?? "und"] ?? pairs.und ?? []).includes(language))
    throw new CoreError("The translation service does not translate this post into that language.", 403);

  const key = `${post.id} ${language} ${sourceHash}`;
  const running = translation.running.get(key);
  if (running) return running;
  // Only calls that gave a translation count toward the member's share.
  checkLimit(translation.limiter, [viewerId]);
  const work = (async () => {
    // Empty pieces are not sent (a service may refuse them); they stay empty.
    const asked = items.flatMap((item, i) => (item.text.trim() ? [i] : []));
    const answer = await translation.translator.translate(
      asked.map((i) => items[i] as TranslationItem),
      language,
    );
    const texts = items.map(() => "");
    asked.forEach((at, i) => {
      texts[at] = answer.texts[i] ?? "";
    });
    const row = {
      postId: post.id,
      language,
      sourceHash,
      contentHtml: texts[0] ?? "",
      spoilerText: texts[1] ?? "",
      pollOptions: texts.slice(2, 2 + options.length),
      media: media.map((m, i) => ({ id: m.id, description: texts[2 + options.length + i] ?? "" })),
      detectedLanguage: baseLanguage(answer.detected) ?? source ?? null,
      provider: translation.translator.name,
      createdAt: new Date(),
    };
    // The post may have gone while the service worked: then there is nothing to keep.
    if (findVisiblePost(db, post.id, viewerId))
      db.insert(postTranslations)
        .values(row)
        .onConflictDoUpdate({ target: [postTranslations.postId, postTranslations.language], set: row })
        .run();
    translation.limiter.hit(viewerId);
    return row;
  })().finally(() => translation.running.delete(key));
  translation.running.set(key, work);
  return work;
}

/**
 * What of a post goes to the service, in order: its HTML, its content warning, its poll's choices
 * and its pictures' descriptions; and a hash of it all, media ids included (a remote post received
 * again has new ones), that says when a kept translation is stale.
 */
function wordsOf(db: Db, post: { id: string; contentHtml: string; spoilerText: string }) {
  const options = db.select({ options: polls.options }).from(polls).where(eq(polls.postId, post.id)).get()?.options ?? [];
  const media = db
    .select({ id: mediaAttachments.id, description: mediaAttachments.description })
    .from(mediaAttachments)
    .where(eq(mediaAttachments.postId, post.id))
    .orderBy(asc(mediaAttachments.position))
    .all()
    .filter((m) => m.description.trim() !== "");
  const items: TranslationItem[] = [
    { text: post.contentHtml, html: true },
    { text: post.spoilerText, html: false },
    ...options.map((o) => ({ text: o.title, html: false })),
    ...media.map((m) => ({ text: m.description, html: false })),
  ];
  return { items, options, media, sourceHash: sha256Hex(JSON.stringify([items, media.map((m) => m.id)])) };
}

/** Whether a post may be sent for translation at all (the service decides the language pair). */
export function translatable(post: { visibility: string; contentHtml: string; spoilerText: string }): boolean {
  return (
    (post.visibility === "public" || post.visibility === "unlisted") &&
    (post.contentHtml.trim() !== "" || post.spoilerText.trim() !== "")
  );
}

/** The language a reader asks for, else the first their system prefers (Accept-Language), else English. */
export function readerLanguage(asked: string | undefined, acceptLanguage: string | null): string {
  const preferred = acceptLanguage?.split(",").map((tag) => baseLanguage(tag.split(";")[0]?.trim()));
  return baseLanguage(asked) ?? preferred?.find((tag) => tag !== undefined) ?? "en";
}
