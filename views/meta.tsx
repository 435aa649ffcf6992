/** @jsxImportSource @kitajs/html */
import { type AccountView, MISSING_IMAGES, type PostView } from "../src/core/views.ts";

/**
 * What a page says of itself to link previews (OpenGraph, read by chat apps, other servers'
 * preview cards and search engines) and where its ActivityPub document is. Only public pages
 * get one: a post shared anywhere shows its author, its words and its picture or video.
 */
export interface PageMeta {
  url: string;
  type: "article" | "profile";
  title: string;
  description: string;
  image?: { url: string; alt: string; width?: number | null; height?: number | null };
  /** The image is the post's own picture (a large card), not an avatar. */
  large: boolean;
  video?: { url: string; type: string; width?: number | null; height?: number | null };
  /** The same thing as ActivityPub, for servers that look for the link. */
  activity?: string;
}

const MAX_DESCRIPTION = 300;
const clip = (text: string) => (text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text);

/**
 * A post's or bio's HTML as plain text, entities decoded (for titles and descriptions): a
 * paragraph or line break is a space, other tags nothing (`#<span>skein</span>` is one word).
 */
export function plain(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/p>|<\/li>|<\/blockquote>/gi, " ")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** An account's picture, absolute: its avatar or the stand-in. */
const avatarOf = (account: AccountView, origin: string) => new URL(account.avatarUrl ?? MISSING_IMAGES.avatar, origin).href;

/**
 * A public or unlisted post: its author, its words (only the content warning when it has one),
 * its first picture or video (the author's avatar when the media is sensitive or hidden behind
 * the warning). Null for other posts.
 */
export function postMeta(post: PostView): PageMeta | null {
  if (post.visibility !== "public" && post.visibility !== "unlisted") return null;
  const { origin, host } = new URL(post.localUrl);
  const handle = post.account.domain ? `@${post.account.acct}` : `@${post.account.acct}@${host}`;
  const hidden = post.sensitive || post.spoilerText !== "";
  // Only a file served from here (ours, or another server's from the cache): never a hotlink.
  const first = hidden || !post.media[0]?.url.startsWith("/") ? undefined : post.media[0];
  const picture = first && (first.mime.startsWith("image/") ? first.url : first.thumbnailUrl);
  const meta: PageMeta = {
    url: post.localUrl,
    type: "article",
    title: `${post.account.displayName} (${handle})`,
    description: clip(post.spoilerText ? `Content warning: ${post.spoilerText}` : plain(post.contentHtml)),
    image: picture
      ? {
          url: new URL(picture, origin).href,
          alt: first.description,
          // A video's cover may have another size than the video.
          ...(first.mime.startsWith("image/") ? { width: first.width, height: first.height } : {}),
        }
      : { url: avatarOf(post.account, origin), alt: "" },
    large: Boolean(picture),
    activity: post.account.domain === null ? post.uri : undefined,
  };
  if (first?.mime.startsWith("video/"))
    meta.video = { url: new URL(first.url, origin).href, type: first.mime, width: first.width, height: first.height };
  return meta;
}

/** An account's profile: its name, handle, bio and avatar. */
export function profileMeta(account: AccountView, handle: string, noteHtml: string): PageMeta {
  const origin = new URL(account.localUrl).origin;
  return {
    url: account.localUrl,
    type: "profile",
    title: `${account.displayName} (${handle})`,
    description: clip(plain(noteHtml)),
    image: { url: avatarOf(account, origin), alt: "" },
    large: false,
    activity: account.domain === null ? account.uri : undefined,
  };
}

/**
 * Text for an attribute, its `&`, `<` and `>` written as entities: kitajs escapes only the quote
 * in attributes, and a page must never carry what a member wrote as markup, even where a browser
 * would read it as text (scrapers are less careful).
 */
const attr = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The tags in the page's head. */
export function MetaTags({ meta: raw, siteName }: { meta: PageMeta; siteName: string }) {
  const meta: PageMeta = {
    ...raw,
    title: attr(raw.title),
    description: attr(raw.description),
    image: raw.image && { ...raw.image, alt: attr(raw.image.alt) },
  };
  const size = (prefix: string, width?: number | null, height?: number | null) =>
    width && height ? (
      <>
        <meta property={`${prefix}:width`} content={String(width)} />
        <meta property={`${prefix}:height`} content={String(height)} />
      </>
    ) : (
      ""
    );
  return (
    <>
      <meta name="description" content={meta.description} />
      <meta property="og:site_name" content={attr(siteName)} />
      <meta property="og:type" content={meta.type} />
      <meta property="og:url" content={meta.url} />
      <meta property="og:title" content={meta.title} />
      <meta property="og:description" content={meta.description} />
      {meta.image ? (
        <>
          <meta property="og:image" content={meta.image.url} />
          {meta.image.alt ? <meta property="og:image:alt" content={meta.image.alt} /> : ""}
          {size("og:image", meta.image.width, meta.image.height)}
        </>
      ) : (
        ""
      )}
      {meta.video ? (
        <>
          <meta property="og:video" content={meta.video.url} />
          <meta property="og:video:type" content={meta.video.type} />
          {size("og:video", meta.video.width, meta.video.height)}
        </>
      ) : (
        ""
      )}
      <meta name="twitter:card" content={meta.large ? "summary_large_image" : "summary"} />
      {meta.activity ? <link rel="alternate" type="application/activity+json" href={meta.activity} /> : ""}
    </>
  );
}
