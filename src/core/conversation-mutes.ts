import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/open.ts";
import { conversationMutes } from "../db/schema.ts";

/** How far up a thread a post is followed to find what it answers (threads are bounded here too). */
const MAX_DEPTH = 100;

/**
 * A post and the posts above it in its thread, nearest first, with the id each one answers: a
 * parent that was deleted (or never fetched by id) still names the thread.
 */
function threadLine(db: DbOrTx, postId: string): string[] {
  const rows = db.all<{ id: string; parent: string | null }>(sql`
    WITH RECURSIVE line(id, parent, depth) AS (
      SELECT id, in_reply_to_id, 0 FROM posts WHERE id = ${postId}
      UNION ALL
      SELECT p.id, p.in_reply_to_id, line.depth + 1 FROM posts p JOIN line ON p.id = line.parent
      WHERE line.depth < ${MAX_DEPTH}
    )
    SELECT id, parent FROM line ORDER BY depth`);
  const ids = rows.map((r) => r.id);
  const last = rows.at(-1)?.parent;
  return last ? [...ids, last] : ids;
}

/** The thread's first post as far as it is known: what a mute records. */
export function threadRoot(db: DbOrTx, postId: string): string {
  return threadLine(db, postId).at(-1) ?? postId;
}

function hasMutes(db: DbOrTx, accountId: string): boolean {
  return (
    db
      .select({ id: conversationMutes.postId })
      .from(conversationMutes)
      .where(eq(conversationMutes.accountId, accountId))
      .limit(1)
      .get() !== undefined
  );
}

/** Whether the account muted the thread this post is in (any post above it, or itself). */
export function conversationMuted(db: DbOrTx, accountId: string, postId: string): boolean {
  if (!hasMutes(db, accountId)) return false;
  return mutedAmong(db, accountId, threadLine(db, postId)).size > 0;
}

/** Which of these posts are in threads the viewer muted (nothing to read for most members). */
export function mutedConversations(db: DbOrTx, viewerId: string, postIds: string[]): Set<string> {
  if (postIds.length === 0 || !hasMutes(db, viewerId)) return new Set();
  const lines = postIds.map((id) => ({ id, line: threadLine(db, id) }));
  // One read of the viewer's mutes for the whole page, not one per post.
  const muted = mutedAmong(db, viewerId, [...new Set(lines.flatMap((l) => l.line))]);
  return new Set(lines.filter((l) => l.line.some((id) => muted.has(id))).map((l) => l.id));
}

/** The mutes of the account recorded on any of these posts. */
function mutedAmong(db: DbOrTx, accountId: string, postIds: string[]): Set<string> {
  const rows = db
    .select({ id: conversationMutes.postId })
    .from(conversationMutes)
    .where(and(eq(conversationMutes.accountId, accountId), inArray(conversationMutes.postId, postIds)))
    .all();
  return new Set(rows.map((r) => r.id));
}

/** Records a mute of the thread (once). */
export function addConversationMute(db: DbOrTx, accountId: string, postId: string): void {
  db.insert(conversationMutes)
    .values({ accountId, postId: threadRoot(db, postId) })
    .onConflictDoNothing()
    .run();
}

/** Ends the mute of the thread, whichever of its posts it was recorded on. */
export function removeConversationMute(db: DbOrTx, accountId: string, postId: string): void {
  const line = threadLine(db, postId);
  if (line.length === 0) return;
  db.delete(conversationMutes)
    .where(and(eq(conversationMutes.accountId, accountId), inArray(conversationMutes.postId, line)))
    .run();
}
