import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, mentions, posts, type QuotePolicy, quoteApprovals } from "../db/schema.ts";
import { accountOnDomainBlockedBy } from "./account-domain-blocks.ts";
import { isFollowing } from "./accounts-read.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError } from "./errors.ts";
import { notify } from "./notifications.ts";
import { findVisiblePost } from "./posts.ts";
import { postPageUrl } from "./views.ts";
import { notSilencedBy, visibleTo } from "./visibility.ts";

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
    .set({ quoteOfId: quotedId, quoteState: null })
    .where(eq(posts.id, postId))
    .returning({ accountId: posts.accountId })
    .get();
  const quoted = quotedId
    ? deps.db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, quotedId)).get()
    : undefined;
  if (quoting && quoted) tellQuoted(deps, postId, quoting.accountId, quoted.accountId);
}

/** A member is told their post was quoted, if they may read the quote (not someone's private post). */
function tellQuoted(deps: Pick<CoreDeps, "db" | "events">, postId: string, quoterId: string, memberId: string): void {
  if (findVisiblePost(deps.db, postId, memberId))
    notify(deps, { accountId: memberId, type: "quote", fromAccountId: quoterId, postId });
}

/**
 * Approves a quote of a member's post (the approval's id: the same for the same quote), or null.
 * A quote the member took back stays taken back, however often its server asks again.
 */
export function approveQuote(db: Db, quoterId: string, postId: string, quoteUri: string): string | null {
  if (!mayQuote(db, quoterId, postId)) return null;
  const revoked = db
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.uri, quoteUri), eq(posts.quoteState, "revoked")))
    .get();
  if (revoked) return null;
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

/**
 * A member's public or unlisted post, a quoter its author has not blocked (nor their server), and
 * its quote policy lets them: anyone, the author's followers, or the author alone.
 */
function mayQuote(db: Db, quoterId: string, postId: string): boolean {
  const post = findVisiblePost(db, postId, quoterId);
  if (!post || post.uri !== null || post.reblogOfId !== null || !quotable(post)) return false;
  if (post.accountId === quoterId) return true;
  return policyAllows(db, post, quoterId) && !accountOnDomainBlockedBy(db, post.accountId, quoterId);
}

/** The post's quote policy lets this account quote it (for a followers-only one: do they follow its author?). */
function policyAllows(db: Db, post: typeof posts.$inferSelect, quoterId: string): boolean {
  const viewerFollows = post.quotePolicy === "followers" && isFollowing(db, quoterId, post.accountId);
  const quotablePost = { ...post, authorId: post.accountId, viewerFollows };
  return viewerMayQuote(quotablePost, quoterId) !== "denied";
}

type QuotablePost = {
  visibility: string;
  quotePolicy: QuotePolicy;
  quoteManual: boolean;
  authorId: string;
  /** The viewer follows its author (known where its policy is followers-only). */
  viewerFollows?: boolean;
};

/**
 * Who may quote a post and whether the viewer may (Mastodon's quote_approval), from what a page
 * already has: by its policy (a member's, or what another server's canQuote said), "manual" where
 * its author agrees by hand; a followers-only policy by whether the viewer follows the author.
 */
export function quoteApprovalOf(post: QuotablePost, viewerId: string | null) {
  const open = quotable(post) && post.quotePolicy !== "nobody";
  return {
    automatic: open && !post.quoteManual ? [post.quotePolicy] : [],
    manual: open && post.quoteManual ? [post.quotePolicy] : [],
    current_user: viewerMayQuote(post, viewerId),
  };
}

function viewerMayQuote(post: QuotablePost, viewerId: string | null): "automatic" | "manual" | "denied" | "unknown" {
  if (!quotable(post)) return "denied";
  if (!viewerId) return "unknown";
  if (post.authorId === viewerId) return "automatic";
  if (post.quotePolicy === "nobody") return "denied";
  if (post.quotePolicy === "followers" && !post.viewerFollows) return post.viewerFollows === undefined ? "unknown" : "denied";
  return post.quoteManual ? "manual" : "automatic";
}

/**
 * The problem with a member quoting this post, if any: it must be one they may see, public or
 * unlisted, not a boost, and its author must not have blocked them (nor their server).
 */
export function quoteProblem(db: Db, quoterId: string, quotedId: string): string | undefined {
  const quoted = findVisiblePost(db, quotedId, quoterId);
  if (!quoted || quoted.reblogOfId !== null || !quotable(quoted)) return "This post cannot be quoted.";
  if (quoted.accountId === quoterId) return undefined;
  if (quoted.uri === null) return mayQuote(db, quoterId, quotedId) ? undefined : "This post cannot be quoted.";
  // Another server's post, by the policy it gave (its server still answers the request).
  return policyAllows(db, quoted, quoterId) ? undefined : "Its author does not allow you to quote this post.";
}

/**
 * A member's new quote post, after it is stored: a quote of a member's post is approved here at
 * once (its author is told); one of another server's post waits for the answer (quoteAnswered).
 */
export function quoteCreated(
  deps: Pick<CoreDeps, "db" | "events" | "baseUrl">,
  post: { id: string; accountId: string },
  author: string,
  quotedId: string,
): void {
  const quoted = deps.db.select({ uri: posts.uri, accountId: posts.accountId }).from(posts).where(eq(posts.id, quotedId)).get();
  if (!quoted || quoted.uri !== null || quoted.accountId === post.accountId) return;
  approveQuote(deps.db, post.accountId, quotedId, postPageUrl(deps.baseUrl, author, post.id));
  tellQuoted(deps, post.id, post.accountId, quoted.accountId);
}

/**
 * The quoted post's author answered a member's quote: with their stamp (the quote is shown to
 * everyone and sent again with it), or with a refusal (the post stays, without the quote).
 */
export function quoteAnswered(deps: Pick<CoreDeps, "db" | "events">, postId: string, stamp: string | null): void {
  const updated = deps.db
    .update(posts)
    .set(
      stamp
        ? { quotePending: false, quoteAuthorization: stamp }
        : { quotePending: false, quoteOfId: null, quoteState: "rejected" },
    )
    .where(and(eq(posts.id, postId), eq(posts.quotePending, true)))
    .returning({ id: posts.id })
    .get();
  if (updated) deps.events.emit("post.updated", { postId });
}

/** The stamp a member's quote post carries: the quoted author's, or this instance's for a member's post. */
export function quoteStampOf(
  db: Db,
  postId: string,
  postUri: string,
): { remote: string } | { approvalId: string; username: string } | null {
  const row = db
    .select({ stamp: posts.quoteAuthorization, quotedId: posts.quoteOfId })
    .from(posts)
    .where(eq(posts.id, postId))
    .get();
  if (row?.stamp) return { remote: row.stamp };
  if (!row?.quotedId) return null;
  const approval = db
    .select({ id: quoteApprovals.id, username: accounts.username })
    .from(quoteApprovals)
    .innerJoin(posts, eq(posts.id, quoteApprovals.postId))
    .innerJoin(accounts, eq(accounts.id, posts.accountId))
    .where(and(eq(quoteApprovals.postId, row.quotedId), eq(quoteApprovals.quoteUri, postUri)))
    .get();
  return approval ? { approvalId: approval.id, username: approval.username } : null;
}

/**
 * A member changes who may quote one of their posts (Mastodon's PUT …/interaction_policy): no
 * edit, but other servers get the Note again with its new policy. Quotes already made stay.
 */
export function setQuotePolicy(
  deps: Pick<CoreDeps, "db" | "events">,
  authorId: string,
  postId: string,
  policy: QuotePolicy | undefined,
) {
  const post = deps.db
    .select({ accountId: posts.accountId, quotePolicy: posts.quotePolicy })
    .from(posts)
    .where(and(eq(posts.id, postId), isNull(posts.reblogOfId)))
    .get();
  if (!post || post.accountId !== authorId) throw new CoreError("Record not found", 404);
  if (!policy || post.quotePolicy === policy) return;
  deps.db.update(posts).set({ quotePolicy: policy }).where(eq(posts.id, postId)).run();
  deps.events.emit("post.updated", { postId });
}

/**
 * The posts shown quoting a post, newest first, among those the viewer may see (Mastodon's
 * /quotes; its author takes a quote back from there).
 */
export function quotesOf(db: Db, postId: string, viewerId: string | null, page: { maxId?: string; limit: number }): string[] {
  // Its author sees every quote they may read, of muted or blocked quoters too (to take them back).
  const author = db.select({ id: posts.accountId }).from(posts).where(eq(posts.id, postId)).get()?.id;
  return db
    .select({ id: posts.id })
    .from(posts)
    .where(
      and(
        eq(posts.quoteOfId, postId),
        eq(posts.quotePending, false),
        visibleTo(viewerId),
        viewerId === author ? undefined : notSilencedBy(viewerId),
        page.maxId ? lt(posts.id, page.maxId) : undefined,
      ),
    )
    .orderBy(desc(posts.id))
    .limit(page.limit)
    .all()
    .map((r) => r.id);
}

/**
 * A member takes back a quote of their post: the quoting post is shown without it from now on,
 * and the stamp given for it is withdrawn (`quote.revoked` tells the quoting server).
 */
export function revokeQuote(
  deps: Pick<CoreDeps, "db" | "events" | "baseUrl">,
  authorId: string,
  postId: string,
  quotingId: string,
): void {
  const { db } = deps;
  const post = db.select({ accountId: posts.accountId, uri: posts.uri }).from(posts).where(eq(posts.id, postId)).get();
  const quoting = db
    .select({ id: posts.id, uri: posts.uri, accountId: posts.accountId, username: accounts.username })
    .from(posts)
    .innerJoin(accounts, eq(accounts.id, posts.accountId))
    .where(and(eq(posts.id, quotingId), eq(posts.quoteOfId, postId)))
    .get();
  if (!post || post.uri !== null || post.accountId !== authorId || !quoting) throw new CoreError("Record not found", 404);
  const quoteUri = quoting.uri ?? postPageUrl(deps.baseUrl, quoting.username, quoting.id);
  const withdrawn = db.transaction((tx) => {
    tx.update(posts).set({ quoteOfId: null, quotePending: false, quoteState: "revoked" }).where(eq(posts.id, quotingId)).run();
    return tx
      .delete(quoteApprovals)
      .where(and(eq(quoteApprovals.postId, postId), eq(quoteApprovals.quoteUri, quoteUri)))
      .returning({ id: quoteApprovals.id })
      .all()
      .map((a) => a.id);
  });
  deps.events.emit("quote.revoked", { postId, quotingId, approvalIds: withdrawn, remote: quoting.uri !== null });
}

/**
 * Another server's author withdrew the stamp a member's quote carries (a Delete of it): the
 * member's post goes on without the quote, here and, sent again, elsewhere.
 */
export function stampWithdrawn(deps: Pick<CoreDeps, "db" | "events">, stamp: string, authorId: string): boolean {
  const quoting = deps.db
    .select({ id: posts.id, quotedId: posts.quoteOfId })
    .from(posts)
    .where(eq(posts.quoteAuthorization, stamp))
    .all();
  for (const post of quoting) {
    const quoted = post.quotedId
      ? deps.db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, post.quotedId)).get()
      : undefined;
    if (quoted?.accountId !== authorId) continue;
    deps.db
      .update(posts)
      .set({ quoteOfId: null, quoteAuthorization: null, quoteState: "revoked" })
      .where(eq(posts.id, post.id))
      .run();
    deps.events.emit("post.updated", { postId: post.id });
  }
  return quoting.length > 0;
}
