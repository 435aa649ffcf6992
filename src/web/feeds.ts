import type { AccountView, PostView } from "../core/views.ts";
import { plain } from "../../views/meta.tsx";

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

function title(post: PostView): string {
  if (post.spoilerText) return post.spoilerText;
  const text = plain(post.contentHtml);
  const kind = post.media[0]?.mime.split("/")[0];
  return text.length > 80 ? `${text.slice(0, 79)}…` : text || `(${kind === "video" || kind === "audio" ? kind : "image"})`;
}

/** The post's text, then its pictures, video or sound as the page shows them. */
function body(post: PostView): string {
  const media = post.media.map((m) => {
    const src = escapeXml(m.url);
    const label = escapeXml(m.description);
    if (m.mime.startsWith("video/")) {
      const poster = m.thumbnailUrl ? ` poster="${escapeXml(m.thumbnailUrl)}"` : "";
      return `<p><video src="${src}"${poster} controls="controls" aria-label="${label}"><a href="${src}">${label || "Video"}</a></video></p>`;
    }
    if (m.mime.startsWith("audio/"))
      return `<p><audio src="${src}" controls="controls" aria-label="${label}"><a href="${src}">${label || "Audio"}</a></audio></p>`;
    return `<p><img src="${src}" alt="${label}"/></p>`;
  });
  return post.contentHtml + media.join("");
}

/** Media RSS's kinds (another server's attachment may say any type). */
const medium = (mime: string) => (/^(image|video|audio)\//.test(mime) ? mime.slice(0, mime.indexOf("/")) : "document");

/** Media RSS, as Mastodon's feeds have it: readers and podcast apps find the files there. */
const mediaContent = (post: PostView) =>
  post.media
    .map((m) => `<media:content url="${escapeXml(m.url)}" type="${escapeXml(m.mime)}" medium="${medium(m.mime)}"/>`)
    .join("\n");

/** A post with its media's addresses made absolute. */
const withAbsoluteMedia = (post: PostView, abs: (u: string) => string): PostView => ({
  ...post,
  media: post.media.map((m) => ({ ...m, url: abs(m.url), thumbnailUrl: m.thumbnailUrl ? abs(m.thumbnailUrl) : null })),
});

/** RSS 2.0 of an account's public posts (the media URLs are made absolute by the caller's base). */
export function rssFeed(account: AccountView, posts: PostView[], base: URL): string {
  const abs = (u: string) => new URL(u, base).href;
  const items = posts
    .map((post) => withAbsoluteMedia(post, abs))
    .map(
      (p) => `<item>
<title>${escapeXml(title(p))}</title>
<link>${escapeXml(p.localUrl)}</link>
<guid isPermaLink="true">${escapeXml(p.localUrl)}</guid>
<pubDate>${p.createdAt.toUTCString()}</pubDate>
<description>${escapeXml(body(p))}</description>
${mediaContent(p)}
</item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>${escapeXml(account.displayName)} (@${escapeXml(account.acct)})</title>
<link>${escapeXml(account.localUrl)}</link>
<atom:link href="${escapeXml(account.localUrl)}.rss" rel="self" type="application/rss+xml"/>
<description>Public posts of ${escapeXml(account.displayName)}</description>
${items}
</channel>
</rss>
`;
}

export function atomFeed(account: AccountView, posts: PostView[], base: URL): string {
  const abs = (u: string) => new URL(u, base).href;
  const updated = (posts[0]?.createdAt ?? account.createdAt).toISOString();
  const entries = posts
    .map((post) => withAbsoluteMedia(post, abs))
    .map(
      (p) => `<entry>
<id>${escapeXml(p.uri)}</id>
<title>${escapeXml(title(p))}</title>
<link rel="alternate" type="text/html" href="${escapeXml(p.localUrl)}"/>
<published>${p.createdAt.toISOString()}</published>
<updated>${(p.editedAt ?? p.createdAt).toISOString()}</updated>
<content type="html">${escapeXml(body(p))}</content>
</entry>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${escapeXml(account.localUrl)}</id>
<title>${escapeXml(account.displayName)} (@${escapeXml(account.acct)})</title>
<link rel="alternate" type="text/html" href="${escapeXml(account.localUrl)}"/>
<link rel="self" type="application/atom+xml" href="${escapeXml(account.localUrl)}.atom"/>
<author><name>${escapeXml(account.displayName)}</name><uri>${escapeXml(account.localUrl)}</uri></author>
<updated>${updated}</updated>
${entries}
</feed>
`;
}
