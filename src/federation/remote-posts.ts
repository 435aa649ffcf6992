import type { Context } from "@fedify/fedify";
import { Article, Image, isActor, Note, type Object as AsObject, Page, Question, QuoteAuthorization, Video } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { eq } from "drizzle-orm";
import type { CoreDeps } from "../core/deps.ts";
import { federationAllowed } from "../core/domain-allows.ts";
import { quotable, quoteApproval, quoteNeedsNoApproval, setQuote } from "../core/quotes.ts";
import { type AccountRow, concernsMembers, findPostByUri, localAccountsByUri, receiveRemotePost } from "../core/remote.ts";
import { accounts, type posts } from "../db/schema.ts";
import { persistActor } from "./actors.ts";
import { postFromAs } from "./convert.ts";
import { lookup } from "./lookup.ts";

const logger = getLogger(["skein", "federation", "inbox"]);

type PostRow = typeof posts.$inferSelect;

/** What may quote: Fedify reads FEP-044f's `quote` and the older quoteUrl, _misskey_quote, quoteUri. */
const quoting = (o: AsObject) => (o instanceof Note || o instanceof Article || o instanceof Question ? o : null);
type Quoting = NonNullable<ReturnType<typeof quoting>>;

const postTypes = [Note, Article, Page, Question, Video, Image];

/** Notes, and the kinds we show as a post with a link to the original. */
export const isPostLike = (o: unknown): o is AsObject => postTypes.some((t) => o instanceof t);

/** The author of a fetched or embedded object, who must live on the object's own server. */
export async function authorOf(ctx: Context<void>, deps: CoreDeps, object: AsObject): Promise<AccountRow | null> {
  if (!object.id || !federationAllowed(deps.db, object.id.host)) return null;
  const attribution = await object.getAttribution({ documentLoader: ctx.documentLoader }).catch(() => null);
  if (!attribution || !isActor(attribution) || !object.id || attribution.id?.origin !== object.id.origin) return null;
  return persistActor(ctx, deps.db, attribution);
}

/**
 * Stores a received or fetched post. One that merely arrived (`delivered`) is kept only when it
 * concerns a member, or is public and came through a relay the instance joined (`relayed`); one
 * we fetched, someone here asked for. `quotes: false` leaves its quote unresolved: a quoted
 * post's own quote is never fetched, so a chain of quotes costs one fetch.
 */
export async function storePostObject(
  ctx: Context<void>,
  deps: CoreDeps,
  object: AsObject,
  author: AccountRow,
  options: { delivered?: boolean; relayed?: boolean; quotes?: boolean } = {},
) {
  const data = await postFromAs(ctx, object, { id: author.id, followersUrl: author.followersUrl }, (uris) =>
    localAccountsByUri(deps.db, deps.baseUrl, uris),
  );
  if (!data.uri) return undefined;
  const wanted = options.relayed && data.visibility === "public";
  if (options.delivered && !wanted && !concernsMembers(deps.db, deps.baseUrl, data)) {
    logger.debug("Not kept, as it concerns nobody here: {uri}", { uri: data.uri });
    return undefined;
  }
  const post = receiveRemotePost(deps, data);
  if (options.quotes === false) return post;
  await attachQuote(ctx, deps, post, object).catch((error) =>
    logger.info("Could not show the quote in {uri}: {error}", { uri: data.uri, error }),
  );
  return post;
}

/**
 * A quote post's quoted post: fetched if we do not have it, and linked when the quote is allowed
 * (core/quotes.ts). An edit that drops the quote, or a quote not allowed, leaves none.
 */
async function attachQuote(ctx: Context<void>, deps: CoreDeps, post: PostRow, object: AsObject): Promise<void> {
  const quote = quoting(object);
  const target = quote?.quoteId ?? quote?.quoteUrl;
  // The same quote again (an edit, a fetch): it stays as it was checked, not lost to a failed fetch.
  if (target && post.quoteOfId && findPostByUri(deps.db, deps.baseUrl, target.href)?.id === post.quoteOfId) return;
  const quoted = target ? await fetchPost(ctx, deps, target.href, { quotes: false }) : undefined;
  const allowed =
    quoted !== undefined &&
    quotable(quoted) &&
    quote !== null &&
    (quoteNeedsNoApproval(deps.db, post.accountId, quoted.id) || (await approved(ctx, deps, quote, quoted, post)));
  // An edit that drops the quote also drops what became of it ("deleted", "revoked"…).
  if (allowed || post.quoteOfId || (!target && post.quoteState)) setQuote(deps, post.id, allowed ? quoted.id : null);
}

/**
 * FEP-044f: the quote carries a QuoteAuthorization that the quoted post's author published on
 * their own server, naming this quote and that post.
 */
async function approved(
  ctx: Context<void>,
  deps: CoreDeps,
  quote: Quoting,
  quoted: PostRow,
  quotePost: PostRow,
): Promise<boolean> {
  const stamp = quote.quoteAuthorizationId;
  if (quoted.uri === null) {
    // A member's post: the stamp must be one this instance gave to this quote's author for it.
    const parsed = stamp ? ctx.parseUri(stamp) : null;
    const given =
      parsed?.type === "object" && parsed.class === QuoteAuthorization
        ? quoteApproval(deps.db, parsed.values.id ?? "")
        : undefined;
    return (
      given !== undefined &&
      given.postId === quoted.id &&
      given.quoteUri === quote.id?.href &&
      given.accountId === quotePost.accountId
    );
  }
  const author = deps.db.select({ uri: accounts.uri }).from(accounts).where(eq(accounts.id, quoted.accountId)).get()?.uri;
  if (!stamp || !quote.id || !quoted.uri || !author || stamp.origin !== new URL(author).origin) return false;
  const authorization = await lookup(ctx, deps.db, stamp);
  return (
    authorization instanceof QuoteAuthorization &&
    authorization.attributionId?.href === author &&
    authorization.interactingObjectId?.href === quote.id.href &&
    authorization.interactionTargetId?.href === quoted.uri
  );
}

/** A public or unlisted post by its URL, fetched from its server unless we have it. */
export async function fetchPost(ctx: Context<void>, deps: CoreDeps, url: string, options: { quotes?: boolean } = {}) {
  const known = findPostByUri(deps.db, deps.baseUrl, url);
  if (known) return known;
  const object = await lookup(ctx, deps.db, url);
  if (!isPostLike(object)) return undefined;
  const author = await authorOf(ctx, deps, object);
  if (!author) return undefined;
  const post = await storePostObject(ctx, deps, object, author, options);
  return post && (post.visibility === "public" || post.visibility === "unlisted") ? post : undefined;
}

/** The posts a reply answers, fetched up the thread (at most `depth` of them). */
export async function fetchAncestors(ctx: Context<void>, deps: CoreDeps, parentUri: string | null, depth = 10): Promise<void> {
  const seen = new Set<string>();
  let next = parentUri;
  while (next && seen.size < depth && !seen.has(next)) {
    seen.add(next);
    if (findPostByUri(deps.db, deps.baseUrl, next)) return;
    const post = await fetchPost(ctx, deps, next);
    next = post?.inReplyToUri ?? null;
  }
}
