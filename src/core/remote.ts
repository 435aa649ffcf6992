import { type EmojiData, storeEmojis } from "./custom-emojis.ts";
import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import {
  accounts,
  follows,
  mediaAttachments,
  mentions,
  posts,
  postTags,
  type ProfileField,
  type QuotePolicy,
  tags,
  type Visibility,
} from "../db/schema.ts";
import { removeAccountRows } from "./account-deletion.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError } from "./errors.ts";
import { beforeMessageDeleted } from "./conversations.ts";
import { notify, notifyEdit } from "./notifications.ts";
import { pollText, type RemotePollData, saveRemotePoll } from "./polls.ts";
import { indexPost, unindexPost } from "./search-index.ts";
import { normalizeHashtag } from "./text.ts";

/**
 * What this instance keeps of other servers' accounts and posts. Federation turns incoming
 * ActivityStreams objects into these plain shapes (sanitized) and calls the functions here, so
 * the rules about who may do what stay in one place.
 */
export interface RemoteAccountData {
  uri: string;
  username: string;
  domain: string;
  displayName: string;
  note: string; // sanitized HTML
  url: string | null;
  inboxUrl: string | null;
  sharedInboxUrl: string | null;
  followersUrl: string | null;
  outboxUrl: string | null;
  avatarUrl: string | null;
  headerUrl: string | null;
  locked: boolean;
  bot: boolean;
  discoverable: boolean;
  fields: ProfileField[];
  /** The ids this actor also goes by (a move's target names the account that moves). */
  alsoKnownAs: string[];
  /** Websites allowed to credit the account as an author (Mastodon's attributionDomains); undefined: not known, kept as stored. */
  attributionDomains?: string[];
  createdAt?: Date;
  /** Custom emoji its name, bio or fields use. */
  emojis?: EmojiData[];
}

export type AccountRow = typeof accounts.$inferSelect;

/** Stores or refreshes a remote account, keyed by its ActivityPub id. */
export function upsertRemoteAccount(db: Db, data: RemoteAccountData): AccountRow {
  const values = {
    username: data.username.slice(0, 100),
    domain: data.domain.toLowerCase(),
    displayName: data.displayName.slice(0, 200),
    note: data.note.slice(0, 10_000),
    url: data.url,
    inboxUrl: data.inboxUrl,
    sharedInboxUrl: data.sharedInboxUrl,
    followersUrl: data.followersUrl,
    outboxUrl: data.outboxUrl,
    avatarUrl: data.avatarUrl,
    headerUrl: data.headerUrl,
    locked: data.locked,
    bot: data.bot,
    discoverable: data.discoverable,
    fields: data.fields.slice(0, 10),
    alsoKnownAs: data.alsoKnownAs.slice(0, 20),
    ...(data.attributionDomains ? { attributionDomains: data.attributionDomains } : {}),
    fetchedAt: new Date(),
    updatedAt: new Date(),
  };
  storeEmojis(db, values.domain, data.emojis ?? []);
  // The same handle with a new id (an account deleted and made again) takes over the old row.
  const existing =
    db.select().from(accounts).where(eq(accounts.uri, data.uri)).get() ??
    db
      .select()
      .from(accounts)
      .where(and(sql`lower(${accounts.username}) = lower(${values.username})`, eq(accounts.domain, values.domain)))
      .get();
  if (existing)
    return db
      .update(accounts)
      .set({ ...values, uri: data.uri })
      .where(eq(accounts.id, existing.id))
      .returning()
      .get();
  return db
    .insert(accounts)
    .values({ id: newId(data.createdAt), uri: data.uri, ...values, createdAt: data.createdAt ?? new Date() })
    .returning()
    .get();
}

export function findAccountByUri(db: Db, uri: string): AccountRow | undefined {
  return db.select().from(accounts).where(eq(accounts.uri, uri)).get();
}

export interface RemotePostData {
  uri: string;
  url: string | null;
  authorId: string;
  contentHtml: string; // sanitized
  plainText: string; // for search
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  inReplyToUri: string | null;
  /** Accounts of this instance addressed or mentioned. */
  mentionedIds: string[];
  tags: string[];
  attachments: {
    url: string;
    mime: string;
    description: string;
    width: number | null;
    height: number | null;
    blurhash: string | null;
    /** A video's or audio file's cover. */
    coverUrl?: string | null;
  }[];
  createdAt: Date;
  editedAt: Date | null;
  /** Custom emoji its text uses. */
  emojis?: EmojiData[];
  /** A Question's poll (null: none). */
  poll?: RemotePollData | null;
  /** Who may quote it, by its canQuote (absent: not known, so quoting it asks). */
  quotePolicy?: QuotePolicy;
  quoteManual?: boolean;
}

/** A local URL or a stored remote post's id, as written in inReplyTo. */
export function findPostByUri(db: Db, baseUrl: URL, uri: string) {
  if (isOwnAddress(uri, baseUrl)) {
    const id = /\/@[^/]+\/([0-9a-f-]{36})$/.exec(new URL(uri).pathname)?.[1];
    return id
      ? db
          .select()
          .from(posts)
          .where(and(eq(posts.id, id), isNull(posts.uri)))
          .get()
      : undefined;
  }
  return db.select().from(posts).where(eq(posts.uri, uri)).get();
}

/**
 * Whether a post delivered to our inbox concerns someone here, as Mastodon asks before keeping
 * one: its author has a follower here, it names a member, it answers a post we keep, or we have
 * it already (an edit). Anything else is unsolicited (spam, a flood) and is not stored.
 */
export function concernsMembers(db: Db, baseUrl: URL, data: RemotePostData): boolean {
  if (data.mentionedIds.length > 0) return true;
  if (db.select({ id: posts.id }).from(posts).where(eq(posts.uri, data.uri)).get()) return true;
  if (data.inReplyToUri && findPostByUri(db, baseUrl, data.inReplyToUri)) return true;
  return followedByMembers(db, data.authorId);
}

/** Whether a member follows (or asked to follow) the account: what it sends concerns someone here. */
export function followedByMembers(db: Db, accountId: string): boolean {
  const follower = db
    .select({ id: follows.id })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.followerId))
    .where(and(eq(follows.followingId, accountId), isNull(accounts.domain)))
    .get();
  return follower !== undefined;
}

/**
 * Stores a post from another server (or updates it, if its author sends it again). Local
 * members mentioned, or replied to, are notified once.
 */
export function receiveRemotePost(deps: CoreDeps, data: RemotePostData) {
  const { db } = deps;
  const existing = db.select().from(posts).where(eq(posts.uri, data.uri)).get();
  if (existing && existing.accountId !== data.authorId) throw new CoreError("This post belongs to another account.", 403);
  // An older version than the one kept (a late or replayed Update, a stale copy): kept as it is.
  if (existing?.editedAt && (data.editedAt?.getTime() ?? 0) < existing.editedAt.getTime()) return existing;
  const parent = data.inReplyToUri ? findPostByUri(db, deps.baseUrl, data.inReplyToUri) : undefined;
  const id = existing?.id ?? newId(data.createdAt);
  const author = db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, data.authorId)).get();
  if (author?.domain) storeEmojis(db, author.domain, data.emojis ?? []);
  const row = db.transaction((tx) => {
    const values = {
      url: data.url,
      contentHtml: data.contentHtml,
      spoilerText: data.spoilerText.slice(0, 1000),
      sensitive: data.sensitive,
      // As on Mastodon, an edit does not change who may see a post (it could widen it).
      visibility: existing?.visibility ?? data.visibility,
      language: data.language,
      inReplyToId: parent?.id ?? null,
      inReplyToAccountId: parent?.accountId ?? null,
      inReplyToUri: parent ? null : data.inReplyToUri,
      editedAt: data.editedAt,
      // Not known: quoting it asks its author, as before policies were read.
      quotePolicy: data.quotePolicy ?? existing?.quotePolicy ?? "public",
      quoteManual: data.quotePolicy ? Boolean(data.quoteManual) : (existing?.quoteManual ?? true),
    };
    const saved = existing
      ? tx.update(posts).set(values).where(eq(posts.id, id)).returning().get()
      : tx
          .insert(posts)
          .values({ id, uri: data.uri, accountId: data.authorId, createdAt: data.createdAt, ...values })
          .returning()
          .get();
    tx.delete(mentions).where(eq(mentions.postId, id)).run();
    for (const accountId of new Set(data.mentionedIds))
      tx.insert(mentions).values({ postId: id, accountId }).onConflictDoNothing().run();
    tx.delete(postTags).where(eq(postTags.postId, id)).run();
    for (const display of data.tags.slice(0, 30)) {
      const name = normalizeHashtag(display);
      if (!name) continue;
      tx.insert(tags).values({ id: newId(), name, display }).onConflictDoNothing().run();
      const tagId = tx.select({ id: tags.id }).from(tags).where(eq(tags.name, name)).get()?.id;
      if (tagId) tx.insert(postTags).values({ postId: id, tagId }).onConflictDoNothing().run();
    }
    tx.delete(mediaAttachments).where(eq(mediaAttachments.postId, id)).run();
    data.attachments.slice(0, 4).forEach((m, position) => {
      tx.insert(mediaAttachments)
        .values({
          id: newId(),
          accountId: data.authorId,
          postId: id,
          position,
          mime: m.mime,
          remoteUrl: m.url,
          thumbnailRemoteUrl: m.coverUrl ?? null,
          description: m.description.slice(0, 1500),
          width: m.width,
          height: m.height,
          blurhash: m.blurhash,
        })
        .run();
    });
    saveRemotePoll(tx, id, data.poll ?? null);
    indexPost(tx, id, `${data.spoilerText}\n${data.plainText}${pollText(tx, id)}`);
    // Replies that arrived before this post now hang under it.
    tx.update(posts)
      .set({ inReplyToId: id, inReplyToAccountId: data.authorId, inReplyToUri: null })
      .where(eq(posts.inReplyToUri, data.uri))
      .run();
    return saved;
  });
  // An edit (Update) reaches live timelines and the post's link preview as a local edit does.
  deps.events.emit(existing ? "post.updated" : "post.received", { postId: id });
  // A real edit (a newer version with other words), not the same post sent or fetched again.
  const newer = existing && data.editedAt && data.editedAt.getTime() > (existing.editedAt?.getTime() ?? 0);
  if (newer && (existing.contentHtml !== row.contentHtml || existing.spoilerText !== row.spoilerText))
    notifyEdit(deps, id, data.authorId);
  if (!existing) {
    for (const accountId of data.mentionedIds)
      notify(deps, { accountId, type: "mention", fromAccountId: data.authorId, postId: id });
    if (parent && !data.mentionedIds.includes(parent.accountId)) {
      notify(deps, { accountId: parent.accountId, type: "reply", fromAccountId: data.authorId, postId: id });
    }
  }
  return row;
}

/** A remote author deleted their post (only the author can); live timelines drop it. */
export function deleteRemotePost(deps: Pick<CoreDeps, "db" | "events">, uri: string, actorId: string): boolean {
  const { db } = deps;
  const post = db.select().from(posts).where(eq(posts.uri, uri)).get();
  if (!post || post.accountId !== actorId) return false;
  db.transaction((tx) => {
    beforeMessageDeleted(tx, post);
    unindexPost(tx, post.id);
    tx.delete(posts).where(eq(posts.id, post.id)).run();
  });
  deps.events.emit("post.deleted", { postId: post.id, accountId: actorId, uri, visibility: post.visibility });
  return true;
}

/** A remote account deleted itself: it goes with everything it made here. */
export function deleteRemoteAccount(db: Db, accountId: string): void {
  const row = db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).get();
  if (row?.domain) db.transaction((tx) => removeAccountRows(tx, accountId));
}

/** Whether an address is on this server (its origin, not a prefix: social.example.org is another's). */
export function isOwnAddress(url: string, baseUrl: URL): boolean {
  return URL.canParse(url) && new URL(url).origin === baseUrl.origin;
}

/** Local accounts among a list of actor URIs (for addressing and mentions). */
export function localAccountsByUri(db: Db, baseUrl: URL, uris: string[]): string[] {
  const names = uris
    .filter((u) => isOwnAddress(u, baseUrl))
    .flatMap((u) => /^\/@([a-z0-9_]+)$/.exec(new URL(u).pathname)?.[1] ?? []);
  if (names.length === 0) return [];
  return db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(isNull(accounts.domain), or(inArray(accounts.username, names))))
    .all()
    .map((a) => a.id);
}
