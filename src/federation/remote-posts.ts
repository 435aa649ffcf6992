import type { Context } from "@fedify/fedify";
import { Article, Image, isActor, Note, type Object as AsObject, Page, Question, Video } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { CoreDeps } from "../core/deps.ts";
import { federationAllowed } from "../core/domain-allows.ts";
import { type AccountRow, concernsMembers, findPostByUri, localAccountsByUri, receiveRemotePost } from "../core/remote.ts";
import { persistActor } from "./actors.ts";
import { postFromAs } from "./convert.ts";
import { lookup } from "./lookup.ts";

const logger = getLogger(["skein", "federation", "inbox"]);

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
 * concerns a member; one we fetched, someone here asked for.
 */
export async function storePostObject(
  ctx: Context<void>,
  deps: CoreDeps,
  object: AsObject,
  author: AccountRow,
  options: { delivered?: boolean } = {},
) {
  const data = await postFromAs(ctx, object, { id: author.id, followersUrl: author.followersUrl }, (uris) =>
    localAccountsByUri(deps.db, deps.baseUrl, uris),
  );
  if (!data.uri) return undefined;
  if (options.delivered && !concernsMembers(deps.db, deps.baseUrl, data)) {
    logger.debug("Not kept, as it concerns nobody here: {uri}", { uri: data.uri });
    return undefined;
  }
  return receiveRemotePost(deps, data);
}

/** A public or unlisted post by its URL, fetched from its server unless we have it. */
export async function fetchPost(ctx: Context<void>, deps: CoreDeps, url: string) {
  const known = findPostByUri(deps.db, deps.baseUrl, url);
  if (known) return known;
  const object = await lookup(ctx, deps.db, url);
  if (!isPostLike(object)) return undefined;
  const author = await authorOf(ctx, deps, object);
  if (!author) return undefined;
  const post = await storePostObject(ctx, deps, object, author);
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
