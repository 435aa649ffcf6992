/**
 * Post text: the plain text a person types, parsed for mentions, hashtags and links, counted
 * against the length limit, and rendered to HTML. Users never supply HTML: everything that is not
 * a link we make ourselves is escaped.
 *
 * The rules follow Mastodon (Account::MENTION_RE, Tag::HASHTAG_RE, its Extractor on top of
 * twitter-text, StatusLengthValidator and TextFormatter) so that a post is split, counted and
 * linked the same way here as on the instances and clients it meets.
 *
 * Every `start`/`end` is a UTF-16 offset into the input (`text.slice(start, end)` is the token),
 * unlike Mastodon's code-point offsets, because that is what JavaScript strings index by.
 */

/** `@alice` or `@alice@example.com`; `domain` keeps a `:port` when one was typed. */
export interface MentionToken {
  username: string;
  domain: string | null;
  start: number;
  end: number;
  raw: string;
}

/** `name` is without the `#`, as typed (case kept); index it by `normalizeHashtag(name)`. */
export interface HashtagToken {
  name: string;
  start: number;
  end: number;
}

/** Always an http(s) URL, exactly as typed. */
export interface UrlToken {
  url: string;
  start: number;
  end: number;
}

export interface ParsedText {
  mentions: MentionToken[];
  hashtags: HashtagToken[];
  urls: UrlToken[];
}

/** Builds the links the renderer needs; a mention of an account we do not know returns null. */
export interface TextLinks {
  mention(m: MentionToken): string | null;
  hashtag(name: string): string;
}

/** What a URL counts for, whatever its length (Mastodon's URL_PLACEHOLDER). */
const URL_LENGTH = 23;
const URL_PLACEHOLDER = "x".repeat(URL_LENGTH);

/** How much of a URL is shown, after its scheme and `www.` (Mastodon's TextFormatter). */
const URL_DISPLAY_LENGTH = 30;

// Ruby's [[:word:]], which Mastodon's patterns use: letters, marks, decimal digits and connector
// punctuation in any script.
const WORD = String.raw`\p{L}\p{M}\p{Nd}\p{Pc}`;

// Account::USERNAME_RE and the domain half of Account::MENTION_RE. The port is Skein's addition
// so handles such as alice@127.0.0.1:4443 (a test federation on one machine) can be mentioned;
// it must end the word, so `@a@b.c:5pm` stays a mention of a@b.c.
const USERNAME = String.raw`[a-zA-Z0-9_]+(?:[.\-]+[a-zA-Z0-9_]+)*`;
const MENTION_DOMAIN = String.raw`[${WORD}]+(?:[.\-]+[${WORD}]+)*(?::\d{1,5}(?![${WORD}]))?`;
const MENTION_RE = new RegExp(`(?<![=/${WORD}])@(${USERNAME})(?:@(${MENTION_DOMAIN}))?`, "gu");

// twitter-text's end_mention_match, which Mastodon's Extractor applies after MENTION_RE: a
// mention followed by another @, a Latin accented letter (the username would be cut mid-word,
// as in @josé) or `://` is not a mention at all.
const MENTION_MUST_NOT_PRECEDE =
  /^(?:[@\uFF20\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF]|:\/\/)/u;

// Tag::HASHTAG_RE: a name has a letter somewhere (so #123 is not a tag), and may hold the
// separators Mastodon allows (middle dots, zero-width non-joiner) between word characters.
const HASHTAG_SEPARATORS = "_\u00B7\u30FB\u200C";
const ALPHA = String.raw`\p{Alphabetic}`;
const HASHTAG_FIRST_SEQUENCE = `[${WORD}_][${WORD}${HASHTAG_SEPARATORS}]*[${ALPHA}${HASHTAG_SEPARATORS}][${WORD}${HASHTAG_SEPARATORS}]*[${WORD}_]`;
const HASHTAG_LAST_SEQUENCE = `[${WORD}_]*[${ALPHA}][${WORD}_]*`;
const HASHTAG_RE = new RegExp(`(?<![=/)${WORD}])#(${HASHTAG_FIRST_SEQUENCE}|${HASHTAG_LAST_SEQUENCE})`, "gu");
// `#tophttps://…`: Mastodon's Extractor gives the tag back the scheme it swallowed.
const HASHTAG_SWALLOWED_SCHEME = /^(.+)(https?)$/u;

// URLs, after twitter-text as Mastodon uses it (scheme required). A URL may follow anything but
// an ASCII letter or digit, @, $ or # (so CJK text can run straight into one) or a bidi control.
const URL_PRECEDING_FORBIDDEN = String.raw`a-zA-Z0-9@\uFF20$#\uFF03\u202A-\u202E`;
const DOMAIN_LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?`;
// The last label is ASCII (or punycode) so that text glued to a URL, common in Japanese and
// Chinese, does not become part of its host: `https://example.com日本語` links example.com.
const TOP_LEVEL_LABEL = String.raw`(?:[a-z]{2,63}|xn--[a-z0-9\-]*[a-z0-9])(?![a-z0-9\-_@])`;
const IPV4 = String.raw`(?:\d{1,3}\.){3}\d{1,3}(?![0-9a-z\-_@])`;
const HOST = `(?:(?:${DOMAIN_LABEL}\\.)+${TOP_LEVEL_LABEL}|${IPV4})`;
// twitter-text's path characters: printable ASCII except quotes, angle brackets, braces,
// backslash, caret and backtick, plus Latin and Cyrillic letters (accented paths, Wikipedia).
const URL_LETTER = String.raw`\p{Script=Latin}\p{Script=Cyrillic}\p{M}`;
const URL_PATH_CHAR = String.raw`[a-zA-Z0-9!$%&'()*+,\-./:;=?@\[\]_~#|${URL_LETTER}]`;
const URL_RE = new RegExp(`(?<![${URL_PRECEDING_FORBIDDEN}])https?://${HOST}(?::\\d{1,5})?(?:[/?#]${URL_PATH_CHAR}*)?`, "giu");
// A URL ends on a letter, digit or one of these; a `)` only when it closes a `(` of the URL, as
// in https://en.wikipedia.org/wiki/Bun_(software). Anything else at the end (`.`, `,`, `!`, `?`,
// `:`, quotes) is the sentence's, not the URL's.
const URL_TRAILING_NOT_URL = new RegExp(String.raw`[^a-zA-Z0-9=_#/+\-&~)${URL_LETTER}]+$`, "u");

/** Only these may become an href: the URL pattern guarantees it for typed URLs, and link
 * builders are held to it too. */
const SAFE_HREF = /^https?:\/\//i;
const URL_SHOWN_PREFIX = /^https?:\/\/(?:www\.)?/i;

type Entity =
  | { kind: "url"; token: UrlToken }
  | { kind: "mention"; token: MentionToken }
  | { kind: "hashtag"; token: HashtagToken };

/** Mentions, hashtags and http(s) URLs in `text`, each in order of appearance. */
export function parseText(text: string): ParsedText {
  const parsed: ParsedText = { mentions: [], hashtags: [], urls: [] };
  for (const entity of extractEntities(text)) {
    if (entity.kind === "url") parsed.urls.push(entity.token);
    else if (entity.kind === "mention") parsed.mentions.push(entity.token);
    else parsed.hashtags.push(entity.token);
  }
  return parsed;
}

/**
 * The length Mastodon checks against its limit: grapheme clusters (what a person sees as one
 * character, so 👍🏽 is 1), with every URL counting 23 and `@user@domain` counting as `@user`.
 * A content warning is counted separately and added by the caller, as Mastodon does.
 */
export function countCharacters(text: string): number {
  const countable = rewrite(
    text,
    extractEntities(text),
    (plain) => plain,
    (entity) => {
      if (entity.kind === "url") return URL_PLACEHOLDER;
      if (entity.kind === "mention") return `@${entity.token.username}`;
      return text.slice(entity.token.start, entity.token.end);
    },
  );
  return countGraphemes(countable);
}

const graphemeSegmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

function countGraphemes(text: string): number {
  let count = 0;
  for (const _ of graphemeSegmenter.segment(text)) count++;
  return count;
}

/**
 * The HTML of a post: escaped text in paragraphs, with links for URLs, hashtags and the mentions
 * `links.mention` knows. Deterministic: the same text and links give the same HTML.
 */
export function renderText(text: string, links: TextLinks): string {
  if (text.trim() === "") return "";
  const html = rewrite(text, extractEntities(text), escapeHtml, (entity) => {
    if (entity.kind === "url") return renderUrl(entity.token.url);
    if (entity.kind === "mention") return renderMention(entity.token, links);
    return renderHashtag(entity.token.name, links);
  });
  return formatParagraphs(html);
}

/** The key tags are indexed by, as Mastodon's HashtagNormalizer: full-width forms folded to
 * their usual ones (NFKC), then lower case, so #Café, #café and #ｃａｆé are one tag. */
export function normalizeHashtag(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/** All entities in order; where two overlap the earlier one wins, as in Mastodon's Extractor
 * (which keeps a `#fragment` or `@user` inside a URL from becoming a tag or mention). */
function extractEntities(text: string): Entity[] {
  const found: Entity[] = [
    ...extractUrls(text).map((token) => ({ kind: "url", token }) as const),
    ...extractMentions(text).map((token) => ({ kind: "mention", token }) as const),
    ...extractHashtags(text).map((token) => ({ kind: "hashtag", token }) as const),
  ];
  found.sort((a, b) => a.token.start - b.token.start);
  const kept: Entity[] = [];
  let coveredUntil = 0;
  for (const entity of found) {
    if (entity.token.start < coveredUntil) continue;
    kept.push(entity);
    coveredUntil = entity.token.end;
  }
  return kept;
}

function extractUrls(text: string): UrlToken[] {
  const urls: UrlToken[] = [];
  for (const match of text.matchAll(URL_RE)) {
    const url = trimUrlEnd(match[0]);
    urls.push({ url, start: match.index, end: match.index + url.length });
  }
  return urls;
}

function trimUrlEnd(candidate: string): string {
  let url = candidate.replace(URL_TRAILING_NOT_URL, "");
  while (url.endsWith(")") && countOf(url, ")") > countOf(url, "(")) {
    url = url.slice(0, -1).replace(URL_TRAILING_NOT_URL, "");
  }
  return url;
}

function countOf(text: string, char: string): number {
  return text.split(char).length - 1;
}

function extractMentions(text: string): MentionToken[] {
  const mentions: MentionToken[] = [];
  for (const match of text.matchAll(MENTION_RE)) {
    const end = match.index + match[0].length;
    // Three characters are enough to see `://`, the longest thing that rules a mention out.
    if (MENTION_MUST_NOT_PRECEDE.test(text.slice(end, end + 3))) continue;
    mentions.push({
      username: match[1] ?? "",
      domain: match[2] ?? null,
      start: match.index,
      end,
      raw: match[0],
    });
  }
  return mentions;
}

function extractHashtags(text: string): HashtagToken[] {
  const hashtags: HashtagToken[] = [];
  for (const match of text.matchAll(HASHTAG_RE)) {
    const typed = match[1] ?? "";
    const end = match.index + match[0].length;
    const name = text.startsWith("://", end) ? (HASHTAG_SWALLOWED_SCHEME.exec(typed)?.[1] ?? typed) : typed;
    hashtags.push({ name, start: match.index, end: match.index + 1 + name.length });
  }
  return hashtags;
}

/** Mastodon's TextFormatter#rewrite: the text between entities through `plain`, each entity
 * replaced by `replace`. */
function rewrite(
  text: string,
  entities: Entity[],
  plain: (segment: string) => string,
  replace: (entity: Entity) => string,
): string {
  let result = "";
  let index = 0;
  for (const entity of entities) {
    result += plain(text.slice(index, entity.token.start)) + replace(entity);
    index = entity.token.end;
  }
  return result + plain(text.slice(index));
}

/** Mastodon's link shape: scheme and `www.` hidden, then 30 characters shown, the rest hidden
 * behind an ellipsis (its CSS draws the "…"). Cuts between code points, never inside a
 * surrogate pair. */
function renderUrl(url: string): string {
  const prefix = URL_SHOWN_PREFIX.exec(url)?.[0] ?? "";
  const rest = Array.from(url.slice(prefix.length));
  const shown = rest.slice(0, URL_DISPLAY_LENGTH).join("");
  const hidden = rest.slice(URL_DISPLAY_LENGTH).join("");
  const shownClass = rest.length > URL_DISPLAY_LENGTH ? "ellipsis" : "";
  return (
    `<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer" target="_blank" translate="no">` +
    `<span class="invisible">${escapeHtml(prefix)}</span>` +
    `<span class="${shownClass}">${escapeHtml(shown)}</span>` +
    `<span class="invisible">${escapeHtml(hidden)}</span></a>`
  );
}

function renderMention(mention: MentionToken, links: TextLinks): string {
  const href = safeHref(links.mention(mention));
  if (href === null) return escapeHtml(mention.raw);
  return (
    `<span class="h-card" translate="no"><a href="${escapeHtml(href)}" class="u-url mention">` +
    `@<span>${escapeHtml(mention.username)}</span></a></span>`
  );
}

function renderHashtag(name: string, links: TextLinks): string {
  const href = safeHref(links.hashtag(name));
  if (href === null) return escapeHtml(`#${name}`);
  return `<a href="${escapeHtml(href)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(name)}</span></a>`;
}

function safeHref(url: string | null): string | null {
  return url !== null && SAFE_HREF.test(url) ? url : null;
}

/** Rails' simple_format as Mastodon uses it: blank lines separate paragraphs, a single newline
 * is a line break. Entities never contain newlines, so this can run on the finished HTML. */
function formatParagraphs(html: string): string {
  return html
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t\v\f\n]*\n/)
    .map((paragraph) => paragraph.replace(/^\n+|\n+$/g, "").replaceAll("\n", "<br>"))
    .filter((paragraph) => paragraph.trim() !== "")
    .map((paragraph) => `<p>${paragraph}</p>`)
    .join("");
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Safe in text and in double- or single-quoted attributes (the same set as Ruby's ERB::Util.h). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** A local member's plain text (bio, profile field) with mentions, hashtags and links made into links. */
export function linkedText(text: string, base: URL): string {
  return renderText(text, {
    mention: (m) => new URL(`/@${m.domain ? `${m.username}@${m.domain}` : m.username}`, base).href,
    hashtag: (name) => new URL(`/tags/${encodeURIComponent(name.toLowerCase())}`, base).href,
  });
}

/** A profile field's value as Mastodon gives it: one line, linked, with no paragraph around it. */
export function linkedLine(text: string, base: URL): string {
  return linkedText(text.replace(/\s*\n\s*/g, " "), base).replace(/^<p>([\s\S]*)<\/p>$/, "$1");
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/**
 * The text a reader sees in post HTML (sanitized remote content): paragraphs and line breaks
 * become newlines, other tags go, character references are decoded. For matching and
 * searching, never for display.
 */
export function htmlToPlainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
      if (ref[0] !== "#") return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
      const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    });
}

/** Plain text as HTML paragraphs: a blank line starts a paragraph, a single line break stays one. Escaped. */
export function paragraphsHtml(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map(
      (p) =>
        `<p>${p
          .split("\n")
          .map((line) => Bun.escapeHTML(line))
          .join("<br />")}</p>`,
    )
    .join("");
}
