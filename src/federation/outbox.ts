import { type Context, type Federation, importJwk } from "@fedify/fedify";
import {
  Accept,
  Announce,
  Block,
  Create,
  Delete,
  Flag,
  Follow,
  Like,
  Move,
  Note,
  PUBLIC_COLLECTION,
  type Question,
  QuoteAuthorization,
  QuoteRequest,
  type Recipient,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { and, eq, inArray } from "drizzle-orm";
import { takeDeletionNotice } from "../core/account-deletion.ts";
import type { CoreDeps } from "../core/deps.ts";
import { isInboxGone } from "../core/delivery.ts";
import { federationAllowed } from "../core/domain-allows.ts";
import { setFollowUri } from "../core/follows.ts";
import { actorUri } from "../core/moves.ts";
import { remoteVoters, votesToSend } from "../core/polls.ts";
import { joinedRelays, joiningRelay } from "../core/relays.ts";
import { findReport } from "../core/reports.ts";
import { loadPostViews, type PostView } from "../core/views.ts";
import { accounts, follows, posts } from "../db/schema.ts";
import { ProfileUpdate } from "./attribution.ts";
import { createOf, localNote } from "./convert.ts";
import { INSTANCE_ACTOR } from "./lookup.ts";
import { OutboxJournal } from "./outbox-journal.ts";

const logger = getLogger(["skein", "federation", "outbox"]);

type AccountRow = typeof accounts.$inferSelect;

/**
 * Whether anything may be sent to this inbox: it has not answered 404 or 410, and it is on a
 * server the instance federates with (not suspended; listed, in allowlist mode).
 */
function deliverable(db: CoreDeps["db"], inbox: string, host: string | null): boolean {
  return !isInboxGone(db, inbox) && federationAllowed(db, host);
}

/** Where to deliver to an account, unless it cannot be delivered to (deliverable). */
function recipient(db: CoreDeps["db"], a: AccountRow): Recipient | null {
  if (!a.uri || !a.inboxUrl || !deliverable(db, a.sharedInboxUrl ?? a.inboxUrl, a.domain)) return null;
  return {
    id: new URL(a.uri),
    inboxId: new URL(a.inboxUrl),
    endpoints: a.sharedInboxUrl ? { sharedInbox: new URL(a.sharedInboxUrl) } : null,
  };
}

/**
 * Domain events become activities: a local post becomes Create(Note) to the followers' servers
 * (one request per shared inbox) and to remote people mentioned, and so on. Fedify queues each
 * delivery in our SQLite queue and retries it.
 */
export function registerOutbox(federation: Federation<void>, deps: CoreDeps): OutboxJournal {
  const { db, events, baseUrl } = deps;
  const journal = new OutboxJournal(db, events);
  const context = () => federation.createContext(baseUrl, undefined);
  const account = (id: string) => db.select().from(accounts).where(eq(accounts.id, id)).get();
  const recipientOf = (id: string) => {
    const row = account(id);
    return row ? recipient(db, row) : null;
  };
  const remoteMentions = (post: PostView) => post.mentions.filter((m) => m.domain).flatMap((m) => recipientOf(m.id) ?? []);
  /** The inboxes of the relays joined, for public posts (as Mastodon, not unlisted ones). */
  const relaysFor = (visibility: string): Recipient[] =>
    visibility !== "public"
      ? []
      : joinedRelays(db).flatMap((r) => (deliverable(db, r.inboxUrl, new URL(r.inboxUrl).host) ? [relayRecipient(r)] : []));
  /** Sends to the followers' servers (unless direct), to remote people mentioned, and to the relays if public. */
  const deliver = async (post: PostView, activity: Create | Update | Delete, extra: Recipient[] = []) => {
    const ctx = context();
    const sender = { identifier: post.account.username };
    // Create, Update and Delete of one post reach each server in the order they were sent
    // (deliveries to a server otherwise run side by side).
    const options = { preferSharedInbox: true, orderingKey: post.uri };
    if (post.visibility !== "direct") await ctx.sendActivity(sender, "followers", activity, options);
    const others = [...remoteMentions(post), ...extra, ...relaysFor(post.visibility)];
    if (others.length > 0) await ctx.sendActivity(sender, others, activity, options);
  };
  const safely =
    <T>(name: string, handler: (event: T) => Promise<void>) =>
    async (event: T) => {
      try {
        await handler(event);
      } catch (error) {
        logger.error("Could not send {name}: {error}", { name, error });
      }
    };

  journal.on(
    "post.created",
    safely("Create", async ({ postId }) => {
      const post = loadAuthorView(postId);
      if (!post || post.reblog) return;
      const ctx = context();
      const note = localNote(ctx, deps, post);
      const parentAuthor = post.inReplyToAccount?.domain ? account(post.inReplyToAccount.id) : undefined;
      const extra =
        parentAuthor && post.visibility !== "direct"
          ? [recipient(db, parentAuthor)].filter((r): r is Recipient => r !== null)
          : [];
      await deliver(post, createOf(note), extra);
      if (post.quote && post.quotePending) await askToQuote(ctx, post, note);
    }),
  );
  /**
   * A member's quote of another server's post: its author is asked (FEP-044f QuoteRequest, the
   * quote post as instrument); inbox.ts takes the answer.
   */
  const askToQuote = async (ctx: Context<void>, post: PostView, note: Note | Question) => {
    const author = post.quote ? account(post.quote.account.id) : undefined;
    const r = author ? recipient(db, author) : null;
    if (!post.quote || !r) return;
    const request = new QuoteRequest({
      id: new URL(`${post.uri}#quote-request`),
      actor: note.attributionId,
      object: new URL(post.quote.uri),
      instrument: note,
    });
    await ctx.sendActivity({ identifier: post.account.username }, r, request);
  };
  /** The post as it now is, to those who had it (and, for a poll, to other servers' voters). */
  const sendUpdate = async (postId: string) => {
    const post = loadAuthorView(postId);
    if (!post) return;
    const ctx = context();
    const note = localNote(ctx, deps, post);
    const voters = post.poll ? remoteVoters(db, postId).flatMap((id) => recipientOf(id) ?? []) : [];
    await deliver(
      post,
      new Update({
        id: new URL(`${post.uri}#update-${Date.now()}`),
        actor: note.attributionId,
        tos: note.toIds,
        ccs: note.ccIds,
        object: note,
      }),
      voters,
    );
  };
  journal.on(
    "post.updated",
    safely("Update", ({ postId }) => sendUpdate(postId)),
  );
  /**
   * A member took back a quote of their post: a member's quote post goes out again without it; the
   * author of another server's quote is sent a Delete of the stamp, as Mastodon does.
   */
  journal.on(
    "quote.revoked",
    safely("Delete(QuoteAuthorization)", async ({ postId, quotingId, approvalIds, remote }) => {
      if (!remote) return sendUpdate(quotingId);
      const post = db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, postId)).get();
      const quoting = db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, quotingId)).get();
      const author = post ? account(post.accountId) : undefined;
      const target = quoting ? recipientOf(quoting.accountId) : null;
      if (!author || !target) return;
      const ctx = context();
      const me = ctx.getActorUri(author.username);
      for (const id of approvalIds) {
        const stamp = ctx.getObjectUri(QuoteAuthorization, { identifier: author.username, id });
        const del = new Delete({ id: new URL(`${stamp.href}#delete`), actor: me, object: new Tombstone({ id: stamp }) });
        await ctx.sendActivity({ identifier: author.username }, target, del);
      }
    }),
  );
  // A local poll's new counts (each minute at most) and its final count.
  for (const type of ["poll.counts", "poll.ended"] as const)
    journal.on(
      type,
      safely("Update(Question)", ({ postId }) => sendUpdate(postId)),
    );
  /**
   * Votes. In another server's poll, a member's vote goes to the poll's author alone, a Note per
   * choice naming it (a local poll's new counts go out with poll.counts).
   */
  journal.on(
    "poll.voted",
    safely("vote", async ({ postId, accountId, voteIds }) => {
      const votes = votesToSend(db, voteIds);
      const author = votes[0] ? account(votes[0].authorId) : undefined;
      const voter = account(accountId);
      if (!author || !voter) return;
      const target = author.domain ? recipient(db, author) : null;
      if (voter.domain || !target) return;
      const ctx = context();
      const me = ctx.getActorUri(voter.username);
      for (const v of votes) {
        const id = new URL(`${me.href}#votes/${v.id}`);
        const note = new Note({ id, attribution: me, to: target.id, name: v.title, replyTarget: new URL(v.postUri ?? "") });
        const create = new Create({ id: new URL(`${id.href}/activity`), actor: me, to: target.id, object: note });
        await ctx.sendActivity({ identifier: voter.username }, target, create);
      }
    }),
  );
  journal.on(
    "post.deleted",
    safely("Delete", async ({ postId, accountId, uri, visibility }) => {
      const author = account(accountId);
      if (!author || author.domain || uri) return; // only local posts are ours to delete remotely
      const ctx = context();
      const id = new URL(`/@${author.username}/${postId}`, baseUrl);
      const activity = new Delete({
        id: new URL(`${id.href}#delete`),
        actor: ctx.getActorUri(author.username),
        to: PUBLIC_COLLECTION,
        object: new Tombstone({ id }),
      });
      // After the post's Create and Updates, which went with the same key (deliver).
      const options = { preferSharedInbox: true, orderingKey: id.href };
      await ctx.sendActivity({ identifier: author.username }, "followers", activity, options);
      const relays = relaysFor(visibility);
      if (relays.length > 0) await ctx.sendActivity({ identifier: author.username }, relays, activity, options);
    }),
  );
  /** The Like a local member sends for a remote post; its Undo carries the same id. */
  const likeOf = (ctx: Context<void>, username: string, postId: string, uri: string) => {
    const me = ctx.getActorUri(username);
    return new Like({ id: new URL(`${me.href}#likes/${postId}`), actor: me, object: new URL(uri) });
  };
  journal.on(
    "post.favourited",
    safely("Like", async ({ postId, accountId }) => {
      const { liker, target, post } = interaction(postId, accountId);
      if (!liker || !target || !post?.uri) return;
      const ctx = context();
      await ctx.sendActivity({ identifier: liker.username }, target, likeOf(ctx, liker.username, postId, post.uri));
    }),
  );
  journal.on(
    "post.unfavourited",
    safely("Undo(Like)", async ({ postId, accountId }) => {
      const { liker, target, post } = interaction(postId, accountId);
      if (!liker || !target || !post?.uri) return;
      const ctx = context();
      const like = likeOf(ctx, liker.username, postId, post.uri);
      await ctx.sendActivity(
        { identifier: liker.username },
        target,
        new Undo({ id: new URL(`${like.id?.href}/undo/${Date.now()}`), actor: like.actorId, object: like }),
      );
    }),
  );

  /** A local member's boost, sent to their followers and to the boosted post's author. */
  const sendBoost = async (reblogId: string, postId: string, accountId: string, undo: boolean) => {
    const booster = account(accountId);
    const original = booster && !booster.domain ? loadPostViews(db, baseUrl, [postId], accountId)[0] : undefined;
    if (!booster || !original) return;
    const ctx = context();
    const me = ctx.getActorUri(booster.username);
    const announce = new Announce({
      id: new URL(`/@${booster.username}/${reblogId}/activity`, baseUrl),
      actor: me,
      object: new URL(original.uri),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(booster.username),
      published: Temporal.Now.instant(),
    });
    const activity = undo ? new Undo({ id: new URL(`${announce.id?.href}#undo`), actor: me, object: announce }) : announce;
    await ctx.sendActivity({ identifier: booster.username }, "followers", activity, { preferSharedInbox: true });
    const author = original.account.domain ? account(original.account.id) : undefined;
    const r = author ? recipient(db, author) : null;
    if (r) await ctx.sendActivity({ identifier: booster.username }, r, activity);
  };
  journal.on(
    "post.reblogged",
    safely("Announce", ({ postId, reblogId, accountId }) => sendBoost(reblogId, postId, accountId, false)),
  );
  journal.on(
    "post.unreblogged",
    safely("Undo(Announce)", ({ postId, reblogId, accountId }) => sendBoost(reblogId, postId, accountId, true)),
  );
  journal.on(
    "follow.requested",
    safely("Follow", async ({ followId }) => {
      const row = db.select().from(follows).where(eq(follows.id, followId)).get();
      const follower = row ? account(row.followerId) : undefined;
      const target = row ? account(row.followingId) : undefined;
      const r = target ? recipient(db, target) : null;
      if (!row || !follower || follower.domain || !target?.uri || !r) return;
      const ctx = context();
      const id = new URL(`/follows/${followId}`, baseUrl);
      setFollowUri(db, followId, id.href);
      await ctx.sendActivity(
        { identifier: follower.username },
        r,
        new Follow({ id, actor: ctx.getActorUri(follower.username), object: new URL(target.uri) }),
      );
    }),
  );
  journal.on(
    "follow.undone",
    safely("Undo(Follow)", async ({ followerId, followingId, uri }) => {
      const follower = account(followerId);
      const target = account(followingId);
      const r = target ? recipient(db, target) : null;
      if (!follower || follower.domain || !target?.uri || !r) return;
      const ctx = context();
      const me = ctx.getActorUri(follower.username);
      const follow = new Follow({ id: uri ? new URL(uri) : null, actor: me, object: new URL(target.uri) });
      await ctx.sendActivity(
        { identifier: follower.username },
        r,
        new Undo({ id: new URL(`#undo-follow/${Date.now()}`, me), actor: me, object: follow }),
      );
    }),
  );
  journal.on(
    "follow.accepted",
    safely("Accept", async ({ followId }) => {
      const row = db.select().from(follows).where(eq(follows.id, followId)).get();
      const follower = row ? account(row.followerId) : undefined;
      const target = row ? account(row.followingId) : undefined;
      const r = follower ? recipient(db, follower) : null;
      if (!row || !target || target.domain || !follower?.uri || !r) return;
      const ctx = context();
      const me = ctx.getActorUri(target.username);
      const follow = new Follow({ id: row.uri ? new URL(row.uri) : null, actor: new URL(follower.uri), object: me });
      await ctx.sendActivity(
        { identifier: target.username },
        r,
        new Accept({ id: new URL(`#accept/${followId}`, me), actor: me, object: follow }),
      );
    }),
  );
  journal.on(
    "follow.rejected",
    safely("Reject", async ({ followerId, followingId, uri }) => {
      const follower = account(followerId);
      const target = account(followingId);
      const r = follower ? recipient(db, follower) : null;
      if (!target || target.domain || !follower?.uri || !r) return;
      const ctx = context();
      const me = ctx.getActorUri(target.username);
      const follow = new Follow({ id: uri ? new URL(uri) : null, actor: new URL(follower.uri), object: me });
      await ctx.sendActivity(
        { identifier: target.username },
        r,
        new Reject({ id: new URL(`#reject/${Date.now()}`, me), actor: me, object: follow }),
      );
    }),
  );
  journal.on(
    "account.blocked",
    safely("Block", async ({ accountId, targetAccountId }) => {
      const blocker = account(accountId);
      const target = account(targetAccountId);
      const r = target ? recipient(db, target) : null;
      if (!blocker || blocker.domain || !target?.uri || !r) return;
      const ctx = context();
      const me = ctx.getActorUri(blocker.username);
      await ctx.sendActivity(
        { identifier: blocker.username },
        r,
        new Block({ id: new URL(`#block/${Date.now()}`, me), actor: me, object: new URL(target.uri) }),
      );
    }),
  );
  journal.on(
    "account.updated",
    safely("Update(Person)", async ({ accountId }) => {
      const me = account(accountId);
      if (!me || me.domain) return;
      // The actor document as the actor dispatcher builds it, for a context made outside a request.
      const ctx = federation.createContext(new Request(new URL(`/@${me.username}`, baseUrl).href), undefined);
      const actor = await ctx.getActor(me.username);
      if (actor) {
        await ctx.sendActivity(
          { identifier: me.username },
          "followers",
          new ProfileUpdate({
            id: new URL(`#update/${Date.now()}`, ctx.getActorUri(me.username)),
            actor: actor.id,
            object: actor,
          }),
          // Written once, here: the fan-out worker would rebuild it as a plain Update, without attributionDomains.
          { preferSharedInbox: true, fanout: "skip" },
        );
      }
    }),
  );
  journal.on(
    "account.deleted",
    safely("Delete(Person)", async ({ username }) => {
      const notice = takeDeletionNotice(db, username);
      if (!notice || notice.recipients.length === 0) return;
      // The account row is gone: sign with the keys kept for this, under the ids they had.
      const ctx = context();
      const me = ctx.getActorUri(username);
      const keys = await Promise.all(
        notice.keys.map(async (k) => ({
          // The ids Fedify gave them in the actor document (RSA first, then Ed25519).
          keyId: new URL(k.algorithm === "Ed25519" ? "#key-2" : "#main-key", me),
          privateKey: await importJwk(k.privateKey as Parameters<typeof importJwk>[0], "private"),
        })),
      );
      const recipients = notice.recipients.flatMap((r) =>
        deliverable(db, r.inbox, new URL(r.id).host) ? [{ id: new URL(r.id), inboxId: new URL(r.inbox) }] : [],
      );
      await ctx.sendActivity(
        keys,
        recipients,
        new Delete({ id: new URL("#delete", me), actor: me, object: me, to: PUBLIC_COLLECTION }),
      );
    }),
  );
  journal.on(
    "account.moved",
    safely("Move", async ({ accountId, targetId }) => {
      const me = account(accountId);
      const target = account(targetId);
      if (!me || me.domain || !target) return;
      // The actor document now names the target (movedTo): followers' servers see it on refetch.
      const ctx = context();
      const old = ctx.getActorUri(me.username);
      const move = new Move({
        id: new URL(`#move/${Date.now()}`, old),
        actor: old,
        object: old,
        target: new URL(actorUri(deps, target)),
        to: ctx.getFollowersUri(me.username),
      });
      await ctx.sendActivity({ identifier: me.username }, "followers", move, { preferSharedInbox: true });
    }),
  );

  /** The instance actor asks a relay to let it join (Mastodon's relay protocol: a Follow of the public). */
  const relayFollow = (ctx: Context<void>, followUri: string) =>
    new Follow({ id: new URL(followUri), actor: ctx.getActorUri(INSTANCE_ACTOR), object: PUBLIC_COLLECTION });
  journal.on(
    "relay.joined",
    safely("Follow(relay)", async ({ relayId }) => {
      const relay = joiningRelay(db, relayId);
      if (!relay?.followUri) return;
      const ctx = context();
      // Follow and Undo reach the relay in the order they were sent (leaving, then joining again).
      await ctx.sendActivity({ identifier: INSTANCE_ACTOR }, relayRecipient(relay), relayFollow(ctx, relay.followUri), {
        orderingKey: relay.inboxUrl,
      });
    }),
  );
  journal.on(
    "relay.left",
    safely("Undo(Follow relay)", async ({ inboxUrl, followUri, actorUri }) => {
      const ctx = context();
      const follow = relayFollow(ctx, followUri);
      const undo = new Undo({ id: new URL(`${followUri}/undo`), actor: follow.actorId, object: follow });
      await ctx.sendActivity({ identifier: INSTANCE_ACTOR }, relayRecipient({ inboxUrl, actorUri }), undo, {
        orderingKey: inboxUrl,
      });
    }),
  );

  journal.on(
    "report.filed",
    safely("Flag", async ({ reportId }) => {
      const report = findReport(db, reportId);
      const target = report?.forward ? account(report.targetAccountId) : undefined;
      const r = target?.domain ? recipient(db, target) : null;
      if (!report || !target?.uri || !r) return;
      // Sent by the instance actor: the remote moderators never learn who reported.
      const ctx = context();
      const postUris = db
        .select({ uri: posts.uri })
        .from(posts)
        .where(inArray(posts.id, report.postIds))
        .all()
        .flatMap((p) => (p.uri ? [new URL(p.uri)] : []));
      const me = ctx.getActorUri(INSTANCE_ACTOR);
      const flag = new Flag({
        id: new URL(`#flags/${report.id}`, me),
        actor: me,
        objects: [new URL(target.uri), ...postUris],
        content: report.comment || null,
      });
      await ctx.sendActivity({ identifier: INSTANCE_ACTOR }, r, flag);
    }),
  );

  /** The local author's view of their own post (even followers-only and direct ones). */
  function loadAuthorView(postId: string): PostView | undefined {
    const row = db.select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, postId)).get();
    if (!row) return undefined;
    const view = loadPostViews(db, baseUrl, [postId], row.accountId)[0];
    return view && view.account.domain === null ? view : undefined;
  }

  /** A local member's like of a remote post: who liked, whose server to tell, which post. */
  function interaction(postId: string, accountId: string) {
    const liker = account(accountId);
    const post = db.select().from(posts).where(eq(posts.id, postId)).get();
    const author = post ? account(post.accountId) : undefined;
    if (!liker || liker.domain || !post?.uri || !author?.domain) return {};
    return { liker, target: recipient(db, author) ?? undefined, post };
  }

  return journal;
}

/** A relay as a recipient: its inbox, and its actor once its Accept named it (Fedify needs an id; the inbox stands in before). */
function relayRecipient(relay: { inboxUrl: string; actorUri: string | null }): Recipient {
  return { id: new URL(relay.actorUri ?? relay.inboxUrl), inboxId: new URL(relay.inboxUrl) };
}

/** Remote followers of a local account, for Fedify's "followers" fan-out. */
export function remoteFollowers(deps: CoreDeps, accountId: string): Recipient[] {
  return deps.db
    .select({ account: accounts })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.followerId))
    .where(and(eq(follows.followingId, accountId), eq(follows.state, "accepted")))
    .all()
    .flatMap(({ account }) => {
      const r = account.domain ? recipient(deps.db, account) : null;
      return r ? [r] : [];
    });
}
