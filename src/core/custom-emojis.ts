import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { DbOrTx } from "../db/open.ts";
import { customEmojis, localEmojis } from "../db/schema.ts";

/**
 * Custom emoji: a post or profile names `:shortcode:` in its text. Another server gives the image
 * in an Emoji tag; the tags are kept per server and shortcode, and their images come from the
 * remote media cache. Members' texts name this instance's own emoji (core/local-emojis.ts). Pages
 * and the API show the image where the text has the shortcode.
 */

export interface EmojiData {
  shortcode: string;
  url: string;
}

/** What the emoji of a post or account look like to readers: the shortcode and the image here. */
export interface EmojiView {
  shortcode: string;
  url: string;
  /** A still picture, for readers who turned animation off (the same as url for other servers'). */
  staticUrl: string;
  /** This instance's own emoji (core/local-emojis.ts): what its Emoji object and the API say of it. */
  local?: { id: string; mime: string; category: string | null; visibleInPicker: boolean; updatedAt: Date };
}

export const SHORTCODE = /^[a-zA-Z0-9_]{1,64}$/;
const MENTIONED = /:([a-zA-Z0-9_]{1,64}):/g;
/** Most emoji one post or profile may bring (Misskey names are long; posts rarely use many). */
export const MAX_EMOJIS = 50;

/** Keeps (or updates) the emoji a server's post or profile gave. */
export function storeEmojis(db: DbOrTx, domain: string, emojis: EmojiData[]): void {
  for (const emoji of emojis.slice(0, MAX_EMOJIS)) {
    if (!SHORTCODE.test(emoji.shortcode)) continue;
    db.insert(customEmojis)
      .values({ id: newId(), domain, shortcode: emoji.shortcode, url: emoji.url })
      .onConflictDoUpdate({
        target: [customEmojis.domain, customEmojis.shortcode],
        set: { url: emoji.url, updatedAt: new Date() },
        // Most posts name emoji already known: nothing is written then.
        setWhere: sql`${customEmojis.url} IS NOT excluded.url`,
      })
      .run();
  }
}

/** The shortcodes a text names, each once. */
export function shortcodesIn(text: string): string[] {
  return [...new Set([...text.matchAll(MENTIONED)].map((m) => m[1] as string))];
}

/** The known emoji of a server among those its texts name, as readers see them. */
export function emojisIn(db: DbOrTx, domain: string | null, texts: string[]): EmojiView[] {
  return emojisOfMany(db, [{ domain, texts }])[0] ?? [];
}

/**
 * The same for many posts or accounts at once (a page of them): one query per server among
 * them, not one per post. Each item's emoji come in the order its texts name them.
 */
export function emojisOfMany(db: DbOrTx, items: { domain: string | null; texts: string[] }[]): EmojiView[][] {
  const codes = items.map(({ texts }) => shortcodesIn(texts.join("\n")).slice(0, MAX_EMOJIS));
  // By server; "" is this instance.
  const wanted = new Map<string, Set<string>>();
  items.forEach(({ domain }, i) => {
    const key = domain ?? "";
    if (codes[i]?.length) wanted.set(key, new Set([...(wanted.get(key) ?? []), ...(codes[i] ?? [])]));
  });
  const found = new Map<string, EmojiView>();
  for (const [domain, shortcodes] of wanted) {
    for (const emoji of domain ? remoteEmojis(db, domain, [...shortcodes]) : localEmojiViews(db, { shortcodes: [...shortcodes] }))
      found.set(`${domain}\n${emoji.shortcode}`, emoji);
  }
  return items.map(({ domain }, i) => (codes[i] ?? []).flatMap((code) => found.get(`${domain ?? ""}\n${code}`) ?? []));
}

function remoteEmojis(db: DbOrTx, domain: string, shortcodes: string[]): EmojiView[] {
  return db
    .select({ id: customEmojis.id, shortcode: customEmojis.shortcode, url: customEmojis.url })
    .from(customEmojis)
    .where(and(eq(customEmojis.domain, domain), inArray(customEmojis.shortcode, shortcodes)))
    .all()
    .map((e) => ({ shortcode: e.shortcode, url: cachedUrl(e), staticUrl: cachedUrl(e) }));
}

/** Where pages get another server's emoji: the remote media cache, versioned by its address. */
const cachedUrl = (e: { id: string; url: string }) => `/media/remote/emojis/${e.id}?v=${Bun.hash(e.url).toString(36)}`;

/** Other servers' emoji whose shortcode contains `query`, for the admins' copy list. */
export function searchRemoteEmojis(db: DbOrTx, query: string, limit = 30) {
  const words = query.trim().replace(/[%_\\]/g, "");
  if (!words) return [];
  return db
    .select()
    .from(customEmojis)
    .where(sql`${customEmojis.shortcode} LIKE ${`%${words}%`}`)
    .orderBy(asc(customEmojis.shortcode), asc(customEmojis.domain))
    .limit(limit)
    .all()
    .map((e) => ({ id: e.id, shortcode: e.shortcode, domain: e.domain, url: cachedUrl(e) }));
}

/** This instance's emoji: those with these shortcodes, the one with this id, or all of them. */
export function localEmojiViews(db: DbOrTx, only: { shortcodes?: string[]; id?: string } = {}): EmojiView[] {
  return db
    .select()
    .from(localEmojis)
    .where(only.shortcodes ? inArray(localEmojis.shortcode, only.shortcodes) : only.id ? eq(localEmojis.id, only.id) : undefined)
    .orderBy(sql`coalesce(${localEmojis.category}, '') COLLATE NOCASE`, asc(localEmojis.shortcode))
    .all()
    .map((e) => ({
      shortcode: e.shortcode,
      url: `/media/${e.path}`,
      staticUrl: `/media/${e.staticPath}`,
      local: { id: e.id, mime: e.mime, category: e.category, visibleInPicker: e.visibleInPicker, updatedAt: e.updatedAt },
    }));
}

/**
 * HTML with each known `:shortcode:` in its text (never inside a tag) shown as the emoji's
 * image. The HTML is ours: sanitized remote HTML or escaped text, so `<` only starts tags.
 */
export function withEmojis(html: string, emojis: EmojiView[]): string {
  if (emojis.length === 0) return html;
  const byCode = new Map(emojis.map((e) => [e.shortcode, e.url]));
  return html
    .split(/(<[^>]*>)/)
    .map((part) =>
      part.startsWith("<")
        ? part
        : part.replace(MENTIONED, (whole, code: string) => {
            const url = byCode.get(code);
            return url
              ? `<img class="emoji" src="${Bun.escapeHTML(url)}" alt="${whole}" title="${whole}" draggable="false">`
              : whole;
          }),
    )
    .join("");
}
