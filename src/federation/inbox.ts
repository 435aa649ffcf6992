import type { Federation, InboxContext, KvStore } from "@fedify/fedify";
import {
  Accept,
  type Actor,
  Announce,
  Block,
  Create,
  Delete,
  Flag,
  Follow,
  isActor,
  Like,
  Move,
  Note,
  QuoteAuthorization,
  QuoteRequest,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { eq } from "drizzle-orm";
import { findMember } from "../core/accounts.ts";
import type { CoreDeps } from "../core/deps.ts";
import { block, followAccepted, followRejected, receiveFollow, unfollow } from "../core/follows.ts";
import { receiveMove } from "../core/moves.ts";
import { favourite, reblog, unfavourite, unreblog } from "../core/interactions.ts";
import {
  type AccountRow,
  deleteRemoteAccount,
  deleteRemotePost,
  findAccountByUri,
  findPostByUri,
  followedByMembers,
  localAccountsByUri,
} from "../core/remote.ts";
import { federationAllowed } from "../core/domain-allows.ts";
import { blockFor } from "../core/domain-blocks.ts";
import { CoreError } from "../core/errors.ts";
import { choiceNamed, vote } from "../core/polls.ts";
import { approveQuote, quoteAnswered, stampWithdrawn } from "../core/quotes.ts";
import { isJoinedRelay, relayAnswered } from "../core/relays.ts";
import { fileRemoteReport } from "../core/reports.ts";
import { accounts, follows, posts } from "../db/schema.ts";
import { persistActor } from "./actors.ts";
import { sentJson } from "./attribution.ts";
import { lookup } from "./lookup.ts";
import { deliveringRelay } from "./relayed.ts";
import { authorOf, fetchAncestors, isPostLike, storePostObject } from "./remote-posts.ts";
import { remoteText } from "./sanitize.ts";

const logger = getLogger(["skein", "federation", "inbox"]);

const FRESH_MS = 24 * 3600_000;

/**
 * The sender as an account of ours: from the database while fresh (a day), else fetched and
 * stored again. Fedify has checked that the signature belongs to this actor.
 */
async function sender(
  ctx: InboxContext<void>,
  deps: CoreDeps,
  activity: { actorId: URL | null; getActor(o?: object): Promise<Actor | null> },
): Promise<AccountRow | null> {
  const known = activity.actorId ? findAccountByUri(deps.db, activity.actorId.href) : undefined;
  // Nothing from a suspended account, or a server the instance does not federate with (suspended,
  // or not listed in allowlist mode), is taken in. mount.ts refused most of these already, by the key.
  if (known?.suspendedAt || !fromAllowedServer(deps, activity)) return null;
  if (known?.fetchedAt && Date.now() - known.fetchedAt.getTime() < FRESH_MS) return known;
  const actor = await activity.getActor({ documentLoader: ctx.documentLoader }).catch(() => null);
  if (!actor || !isActor(actor)) return null;
  return persistActor(ctx, deps.db, actor);
}

/** The activity's actor lives on a server the instance federates with (checked before fetching anything it names). */
function fromAllowedServer(deps: CoreDeps, activity: { actorId: URL | null }): boolean {
  return activity.actorId !== null && federationAllowed(deps.db, activity.actorId.host);
}

/** A local account named by one of our actor URIs. */
function localActor(ctx: InboxContext<void>, deps: CoreDeps, uri: URL | null) {
  if (!uri) return undefined;
  const parsed = ctx.parseUri(uri);
  return parsed?.type === "actor" ? findMember(deps.db, parsed.identifier) : undefined;
}

/**
 * Inbound activities, each mapped onto the core function the web pages use. Fedify has already
 * verified the signature; here we check that what the activity touches belongs to its actor.
 */
export function registerInbox(federation: Federation<void>, deps: CoreDeps, kv: KvStore) {
  const { db } = deps;
  federation
    .setInboxListeners("/@{identifier}/inbox", "/inbox")
    .on(Follow, async (ctx, follow) => {
      if (!fromAllowedServer(deps, follow)) return;
      const target = localActor(ctx, deps, follow.objectId);
      const actor = await follow.getActor({ documentLoader: ctx.documentLoader }).catch(() => null);
      const follower = isActor(actor) ? await persistActor(ctx, db, actor) : null;
      if (!target || !follower || !actor || !follow.id) return;
      // Accepting is the outbox's work (on follow.accepted); a refusal is answered here.
      if (receiveFollow(deps, follower.id, target.id, follow.id.href) === "rejected") {
        const me = ctx.getActorUri(target.username);
        await ctx.sendActivity(
          { identifier: target.username },
          actor,
          new Reject({ id: new URL(`#reject/${crypto.randomUUID()}`, me), actor: me, object: follow }),
        );
      }
    })
    .on(Accept, async (ctx, accept) => {
      const remote = await sender(ctx, deps, accept);
      if (remote && (answeredRelay(deps, accept, remote) || answeredQuote(deps, accept, remote))) return;
      const follow = remote ? ourFollow(deps, accept.objectId, remote.id) : undefined;
      if (remote && follow) followAccepted(db, follow.followerId, remote.id);
    })
    .on(Reject, async (ctx, reject) => {
      const remote = await sender(ctx, deps, reject);
      if (remote && (answeredRelay(deps, reject, remote) || answeredQuote(deps, reject, remote))) return;
      const follow = remote ? ourFollow(deps, reject.objectId, remote.id) : undefined;
      if (remote && follow) followRejected(db, follow.followerId, remote.id);
    })
    .on(Undo, async (ctx, undo) => {
      const remote = await sender(ctx, deps, undo);
      const object = await undo.getObject({ documentLoader: ctx.documentLoader }).catch(() => null);
      if (!remote || !(object instanceof Follow || object instanceof Like || object instanceof Announce)) return;
      if (object.actorId?.href !== remote.uri) return; // one may only undo one's own activity
      if (object instanceof Follow) {
        const target = localActor(ctx, deps, object.objectId);
        if (target) unfollow(deps, remote, target.id);
      } else {
        const post = object.objectId ? findPostByUri(db, deps.baseUrl, object.objectId.href) : undefined;
        if (post) (object instanceof Like ? unfavourite : unreblog)(deps, remote, post.id);
      }
    })
    .on(Create, async (ctx, create) => {
      if (!fromAllowedServer(deps, create)) return; // before fetching its object
      const object = await create.getObject({ documentLoader: ctx.documentLoader }).catch(() => null);
      await receivePost(ctx, deps, create, object);
    })
    .on(Update, async (ctx, update) => {
      if (!fromAllowedServer(deps, update)) return;
      // The actor as sent inside the Update, read before getObject (which may fetch it instead):
      // Fedify keeps the JSON of the activity, not of its parts.
      const sent = sentJson(update);
      const embedded = typeof sent === "object" && sent !== null && "object" in sent ? sent.object : undefined;
      const object = await update.getObject({ documentLoader: ctx.documentLoader }).catch(() => null);
      if (isActor(object)) {
        // Only the actor itself, embedded: one Fedify fetched keeps its own JSON.
        const same = typeof embedded === "object" && embedded !== null && "id" in embedded && embedded.id === object.id?.href;
        if (object.id?.href === update.actorId?.href) await persistActor(ctx, db, object, same ? embedded : undefined);
        return;
      }
      await receivePost(ctx, deps, update, object);
    })
    .on(Delete, async (ctx, del) => {
      const remote = findAccountByUri(db, del.actorId?.href ?? "");
      const objectId = del.objectId;
      if (!remote || !objectId) return;
      if (objectId.href === remote.uri) {
        deleteRemoteAccount(db, remote.id);
        return;
      }
      if (objectId.origin !== new URL(remote.uri ?? "").origin) return;
      if (!deleteRemotePost(deps, objectId.href, remote.id)) stampWithdrawn(deps, objectId.href, remote.id);
    })
    .on(Like, async (ctx, like) => {
      const remote = await sender(ctx, deps, like);
      const post = like.objectId ? findPostByUri(db, deps.baseUrl, like.objectId.href) : undefined;
      if (remote && post) favourite(deps, remote, post.id, { uri: like.id?.href });
    })
    .on(Announce, async (ctx, announce) => {
      const remote = await sender(ctx, deps, announce);
      if (!remote?.uri || !announce.objectId) return;
      // A relay passes a post on as its Announce (LitePub relays, and Mastodon-style ones for
      // what their members did not sign): the post is kept if public, and nobody boosted it.
      const relayed = isJoinedRelay(db, remote.uri);
      let post = findPostByUri(db, deps.baseUrl, announce.objectId.href);
      // As on Mastodon, a boost is taken from someone a member follows, or of a member's post;
      // a stranger's (or a left relay's) would put any post it likes in the federated timeline.
      if (!relayed && post?.uri !== null && !followedByMembers(db, remote.id)) return;
      if (!post && federationAllowed(db, announce.objectId.host)) {
        // A boost of a post we do not have: fetch it from its own server first. An embedded copy
        // is taken only from the booster's own server; Fedify would also trust one that shares
        // the origin of the Announce's id, and that id is whatever the sender wrote.
        const own = announce.objectId.origin === new URL(remote.uri).origin;
        const object = own
          ? await announce.getObject({ documentLoader: ctx.documentLoader }).catch(() => null)
          : await lookup(ctx, db, announce.objectId);
        const author = isPostLike(object) ? await authorOf(ctx, deps, object) : null;
        if (author && isPostLike(object))
          post = await storePostObject(ctx, deps, object, author, relayed ? { delivered: true, relayed: true } : {});
      }
      if (relayed) return;
      if (post && (post.visibility === "public" || post.visibility === "unlisted")) {
        const at = announce.published ? new Date(announce.published.epochMilliseconds) : undefined;
        reblog(deps, remote, post.id, { uri: announce.id?.href, at });
      }
    })
    .on(Block, async (ctx, blockActivity) => {
      const remote = await sender(ctx, deps, blockActivity);
      const target = localActor(ctx, deps, blockActivity.objectId);
      if (remote && target) block(deps, remote, target.id);
    })
    .on(Move, async (ctx, move) => {
      // An account moved: its local followers follow the new one, if it names the old as an alias.
      const old = await sender(ctx, deps, move);
      if (!old || move.objectId?.href !== old.uri || !move.targetId) return;
      // The target as it is now: one of our members, or fetched afresh from its server.
      let target = localActor(ctx, deps, move.targetId);
      if (!target) {
        const fetched = await lookup(ctx, db, move.targetId, { fresh: true });
        target = isActor(fetched) ? ((await persistActor(ctx, db, fetched)) ?? undefined) : undefined;
      }
      if (!target || !receiveMove(deps, old.id, target.id))
        logger.info("Ignored the Move of {old}: its target does not name it as an alias", { old: old.uri });
    })
    .on(QuoteRequest, async (ctx, request) => {
      // Another server asks whether its account may quote a member's post (FEP-044f).
      const remote = await sender(ctx, deps, request);
      const post = request.objectId ? findPostByUri(db, deps.baseUrl, request.objectId.href) : undefined;
      const author =
        post && post.uri === null ? db.select().from(accounts).where(eq(accounts.id, post.accountId)).get() : undefined;
      // The quote asked about must be on the asker's own server.
      const quote = request.instrumentId;
      if (!remote?.uri || !remote.inboxUrl || !post || !author || quote?.origin !== new URL(remote.uri).origin) return;
      const approval = approveQuote(db, remote.id, post.id, quote.href);
      const me = ctx.getActorUri(author.username);
      const answer = approval
        ? new Accept({
            id: new URL(`#quotes/${approval}/accept/${crypto.randomUUID()}`, me),
            actor: me,
            object: request,
            result: ctx.getObjectUri(QuoteAuthorization, { identifier: author.username, id: approval }),
          })
        : new Reject({ id: new URL(`#quotes/${crypto.randomUUID()}/reject`, me), actor: me, object: request });
      await ctx.sendActivity(
        { identifier: author.username },
        { id: new URL(remote.uri), inboxId: new URL(remote.inboxUrl) },
        answer,
      );
    })
    .on(Flag, async (ctx, flag) => {
      const remote = await sender(ctx, deps, flag);
      if (!remote?.domain || blockFor(db, remote.domain)?.rejectReports) return;
      const objects = flag.objectIds.map((u) => u.href);
      const targets = localAccountsByUri(db, deps.baseUrl, objects);
      const postIds = objects.flatMap((u) => findPostByUri(db, deps.baseUrl, u)?.id ?? []);
      const targetAccountId =
        targets[0] ??
        (postIds[0] ? db.select({ a: posts.accountId }).from(posts).where(eq(posts.id, postIds[0])).get()?.a : undefined);
      if (!targetAccountId) return;
      fileRemoteReport(deps, {
        // The account that sent it stands for the other server's moderators, as on Mastodon
        // (whose moderation API gives every report an account).
        reporterId: remote.id,
        reporterDomain: remote.domain,
        targetAccountId,
        postIds,
        comment: remoteText(flag.content?.toString(), 5000),
        uri: flag.id?.href,
      });
    })
    .onUnverifiedActivity(async (_ctx, _activity, reason) => {
      // A signature that fails against the key we have may mean the sender rotated its key: forget
      // the cached actor document and key, so the sender's retry is checked against a fresh fetch.
      if (reason.type !== "invalidSignature" || !reason.keyId) return;
      const keyId = reason.keyId.href;
      const actorUrl = keyId.split("#")[0] ?? keyId;
      for (const url of new Set([keyId, actorUrl])) {
        await kv.delete(["_fedify", "remoteDocument", url]);
        await kv.delete(["_fedify", "publicKey", url]);
      }
    })
    .onError((_ctx, error) => {
      logger.warning("An incoming activity failed: {error}", { error });
    });
}

/**
 * The Follow we sent that an Accept or Reject answers, by its id (ours, so not fetched), and
 * only if the answering account is the one that was followed.
 */
function ourFollow(deps: CoreDeps, objectId: URL | null, answeredBy: string) {
  if (!objectId || objectId.origin !== deps.baseUrl.origin) return undefined;
  const row = deps.db.select().from(follows).where(eq(follows.uri, objectId.href)).get();
  return row && row.followingId === answeredBy ? row : undefined;
}

/** Create or Update of a post: the sender must be its author, on the post's own origin. */
async function receivePost(ctx: InboxContext<void>, deps: CoreDeps, activity: Create | Update, object: unknown) {
  if (!isPostLike(object) || object instanceof Tombstone || !object.id) return;
  const author = await sender(ctx, deps, activity);
  if (!author || object.attributionId?.href !== author.uri || object.id.origin !== new URL(author.uri ?? "").origin) {
    logger.info("Ignored {type} of {object}: its actor is not its author", {
      type: activity.constructor.name,
      object: object.id.href,
    });
    return;
  }
  if (activity instanceof Create && receivedVote(deps, author, object)) return;
  const relayed = deliveringRelay() !== undefined;
  const post = await storePostObject(ctx, deps, object, author, { delivered: true, relayed });
  // A reply to something we do not have: fetch the thread above it (bounded), after answering;
  // not for what a relay brings, which nobody here asked for (a busy relay would cost a fetch a second).
  if (post?.inReplyToUri && !relayed)
    fetchAncestors(ctx, deps, post.inReplyToUri).catch((error) =>
      logger.info("Could not fetch the thread above {uri}: {error}", { uri: post.inReplyToUri, error }),
    );
}

/**
 * A vote, as Mastodon sends one: a Note named after an option of a poll of ours, answering it.
 * Its option is counted; a vote the poll refuses changes nothing.
 */
function receivedVote(deps: CoreDeps, voter: AccountRow, object: unknown): boolean {
  if (!(object instanceof Note) || !object.name || !object.replyTargetId) return false;
  const post = findPostByUri(deps.db, deps.baseUrl, object.replyTargetId.href);
  const choice = post && post.uri === null ? choiceNamed(deps.db, post.id, object.name.toString()) : undefined;
  // Only a name that is one of the options makes a vote (as on Mastodon); else it is a reply.
  if (!post || choice === undefined || choice < 0) return false;
  try {
    vote(deps, voter, post.id, [choice], { uri: object.id?.href ?? null });
  } catch (error) {
    if (!(error instanceof CoreError)) throw error;
    logger.info("Refused a vote from {voter}: {reason}", { voter: voter.uri, reason: error.message });
  }
  return true;
}

/** A relay's answer to the instance's request to join it (core/relays.ts); whether it was one. */
function answeredRelay(deps: CoreDeps, answer: Accept | Reject, from: AccountRow): boolean {
  const id = answer.objectId;
  if (!id || id.origin !== deps.baseUrl.origin || !from.uri) return false;
  return relayAnswered(deps.db, id.href, from.uri, answer instanceof Accept);
}

/**
 * An answer to a member's QuoteRequest (whose id is the quote post's, with #quote-request): only
 * the quoted post's author answers it, an Accept with a stamp on their own server.
 */
function answeredQuote(deps: CoreDeps, answer: Accept | Reject, from: AccountRow): boolean {
  const id = answer.objectId;
  if (!id || id.origin !== deps.baseUrl.origin || id.hash !== "#quote-request") return false;
  const post = findPostByUri(deps.db, deps.baseUrl, id.href.replace(/#.*$/, ""));
  const quoted = post?.quoteOfId
    ? deps.db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, post.quoteOfId)).get()
    : undefined;
  if (!post || !from.uri || quoted?.accountId !== from.id) return true;
  const stamp = answer instanceof Accept ? answer.resultId : null;
  if (answer instanceof Accept && stamp?.origin !== new URL(from.uri).origin) return true;
  quoteAnswered(deps, post.id, stamp?.href ?? null);
  return true;
}
