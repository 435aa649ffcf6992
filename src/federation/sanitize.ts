import sanitizeHtml from "sanitize-html";

const mentionClasses = ["mention", "hashtag", "u-url", "h-card", "invisible", "ellipsis"];

/**
 * Remote HTML (post content, bios) reduced to what a post needs: paragraphs, line breaks, links,
 * emphasis, code, quotes and lists. Links are http(s) only and open safely; only Mastodon's
 * mention and hashtag classes survive, and `quote-inline` (a quote post's "RE: link", hidden
 * where the quoted post is shown). Everything else is dropped, its text kept.
 */
export function sanitizeRemoteHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "a", "span", "strong", "em", "del", "pre", "code", "blockquote", "ol", "ul", "li"],
    allowedAttributes: { a: ["href", "class", "rel", "target", "translate"], span: ["class", "translate"], p: ["class"] },
    allowedClasses: { a: mentionClasses, span: [...mentionClasses, "quote-inline"], p: ["quote-inline"] },
    allowedSchemes: ["http", "https"],
    allowedSchemesAppliedToAttributes: ["href"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: "nofollow noopener noreferrer", target: "_blank" },
      }),
    },
    // Keep a paragraph's text when its wrapper is dropped; never keep script or style text.
    nonTextTags: ["script", "style", "textarea", "noscript", "title"],
  });
}

/** Remote names and field labels are text: any markup in them is removed, never interpreted. */
export function remoteText(text: string | null | undefined, max = 500): string {
  if (!text) return "";
  return sanitizeHtml(text, { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trim()
    .slice(0, max);
}
