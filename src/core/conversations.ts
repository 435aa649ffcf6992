import { and, asc, count, desc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { screen } from "./notification-policy.ts";
import { accountConversations, mentions, posts, users } from "../db/schema.ts";
import { threadRoot } from "./conversation-mutes.ts";
import { CoreError } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { getInternal, setInternal } from "./instance.ts";
import type { PageQuery } from "./timelines.ts";
import { type AccountView, loadAccountViews, loadPostViews, type PostView } from "./views.ts";
import { notHiddenFromNotifications } from "./visibility.ts";

/**
 * Private conversations, as Mastodon lists them for apps: every direct message is filed, for each
 * member it concerns (its author and those it mentions), under its thread, with the newest
 * message, the other people in it and whether there is something unread. A member who removes a
 * conversation sees it again at its next message.
 */

export type ConversationRow = typeof accountConversations.$inferSelect;

/**
 * Files a new direct message (local or received) under its thread for each member in it, and
 * tells live listeners (the streaming API's `direct` stream) when `events` is given.
 */
export function recordConversation(
  deps: { db: DbOrTx; events?: DomainEvents },
  postId: string,
  options: { read?: boolean; onlyFor?: string } = {},
): void {
  const { db } = deps;
  const post = db
    .select({ accountId: posts.accountId, visibility: posts.visibility })
    .from(posts)
    .where(eq(posts.id, postId))
    .get();
  if (!post || post.visibility !== "direct") return;
  const mentioned = db.select({ id: mentions.accountId }).from(mentions).where(eq(mentions.postId, postId)).all();
  const participants = [...new Set([post.accountId, ...mentioned.map((m) => m.id)])];
  const rootId = threadRoot(db, postId);
  for (const memberId of options.onlyFor ? participants.filter((id) => id === options.onlyFor) : participants) {
    const member = db.select({ id: users.id }).from(users).where(eq(users.accountId, memberId)).get();
    // The same rule as notifications: nothing from someone the member blocked, or muted with
    // their notifications (a mute that keeps them lets the messages through, as their mentions).
    const seen = db
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.id, postId), notHiddenFromNotifications(memberId)))
      .get();
    if (!member || !seen) continue;
    const others = participants.filter((id) => id !== memberId);
    const existing = db
      .select()
      .from(accountConversations)
      .where(and(eq(accountConversations.accountId, memberId), eq(accountConversations.rootId, rootId)))
      .get();
    // A message the member's notification policy holds back (a stranger's, say) waits in their
    // filtered notifications, out of Messages, until they accept its sender; a conversation they
    // are already in takes it.
    if (!existing && memberId !== post.accountId) {
      const action = screen(db, { accountId: memberId, type: "mention", fromAccountId: post.accountId, postId });
      if (action !== "accept") continue;
    }
    // One's own message leaves the conversation read, as Mastodon does.
    const unread = memberId !== post.accountId && !options.read;
    const conversationId = existing?.id ?? newId();
    if (!existing) {
      db.insert(accountConversations)
        .values({ id: conversationId, accountId: memberId, rootId, lastPostId: postId, participantIds: others, unread })
        .run();
    } else {
      // A message filed late (accepted from filtered notifications) leaves a newer one's state alone.
      const newest = postId > existing.lastPostId;
      db.update(accountConversations)
        .set({
          lastPostId: newest ? postId : existing.lastPostId,
          participantIds: [...new Set([...existing.participantIds, ...others])],
          unread: newest ? unread : existing.unread || unread,
        })
        .where(eq(accountConversations.id, existing.id))
        .run();
    }
    deps.events?.emit("conversation.updated", { conversationId, accountId: memberId });
  }
}

/**
 * Files the direct messages an instance had before it kept conversations, as read; once (an
 * instance whose members then removed every conversation does not get them back).
 */
export function fileEarlierConversations(db: Db): number {
  if (getInternal(db, "conversations-filed")) return 0;
  const direct = db.select({ id: posts.id }).from(posts).where(eq(posts.visibility, "direct")).orderBy(asc(posts.id)).all();
  for (const { id } of direct) recordConversation({ db }, id, { read: true });
  setInternal(db, "conversations-filed", true);
  return direct.length;
}

/** A member's conversations, newest message first, paged by that message's id. */
export function listConversations(db: Db, accountId: string, page: PageQuery): ConversationRow[] {
  const newer = page.minId ?? page.sinceId;
  // min_id: the page right after it (read oldest first, given newest first), as timelines page.
  const rows = db
    .select()
    .from(accountConversations)
    .where(
      and(
        eq(accountConversations.accountId, accountId),
        page.maxId ? lt(accountConversations.lastPostId, page.maxId) : undefined,
        newer ? gt(accountConversations.lastPostId, newer) : undefined,
      ),
    )
    .orderBy(page.minId ? asc(accountConversations.lastPostId) : desc(accountConversations.lastPostId))
    .limit(page.limit ?? 20)
    .all();
  return page.minId ? rows.reverse() : rows;
}

export interface ConversationView {
  id: string;
  unread: boolean;
  /** The others in it. */
  people: AccountView[];
  last: PostView;
}

/** Conversations as the member sees them; one whose newest message they can no longer see is left out. */
export function conversationViews(db: Db, baseUrl: URL, viewerId: string, rows: ConversationRow[]): ConversationView[] {
  const posts = new Map(
    loadPostViews(
      db,
      baseUrl,
      rows.map((r) => r.lastPostId),
      viewerId,
    ).map((p) => [p.id, p]),
  );
  const people = loadAccountViews(
    db,
    baseUrl,
    rows.flatMap((r) => r.participantIds),
  );
  return rows.flatMap((r) => {
    const last = posts.get(r.lastPostId);
    return last ? [{ id: r.id, unread: r.unread, people: r.participantIds.flatMap((id) => people.get(id) ?? []), last }] : [];
  });
}

/** One of the member's conversations; anyone else's is answered like one that does not exist. */
export function conversationOf(db: Db, accountId: string, id: string): ConversationRow {
  const row = db
    .select()
    .from(accountConversations)
    .where(and(eq(accountConversations.id, id), eq(accountConversations.accountId, accountId)))
    .get();
  if (!row) throw new CoreError("Record not found", 404);
  return row;
}

/** How many of the member's conversations have a message they have not read. */
export function unreadConversations(db: Db, accountId: string): number {
  return (
    db
      .select({ n: count() })
      .from(accountConversations)
      .where(and(eq(accountConversations.accountId, accountId), eq(accountConversations.unread, true)))
      .get()?.n ?? 0
  );
}

/** Marks these conversations of the member read (the Messages page showed them, or an app read one). */
export function markConversationsRead(db: Db, accountId: string, ids: string[]): void {
  if (ids.length === 0) return;
  db.update(accountConversations)
    .set({ unread: false })
    .where(and(eq(accountConversations.accountId, accountId), inArray(accountConversations.id, ids)))
    .run();
}

export function markConversationRead(db: Db, accountId: string, id: string): ConversationRow {
  const row = conversationOf(db, accountId, id);
  markConversationsRead(db, accountId, [id]);
  return { ...row, unread: false };
}

/** Takes a conversation off the member's list (its messages stay). */
export function removeConversation(db: Db, accountId: string, id: string): void {
  conversationOf(db, accountId, id);
  db.delete(accountConversations).where(eq(accountConversations.id, id)).run();
}

/**
 * Before a direct message is deleted: the conversations whose newest message it is fall back to
 * the message it answered, for the members that one was for (the usual back-and-forth);
 * otherwise they go with it.
 */
export function beforeMessageDeleted(tx: DbOrTx, post: { id: string; inReplyToId: string | null; visibility: string }): void {
  if (post.visibility !== "direct" || !post.inReplyToId) return;
  const parent = tx
    .select({ accountId: posts.accountId, visibility: posts.visibility })
    .from(posts)
    .where(eq(posts.id, post.inReplyToId))
    .get();
  if (parent?.visibility !== "direct") return;
  const readers = sql`(SELECT ${mentions.accountId} FROM ${mentions} WHERE ${mentions.postId} = ${post.inReplyToId})`;
  tx.update(accountConversations)
    .set({ lastPostId: post.inReplyToId })
    .where(
      and(
        eq(accountConversations.lastPostId, post.id),
        or(eq(accountConversations.accountId, parent.accountId), inArray(accountConversations.accountId, readers)),
      ),
    )
    .run();
}
