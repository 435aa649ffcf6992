import { and, eq, isNull } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { mentions, posts, quoteApprovals } from "../db/schema.ts";
import { accountOnDomainBlockedBy } from "./account-domain-blocks.ts";
import type { CoreDeps } from "./deps.ts";
import { notify } from "./notifications.ts";
import { findVisiblePost } from "./posts.ts";

/*
 * Quote posts from other servers. A quote is shown with the post it quotes only when that is
 * allowed: the quoted post's author approved it (FEP-044f's QuoteAuthorization, checked by
 * federation), or it needs no approval, as Mastodon lets through without one: a quote of one's
 * own post, or of a post that mentions the quoting author. Otherwise the post shows as its server
 * wrote it, with its "RE: link" line. Only public and unlisted posts are ever shown as quoted.
 *
 * Members' own posts: another server asks before its account quotes one (a QuoteRequest); public
 * and unlisted posts are approved for anyone their author has not blocked, and the approval is
 * served as a QuoteAuthorization the quoting server shows with its quote.
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

/**
 * Links a post to the post it quotes (null: shown without it, e.g. after an edit dropped the
 * quote); a member whose post is quoted is told, once (Mastodon's "quote" notification).
 */
export function setQuote(deps: Pick<CoreDeps, "db" | "events">, postId: string, quotedId: string | null): void {
  const quoting = deps.db
    .update(posts)
    .set({ quoteOfId: quotedId })
    .where(eq(posts.id, postId))
    .returning({ accountId: posts.accountId })
    .get();
  const quoted = quotedId
    ? deps.db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, quotedId)).get()
    : undefined;
  // Only a quote the member may see: not a followers-only or direct post of someone they do not follow.
  if (quoting && quoted && findVisiblePost(deps.db, postId, quoted.accountId))
    notify(deps, { accountId: quoted.accountId, type: "quote", fromAccountId: quoting.accountId, postId });
}

/** Approves a quote of a member's post (the approval's id: the same for the same quote), or null. */
export function approveQuote(db: Db, quoterId: string, postId: string, quoteUri: string): string | null {
  if (!mayQuote(db, quoterId, postId)) return null;
  const earlier = db
    .select({ id: quoteApprovals.id })
    .from(quoteApprovals)
    .where(and(eq(quoteApprovals.quoteUri, quoteUri), eq(quoteApprovals.postId, postId)))
    .get();
  if (earlier) return earlier.id;
  const id = newId();
  db.insert(quoteApprovals).values({ id, postId, accountId: quoterId, quoteUri }).run();
  return id;
}

/**
 * An approval this instance gave, with its member's post (for serving it), while it still holds:
 * one the member has since blocked (or whose server they blocked) is gone.
 */
export function quoteApproval(db: Db, id: string) {
  const approval = db
    .select({
      id: quoteApprovals.id,
      quoteUri: quoteApprovals.quoteUri,
      accountId: quoteApprovals.accountId,
      postId: posts.id,
      authorId: posts.accountId,
    })
    .from(quoteApprovals)
    .innerJoin(posts, eq(posts.id, quoteApprovals.postId))
    .where(and(eq(quoteApprovals.id, id), isNull(posts.uri)))
    .get();
  return approval && mayQuote(db, approval.accountId, approval.postId) ? approval : undefined;
}

/** A member's public or unlisted post, and a quoter its author has not blocked, nor their server. */
function mayQuote(db: Db, quoterId: string, postId: string): boolean {
  const post = findVisiblePost(db, postId, quoterId);
  if (!post || post.uri !== null || post.reblogOfId !== null || !quotable(post)) return false;
  return !accountOnDomainBlockedBy(db, post.accountId, quoterId);
}
