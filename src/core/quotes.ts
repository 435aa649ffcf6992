import { and, eq } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { mentions, posts } from "../db/schema.ts";

/*
 * Quote posts from other servers. A quote is shown with the post it quotes only when that is
 * allowed: the quoted post's author approved it (FEP-044f's QuoteAuthorization, checked by
 * federation), or it needs no approval, as Mastodon lets through without one: a quote of one's
 * own post, or of a post that mentions the quoting author. Otherwise the post shows as its server
 * wrote it, with its "RE: link" line. Only public and unlisted posts are ever shown as quoted.
 */

/** A quote that needs no approval: of one's own post, or by someone the quoted post mentions. */
export function quoteNeedsNoApproval(db: Db, quotingAuthorId: string, quotedPostId: string): boolean {
  const quoted = db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, quotedPostId)).get();
  if (!quoted) return false;
  if (quoted.accountId === quotingAuthorId) return true;
  const mentioned = db
    .select({ id: mentions.accountId })
    .from(mentions)
    .where(and(eq(mentions.postId, quotedPostId), eq(mentions.accountId, quotingAuthorId)))
    .get();
  return mentioned !== undefined;
}

/** Whether a post may be shown as quoted at all. */
export const quotable = (post: { visibility: string }) => post.visibility === "public" || post.visibility === "unlisted";

/** Links a post to the post it quotes (null: shown without it, e.g. after an edit dropped the quote). */
export function setQuote(db: Db, postId: string, quotedId: string | null): void {
  db.update(posts).set({ quoteOfId: quotedId }).where(eq(posts.id, postId)).run();
}
