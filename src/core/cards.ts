import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, postCards, posts, previewCards } from "../db/schema.ts";
import { attributableFrom, namedAccount } from "./attribution.ts";
import { seenByOthers } from "./accounts.ts";
import { federatesWith } from "./domain-allows.ts";
import type { CoreDeps } from "./deps.ts";
import type { TaskQueue } from "./tasks.ts";
import { htmlToPlainText, parseText } from "./text.ts";

/**
 * Link previews, as Mastodon makes them: the first link of a post (not a mention or hashtag, not
 * this instance's own pages) is fetched once through the guarded fetch, in the queue, and what
 * the page says of itself (OpenGraph, Twitter or plain HTML tags) is kept as its card.
 */

/** Reads a page for its card (the guarded fetch, at most 1 MB of HTML). */
export type FetchPage = (url: string) => Promise<{ url: string; status: number; text: string }>;

export type CardRow = typeof previewCards.$inferSelect;

const TITLE_MAX = 200;
const DESCRIPTION_MAX = 400;
const PROVIDER_MAX = 100;
const URL_MAX = 2000;
/** A card is fetched again for a new post after this long (pages change their titles). */
const FRESH_MS = 14 * 24 * 60 * 60 * 1000;

type PostRow = Pick<typeof posts.$inferSelect, "text" | "contentHtml" | "visibility">;

/** The link a post's card is made for; none for direct messages (no one else should learn of them). */
export function cardLink(post: PostRow, baseUrl: URL): string | undefined {
  if (post.visibility === "direct") return undefined;
  const candidates =
    post.text !== null
      ? parseText(post.text).urls.map((u) => u.url)
      : [...post.contentHtml.matchAll(/<a\s([^>]*)>([^<]*)/gi)].flatMap(([, attributes = "", text = ""]) => {
          // Mentions and hashtags are links too: Mastodon marks them with these classes and rel.
          if (/\bclass="[^"]*\b(mention|hashtag)\b/i.test(attributes) || /\brel="[^"]*\btag\b/i.test(attributes)) return [];
          if (/^\s*[@#]/.test(text)) return [];
          const href = /\bhref="([^"]+)"/i.exec(attributes)?.[1];
          return href ? [htmlToPlainText(href)] : [];
        });
  for (const candidate of candidates) {
    const url = URL.parse(candidate);
    if (
      url &&
      (url.protocol === "https:" || url.protocol === "http:") &&
      url.origin !== baseUrl.origin &&
      url.href.length <= URL_MAX
    )
      return url.href;
  }
  return undefined;
}

export interface CardFields {
  title: string;
  description: string;
  imageUrl: string | null;
  providerName: string;
  authorName: string;
}

/** What a page says of itself, and the fediverse account it names as its author (`fediverse:creator`), if any. */
export type ParsedCard = CardFields & { creator: string | null };

const clean = (value: string | undefined, max: number) => {
  const text = htmlToPlainText(value ?? "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/**
 * What a page says of itself: OpenGraph first, then Twitter's tags, then `<title>` and the meta
 * description. Null when it gives no title (no card is better than an empty one).
 */
export async function parseCard(html: string, pageUrl: string): Promise<ParsedCard | null> {
  const meta = new Map<string, string>();
  let title = "";
  await new HTMLRewriter()
    .on("meta", {
      element(element) {
        const key = (element.getAttribute("property") ?? element.getAttribute("name") ?? "").toLowerCase();
        const content = element.getAttribute("content");
        if (key && content !== null && !meta.has(key)) meta.set(key, content);
      },
    })
    .on("head title", {
      text(chunk) {
        if (title.length < 1000) title += chunk.text;
      },
    })
    .transform(new Response(html))
    .arrayBuffer();
  const pick = (...keys: string[]) => keys.map((k) => meta.get(k)).find((v) => v?.trim());
  const cardTitle = clean(pick("og:title", "twitter:title") ?? title, TITLE_MAX);
  if (!cardTitle) return null;
  const image = pick("og:image", "og:image:url", "og:image:secure_url", "twitter:image");
  const imageUrl = image ? URL.parse(htmlToPlainText(image).trim(), pageUrl) : null;
  return {
    title: cardTitle,
    description: clean(pick("og:description", "twitter:description", "description"), DESCRIPTION_MAX),
    imageUrl:
      imageUrl && (imageUrl.protocol === "https:" || imageUrl.protocol === "http:") && imageUrl.href.length <= URL_MAX
        ? imageUrl.href
        : null,
    providerName: clean(pick("og:site_name"), PROVIDER_MAX),
    authorName: clean(pick("author"), PROVIDER_MAX),
    creator: clean(pick("fediverse:creator"), 400) || null,
  };
}

/** What cardLink reads of a post (the whole row is large: posts come many a second). */
const linkFields = (db: Db, postId: string) =>
  db
    .select({ text: posts.text, contentHtml: posts.contentHtml, visibility: posts.visibility })
    .from(posts)
    .where(eq(posts.id, postId))
    .get();

/** Queues the card of a new (or edited) post that has a link; an edit that took the link out takes the card too. */
export async function queueCard(deps: { db: Db; baseUrl: URL; tasks: TaskQueue }, postId: string): Promise<void> {
  const post = linkFields(deps.db, postId);
  const link = post && cardLink(post, deps.baseUrl);
  if (link) await deps.tasks.enqueueTask({ type: "card", postId, target: link });
  else deps.db.delete(postCards).where(eq(postCards.postId, postId)).run();
}

/**
 * Gives a post the card of its link: one already fetched recently, or the page fetched now. A
 * page that cannot be read, or says nothing of itself, gives no card (and is not retried). The
 * account it names as its author is looked up once, with the page, and the page's own host (after
 * redirects) kept as the site that account must allow (checked when the card is shown).
 */
export async function attachCard(deps: CoreDeps & { fetchPage: FetchPage }, postId: string): Promise<void> {
  const { db } = deps;
  const post = linkFields(db, postId);
  const url = post && cardLink(post, deps.baseUrl);
  if (!url) return;
  let card = db
    .select()
    .from(previewCards)
    .where(and(eq(previewCards.url, url), gt(previewCards.fetchedAt, new Date(Date.now() - FRESH_MS))))
    .get();
  if (!card) {
    const page = await deps.fetchPage(url).catch(() => null);
    const parsed = page && page.status < 300 ? await parseCard(page.text, page.url) : null;
    if (!page || !parsed) return;
    const { creator, ...rest } = parsed;
    const authorAccountId = creator ? await namedAccount(deps, creator) : null;
    const fields = { ...rest, authorAccountId, authorSite: authorAccountId ? new URL(page.url).hostname : null };
    card = db
      .insert(previewCards)
      .values({ id: newId(), url, ...fields })
      .onConflictDoUpdate({ target: previewCards.url, set: { ...fields, fetchedAt: new Date() } })
      .returning()
      .get();
  }
  db.insert(postCards)
    .values({ postId, cardId: card.id })
    .onConflictDoUpdate({ target: postCards.postId, set: { cardId: card.id } })
    .run();
}

/**
 * The account a card names is credited only while it lists the page's site among its websites and
 * may be seen here: not suspended, on a server the instance federates with, its sign-up complete.
 */
const authorColumns = () => ({
  authorDomains: accounts.attributionDomains,
  authorVisible: sql<
    number | null
  >`${accounts.suspendedAt} IS NULL AND ${seenByOthers()} AND ${federatesWith(sql`${accounts.domain}`)}`,
});
const credited = (r: { card: CardRow; authorDomains: string[] | null; authorVisible: number | null }): CardRow =>
  r.authorVisible && r.authorDomains && r.card.authorSite && attributableFrom(r.authorDomains, r.card.authorSite)
    ? r.card
    : { ...r.card, authorAccountId: null };

/** The cards of posts, by post id. */
export function cardsOf(db: Db, postIds: string[]): Map<string, CardRow> {
  if (postIds.length === 0) return new Map();
  return new Map(
    db
      .select({ postId: postCards.postId, card: previewCards, ...authorColumns() })
      .from(postCards)
      .innerJoin(previewCards, eq(previewCards.id, postCards.cardId))
      .leftJoin(accounts, eq(accounts.id, previewCards.authorAccountId))
      .where(inArray(postCards.postId, postIds))
      .all()
      .map((r) => [r.postId, credited(r)]),
  );
}

/** Cards by their ids. */
export function cardsById(db: Db, ids: string[]): Map<string, CardRow> {
  if (ids.length === 0) return new Map();
  return new Map(
    db
      .select({ card: previewCards, ...authorColumns() })
      .from(previewCards)
      .leftJoin(accounts, eq(accounts.id, previewCards.authorAccountId))
      .where(inArray(previewCards.id, ids))
      .all()
      .map((r) => [r.card.id, credited(r)]),
  );
}
