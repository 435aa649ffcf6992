import type { AccountView, PostView } from "../core/views.ts";

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

function title(post: PostView): string {
  if (post.spoilerText) return post.spoilerText;
  const text = post.contentHtml
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text || "(image)";
}

function body(post: PostView): string {
  const images = post.media.map((m) => `<p><img src="${escapeXml(m.url)}" alt="${escapeXml(m.description)}"/></p>`).join("");
  return post.contentHtml + images;
}

/** RSS 2.0 of an account's public posts (the media URLs are made absolute by the caller's base). */
export function rssFeed(account: AccountView, posts: PostView[], base: URL): string {
  const abs = (u: string) => new URL(u, base).href;
  const items = posts
    .map(
      (p) => `<item>
<title>${escapeXml(title(p))}</title>
<link>${escapeXml(p.localUrl)}</link>
<guid isPermaLink="true">${escapeXml(p.localUrl)}</guid>
<pubDate>${p.createdAt.toUTCString()}</pubDate>
<description>${escapeXml(body({ ...p, media: p.media.map((m) => ({ ...m, url: abs(m.url) })) }))}</description>
</item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
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
    .map(
      (p) => `<entry>
<id>${escapeXml(p.uri)}</id>
<title>${escapeXml(title(p))}</title>
<link rel="alternate" type="text/html" href="${escapeXml(p.localUrl)}"/>
<published>${p.createdAt.toISOString()}</published>
<updated>${(p.editedAt ?? p.createdAt).toISOString()}</updated>
<content type="html">${escapeXml(body({ ...p, media: p.media.map((m) => ({ ...m, url: abs(m.url) })) }))}</content>
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
