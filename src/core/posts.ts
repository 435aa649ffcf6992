import { seenByOthers } from "./accounts.ts";
import { and, count, eq, inArray, isNull, notInArray, or, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import {
  accounts,
  idempotencyKeys,
  mediaAttachments,
  mentions,
  polls,
  postEdits,
  posts,
  postTags,
  scheduledPosts,
  tags,
  type QuotePolicy,
  visibilities,
} from "../db/schema.ts";
import {
  discardFiles,
  isPlayable,
  checkedMediaChanges,
  type MediaChange,
  MAX_MEDIA,
  mediaFilesWhere,
  PLAYABLE_ALONE,
  takeableMedia,
  type Free,
  TOO_MANY_FILES,
} from "./media.ts";
import type { MediaStore } from "../media/store.ts";
import type { CoreDeps } from "./deps.ts";
import { countAccountAction } from "./account-limits.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { getSettings } from "./instance.ts";
import { beforeMessageDeleted } from "./conversations.ts";
import { quoteCreated, quoteProblem } from "./quotes.ts";
import { notify, notifyEdit } from "./notifications.ts";
import { checkPoll, insertPoll, type PollInput, pollText, removePoll, replacePoll } from "./polls.ts";
import { indexPost, unindexPost } from "./search-index.ts";
import { countCharacters, type MentionToken, normalizeHashtag, parseText, renderText } from "./text.ts";
import { visibleTo } from "./visibility.ts";
import { preferencesOf } from "./preferences.ts";
import { languageOf } from "./languages.ts";

import type { PostInput } from "../db/schema.ts";

export type { PostInput };

type Author = { id: string; username: string };
type PostRow = typeof posts.$inferSelect;

/** A post the viewer may see, or undefined. */
export function findVisiblePost(db: Db, postId: string, viewerId: string | null): PostRow | undefined {
  return db
    .select()
    .from(posts)
    .where(and(eq(posts.id, postId), visibleTo(viewerId)))
    .get();
}

/**
 * Publishes a local post: validates it, stores it with its mentions, tags, images and search
 * text in one transaction, then notifies those mentioned (and the author replied to) and emits
 * `post.created` for federation. The web form, the API and nothing else call this.
 */
export async function createPost(
  deps: CoreDeps,
  author: Author,
  input: PostInput,
  options: {
    /** Publishing a scheduled post: the images kept for it are its own (core/scheduled-posts.ts). */
    scheduledId?: string;
    /**
     * "Delete and redraft": this own post goes in the same step as the new one is stored, and its
     * images may be the new one's. Nothing is deleted when the new post is refused.
     */
    redraftOf?: string;
  } = {},
): Promise<PostRow> {
  const { db } = deps;
  const key = input.idempotencyKey?.slice(0, 200);
  if (key) {
    const seen = db
      .select({ postId: idempotencyKeys.postId })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.accountId, author.id), eq(idempotencyKeys.key, key)))
      .get();
    const earlier = seen?.postId ? db.select().from(posts).where(eq(posts.id, seen.postId)).get() : undefined;
    if (earlier) {
      // A scheduled post already made (its key used before): it waits no more.
      if (options.scheduledId) db.delete(scheduledPosts).where(eq(scheduledPosts.id, options.scheduledId)).run();
      return earlier;
    }
  }
  // The author's defaults, read once: checkPost would read them again for the visibility.
  const preferences = preferencesOf(db, author.id);
  const redrafted = options.redraftOf ? ownPost(db, author, options.redraftOf, "redraft") : undefined;
  const { status, spoilerText, visibility, parent, media, mediaChanges, quotedRemote } = checkPost(
    db,
    author.id,
    { ...input, visibility: input.visibility ?? preferences.defaultVisibility },
    { scheduledId: options.scheduledId, ofPost: options.redraftOf },
  );
  countAccountAction(db, "post", author.id);

  await resolveUnknownMentions(deps, status);
  const rendered = render(deps, status);
  // A post that names no language gets the author's, else the instance's default, as on Mastodon.
  const language = languageOf(input.language) ?? preferences.defaultLanguage ?? (getSettings(db).defaultLanguage || null);
  const id = newId();
  const row = db.transaction((tx) => {
    if (redrafted) removePost(tx, redrafted, { keepMedia: true });
    const inserted = tx
      .insert(posts)
      .values({
        id,
        accountId: author.id,
        text: status,
        contentHtml: rendered.html,
        spoilerText,
        sensitive: (input.sensitive ?? preferences.defaultSensitive) || spoilerText.length > 0,
        visibility,
        language,
        inReplyToId: parent?.id ?? null,
        inReplyToAccountId: parent?.accountId ?? null,
        quoteOfId: input.quotedId ?? null,
        quotePolicy: input.quotePolicy ?? preferences.defaultQuotePolicy,
        quotePending: Boolean(quotedRemote),
        applicationId: input.applicationId ?? null,
      })
      .returning()
      .get();
    saveMentionsAndTags(tx, id, rendered);
    media.forEach((m, position) => {
      // Still free: the mentions were looked up on the network since the check.
      const attached = tx
        .update(mediaAttachments)
        .set({ postId: id, position, scheduledPostId: null, ...mediaChanges.get(m) })
        .where(and(eq(mediaAttachments.id, m), takeableMedia(author.id, { scheduledId: options.scheduledId })))
        .returning({ id: mediaAttachments.id })
        .all();
      if (attached.length === 0) throw new ValidationError({ media_ids: "A file was removed meanwhile; upload it again." });
    });
    // A scheduled post goes from the waiting list in the same step (cancelled meanwhile: not posted).
    if (
      options.scheduledId &&
      tx.delete(scheduledPosts).where(eq(scheduledPosts.id, options.scheduledId)).returning().all().length === 0
    )
      throw new CoreError("This scheduled post was cancelled.", 409);
    if (input.poll) insertPoll(tx, id, input.poll);
    indexPost(tx, id, `${spoilerText}\n${status}${pollText(tx, id)}`);
    if (key) tx.insert(idempotencyKeys).values({ accountId: author.id, key, postId: id }).run();
    return inserted;
  });

  if (redrafted) postDeleted(deps, redrafted);
  for (const accountId of rendered.mentioned) notify(deps, { accountId, type: "mention", fromAccountId: author.id, postId: id });
  if (parent && !rendered.mentioned.includes(parent.accountId)) {
    notify(deps, { accountId: parent.accountId, type: "reply", fromAccountId: author.id, postId: id });
  }
  if (input.quotedId) quoteCreated(deps, row, author.username, input.quotedId);
  deps.events.emit("post.created", { postId: id });
  return row;
}

/**
 * The rules a new post must meet, whether it is published now or scheduled (core/scheduled-posts.ts):
 * the input as it will be stored, or a ValidationError naming each field that breaks one.
 */
export function checkPost(db: Db, authorId: string, input: PostInput, free: Free = {}) {
  // A moved account points its followers elsewhere; it posts again only after cancelling the move.
  if (db.select({ to: accounts.movedToId }).from(accounts).where(eq(accounts.id, authorId)).get()?.to)
    throw new CoreError("This account has moved; cancel the move in your account settings to post from it again.", 403);
  const status = input.status.replace(/\r\n/g, "\n");
  const spoilerText = (input.spoilerText ?? "").trim();
  const visibility = input.visibility ?? preferencesOf(db, authorId).defaultVisibility;
  const mediaIds = [...new Set(input.mediaIds ?? [])];
  const problems: Record<string, string> = {};
  checkText(db, status, spoilerText, mediaIds.length, problems);
  if (!visibilities.includes(visibility)) problems.visibility = `Choose one of ${visibilities.join(", ")}.`;
  const parent = input.inReplyToId ? findVisiblePost(db, input.inReplyToId, authorId) : undefined;
  // A redraft replaces its post: it cannot answer or quote what it deletes.
  const gone = (id?: string) => id !== undefined && id === free.ofPost;
  if ((input.inReplyToId && !parent) || gone(input.inReplyToId))
    problems.in_reply_to_id = "The post you reply to is gone or not visible to you.";
  const media = checkMedia(db, authorId, mediaIds, problems, free);
  const mediaChanges = checkedMediaChanges(input.mediaAttributes, media);
  if (input.poll) checkPoll(input.poll, problems);
  if (input.poll && mediaIds.length > 0) problems.media_ids = "A post with a poll cannot have images too.";
  const quoteIssue = gone(input.quotedId)
    ? "A redraft cannot quote the post it replaces."
    : input.quotedId
      ? quoteProblem(db, authorId, input.quotedId)
      : undefined;
  if (quoteIssue) problems.quoted_status_id = quoteIssue;
  // Another server's post is quoted once its author approves (federation asks).
  const quotedRemote = input.quotedId
    ? db.select({ uri: posts.uri }).from(posts).where(eq(posts.id, input.quotedId)).get()?.uri
    : null;
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  return { status, spoilerText, visibility, parent, media, mediaChanges, quotedRemote };
}

/**
 * Changes a post's text (and its poll: see replacePoll and removePoll); the earlier version is
 * kept and can be viewed.
 */
export function editPost(
  deps: CoreDeps,
  author: Author,
  postId: string,
  /**
   * poll: undefined leaves it (the web form has none), null removes it (the API, as Mastodon).
   * sensitive, language and quotePolicy left out stay as they were.
   */
  input: {
    status: string;
    spoilerText?: string;
    sensitive?: boolean;
    language?: string;
    poll?: PollInput | null;
    quotePolicy?: QuotePolicy;
    /** New descriptions or focal points of the post's own media, by id (Mastodon's media_attributes); others stay. */
    mediaAttributes?: Record<string, MediaChange>;
    /**
     * Its files from now on, in order: its own and fresh uploads. Those left out stay a day as
     * unattached uploads (as a deleted post's for a redraft). Undefined leaves them.
     */
    mediaIds?: string[];
  },
): PostRow {
  const { db } = deps;
  const post = db
    .select()
    .from(posts)
    .where(and(eq(posts.id, postId), isNull(posts.reblogOfId)))
    .get();
  if (!post) throw new CoreError("This post does not exist.", 404);
  if (post.accountId !== author.id) throw new CoreError("Only its author can edit a post.", 403);
  const status = input.status.replace(/\r\n/g, "\n");
  const spoilerText = (input.spoilerText ?? "").trim();
  const problems: Record<string, string> = {};
  const media = input.mediaIds && checkMedia(db, author.id, [...new Set(input.mediaIds)], problems, { ofPost: postId });
  const attached =
    media?.length ?? db.select({ n: count() }).from(mediaAttachments).where(eq(mediaAttachments.postId, postId)).get()?.n ?? 0;
  checkText(db, status, spoilerText, attached, problems);
  if (input.poll) checkPoll(input.poll, problems);
  const pollAfter = input.poll ?? (input.poll === null ? null : db.select().from(polls).where(eq(polls.postId, postId)).get());
  if (pollAfter && attached > 0) problems.media_ids = "A post with a poll cannot have images too.";
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  const mediaChanges = checkedMediaChanges(input.mediaAttributes);
  const rendered = render(deps, status);
  const updated = db.transaction((tx) => {
    tx.insert(postEdits)
      .values({
        id: newId(),
        postId,
        text: post.text,
        contentHtml: post.contentHtml,
        spoilerText: post.spoilerText,
        sensitive: post.sensitive,
        createdAt: post.editedAt ?? post.createdAt,
      })
      .run();
    tx.delete(mentions).where(eq(mentions.postId, postId)).run();
    tx.delete(postTags).where(eq(postTags.postId, postId)).run();
    saveMentionsAndTags(tx, postId, rendered);
    if (input.poll) replacePoll(tx, postId, input.poll);
    else if (input.poll === null) removePoll(tx, postId);
    if (media) replaceMedia(tx, postId, media);
    // Only this post's media: an id of another's is passed over.
    for (const [id, set] of mediaChanges)
      tx.update(mediaAttachments)
        .set(set)
        .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.postId, postId)))
        .run();
    indexPost(tx, postId, `${spoilerText}\n${status}${pollText(tx, postId)}`);
    return tx
      .update(posts)
      .set({
        text: status,
        contentHtml: rendered.html,
        spoilerText,
        sensitive: (input.sensitive ?? post.sensitive) || spoilerText.length > 0,
        language: languageOf(input.language) ?? post.language,
        quotePolicy: input.quotePolicy ?? post.quotePolicy,
        editedAt: new Date(),
      })
      .where(eq(posts.id, postId))
      .returning()
      .get();
  });
  for (const accountId of rendered.mentioned) notify(deps, { accountId, type: "mention", fromAccountId: author.id, postId });
  notifyEdit(deps, postId, author.id);
  deps.events.emit("post.updated", { postId });
  return updated;
}

/** Earlier versions of a post, oldest first, then the current one. */
export function postHistory(db: Db, postId: string) {
  return db.select().from(postEdits).where(eq(postEdits.postId, postId)).orderBy(postEdits.id).all();
}

/** Deletes one's own post (moderators delete through moderation). Boosts of it go with it. */
export function deletePost(
  deps: CoreDeps & { media?: MediaStore },
  actor: Author,
  postId: string,
  /** keepMedia: its images stay a day as unattached uploads, for "delete and redraft" (the API's default, as Mastodon). */
  options: { keepMedia?: boolean } = {},
): void {
  const post = ownPost(deps.db, actor, postId, "delete");
  const files = deps.db.transaction((tx) => removePost(tx, post, options));
  // Its images stop being served now, not at the next sweep.
  discardFiles(deps.media, files);
  postDeleted(deps, post);
}

/**
 * One's own post as it was written, for "Delete and redraft" and the edit page: its words, its
 * images (to be taken again) and its poll with the length it ran for.
 */
export function postSource(db: Db, author: Author, postId: string): PostInput & { mediaIds: string[] } {
  const post = ownPost(db, author, postId, "redraft");
  const poll = db.select().from(polls).where(eq(polls.postId, postId)).get();
  const media = db
    .select({ id: mediaAttachments.id })
    .from(mediaAttachments)
    .where(eq(mediaAttachments.postId, postId))
    .orderBy(mediaAttachments.position)
    .all();
  return {
    status: post.text ?? "",
    spoilerText: post.spoilerText,
    visibility: post.visibility,
    inReplyToId: post.inReplyToId ?? undefined,
    quotedId: post.quoteOfId ?? undefined,
    quotePolicy: post.quotePolicy,
    language: post.language ?? undefined,
    sensitive: post.sensitive,
    mediaIds: media.map((m) => m.id),
    poll: poll && {
      options: poll.options.map((o) => o.title),
      expiresIn: poll.expiresAt ? Math.round((poll.expiresAt.getTime() - post.createdAt.getTime()) / 1000) : 86_400,
      multiple: poll.multiple,
      hideTotals: poll.hideTotals,
    },
  };
}

/** An edit's files: those left out are unattached uploads for a day, the rest take their new places. */
function replaceMedia(tx: Tx, postId: string, ids: string[]): void {
  tx.update(mediaAttachments)
    .set({ postId: null, createdAt: new Date() })
    .where(and(eq(mediaAttachments.postId, postId), notInArray(mediaAttachments.id, ids)))
    .run();
  ids.forEach((id, position) => {
    const taken = tx
      .update(mediaAttachments)
      .set({ postId, position, scheduledPostId: null })
      .where(and(eq(mediaAttachments.id, id), or(isNull(mediaAttachments.postId), eq(mediaAttachments.postId, postId))))
      .returning({ id: mediaAttachments.id })
      .all();
    // Posted or removed elsewhere since the check.
    if (taken.length === 0) throw new ValidationError({ media_ids: "A file was removed meanwhile; upload it again." });
  });
}

function ownPost(db: Db, author: Author, postId: string, verb: "delete" | "redraft"): PostRow {
  const post = db.select().from(posts).where(eq(posts.id, postId)).get();
  if (!post) throw new CoreError("This post does not exist.", 404);
  if (post.accountId !== author.id) throw new CoreError(`Only its author can ${verb} a post.`, 403);
  if (verb === "redraft" && post.reblogOfId) throw new CoreError("A boost has no words of its own to redraft or edit.", 422);
  return post;
}

/** Removes a post in the caller's transaction; returns the files to discard once it commits. */
function removePost(tx: Tx, post: PostRow, options: { keepMedia?: boolean }): string[] {
  const ofPost = eq(mediaAttachments.postId, post.id);
  beforeMessageDeleted(tx, post);
  unindexPost(tx, post.id);
  const keep = options.keepMedia && post.uri === null;
  if (keep) tx.update(mediaAttachments).set({ postId: null, createdAt: new Date() }).where(ofPost).run();
  const gone = keep ? [] : mediaFilesWhere(tx, ofPost);
  // Deleted meanwhile (a redraft sent twice, from two tabs): nothing more to do, and no second post.
  if (tx.delete(posts).where(eq(posts.id, post.id)).returning({ id: posts.id }).all().length === 0)
    throw new CoreError("This post was deleted meanwhile.", 409);
  return gone;
}

function postDeleted(deps: CoreDeps, post: PostRow): void {
  deps.events.emit("post.deleted", { postId: post.id, accountId: post.accountId, uri: post.uri, visibility: post.visibility });
}

function checkText(db: Db, status: string, spoilerText: string, mediaCount: number, problems: Record<string, string>): void {
  const limit = getSettings(db).maxPostLength;
  if (status.trim().length === 0 && mediaCount === 0) problems.status = "Write something or add an image.";
  const length = countCharacters(status) + countCharacters(spoilerText);
  if (length > limit) problems.status = `Posts are at most ${limit} characters; this one has ${length}.`;
}

/**
 * The files are the author's, on no post yet, and kept for no scheduled post (but this one, when
 * publishing it); a video or audio file goes alone, as on Mastodon.
 */
function checkMedia(db: Db, authorId: string, ids: string[], problems: Record<string, string>, free: Free): string[] {
  if (ids.length === 0) return [];
  if (ids.length > MAX_MEDIA) {
    problems.media_ids = TOO_MANY_FILES;
    return [];
  }
  const rows = db
    .select({ id: mediaAttachments.id, mime: mediaAttachments.mime })
    .from(mediaAttachments)
    .where(and(inArray(mediaAttachments.id, ids), takeableMedia(authorId, free)))
    .all();
  if (rows.length !== ids.length)
    problems.media_ids = "A file is missing or belongs to another post (or a scheduled one); upload it again.";
  else if (ids.length > 1 && rows.some((r) => isPlayable(r.mime))) problems.media_ids = PLAYABLE_ALONE;
  return ids;
}

interface Rendered {
  html: string;
  mentioned: string[];
  tags: { name: string; display: string }[];
}

/** Renders the text, resolving mentions to the accounts this instance knows. */
function render(deps: CoreDeps, status: string): Rendered {
  const parsed = parseText(status);
  const found = new Map<string, { id: string; url: string }>();
  for (const m of parsed.mentions) {
    const account = findMentioned(deps, m);
    if (account) found.set(m.raw.toLowerCase(), account);
  }
  const html = renderText(status, {
    mention: (m) => found.get(m.raw.toLowerCase())?.url ?? null,
    hashtag: (name) => new URL(`/tags/${encodeURIComponent(normalizeHashtag(name))}`, deps.baseUrl).href,
  });
  const tagMap = new Map(parsed.hashtags.map((h) => [normalizeHashtag(h.name), h.name]));
  return {
    html,
    mentioned: [...new Set([...found.values()].map((a) => a.id))],
    tags: [...tagMap].slice(0, 30).map(([name, display]) => ({ name, display })),
  };
}

/** Mentions of remote people this instance has not met yet are looked up on their servers. */
async function resolveUnknownMentions(deps: CoreDeps, status: string): Promise<void> {
  if (!deps.resolver) return;
  const unknown = parseText(status)
    .mentions.filter((m) => m.domain && m.domain.toLowerCase() !== deps.baseUrl.host.toLowerCase() && !findMentioned(deps, m))
    .slice(0, 10);
  await Promise.all(unknown.map((m) => deps.resolver?.resolveAccount(`${m.username}@${m.domain}`)));
}

function findMentioned({ db, baseUrl }: CoreDeps, m: MentionToken): { id: string; url: string } | undefined {
  const domain = m.domain?.toLowerCase();
  const local = !domain || domain === baseUrl.host.toLowerCase();
  const row = db
    .select()
    .from(accounts)
    .where(
      and(
        sql`lower(${accounts.username}) = lower(${m.username})`,
        local ? isNull(accounts.domain) : sql`lower(${accounts.domain}) = ${domain}`,
        seenByOthers(),
      ),
    )
    .get();
  if (!row) return undefined;
  return { id: row.id, url: row.domain ? (row.url ?? row.uri ?? "") : new URL(`/@${row.username}`, baseUrl).href };
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

function saveMentionsAndTags(tx: Tx, postId: string, rendered: Rendered): void {
  for (const accountId of rendered.mentioned) tx.insert(mentions).values({ postId, accountId }).onConflictDoNothing().run();
  for (const tag of rendered.tags) {
    tx.insert(tags).values({ id: newId(), name: tag.name, display: tag.display }).onConflictDoNothing().run();
    const tagId = tx.select({ id: tags.id }).from(tags).where(eq(tags.name, tag.name)).get()?.id;
    if (tagId) tx.insert(postTags).values({ postId, tagId }).onConflictDoNothing().run();
  }
}
