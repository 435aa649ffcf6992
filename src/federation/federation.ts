import {
  createExponentialBackoffPolicy,
  createFederation,
  type Federation,
  type RequestContext,
  SendActivityError,
} from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Application, Emoji, Endpoints, Hashtag, Image, Note, PropertyValue, QuoteAuthorization, Tombstone } from "@fedify/vocab";
import { and, count, desc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import { wasDeleted } from "../core/account-deletion.ts";
import { countLocalUsers, findMember } from "../core/accounts.ts";
import { emojisIn, localEmojiViews } from "../core/custom-emojis.ts";
import { accountCounts } from "../core/accounts-read.ts";
import type { CoreDeps } from "../core/deps.ts";
import { relationship } from "../core/follows.ts";
import { getSettings } from "../core/instance.ts";
import { featuredTagsOf } from "../core/featured-tags.ts";
import { actorUri } from "../core/moves.ts";
import { quoteApproval } from "../core/quotes.ts";
import { findAccountByUri } from "../core/remote.ts";
import { markInboxGone, recordDeliveryFailure, recordDeliverySuccess } from "../core/delivery.ts";
import { instanceStats } from "../core/stats.ts";
import { loadPostViews } from "../core/views.ts";
import { linkedLine, linkedText } from "../core/text.ts";
import type { Config } from "../config.ts";
import { accounts, follows, mentions, posts } from "../db/schema.ts";
import { VERSION } from "../version.ts";

import { AttributedPerson, AttributedService } from "./attribution.ts";
import { createOf, emojiTags, emojiToAs, localNote } from "./convert.ts";
import { notDelivered, observeDeliveries } from "./delivery-outcome.ts";
import { registerInbox } from "./inbox.ts";
import { mayRead } from "./access.ts";
import { actorKeyPairs, instanceKeyPairs } from "./keys.ts";
import { INSTANCE_ACTOR } from "./lookup.ts";
import { SqliteKvStore } from "./kv.ts";
import { guardedLoaderFactories, setFetchPolicy, skeinUserAgent } from "./loaders.ts";
import { registerOutbox, remoteFollowers } from "./outbox.ts";
import type { SqliteMessageQueue } from "./queue.ts";

export interface FederationDeps extends CoreDeps {
  config: Pick<Config, "url" | "allowPrivateAddresses">;
  queue: SqliteMessageQueue;
}

const PAGE = 20;
const logger = getLogger(["skein", "federation"]);

/** A failed delivery as the admin pages show it: the status and the start of the answer, or the network error. */
function deliveryError(error: Error): string {
  if (!(error instanceof SendActivityError)) return error.message;
  const body = (error.responseBody ?? "").replace(/\s+/g, " ").trim().slice(0, 200);
  return body ? `HTTP ${error.statusCode}: ${body}` : `HTTP ${error.statusCode}`;
}

/** The instance's own actor: it signs the fetches the instance makes on its own behalf (lookup.ts). */
async function instanceActor(ctx: RequestContext<void>) {
  const keys = await ctx.getActorKeyPairs(INSTANCE_ACTOR);
  return new Application({
    id: ctx.getActorUri(INSTANCE_ACTOR),
    preferredUsername: ctx.host,
    name: ctx.host,
    inbox: ctx.getInboxUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    manuallyApprovesFollowers: true,
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  });
}

/**
 * The Fedify federation: WebFinger, NodeInfo, actors, their collections, posts as Notes, the
 * inboxes (inbox.ts) and outgoing activities (outbox.ts). Actors and posts live at the same URLs
 * as their HTML pages (/@name, /@name/ID): servers get AS2, browsers fall through to our pages.
 */
export function createSkeinFederation(deps: FederationDeps): Federation<void> {
  const { db, config, queue } = deps;
  const kv = new SqliteKvStore(db);
  const userAgent = skeinUserAgent(config.url);
  const federation = createFederation<void>({
    kv,
    // Outgoing deliveries go through the queue (retried, surviving restarts); deliveries that
    // arrive are recorded (the admin pages show the last one, and a host that recovers stops
    // showing as failing); failed attempts are recorded by onOutboxError. Incoming activities are
    // handled while the sender waits, as most take a few milliseconds: a queue in between cost a
    // quarter of the inbox's throughput (a second parse and three writes each). A failure answers
    // 5xx and the sender retries; slow follow-ups (a reply's missing ancestors) run afterwards.
    queue: (() => {
      const outgoing = observeDeliveries(queue, (inbox) => recordDeliverySuccess(db, inbox));
      return { outbox: outgoing, fanout: outgoing };
    })(),
    onOutboxError: (error) => {
      const inbox = notDelivered() ?? (error instanceof SendActivityError ? error.inbox.href : undefined);
      if (inbox) recordDeliveryFailure(db, inbox, deliveryError(error));
    },
    // Generated URLs use the configured public URL, never the Host of a request.
    origin: config.url.origin,
    // Every document Fedify fetches (actors, keys, objects, collections, signed or not) goes
    // through the guarded fetch: address checks pinned to the connection, deadline, size limit.
    ...guardedLoaderFactories(kv, { allowPrivate: config.allowPrivateAddresses, userAgent }),
    // Many servers verify only draft-cavage and answer 202 to what they could not read.
    firstKnock: "draft-cavage-http-signatures-12",
    // Retries for about a day: 10 s, 20 s, 40 s … doubling up to 6 h between tries, 14 tries.
    outboxRetryPolicy: createExponentialBackoffPolicy({ initialDelay: { seconds: 10 }, maxDelay: { hours: 6 }, maxAttempts: 14 }),
    // The queue is started by the server, after migrations, and stopped with it.
    manuallyStartQueue: true,
  });
  // Fedify refuses `userAgent` and `allowPrivateAddress` next to custom loader factories, yet
  // uses both where it fetches without a loader (WebFinger, NodeInfo, deliveries): set after.
  Object.assign(federation, { userAgent, allowPrivateAddress: config.allowPrivateAddresses });
  setFetchPolicy(federation, { allowPrivate: config.allowPrivateAddresses, userAgent });
  const local = (identifier: string) => {
    const account = findMember(db, identifier);
    return account && account.username === identifier ? account : undefined;
  };
  /** The actor an account moved to, named in its document as `movedTo`. */
  const movedTo = (id: string | null) => {
    const row = id ? db.select().from(accounts).where(eq(accounts.id, id)).get() : undefined;
    return row ? new URL(actorUri(deps, row)) : null;
  };

  federation
    .setActorDispatcher("/@{identifier}", async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return instanceActor(ctx);
      const account = local(identifier);
      if (!account) return wasDeleted(db, identifier) ? new Tombstone({ id: ctx.getActorUri(identifier) }) : null;
      const keys = await ctx.getActorKeyPairs(identifier);
      const profileUrl = ctx.getActorUri(identifier);
      const link = (text: string) => linkedText(text, config.url);
      const values = {
        id: profileUrl,
        preferredUsername: account.username,
        name: account.displayName || account.username,
        summary: account.note ? link(account.note) : null,
        url: profileUrl,
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        featured: ctx.getFeaturedUri(identifier),
        featuredTags: ctx.getFeaturedTagsUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        manuallyApprovesFollowers: account.locked,
        discoverable: account.discoverable,
        published: Temporal.Instant.fromEpochMilliseconds(account.createdAt.getTime()),
        icon: account.avatarUrl ? new Image({ url: new URL(account.avatarUrl, config.url) }) : null,
        image: account.headerUrl ? new Image({ url: new URL(account.headerUrl, config.url) }) : null,
        attachments: account.fields.map((f) => new PropertyValue({ name: f.name, value: linkedLine(f.value, config.url) })),
        aliases: account.alsoKnownAs.map((uri) => new URL(uri)),
        tags: emojiTags(
          ctx,
          emojisIn(db, null, [account.displayName, account.note, ...account.fields.flatMap((f) => [f.name, f.value])]),
        ),
        successor: movedTo(account.movedToId),
        publicKey: keys[0]?.cryptographicKey,
        assertionMethods: keys.map((k) => k.multikey),
      };
      const actor = account.bot ? new AttributedService(values) : new AttributedPerson(values);
      actor.attributionDomains = account.attributionDomains;
      return actor;
    })
    .mapHandle((_ctx, username) => findMember(db, username)?.username ?? null)
    // Secure mode, allowlist mode and suspensions decide who reads actors (access.ts); the
    // instance actor stays open: it is how other servers get the key to check our signed fetches.
    .authorize((ctx, identifier) => identifier === INSTANCE_ACTOR || mayRead(db, ctx))
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return instanceKeyPairs(db);
      const account = findMember(db, identifier);
      return account ? actorKeyPairs(db, account.id) : [];
    });

  // Followers: Fedify fans out to these (remote only: local followers read the database).
  federation
    .setFollowersDispatcher("/@{identifier}/followers", (ctx, identifier) => {
      const account = local(identifier);
      if (!account) return null;
      const items = remoteFollowers(deps, account.id);
      // A member who hides the list shows only its size to other servers.
      const hidden = account.hideCollections && "request" in ctx;
      return { items: hidden ? [] : items };
    })
    .setCounter((_ctx, identifier) => {
      const account = local(identifier);
      return account ? accountCounts(db, account.id).followers : null;
    })
    .authorize((ctx) => mayRead(db, ctx));

  federation
    .setFollowingDispatcher("/@{identifier}/following", (_ctx, identifier) => {
      const account = local(identifier);
      if (!account) return null;
      if (account.hideCollections) return { items: [] };
      const rows = db
        .select({ uri: accounts.uri, username: accounts.username, domain: accounts.domain })
        .from(follows)
        .innerJoin(accounts, eq(accounts.id, follows.followingId))
        .where(and(eq(follows.followerId, account.id), eq(follows.state, "accepted")))
        .limit(1000)
        .all();
      return { items: rows.map((r) => (r.domain ? new URL(r.uri ?? "") : new URL(`/@${r.username}`, config.url))) };
    })
    .setCounter((_ctx, identifier) => {
      const account = local(identifier);
      return account ? accountCounts(db, account.id).following : null;
    })
    .authorize((ctx) => mayRead(db, ctx));

  // Outbox: public and unlisted posts, newest first, paged by post id.
  federation
    .setOutboxDispatcher("/@{identifier}/outbox", (ctx, identifier, cursor) => {
      const account = local(identifier);
      if (!account || cursor === null) return account ? { items: [] } : null;
      const rows = db
        .select({ id: posts.id })
        .from(posts)
        .where(
          and(
            eq(posts.accountId, account.id),
            isNull(posts.reblogOfId),
            eq(posts.visibility, "public"),
            cursor ? lt(posts.id, cursor) : undefined,
          ),
        )
        .orderBy(desc(posts.id))
        .limit(PAGE)
        .all();
      const views = loadPostViews(
        db,
        config.url,
        rows.map((r) => r.id),
        null,
      );
      const items = views.map((view) => createOf(localNote(ctx, deps, view)));
      return { items, nextCursor: rows.length === PAGE ? (rows.at(-1)?.id ?? null) : null };
    })
    .setFirstCursor(() => "")
    .setCounter((_ctx, identifier) => {
      const account = local(identifier);
      return account
        ? (db
            .select({ n: count() })
            .from(posts)
            .where(and(eq(posts.accountId, account.id), isNull(posts.reblogOfId), eq(posts.visibility, "public")))
            .get()?.n ?? 0)
        : null;
    })
    .authorize((ctx) => mayRead(db, ctx));

  // Featured: pinned posts.
  federation
    .setFeaturedDispatcher("/@{identifier}/featured", (ctx, identifier) => {
      const account = local(identifier);
      if (!account) return null;
      const ids = db
        .select({ id: posts.id })
        .from(posts)
        .where(and(eq(posts.accountId, account.id), isNotNull(posts.pinnedAt)))
        .orderBy(desc(posts.pinnedAt))
        .all()
        .map((r) => r.id);
      return {
        items: loadPostViews(db, config.url, ids, null)
          .filter((v) => v.visibility === "public" || v.visibility === "unlisted")
          .map((v) => localNote(ctx, deps, v)),
      };
    })
    .authorize((ctx) => mayRead(db, ctx));

  // Featured hashtags (Mastodon reads them into the profile).
  federation
    .setFeaturedTagsDispatcher("/@{identifier}/tags", (ctx, identifier) => {
      const account = local(identifier);
      if (!account) return null;
      return {
        items: featuredTagsOf(db, account.id).map(
          (f) =>
            new Hashtag({
              href: new URL(`/@${account.username}/tagged/${encodeURIComponent(f.name)}`, ctx.canonicalOrigin),
              name: `#${f.display}`,
            }),
        ),
      };
    })
    .authorize((ctx) => mayRead(db, ctx));

  // Each post at its own URL. Followers-only and direct posts only for a signed request from
  // someone allowed to see them.
  federation
    .setObjectDispatcher(Note, "/@{identifier}/{id}", (ctx, values) => {
      const account = local(values.identifier);
      if (!account) return null;
      const row = db
        .select()
        .from(posts)
        .where(and(eq(posts.id, values.id), eq(posts.accountId, account.id), isNull(posts.reblogOfId)))
        .get();
      if (!row) return null;
      const view = loadPostViews(db, config.url, [row.id], account.id)[0];
      return view ? localNote(ctx, deps, view) : null;
    })
    .authorize(async (ctx, values) => {
      const row = db.select().from(posts).where(eq(posts.id, values.id)).get();
      if (!row) return true;
      if (!(await mayRead(db, ctx))) return false;
      if (row.visibility === "public" || row.visibility === "unlisted") return true;
      const owner = await ctx.getSignedKeyOwner();
      const reader = owner?.id ? findAccountByUri(db, owner.id.href) : undefined;
      if (!reader) return false;
      const mentioned = db
        .select()
        .from(mentions)
        .where(and(eq(mentions.postId, row.id), eq(mentions.accountId, reader.id)))
        .get();
      return Boolean(mentioned) || (row.visibility === "private" && relationship(db, reader.id, row.accountId).following);
    });

  registerInbox(federation, deps, kv);
  const journal = registerOutbox(federation, deps);
  // What a crash interrupted between a commit and the queue is sent now (outbox-journal.ts).
  journal.replay().catch((error) => logger.error("Could not replay the outbox journal: {error}", { error }));
  // 404 and 410 from an inbox (already counted by onOutboxError): it is gone, stop writing to
  // it (outbox.ts skips it). A message the circuit breaker held too long is only a failure: the
  // host was down for a day, it may come back.
  federation.setOutboxPermanentFailureHandler((_ctx, { inbox, reason }) => {
    notDelivered();
    if (reason === "http") markInboxGone(db, inbox.href);
    else recordDeliveryFailure(db, inbox.href, "Gave up: the server was unreachable for too long");
  });

  // The quotes of members' posts this instance approved (core/quotes.ts), as FEP-044f stamps that
  // the quoting servers link to and others check.
  federation.setObjectDispatcher(QuoteAuthorization, "/@{identifier}/quotes/{id}", (ctx, values) => {
    const approval = quoteApproval(db, values.id);
    const author = approval ? local(values.identifier) : undefined;
    if (!approval || !author || author.id !== approval.authorId) return null;
    return new QuoteAuthorization({
      id: ctx.getObjectUri(QuoteAuthorization, values),
      attribution: ctx.getActorUri(author.username),
      interactingObject: new URL(approval.quoteUri),
      interactionTarget: ctx.getObjectUri(Note, { identifier: author.username, id: approval.postId }),
    });
  });

  // This instance's custom emoji (core/local-emojis.ts), which posts and profiles name in their tags.
  federation
    .setObjectDispatcher(Emoji, "/emojis/{id}", (ctx, values) => {
      const [emoji] = localEmojiViews(db, { id: values.id });
      return emoji?.local ? emojiToAs(ctx, emoji, emoji.local) : null;
    })
    .authorize((ctx) => mayRead(db, ctx));

  federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => {
    const settings = getSettings(db);
    const users = countLocalUsers(db);
    const stats = instanceStats(db);
    return {
      software: { name: "skein", version: VERSION, homepage: config.url },
      protocols: ["activitypub"],
      openRegistrations: settings.registrationMode === "open",
      usage: {
        users: { total: users, activeMonth: stats.activeMonth, activeHalfyear: stats.activeHalfyear },
        localPosts: stats.localPosts,
        localComments: 0,
      },
      metadata: { nodeName: settings.name, nodeDescription: settings.description },
    };
  });

  return federation;
}
