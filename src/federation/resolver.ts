import type { Context, Federation } from "@fedify/fedify";
import {
  type Actor,
  Create,
  Hashtag,
  isActor,
  OrderedCollection,
  OrderedCollectionPage,
  traverseCollection,
} from "@fedify/vocab";
import { and, eq, isNull } from "drizzle-orm";
import { MAX_FEATURED_TAGS, replaceFeaturedTags } from "../core/featured-tags.ts";
import { accounts } from "../db/schema.ts";
import { findAccountByAcct } from "../core/accounts-read.ts";
import { seenByOthers } from "../core/accounts.ts";
import { getLogger } from "@logtape/logtape";
import type { CoreDeps } from "../core/deps.ts";
import { isOwnAddress, localAccountsByUri, receiveRemotePost } from "../core/remote.ts";
import type { Resolver } from "../core/resolver.ts";
import { persistActor } from "./actors.ts";
import { INSTANCE_ACTOR, lookup } from "./lookup.ts";
import { postFromAs } from "./convert.ts";
import { authorOf, fetchPost, isPostLike, storePostObject } from "./remote-posts.ts";

const logger = getLogger(["skein", "federation", "resolve"]);

/** Recent public posts from a remote actor's outbox (first page only, bounded). */
async function backfill(
  ctx: Context<void>,
  deps: CoreDeps,
  actor: Actor,
  accountId: string,
  followersUrl: string | null,
): Promise<void> {
  const outbox = await actor.getOutbox({ documentLoader: ctx.documentLoader }).catch(() => null);
  if (!(outbox instanceof OrderedCollection)) return;
  let seen = 0;
  const first = await outbox.getFirst({ documentLoader: ctx.documentLoader }).catch(() => null);
  const items =
    first instanceof OrderedCollectionPage
      ? first.getItems({ documentLoader: ctx.documentLoader })
      : outbox.getItems({ documentLoader: ctx.documentLoader });
  for await (const item of items) {
    if (++seen > 20) break;
    const object = item instanceof Create ? await item.getObject({ documentLoader: ctx.documentLoader }).catch(() => null) : null;
    if (
      !isPostLike(object) ||
      !object.id ||
      object.attributionId?.href !== actor.id?.href ||
      object.id.origin !== actor.id?.origin
    )
      continue;
    const data = await postFromAs(ctx, object, { id: accountId, followersUrl }, (uris) =>
      localAccountsByUri(deps.db, deps.baseUrl, uris),
    );
    if (data.visibility === "public" || data.visibility === "unlisted") receiveRemotePost(deps, data);
  }
}

const MAX_REPLIES = 40;

type DocumentLoader = Context<void>["documentLoader"];

/** A document loader that refuses after `max` loads. */
function limitedLoader(load: DocumentLoader, max: number): DocumentLoader {
  let loads = 0;
  return (url, options) => {
    if (++loads > max) return Promise.reject(new Error(`more than ${max} documents for one collection`));
    return load(url, options);
  };
}

/** A remote account's featured hashtags are read again at most this often. */
const FEATURED_TAGS_EVERY_MS = 6 * 3600_000;

/** A post is fetched again at most this often (Mastodon refreshes a poll after a minute). */
const REFRESH_EVERY_MS = 60_000;

export function createResolver(federation: Federation<void>, deps: CoreDeps): Resolver {
  const context = () => federation.createContext(deps.baseUrl, undefined);
  /** One of our members, as search shows them: not a suspended account, nor a sign-up still waiting. */
  const ours = (id: string | undefined) =>
    (id &&
      deps.db
        .select({ id: accounts.id })
        .from(accounts)
        .where(and(eq(accounts.id, id), isNull(accounts.suspendedAt), seenByOthers()))
        .get()?.id) ||
    null;
  // Threads whose replies were fetched in this run; bounded so it cannot grow without end.
  const repliesFetched = new Set<string>();
  // When each post was last fetched again; bounded the same way.
  const refreshed = new Map<string, number>();
  // When each remote account's featured hashtags were last read; bounded the same way.
  const featuredRead = new Map<string, number>();
  return {
    async refreshFeaturedTags(accountId) {
      const account = deps.db
        .select({ uri: accounts.uri, domain: accounts.domain })
        .from(accounts)
        .where(eq(accounts.id, accountId))
        .get();
      if (!account?.domain || !account.uri || (featuredRead.get(accountId) ?? 0) > Date.now() - FEATURED_TAGS_EVERY_MS) return;
      if (featuredRead.size > 10_000) featuredRead.clear();
      featuredRead.set(accountId, Date.now());
      const ctx = context();
      try {
        const actor = await lookup(ctx, deps.db, account.uri);
        if (!isActor(actor) || actor.id?.href !== account.uri) return;
        // Only the actor's own server is asked (a collection elsewhere could name a server this
        // instance does not federate with), signed as the instance (servers that require signed
        // fetches answer nothing else), three documents at most (the collection and two pages).
        const origin = new URL(account.uri).origin;
        const at = actor.featuredTagsId;
        if (at && at.origin !== origin) return;
        const signed = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
        // The collection's pages too: a `next` elsewhere is not followed.
        const pages = limitedLoader(
          (url, options) =>
            new URL(url).origin === origin ? signed(url, options) : Promise.reject(new Error(`${url} is not on ${origin}`)),
          3,
        );
        const collection = at ? await actor.getFeaturedTags({ documentLoader: pages }) : null;
        const names: string[] = [];
        for await (const item of collection ? traverseCollection(collection, { documentLoader: pages }) : []) {
          if (names.length >= MAX_FEATURED_TAGS) break;
          if (item instanceof Hashtag && item.name) names.push(item.name.toString().replace(/^#/, ""));
        }
        replaceFeaturedTags(deps.db, accountId, names);
      } catch (error) {
        logger.info("Could not read the featured hashtags of {uri}: {error}", { uri: account.uri, error });
      }
    },
    async refreshPost(postUri) {
      if ((refreshed.get(postUri) ?? 0) > Date.now() - REFRESH_EVERY_MS) return;
      if (refreshed.size > 10_000) refreshed.clear();
      refreshed.set(postUri, Date.now());
      const ctx = context();
      try {
        const object = await lookup(ctx, deps.db, postUri, { fresh: true });
        if (!isPostLike(object) || object.id?.href !== postUri) return;
        const author = await authorOf(ctx, deps, object);
        if (author) await storePostObject(ctx, deps, object, author);
      } catch (error) {
        logger.info("Could not fetch {postUri} again: {error}", { postUri, error });
      }
    },
    async fetchReplies(postUri) {
      if (repliesFetched.has(postUri)) return;
      if (repliesFetched.size > 10_000) repliesFetched.clear();
      repliesFetched.add(postUri);
      const ctx = context();
      const deadline = AbortSignal.timeout(5000);
      try {
        const object = await lookup(ctx, deps.db, postUri);
        if (!isPostLike(object)) return;
        const replies = await object.getReplies({ documentLoader: ctx.documentLoader });
        if (!replies) return;
        let count = 0;
        // A collection of endless (or empty) pages must not keep us fetching: at most 5 pages.
        const pages = limitedLoader(ctx.documentLoader, 5);
        for await (const item of traverseCollection(replies, { documentLoader: pages })) {
          if (deadline.aborted || ++count > MAX_REPLIES) break;
          const url = item.id?.href;
          if (url) await fetchPost(ctx, deps, url);
        }
      } catch (error) {
        logger.info("Could not fetch the replies of {postUri}: {error}", { postUri, error });
      }
    },
    async resolveAccount(query, options = {}) {
      const ctx = context();
      const q = query.trim().replace(/^@/, "");
      // One of ours, by handle or address: found here, never fetched from ourselves.
      const isUrl = /^https?:\/\//.test(q);
      if (isUrl && isOwnAddress(q, deps.baseUrl)) return ours(localAccountsByUri(deps.db, deps.baseUrl, [q])[0]);
      const domain = q.split("@", 2)[1];
      if (!isUrl && (!domain || domain.toLowerCase() === deps.baseUrl.host.toLowerCase()))
        return ours(findAccountByAcct(deps.db, q, deps.baseUrl.host)?.id);
      const target = isUrl ? q : `acct:${q}`;
      try {
        const object = await lookup(ctx, deps.db, target, options);
        if (!isActor(object)) return null;
        const account = await persistActor(ctx, deps.db, object);
        if (!account) return null;
        // A remote profile must not look empty: fetch its recent public posts.
        if (options.posts !== false)
          await backfill(ctx, deps, object, account.id, account.followersUrl).catch((error) =>
            logger.info("No outbox for {q}: {error}", { q, error }),
          );
        return account.id;
      } catch (error) {
        logger.info("Could not resolve {q}: {error}", { q, error });
        return null;
      }
    },
    async resolvePost(url) {
      try {
        return (await fetchPost(context(), deps, url))?.id ?? null;
      } catch (error) {
        logger.info("Could not resolve {url}: {error}", { url, error });
        return null;
      }
    },
  };
}
