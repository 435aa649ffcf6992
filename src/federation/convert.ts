// Conversions between our rows and ActivityStreams objects, named by direction:
// `…ToAs` builds what we send, `…FromAs` reads what we receive (always sanitized).
import type { Context } from "@fedify/fedify";
import {
  type Actor,
  Collection,
  Create,
  Document,
  Emoji,
  Hashtag,
  Image,
  InteractionPolicy,
  InteractionRule,
  LanguageString,
  Link,
  Mention,
  Note,
  type Object as AsObject,
  PropertyValue,
  PUBLIC_COLLECTION,
  Question,
  QuoteAuthorization,
  Service,
} from "@fedify/vocab";
import { type EmojiData, type EmojiView, MAX_EMOJIS, SHORTCODE } from "../core/custom-emojis.ts";
import type { RemoteAccountData, RemotePostData } from "../core/remote.ts";
import type { PollView, RemotePollData } from "../core/polls.ts";
import { isPlayable } from "../core/media.ts";
import { languageOf } from "../core/languages.ts";
import { quoteStampOf } from "../core/quotes.ts";
import { loadPostViews, type PostView } from "../core/views.ts";
import type { Db } from "../db/open.ts";
import type { QuotePolicy, Visibility } from "../db/schema.ts";
import { attributionDomainsIn, sentJson } from "./attribution.ts";
import { remoteText, sanitizeRemoteHtml } from "./sanitize.ts";

/**
 * What we read of a received object, at most: Mastodon shows 4 attachments; the rest bound the
 * work (and the fetches of linked items) a crafted object could ask of us.
 */
export const REMOTE_LIMITS = { attachments: 4, tags: 100, addressed: 500, fields: 16, aliases: 20, pollOptions: 20 };

/** The first `limit` items of a (lazily fetched) list: items past it are never loaded. */
async function take<T>(items: AsyncIterable<T>, limit: number): Promise<T[]> {
  const taken: T[] = [];
  if (limit <= 0) return taken;
  for await (const item of items) {
    taken.push(item);
    if (taken.length >= limit) break;
  }
  return taken;
}

const refuseFetch = async (url: string): Promise<never> => {
  throw new Error(`not fetched: ${url}`);
};

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());

/** The `to` and `cc` of a post, by visibility, as Mastodon addresses them. */
export function addressing(ctx: Context<void>, post: PostView): { tos: URL[]; ccs: URL[] } {
  const followers = ctx.getFollowersUri(post.account.username);
  const mentioned = post.mentions.map((m) => new URL(m.uri));
  switch (post.visibility) {
    case "public":
      return { tos: [PUBLIC_COLLECTION], ccs: [followers, ...mentioned] };
    case "unlisted":
      return { tos: [followers], ccs: [PUBLIC_COLLECTION, ...mentioned] };
    case "private":
      return { tos: [followers], ccs: mentioned };
    case "direct":
      return { tos: mentioned, ccs: [] };
  }
}

/** A local post as a Note. */
export function postToAs(
  ctx: Context<void>,
  post: PostView,
  parentUri: string | null,
  quoteStamp: URL | null = null,
): Note | Question {
  const { tos, ccs } = addressing(ctx, post);
  // Who may quote it without asking (FEP-044f, as Mastodon reads it): by its quote policy, anyone
  // or the author's followers; else the author alone. Others ask with a QuoteRequest (inbox.ts).
  const policy = post.quoteApproval.automatic[0];
  const quoters =
    policy === "public"
      ? PUBLIC_COLLECTION
      : policy === "followers"
        ? ctx.getFollowersUri(post.account.username)
        : ctx.getActorUri(post.account.username);
  const values = {
    interactionPolicy: new InteractionPolicy({ canQuote: new InteractionRule({ automaticApproval: quoters }) }),
    id: new URL(post.uri),
    attribution: ctx.getActorUri(post.account.username),
    tos,
    ccs,
    ...contentOf(post.quote ? `${post.contentHtml}${quoteFallback(post.quote.url)}` : post.contentHtml, post.language),
    // A quote (FEP-044f, and the older quoteUrl for software that reads only that), with the
    // quoted author's stamp once given.
    quote: post.quote ? new URL(post.quote.uri) : null,
    quoteUrl: post.quote ? new URL(post.quote.uri) : null,
    quoteAuthorization: quoteStamp,
    summary: post.spoilerText || null,
    sensitive: post.sensitive,
    published: instant(post.createdAt),
    updated: post.editedAt ? instant(post.editedAt) : null,
    url: new URL(post.localUrl),
    replyTarget: parentUri ? new URL(parentUri) : null,
    tags: [
      ...post.mentions.map(
        (m) =>
          new Mention({
            href: new URL(m.uri),
            name: `@${m.acct}${m.domain ? "" : `@${ctx.host}`}`,
          }),
      ),
      ...post.tags.map(
        (t) => new Hashtag({ href: new URL(`/tags/${encodeURIComponent(t.toLowerCase())}`, ctx.canonicalOrigin), name: `#${t}` }),
      ),
      ...emojiTags(ctx, post.emojis),
    ],
    attachments: post.media.map(
      (m) =>
        new Document({
          url: new URL(m.url, ctx.canonicalOrigin),
          mediaType: m.mime,
          name: m.description || null,
          width: m.width,
          height: m.height,
          // A video's or audio file's cover, where Mastodon looks for it.
          icon: m.thumbnailUrl && isPlayable(m.mime) ? new Image({ url: new URL(m.thumbnailUrl, ctx.canonicalOrigin) }) : null,
        }),
    ),
  };
  return post.poll ? new Question({ ...values, ...questionOf(post.poll) }) : new Note(values);
}

/**
 * A poll as Mastodon sends it: each option a Note named by its title with its count as the
 * total of its replies; `closed` once it ended. Hidden counts go out as 0 until then.
 */
function questionOf(poll: PollView) {
  const options = poll.options.map(
    (o) => new Note({ name: o.title, replies: new Collection({ totalItems: poll.hidden ? 0 : (o.votes ?? 0) }) }),
  );
  const end = poll.expiresAt ? instant(poll.expiresAt) : null;
  return {
    ...(poll.multiple ? { inclusiveOptions: options } : { exclusiveOptions: options }),
    endTime: end,
    closed: poll.expired ? end : null,
    voters: poll.votersCount,
  };
}

/** Who may see a received post, from its addressing. */
export function visibilityFromAs(object: AsObject, followersUri: URL | null): Visibility {
  const to = object.toIds.map((u) => u.href);
  const cc = object.ccIds.map((u) => u.href);
  const pub = PUBLIC_COLLECTION.href;
  const isPublic = (list: string[]) => list.includes(pub) || list.includes("as:Public") || list.includes("Public");
  if (isPublic(to)) return "public";
  if (isPublic(cc)) return "unlisted";
  if (followersUri && [...to, ...cc].includes(followersUri.href)) return "private";
  return "direct";
}

/**
 * A remote object's link, only when it is http(s): these become `href`s and `src`s on our pages,
 * and a `javascript:` or `data:` URL there would be a script of the sender's choosing.
 */
function href(value: URL | Link | null | undefined): string | null {
  if (!value) return null;
  const url = value instanceof URL ? value : value.href;
  return url && (url.protocol === "https:" || url.protocol === "http:") ? url.href : null;
}

/**
 * This instance's custom emoji that a text names, as the Emoji tags Mastodon sends: other
 * servers draw `:shortcode:` with the icon. The id is the emoji's own object (federation.ts).
 */
export function emojiTags(ctx: Context<void>, emojis: EmojiView[]): Emoji[] {
  return emojis.flatMap((e) => (e.local ? [emojiToAs(ctx, e, e.local)] : []));
}

export function emojiToAs(ctx: Context<void>, emoji: EmojiView, local: NonNullable<EmojiView["local"]>): Emoji {
  return new Emoji({
    id: ctx.getObjectUri(Emoji, { id: local.id }),
    name: `:${emoji.shortcode}:`,
    icon: new Image({ url: new URL(emoji.url, ctx.canonicalOrigin), mediaType: local.mime }),
    updated: instant(local.updatedAt),
  });
}

/** The custom emoji among an object's tags: a plain shortcode and an http(s) image, or nothing. */
async function emojisFrom(ctx: Context<void>, tags: Iterable<unknown>): Promise<EmojiData[]> {
  const emojis: EmojiData[] = [];
  for (const tag of tags) {
    if (emojis.length >= MAX_EMOJIS) break;
    if (!(tag instanceof Emoji)) continue;
    const shortcode = tag.name?.toString().replace(/^:|:$/g, "") ?? "";
    const icon = await tag.getIcon({ documentLoader: ctx.documentLoader }).catch(() => null);
    const url = icon ? href(icon.url as URL | Link | null) : null;
    if (SHORTCODE.test(shortcode) && url && url.length <= 2000) emojis.push({ shortcode, url });
  }
  return emojis;
}

/**
 * A received video's or audio file's cover (Mastodon's `icon` on the attachment): an embedded
 * Image's url, or the icon's address itself (a picture is never fetched here as a document).
 */
async function coverOf(attachment: Document | Image): Promise<string | null> {
  if (!isPlayable(attachment.mediaType ?? "")) return null;
  const noFetch = () => Promise.reject(new Error("not fetched"));
  const icon = await attachment.getIcon({ documentLoader: noFetch, contextLoader: noFetch }).catch(() => null);
  const url = icon ? href(icon.url as URL | Link | null) : href(attachment.iconId);
  return url && url.length <= 2000 ? url : null;
}

/**
 * A received post-like object (Note, Article, Page, Question, Video, Image…) in our shape. Kinds we
 * do not show natively become a readable post with a link to the original.
 */
export async function postFromAs(
  ctx: Context<void>,
  object: AsObject,
  author: { id: string; followersUrl: string | null },
  resolveLocal: (uris: string[]) => string[],
): Promise<Omit<RemotePostData, "authorId"> & { authorId: string }> {
  const tags = await take(object.getTags({ documentLoader: ctx.documentLoader }), REMOTE_LIMITS.tags);
  const mentionUris = tags.flatMap((t) => (t instanceof Mention && t.href ? [t.href.href] : []));
  const addressed = [...object.toIds, ...object.ccIds].slice(0, REMOTE_LIMITS.addressed).map((u) => u.href);
  const attachments = [];
  for (const a of await take(object.getAttachments({ documentLoader: ctx.documentLoader }), REMOTE_LIMITS.attachments)) {
    if (!(a instanceof Document || a instanceof Image)) continue;
    const url = href(a.url as URL | Link | null);
    if (!url || !/^https?:/.test(url)) continue;
    attachments.push({
      url,
      mime: a.mediaType ?? "image/jpeg",
      description: remoteText(a.name?.toString(), 1500),
      width: a.width ?? null,
      height: a.height ?? null,
      blurhash: null,
      coverUrl: await coverOf(a),
    });
  }
  // A bare Image (Pixelfed and others) is a post of that one picture.
  if (object instanceof Image && attachments.length < REMOTE_LIMITS.attachments) {
    const own = href(object.url as URL | Link | null);
    if (own && /^https?:/.test(own)) {
      attachments.push({
        url: own,
        mime: object.mediaType ?? "image/jpeg",
        description: remoteText(object.name?.toString(), 1500),
        width: object.width ?? null,
        height: object.height ?? null,
        blurhash: null,
        coverUrl: null,
      });
    }
  }
  let content = sanitizeRemoteHtml(object.content?.toString() ?? "");
  const url = href(object.url as URL | Link | null) ?? object.id?.href ?? null;
  if (!(object instanceof Note || object instanceof Question) && url) {
    // Articles, videos and the like: their title and a way to the original (polls show as polls).
    const title = remoteText(object.name?.toString(), 300);
    const link = `<p><a href="${encodeURI(url)}" rel="nofollow noopener noreferrer" target="_blank">Open the original</a></p>`;
    content = `${title ? `<p><strong>${Bun.escapeHTML(title)}</strong></p>` : ""}${content}${link}`;
  }
  const published = object.published ? new Date(object.published.epochMilliseconds) : new Date();
  return {
    uri: object.id?.href ?? "",
    url,
    authorId: author.id,
    contentHtml: content,
    plainText: remoteText(content, 20_000),
    spoilerText: remoteText(object.summary?.toString(), 1000),
    sensitive: Boolean(object.sensitive) || Boolean(object.summary),
    visibility: visibilityFromAs(object, author.followersUrl ? new URL(author.followersUrl) : null),
    language: languageIn(object.contents),
    inReplyToUri: object.replyTargetId?.href ?? null,
    mentionedIds: resolveLocal([...mentionUris, ...addressed]),
    tags: tags.flatMap((t) => (t instanceof Hashtag && t.name ? [t.name.toString().replace(/^#/, "")] : [])),
    attachments,
    createdAt: published,
    editedAt: object.updated ? new Date(object.updated.epochMilliseconds) : null,
    emojis: await emojisFrom(ctx, tags),
    poll: object instanceof Question ? await pollFromAs(object) : null,
    ...quotePolicyFromAs(object, author.followersUrl),
  };
}

/**
 * Who may quote another server's post, as Mastodon 4.5 reads FEP-044f's `canQuote`: anyone
 * (as:Public) or the author's followers, at once (automatic) or once the author agrees (manual);
 * nobody when it names no one but its author, or says nothing. Other names (a list, some
 * people) are a policy Mastodon cannot express either: quoting asks.
 */
export function quotePolicyFromAs(
  object: AsObject,
  followersUrl: string | null,
): { quotePolicy: QuotePolicy; quoteManual: boolean } {
  let rule: InteractionRule | null = null;
  try {
    rule = object.interactionPolicy?.canQuote ?? null;
  } catch {
    // A malformed policy says nothing.
  }
  const automatic = (rule?.automaticApprovals ?? []).map((u) => u.href);
  const manual = (rule?.manualApprovals ?? []).map((u) => u.href);
  // "Public" and "as:Public" come as the full IRI, or (bare) resolved against the document.
  const isPublic = (href: string) => href === PUBLIC_COLLECTION.href || href.endsWith("/Public");
  const reach = (hrefs: string[]): QuotePolicy | null =>
    hrefs.some(isPublic) ? "public" : followersUrl && hrefs.includes(followersUrl) ? "followers" : null;
  // The widest reach, and whether it needs asking.
  if (reach(automatic) === "public") return { quotePolicy: "public", quoteManual: false };
  if (reach(manual) === "public") return { quotePolicy: "public", quoteManual: true };
  if (reach(automatic) === "followers") return { quotePolicy: "followers", quoteManual: false };
  if (reach(manual) === "followers") return { quotePolicy: "followers", quoteManual: true };
  const author = object.attributionId?.href;
  const others = [...automatic, ...manual].filter((href) => href !== author);
  return others.length > 0 ? { quotePolicy: "public", quoteManual: true } : { quotePolicy: "nobody", quoteManual: false };
}

/**
 * A Question's poll: its options (embedded, as every server sends them; at most 20, titles cut
 * to 200 characters), each with its count, and when it ends. Votes go back to its server.
 */
async function pollFromAs(question: Question): Promise<RemotePollData | null> {
  // Options and their counts come embedded from every server that makes polls: a link is not followed.
  const loader = { documentLoader: refuseFetch };
  const limit = REMOTE_LIMITS.pollOptions;
  const inclusive = await take(question.getInclusiveOptions(loader), limit).catch(() => []);
  const chosen = inclusive.length > 0 ? inclusive : await take(question.getExclusiveOptions(loader), limit).catch(() => []);
  const options = [];
  for (const option of chosen) {
    const title = remoteText(option.name?.toString(), 200);
    const replies = await option.getReplies(loader).catch(() => null);
    if (title) options.push({ title, votes: Math.max(0, Math.trunc(replies?.totalItems ?? 0)) });
  }
  if (options.length === 0) return null;
  const closed = question.closed;
  const end = closed instanceof Temporal.Instant ? closed : (question.endTime ?? null);
  return {
    options,
    multiple: inclusive.length > 0,
    expiresAt: end ? new Date(end.epochMilliseconds) : closed === true ? new Date() : null,
    votersCount: question.voters === null ? null : Math.max(0, Math.trunc(question.voters)),
  };
}

/** A remote actor in our shape; names and labels are text, the bio sanitized HTML. */
/** A remote actor as stored; `json`: the actor as its server sent it, when Fedify does not keep it (inside an activity). */
export async function accountFromAs(ctx: Context<void>, actor: Actor, json?: unknown): Promise<RemoteAccountData | null> {
  if (!actor.id || !actor.inboxId) return null;
  const username = actor.preferredUsername?.toString() ?? actor.id.pathname.split("/").at(-1) ?? "";
  if (!username) return null;
  const fields = [];
  for (const a of await take(actor.getAttachments({ documentLoader: ctx.documentLoader }), REMOTE_LIMITS.fields)) {
    if (a instanceof PropertyValue)
      fields.push({ name: remoteText(a.name?.toString(), 255), value: sanitizeRemoteHtml(a.value?.toString() ?? "") });
  }
  const icon = await actor.getIcon({ documentLoader: ctx.documentLoader }).catch(() => null);
  const tags = await take(actor.getTags({ documentLoader: ctx.documentLoader }), REMOTE_LIMITS.tags).catch(() => []);
  const image = await actor.getImage({ documentLoader: ctx.documentLoader }).catch(() => null);
  return {
    uri: actor.id.href,
    username: remoteText(username, 100),
    domain: actor.id.host,
    displayName: remoteText(actor.name?.toString(), 200),
    note: sanitizeRemoteHtml(actor.summary?.toString() ?? ""),
    url: href(actor.url as URL | Link | null) ?? actor.id.href,
    inboxUrl: actor.inboxId.href,
    sharedInboxUrl: actor.endpoints?.sharedInbox?.href ?? null,
    followersUrl: actor.followersId?.href ?? null,
    outboxUrl: actor.outboxId?.href ?? null,
    avatarUrl: icon ? href(icon.url as URL | Link | null) : null,
    headerUrl: image ? href(image.url as URL | Link | null) : null,
    locked: actor.manuallyApprovesFollowers ?? false,
    bot: actor instanceof Service,
    discoverable: actor.discoverable ?? false,
    fields,
    alsoKnownAs: actor.aliasIds.slice(0, REMOTE_LIMITS.aliases).map((u) => u.href),
    createdAt: actor.published ? new Date(actor.published.epochMilliseconds) : undefined,
    emojis: await emojisFrom(ctx, tags),
    attributionDomains: attributionDomainsIn(json ?? sentJson(actor)),
  };
}

/**
 * A local post as the Note we send and serve, naming the post it answers. Deliveries, the post's
 * own URL, the outbox and the featured collection all build it here.
 */
export function localNote(ctx: Context<void>, deps: { db: Db; baseUrl: URL }, post: PostView): Note | Question {
  const parentUri = post.inReplyToId ? (loadPostViews(deps.db, deps.baseUrl, [post.inReplyToId], null)[0]?.uri ?? null) : null;
  const stamp = post.quote ? quoteStampOf(deps.db, post.id, post.uri) : null;
  const stampUrl = !stamp
    ? null
    : "remote" in stamp
      ? new URL(stamp.remote)
      : ctx.getObjectUri(QuoteAuthorization, { identifier: stamp.username, id: stamp.approvalId });
  return postToAs(ctx, post, parentUri, stampUrl);
}

/** The line Mastodon adds for software that does not show quotes (pages here hide it). */
const quoteFallback = (url: string) =>
  `<p class="quote-inline">RE: <a href="${Bun.escapeHTML(url)}">${Bun.escapeHTML(url)}</a></p>`;

/** The Create activity that carries a Note. */
export function createOf(note: Note | Question): Create {
  return new Create({
    id: new URL(`${note.id?.href}#create`),
    actor: note.attributionId,
    tos: note.toIds,
    ccs: note.ccIds,
    object: note,
    published: note.published,
  });
}

/**
 * A post's words with their language, as Mastodon writes them: `content`, and `contentMap` keyed
 * by the language when the post names one (others read it to filter and translate).
 */
function contentOf(html: string, language: string | null) {
  return language ? { contents: [html, new LanguageString(html, language)] } : { content: html };
}

/** The language of a post from its `contentMap` (the first tagged content), as a code we keep. */
function languageIn(contents: readonly (string | LanguageString)[]): string | null {
  for (const content of contents) if (content instanceof LanguageString) return languageOf(content.locale.baseName);
  return null;
}
