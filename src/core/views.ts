import { and, count, eq, inArray, isNotNull, type SQL } from "drizzle-orm";
import { type CardRow, cardsOf } from "./cards.ts";
import { type EmojiView, emojisOfMany } from "./custom-emojis.ts";
import type { Db } from "../db/open.ts";
import type { FilterMatch } from "./filters.ts";
import { mutedConversations } from "./conversation-mutes.ts";
import { blockFor } from "./domain-blocks.ts";
import { followingAmong } from "./accounts-read.ts";
import { isCachedKind, isPlayable, takeableMedia } from "./media.ts";
import { type PollView, pollsOf } from "./polls.ts";
import { quoteApprovalOf } from "./quotes.ts";
import { notSilencedBy, visibleTo } from "./visibility.ts";
import {
  oauthApps,
  accounts,
  bookmarks,
  domainBlocks,
  favourites,
  mediaAttachments,
  mentions,
  posts,
  postTags,
  tags,
  type Visibility,
} from "../db/schema.ts";

/**
 * The read model shared by the web pages and the Mastodon API: accounts and posts with
 * everything a page shows about them, loaded in a few batched queries.
 */
export interface AccountView {
  id: string;
  username: string;
  domain: string | null;
  /** `name` for local accounts, `name@domain` for remote ones (Mastodon's `acct`). */
  acct: string;
  /** The ActivityPub id: ours for local accounts, their server's for remote ones. */
  uri: string;
  displayName: string;
  note: string;
  avatarUrl: string | null;
  headerUrl: string | null;
  /** The profile page: ours for local accounts, theirs for remote ones. */
  url: string;
  /** Where this instance shows the account. */
  localUrl: string;
  locked: boolean;
  bot: boolean;
  createdAt: Date;
  /** The custom emoji its name (and, on its profile, its bio) use, where they were looked up. */
  emojis?: EmojiView[];
}

/** What stands for a missing picture: served by the web assets; API clients and pushes need an image URL. */
export const MISSING_IMAGES = { avatar: "/assets/avatar-missing.png", header: "/assets/header-missing.png" } as const;

export interface MediaView {
  id: string;
  mime: string;
  url: string;
  /** A picture's small copy; a video's or audio file's cover, when it has one. */
  thumbnailUrl: string | null;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  /** Seconds, for video and audio. */
  duration: number | null;
  description: string;
  /** A picture's focal point (-1 to 1, y up), when one was set. */
  focus: { x: number; y: number } | null;
  /** Where a remote post's file lives on its server (the pages show the cached copy, `url`). */
  remoteUrl: string | null;
  /** And its cover there, for a video or audio file. */
  coverRemoteUrl: string | null;
}

/**
 * Remote images, video and audio come from the instance's cache (web/media.ts), never hotlinked: the
 * reader's address stays private and a remote server cannot serve something else to them.
 * The query changes with the remote address, so browsers fetch a new avatar when it changes.
 */
export function remoteMediaPath(
  kind: "media" | "covers" | "avatars" | "headers" | "cards" | "emojis",
  id: string,
  remoteUrl: string | null,
): string | null {
  return remoteUrl ? `/media/remote/${kind}/${id}?v=${Bun.hash(remoteUrl).toString(36)}` : null;
}

export interface PostView {
  id: string;
  uri: string;
  /** The post's page on its own server. */
  url: string;
  /** The thread page on this instance. */
  localUrl: string;
  account: AccountView;
  contentHtml: string;
  text: string | null;
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  createdAt: Date;
  editedAt: Date | null;
  inReplyToId: string | null;
  inReplyToAccount: AccountView | null;
  pinned: boolean;
  media: MediaView[];
  mentions: AccountView[];
  tags: string[];
  /** quotes: the posts shown quoting it (Mastodon's quotes_count). */
  counts: { replies: number; reblogs: number; favourites: number; quotes: number };
  /** muted: the viewer muted the post's thread. */
  viewer: { favourited: boolean; reblogged: boolean; bookmarked: boolean; muted: boolean } | null;
  /** For a boost: the boosted post; this view's account is then the one who boosted. */
  reblog: PostView | null;
  /** The viewer's filters this post matches (set by core/filters.ts applyFilters). */
  filtered?: FilterMatch[];
  /** The preview of the post's first link (core/cards.ts), once fetched. */
  card: CardView | null;
  /** The custom emoji its text and content warning name (core/custom-emojis.ts). */
  emojis: EmojiView[];
  poll: PollView | null;
  /** The post it quotes (core/quotes.ts), when the viewer may see it; one level deep. */
  quote: PostView | null;
  /** A member's quote still waiting for the quoted author's approval: shown to its author alone. */
  quotePending: boolean;
  /** The id of the post it is shown quoting, even where `quote` is not loaded (a quoted post's own quote). */
  quotedId: string | null;
  /** A quote no longer shown: its quoted post was deleted, or its author revoked or refused the quote. */
  quoteState: "rejected" | "revoked" | "deleted" | null;
  /** Who may quote it, and the viewer (core/quotes.ts quoteApprovalOf). */
  quoteApproval: ReturnType<typeof quoteApprovalOf>;
  /** Set when its text is shown translated for the viewer (web/translations.tsx). */
  translated?: { from: string | null; provider: string };
  /** The Mastodon app its author posted it with: told to the author alone, as on Mastodon 4.3. */
  application: { name: string; website: string | null } | null;
}

export interface CardView {
  url: string;
  title: string;
  description: string;
  /** The page's image, through the remote media cache. */
  image: string | null;
  /** The site's name, or its host when it gives none. */
  provider: string;
  /** The author the page names, as text (may be empty). */
  authorName: string;
  /** The fediverse account the page credits, when that account allows the site (core/attribution.ts). */
  author: AccountView | null;
}

/** Cards as shown, keyed as given, with the accounts they credit (one query for all). */
export function cardViews<K>(db: Db, baseUrl: URL, cards: Map<K, CardRow>): Map<K, CardView> {
  const authors = loadAccountViews(
    db,
    baseUrl,
    [...cards.values()].flatMap((c) => (c.authorAccountId ? [c.authorAccountId] : [])),
  );
  return new Map([...cards].map(([key, card]) => [key, cardView(card, authors.get(card.authorAccountId ?? "") ?? null)]));
}

function cardView(card: CardRow, author: AccountView | null): CardView {
  return {
    url: card.url,
    title: card.title,
    description: card.description,
    image: remoteMediaPath("cards", card.id, card.imageUrl),
    provider: card.providerName || new URL(card.url).hostname,
    authorName: card.authorName,
    author,
  };
}

type AccountRow = typeof accounts.$inferSelect;
type PostRow = typeof posts.$inferSelect;

/** A post's page here (for a member's post, also its ActivityPub id). */
export const postPageUrl = (baseUrl: URL, acct: string, postId: string) => new URL(`/@${acct}/${postId}`, baseUrl).href;

export function accountView(baseUrl: URL, row: AccountRow): AccountView {
  const acct = row.domain ? `${row.username}@${row.domain}` : row.username;
  const localUrl = new URL(`/@${acct}`, baseUrl).href;
  return {
    id: row.id,
    username: row.username,
    domain: row.domain,
    acct,
    uri: row.domain ? (row.uri ?? row.url ?? localUrl) : localUrl,
    displayName: row.displayName || row.username,
    note: row.note,
    avatarUrl: row.domain ? remoteMediaPath("avatars", row.id, row.avatarUrl) : row.avatarUrl,
    headerUrl: row.domain ? remoteMediaPath("headers", row.id, row.headerUrl) : row.headerUrl,
    url: row.domain ? (row.url ?? row.uri ?? localUrl) : localUrl,
    localUrl,
    locked: row.locked,
    bot: row.bot,
    createdAt: row.createdAt,
  };
}

export function loadAccountViews(db: Db, baseUrl: URL, ids: string[]): Map<string, AccountView> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = db.select().from(accounts).where(inArray(accounts.id, unique)).all();
  return new Map(accountViews(db, baseUrl, rows).map((v) => [v.id, v]));
}

/** Accounts already read, as views with the custom emoji of their names (lists of people). */
export function accountViews(db: Db, baseUrl: URL, rows: AccountRow[]): AccountView[] {
  const emojis = emojisOfMany(
    db,
    rows.map((r) => ({ domain: r.domain, texts: [r.displayName] })),
  );
  return rows.map((r, i) => ({ ...accountView(baseUrl, r), emojis: emojis[i] ?? [] }));
}

function countBy(
  db: Db,
  column: typeof posts.inReplyToId | typeof posts.reblogOfId | typeof posts.quoteOfId,
  ids: string[],
  where?: SQL,
): Map<string, number> {
  const rows = db
    .select({ id: column, n: count() })
    .from(posts)
    .where(and(inArray(column, ids), isNotNull(column), where))
    .groupBy(column)
    .all();
  return new Map(rows.map((r) => [r.id as string, r.n]));
}

/** Posts by id, in the order given, as the viewer sees them (null viewer: a visitor). */
export function loadPostViews(
  db: Db,
  baseUrl: URL,
  ids: string[],
  viewerId: string | null,
  options: { quotes?: boolean } = {},
): PostView[] {
  if (ids.length === 0) return [];
  const rows = db.select().from(posts).where(inArray(posts.id, ids)).all();
  const boostedIds = rows.flatMap((r) => (r.reblogOfId ? [r.reblogOfId] : []));
  const boosted = boostedIds.length > 0 ? db.select().from(posts).where(inArray(posts.id, boostedIds)).all() : [];
  const all = [...rows, ...boosted];
  const allIds = all.map((r) => r.id);

  const mentionRows = db.select().from(mentions).where(inArray(mentions.postId, allIds)).all();
  const accountsById = loadAccountViews(db, baseUrl, [
    ...all.map((r) => r.accountId),
    ...all.flatMap((r) => (r.inReplyToAccountId ? [r.inReplyToAccountId] : [])),
    ...mentionRows.map((m) => m.accountId),
  ]);
  // Accounts moderators marked sensitive: every post of theirs is marked, so its media folds.
  const accountSensitized = new Set(
    db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(inArray(accounts.id, [...new Set(all.map((r) => r.accountId))]), isNotNull(accounts.sensitizedAt)))
      .all()
      .map((a) => a.id),
  );
  // Servers whose media the instance rejects: their posts show without images (asked per
  // server only when some block rejects media at all, which is rare).
  const rejecting = db.select({ d: domainBlocks.domain }).from(domainBlocks).where(eq(domainBlocks.rejectMedia, true)).get();
  const mediaRejected = new Set(
    rejecting ? [...accountsById.values()].filter((a) => a.domain && blockFor(db, a.domain)?.rejectMedia).map((a) => a.id) : [],
  );
  const media = db
    .select()
    .from(mediaAttachments)
    .where(inArray(mediaAttachments.postId, allIds))
    .orderBy(mediaAttachments.position)
    .all();
  const tagRows = db
    .select({ postId: postTags.postId, display: tags.display })
    .from(postTags)
    .innerJoin(tags, eq(tags.id, postTags.tagId))
    .where(inArray(postTags.postId, allIds))
    .all();
  const replies = countBy(db, posts.inReplyToId, allIds);
  const reblogs = countBy(db, posts.reblogOfId, allIds);
  // Quotes anyone may see (public or unlisted, by accounts not suspended): a private quote is not counted.
  const quoteCounts = countBy(db, posts.quoteOfId, allIds, and(eq(posts.quotePending, false), visibleTo(null)));
  const favs = new Map(
    db
      .select({ id: favourites.postId, n: count() })
      .from(favourites)
      .where(inArray(favourites.postId, allIds))
      .groupBy(favourites.postId)
      .all()
      .map((r) => [r.id, r.n]),
  );
  const mine = viewerId ? viewerState(db, viewerId, allIds) : null;
  const cards = cardViews(db, baseUrl, cardsOf(db, allIds));
  const emojiLists = emojisOfMany(
    db,
    all.map((r) => ({ domain: accountsById.get(r.accountId)?.domain ?? null, texts: [r.contentHtml, r.spoilerText] })),
  );
  const postEmojis = new Map(all.map((r, i) => [r.id, emojiLists[i] ?? []]));
  const pollViews = pollsOf(db, all, viewerId);
  const quotes = options.quotes === false ? new Map<string, PostView>() : quotedViews(db, baseUrl, all, viewerId);
  // Authors whose followers may quote them, that the viewer follows (asked only when there are some).
  const followersOnly = [...new Set(all.filter((r) => r.quotePolicy === "followers").map((r) => r.accountId))];
  const followed = new Set(viewerId && followersOnly.length > 0 ? followingAmong(db, viewerId, followersOnly) : []);
  const apps = appsOf(db, all, viewerId);

  const build = (row: PostRow): PostView | null => {
    const account = accountsById.get(row.accountId);
    if (!account) return null;
    const reblogRow = row.reblogOfId ? boosted.find((b) => b.id === row.reblogOfId) : undefined;
    const localUrl = postPageUrl(baseUrl, account.acct, row.id);
    const uri = row.uri ?? localUrl;
    return {
      id: row.id,
      uri,
      url: row.url ?? uri,
      localUrl,
      account,
      contentHtml: row.contentHtml,
      text: row.text,
      spoilerText: row.spoilerText,
      sensitive: row.sensitive || row.spoilerText.length > 0 || accountSensitized.has(row.accountId),
      visibility: row.visibility,
      language: row.language,
      createdAt: row.createdAt,
      editedAt: row.editedAt,
      inReplyToId: row.inReplyToId,
      inReplyToAccount: row.inReplyToAccountId ? (accountsById.get(row.inReplyToAccountId) ?? null) : null,
      pinned: row.pinnedAt !== null,
      media: mediaRejected.has(row.accountId) ? [] : media.filter((m) => m.postId === row.id).map((m) => mediaView(m)),
      mentions: mentionRows.filter((m) => m.postId === row.id).flatMap((m) => accountsById.get(m.accountId) ?? []),
      tags: tagRows.filter((t) => t.postId === row.id).map((t) => t.display),
      counts: {
        replies: replies.get(row.id) ?? 0,
        reblogs: reblogs.get(row.id) ?? 0,
        favourites: favs.get(row.id) ?? 0,
        quotes: quoteCounts.get(row.id) ?? 0,
      },
      viewer: mine
        ? {
            favourited: mine.favourited.has(row.id),
            reblogged: mine.reblogged.has(row.id),
            bookmarked: mine.bookmarked.has(row.id),
            muted: mine.muted.has(row.id),
          }
        : null,
      reblog: reblogRow ? build(reblogRow) : null,
      card: cards.get(row.id) ?? null,
      emojis: postEmojis.get(row.id) ?? [],
      poll: pollViews.get(row.id) ?? null,
      quote: row.quoteOfId && (!row.quotePending || row.accountId === viewerId) ? (quotes.get(row.quoteOfId) ?? null) : null,
      quotePending: row.quotePending,
      quotedId: row.quotePending ? null : row.quoteOfId,
      // A quote still pending was never shown to others: nor is what became of it.
      quoteState: row.quoteOfId || (row.quotePending && row.accountId !== viewerId) ? null : row.quoteState,
      quoteApproval: quoteApprovalOf(
        {
          visibility: row.visibility,
          quotePolicy: row.quotePolicy,
          quoteManual: row.quoteManual,
          authorId: row.accountId,
          viewerFollows: followed.has(row.accountId),
        },
        viewerId,
      ),
      application: (row.accountId === viewerId && row.applicationId && apps.get(row.applicationId)) || null,
    };
  };
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    const view = row ? build(row) : null;
    return view && (!row?.reblogOfId || view.reblog) ? [view] : [];
  });
}

/** The apps the viewer posted these with, by id (asked only when some are the viewer's). */
function appsOf(db: Db, rows: PostRow[], viewerId: string | null) {
  const ids = [...new Set(rows.flatMap((r) => (r.accountId === viewerId && r.applicationId ? [r.applicationId] : [])))];
  if (ids.length === 0) return new Map<string, { name: string; website: string | null }>();
  const found = db
    .select({ id: oauthApps.id, name: oauthApps.name, website: oauthApps.website })
    .from(oauthApps)
    .where(inArray(oauthApps.id, ids))
    .all();
  return new Map(found.map(({ id, ...app }) => [id, app]));
}

/**
 * The posts these quote, by id, as the viewer may see them: not those of authors they blocked or
 * muted (nor those that blocked them), and without their own quotes.
 */
function quotedViews(db: Db, baseUrl: URL, rows: PostRow[], viewerId: string | null): Map<string, PostView> {
  const ids = [...new Set(rows.flatMap((r) => (r.quoteOfId ? [r.quoteOfId] : [])))];
  if (ids.length === 0) return new Map();
  const visible = db
    .select({ id: posts.id })
    .from(posts)
    .where(and(inArray(posts.id, ids), visibleTo(viewerId), notSilencedBy(viewerId)))
    .all()
    .map((r) => r.id);
  const views = loadPostViews(db, baseUrl, visible, viewerId, { quotes: false });
  // Their own quotes are only named (a ShallowQuote), and only where the viewer may see them.
  const inner = [...new Set(views.flatMap((v) => (v.quotedId ? [v.quotedId] : [])))];
  const seen = new Set(
    inner.length === 0
      ? []
      : db
          .select({ id: posts.id })
          .from(posts)
          .where(and(inArray(posts.id, inner), visibleTo(viewerId), notSilencedBy(viewerId)))
          .all()
          .map((r) => r.id),
  );
  return new Map(views.map((v) => [v.id, v.quotedId && !seen.has(v.quotedId) ? { ...v, quotedId: null } : v]));
}

/**
 * A member's own uploads a compose box may take again, in the order given: those on no post yet
 * (a refused post's, a redraft's), or on the post being redrafted. Others' ids are passed over.
 */
export function reusableMediaViews(db: Db, accountId: string, ids: string[], redraftOf?: string): MediaView[] {
  if (ids.length === 0) return [];
  const rows = db
    .select()
    .from(mediaAttachments)
    .where(and(inArray(mediaAttachments.id, ids), takeableMedia(accountId, { ofPost: redraftOf })))
    .all();
  return [...new Set(ids)].flatMap((id) => rows.filter((r) => r.id === id).map(mediaView));
}

export function mediaView(row: typeof mediaAttachments.$inferSelect): MediaView {
  const cached = isCachedKind(row.mime) ? remoteMediaPath("media", row.id, row.remoteUrl) : null;
  // Other remote files (a PDF, say) are linked where they are.
  const url = row.path ? `/media/${row.path}` : (cached ?? row.remoteUrl ?? "");
  return {
    remoteUrl: row.remoteUrl,
    coverRemoteUrl: row.thumbnailRemoteUrl,
    id: row.id,
    mime: row.mime,
    url,
    thumbnailUrl: row.thumbnailPath
      ? `/media/${row.thumbnailPath}`
      : isPlayable(row.mime)
        ? remoteMediaPath("covers", row.id, row.thumbnailRemoteUrl)
        : url,
    width: row.width,
    height: row.height,
    blurhash: row.blurhash,
    duration: row.duration,
    description: row.description,
    focus: row.focus,
  };
}

function viewerState(db: Db, viewerId: string, ids: string[]) {
  const set = (rows: { id: string | null }[]) => new Set(rows.flatMap((r) => (r.id ? [r.id] : [])));
  return {
    favourited: set(
      db
        .select({ id: favourites.postId })
        .from(favourites)
        .where(and(eq(favourites.accountId, viewerId), inArray(favourites.postId, ids)))
        .all(),
    ),
    bookmarked: set(
      db
        .select({ id: bookmarks.postId })
        .from(bookmarks)
        .where(and(eq(bookmarks.accountId, viewerId), inArray(bookmarks.postId, ids)))
        .all(),
    ),
    reblogged: set(
      db
        .select({ id: posts.reblogOfId })
        .from(posts)
        .where(and(eq(posts.accountId, viewerId), inArray(posts.reblogOfId, ids)))
        .all(),
    ),
    muted: mutedConversations(db, viewerId, ids),
  };
}
