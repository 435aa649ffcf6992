// An independent ActivityPub server for federation tests, built directly on Fedify and sharing
// no code with Skein. Started by test/helpers/peer.ts as `bun peer-server.ts CERT KEY`; it
// serves HTTPS on 127.0.0.1 (a free port, printed as `PEER_LISTENING <port>` on stdout) and is
// driven by the test through plain JSON under /_control/… (no auth: tests only).
//
// State lives in memory: actors and their keys, followers, follows, notes, and every activity
// received. It exits on SIGTERM/SIGINT, or when the process named by PEER_PARENT_PID is gone,
// so it cannot outlive the test run.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  type InboxContext,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  type Actor,
  Announce,
  Block,
  Collection,
  Create,
  Delete,
  Document,
  Endpoints,
  Flag,
  Follow,
  Hashtag,
  Image,
  InteractionPolicy,
  LanguageString,
  InteractionRule,
  isActor,
  Like,
  Mention,
  Move,
  Note,
  Question,
  QuoteAuthorization,
  QuoteRequest,
  type Object as APObject,
  Person,
  PUBLIC_COLLECTION,
  type Recipient,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { configure, getConsoleSink, getTextFormatter, type LogLevel } from "@logtape/logtape";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const [certPath, keyPath] = process.argv.slice(2);
if (!certPath || !keyPath) {
  console.error("usage: bun peer-server.ts CERT.pem KEY.pem");
  process.exit(2);
}

const logLevel = (process.env.PEER_LOG_LEVEL ?? "warning") as LogLevel;
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink({ formatter: getTextFormatter({ value: "bare" }) }) },
  loggers: [
    { category: ["fedify"], sinks: ["console"], lowestLevel: logLevel },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

// ---------------------------------------------------------------------------------------------
// State

interface StoredActor {
  identifier: string;
  name: string;
  summary: string;
  /** Actor ids this actor also goes by (alsoKnownAs), for account moves. */
  aliases: string[];
  /** Hashtags (without #) the actor features, served as its featuredTags collection. */
  featuredTags: string[];
  /** When false, Follows stay pending until /_control/accept-follow or /_control/reject-follow. */
  autoAccept: boolean;
  /** Quotes of this actor's notes: answered with an Accept and a QuoteAuthorization, or a Reject. */
  acceptQuotes: boolean;
  /**
   * A relay (Mastodon's protocol, FEP-ae0c): a Follow of the public collection subscribes a
   * server to it, and what the subscribers' actors send it is forwarded, as signed, to the others.
   */
  relay: boolean;
  /** Websites allowed to credit the actor as an author, served in its document as Mastodon does. */
  attributionDomains: string[];
  keys: CryptoKeyPair[];
  /** Actors following this one, by actor id. */
  followers: Map<string, Recipient>;
  /** Follow requests waiting for a decision, by Follow id. */
  pendingFollows: Map<string, Follow>;
  /** Follows this actor sent, by target actor id. */
  following: Map<string, { follow: Follow; target: Recipient; state: "pending" | "accepted" | "rejected" }>;
  updated: Temporal.Instant | null;
  createdAt: Temporal.Instant;
}

interface StoredNote {
  identifier: string;
  visibility: Visibility;
  /** A Question when posted with a poll. */
  note: Note | Question;
  /** Everyone the note was delivered to, for its Update and Delete. */
  recipients: Recipient[];
  /** Actor ids allowed to fetch a followers-only or direct note. */
  audience: Set<string>;
  deleted: boolean;
}

interface SentActivity {
  identifier: string;
  activity: Activity;
  recipients: Recipient[];
}

interface ReceivedActivity {
  id: string | null;
  type: string;
  actor: string | null;
  object: string | null;
  objectType: string | null;
  /** The peer actor whose personal inbox got it; null for the shared inbox. */
  recipient: string | null;
  /** Which HTTP signature scheme the delivery used, when known. */
  signature: "draft-cavage" | "rfc9421" | null;
  json: JsonObject;
  receivedAt: string;
}

interface UnverifiedActivity {
  id: string | null;
  type: string;
  actor: string | null;
  reason: string;
  json: JsonObject | null;
  receivedAt: string;
}

type Visibility = "public" | "unlisted" | "followers" | "direct";

const actors = new Map<string, StoredActor>();
const notes = new Map<string, StoredNote>(); // by note id (URL)
const quoteAuthorizations = new Map<string, QuoteAuthorization>(); // by id (URL)
const sent = new Map<string, SentActivity>(); // by activity id
const received: ReceivedActivity[] = [];
const unverified: UnverifiedActivity[] = [];
/** Raw bodies and signature scheme of recent inbox POSTs, by activity id, for the records. */
const rawDeliveries = new Map<string, { json: JsonObject; signature: ReceivedActivity["signature"] }>();

// ---------------------------------------------------------------------------------------------
// HTTPS server: the port is known only after binding, and the federation needs the origin.

let handler: (request: Request) => Promise<Response> = async () => new Response("starting", { status: 503 });
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PEER_PORT ?? 0),
  tls: { cert: Bun.file(certPath), key: Bun.file(keyPath) },
  fetch: (request) => handler(request),
  error: (error) => {
    console.error("peer: unhandled error", error);
    return Response.json({ error: String(error) }, { status: 500 });
  },
});
const origin = `https://127.0.0.1:${server.port}`;

const federation = createFederation<void>({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  origin,
  allowPrivateAddress: true,
  userAgent: { software: "skein-test-peer/1.0" },
});

// ---------------------------------------------------------------------------------------------
// Actors, keys, followers, notes, NodeInfo

async function personOf(ctx: Context<void>, actor: StoredActor): Promise<Person> {
  const keys = await ctx.getActorKeyPairs(actor.identifier);
  return new Person({
    id: ctx.getActorUri(actor.identifier),
    preferredUsername: actor.identifier,
    name: actor.name,
    summary: actor.summary || null,
    url: ctx.getActorUri(actor.identifier),
    inbox: ctx.getInboxUri(actor.identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    followers: ctx.getFollowersUri(actor.identifier),
    manuallyApprovesFollowers: !actor.autoAccept,
    discoverable: true,
    published: actor.createdAt,
    updated: actor.updated,
    aliases: actor.aliases.map((a) => new URL(a)),
    featuredTags: ctx.getFeaturedTagsUri(actor.identifier),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  });
}

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    const actor = actors.get(identifier);
    return actor ? personOf(ctx, actor) : null;
  })
  .mapHandle((_ctx, username) => (actors.has(username) ? username : null))
  .setKeyPairsDispatcher((_ctx, identifier) => actors.get(identifier)?.keys ?? []);

federation.setFeaturedTagsDispatcher("/users/{identifier}/tags", (ctx, identifier) => {
  const actor = actors.get(identifier);
  if (!actor) return null;
  const origin = ctx.getActorUri(identifier).origin;
  return {
    items: actor.featuredTags.map((name) => new Hashtag({ name: `#${name}`, href: new URL(`/tags/${name}`, origin) })),
  };
});

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    const actor = actors.get(identifier);
    return actor ? { items: [...actor.followers.values()] } : null;
  })
  .setCounter((_ctx, identifier) => actors.get(identifier)?.followers.size ?? null);

federation
  .setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
    const stored = notes.get(ctx.getObjectUri(Note, values).href);
    return stored && !stored.deleted ? stored.note : null;
  })
  .authorize(async (ctx, values) => {
    const stored = notes.get(ctx.getObjectUri(Note, values).href);
    if (!stored || stored.visibility === "public" || stored.visibility === "unlisted") return true;
    const owner = await ctx.getSignedKeyOwner();
    return owner?.id != null && stored.audience.has(owner.id.href);
  });

federation.setObjectDispatcher(
  QuoteAuthorization,
  "/users/{identifier}/quote-authorizations/{id}",
  (ctx, values) => quoteAuthorizations.get(ctx.getObjectUri(QuoteAuthorization, values).href) ?? null,
);

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "skein-test-peer", version: "1.0.0" },
  protocols: ["activitypub"],
  openRegistrations: false,
  usage: { users: { total: actors.size }, localPosts: notes.size, localComments: 0 },
}));

// ---------------------------------------------------------------------------------------------
// Inbox

async function record(ctx: InboxContext<void>, activity: Activity): Promise<void> {
  const id = activity.id?.href ?? null;
  const raw = id ? rawDeliveries.get(id) : undefined;
  const json = raw?.json ?? ((await activity.toJsonLd({ contextLoader: ctx.contextLoader })) as JsonObject);
  const object = json.object;
  received.push({
    id,
    type: typeof json.type === "string" ? json.type : activity.constructor.name,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    objectType:
      object && typeof object === "object" && !Array.isArray(object) && typeof object.type === "string" ? object.type : null,
    recipient: ctx.recipient,
    signature: raw?.signature ?? null,
    json,
    receivedAt: new Date().toISOString(),
  });
}

/** The peer actor a Follow/Block/… addresses, from its object id. */
function targetActor(ctx: Context<void>, id: URL | null): StoredActor | undefined {
  const parsed = ctx.parseUri(id);
  return parsed?.type === "actor" ? actors.get(parsed.identifier) : undefined;
}

function recipientOf(actor: Actor | APObject): Recipient {
  const a = actor as Actor;
  return { id: a.id, inboxId: a.inboxId, endpoints: a.endpoints ? { sharedInbox: a.endpoints.sharedInbox } : null };
}

async function sendAccept(ctx: Context<void>, actor: StoredActor, follow: Follow, accept: boolean) {
  const follower = await follow.getActor(ctx);
  if (!follower?.id) return;
  const actorUri = ctx.getActorUri(actor.identifier);
  const Kind = accept ? Accept : Reject;
  const response = new Kind({
    id: new URL(`${actorUri.href}#${accept ? "accepts" : "rejects"}/${crypto.randomUUID()}`),
    actor: actorUri,
    object: follow,
  });
  if (accept) actor.followers.set(follower.id.href, recipientOf(follower));
  else actor.followers.delete(follower.id.href);
  await ctx.sendActivity({ identifier: actor.identifier }, follower, response, { immediate: true });
  sent.set(response.id?.href ?? "", { identifier: actor.identifier, activity: response, recipients: [recipientOf(follower)] });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    const actor = followed(ctx, follow);
    if (!actor || !follow.id) return;
    if (actor.autoAccept) await sendAccept(ctx, actor, follow, true);
    else actor.pendingFollows.set(follow.id.href, follow);
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    settleFollow(ctx, accept, "accepted");
  })
  .on(QuoteRequest, async (ctx, request) => {
    await record(ctx, request);
    const stored = request.objectId ? notes.get(request.objectId.href) : undefined;
    const owner = stored ? actors.get(stored.identifier) : undefined;
    const asker = await request.getActor(ctx);
    if (!owner || !asker || !request.objectId || !request.instrumentId) return;
    const me = ctx.getActorUri(owner.identifier);
    const answerId = new URL(`${me.href}#quote-answers/${crypto.randomUUID()}`);
    let answer: Accept | Reject = new Reject({ id: answerId, actor: me, object: request });
    if (owner.acceptQuotes) {
      const id = ctx.getObjectUri(QuoteAuthorization, { identifier: owner.identifier, id: crypto.randomUUID() });
      const stamp = new QuoteAuthorization({
        id,
        attribution: me,
        interactingObject: request.instrumentId,
        interactionTarget: request.objectId,
      });
      quoteAuthorizations.set(id.href, stamp);
      answer = new Accept({ id: answerId, actor: me, object: request, result: id });
    }
    await ctx.sendActivity({ identifier: owner.identifier }, asker, answer, { immediate: true });
  })
  .on(Reject, async (ctx, reject) => {
    await record(ctx, reject);
    settleFollow(ctx, reject, "rejected");
  })
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const object = await undo.getObject(ctx);
    if (object instanceof Follow && undo.actorId) followed(ctx, object)?.followers.delete(undo.actorId.href);
  })
  .on(Block, async (ctx, block) => {
    await record(ctx, block);
    const actor = targetActor(ctx, block.objectId);
    if (actor && block.actorId) {
      actor.followers.delete(block.actorId.href);
      actor.following.delete(block.actorId.href);
    }
  })
  // Create, Update, Delete, Like, Announce, Flag and anything else: recorded as they came (and
  // passed on by the relay, if there is one).
  .on(Activity, async (ctx, activity) => {
    await record(ctx, activity);
    await relayOn(ctx, activity);
  })
  .onUnverifiedActivity(async (_ctx, activity, reason) => {
    const json = (await activity.toJsonLd().catch(() => null)) as JsonObject | null;
    unverified.push({
      id: activity.id?.href ?? null,
      type: json && typeof json.type === "string" ? json.type : activity.constructor.name,
      actor: activity.actorId?.href ?? null,
      reason: JSON.stringify(reason, (_k, v) => (v instanceof URL ? v.href : v instanceof Response ? `Response ${v.status}` : v)),
      json,
      receivedAt: new Date().toISOString(),
    });
  })
  .onError((_ctx, error) => console.error("peer: inbox listener failed:", error));

/** The relay actor, if one was created. */
const relayActor = () => [...actors.values()].find((a) => a.relay);

/** Whom a Follow follows: a peer actor, or the relay when it follows the public collection. */
function followed(ctx: Context<void>, follow: Follow): StoredActor | undefined {
  return follow.objectId?.href === PUBLIC_COLLECTION.href ? relayActor() : targetActor(ctx, follow.objectId);
}

/**
 * The relay passes a post's Create, Update or Delete from a subscribed server on to the other
 * subscribers, unchanged (its author's signatures inside), under the relay's HTTP signature.
 */
async function relayOn(ctx: InboxContext<void>, activity: Activity) {
  const relay = relayActor();
  const from = activity.actorId?.host;
  if (!relay || !from || !(activity instanceof Create || activity instanceof Update || activity instanceof Delete)) return;
  const subscribers = [...relay.followers.values()];
  if (!subscribers.some((r) => r.id?.host === from)) return;
  const others = subscribers.filter((r) => r.id?.host !== from);
  if (others.length > 0)
    await ctx.forwardActivity({ identifier: relay.identifier }, others, { skipIfUnsigned: true, preferSharedInbox: true });
}

/** Marks this peer's Follow of the Accept's (or Reject's) sender as settled. */
function settleFollow(ctx: InboxContext<void>, activity: Accept | Reject, state: "accepted" | "rejected") {
  const sender = activity.actorId?.href;
  if (!sender) return;
  const mine = ctx.recipient ? [actors.get(ctx.recipient)] : [...actors.values()];
  for (const actor of mine) {
    const entry = actor?.following.get(sender);
    // Some servers name the Follow by id, others embed it, a few point at the follower.
    if (
      entry &&
      (activity.objectId == null ||
        activity.objectId.href === entry.follow.id?.href ||
        activity.objectId.href === entry.follow.actorId?.href)
    ) {
      entry.state = state;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Control API

class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function str(body: JsonObject, key: string, required = true): string {
  const value = body[key];
  if (typeof value === "string" && value !== "") return value;
  if (required) throw new ControlError(`${key} is required (a string)`);
  return "";
}

function actorOf(body: JsonObject): StoredActor {
  const name = str(body, "actor");
  const actor = actors.get(name);
  if (!actor) throw new ControlError(`no peer actor ${name}; create it with /_control/actors first`, 404);
  return actor;
}

async function lookupActor(ctx: Context<void>, handleOrUrl: string, as?: StoredActor): Promise<Actor> {
  const object = await lookup(ctx, handleOrUrl, as);
  if (!object) throw new ControlError(`cannot resolve ${handleOrUrl}`, 404);
  if (!isActor(object)) throw new ControlError(`${handleOrUrl} is not an actor (${object.constructor.name})`, 422);
  return object;
}

async function lookup(ctx: Context<void>, q: string, as?: StoredActor): Promise<APObject | null> {
  const documentLoader = as ? await ctx.getDocumentLoader({ identifier: as.identifier }) : undefined;
  return ctx.lookupObject(q, documentLoader ? { documentLoader } : {});
}

/** The author of an object, to deliver a Like/Announce/reply to. */
async function authorOf(ctx: Context<void>, objectUrl: string, as: StoredActor): Promise<Actor> {
  const object = await lookup(ctx, objectUrl, as);
  if (!object) throw new ControlError(`cannot fetch ${objectUrl}; pass "to" with its author`, 404);
  const author = object.attributionId;
  if (!author) throw new ControlError(`${objectUrl} has no attributedTo; pass "to" with its author`, 422);
  return lookupActor(ctx, author.href, as);
}

function unique(recipients: Recipient[]): Recipient[] {
  const seen = new Map<string, Recipient>();
  for (const r of recipients) if (r.id) seen.set(r.id.href, r);
  return [...seen.values()];
}

/** Sends and remembers an activity; with `immediate` (the default) failures reach the test. */
async function send(ctx: Context<void>, actor: StoredActor, activity: Activity, recipients: Recipient[], body: JsonObject) {
  const to = unique(recipients);
  if (activity.id) sent.set(activity.id.href, { identifier: actor.identifier, activity, recipients: to });
  if (to.length === 0) return { id: activity.id?.href ?? null, delivered: [] as string[] };
  const immediate = body.queue !== true;
  try {
    await ctx.sendActivity({ identifier: actor.identifier }, to, activity, { immediate, preferSharedInbox: true });
  } catch (error) {
    throw new ControlError(`delivery of ${activity.id?.href} failed: ${error instanceof Error ? error.message : error}`, 502);
  }
  return { id: activity.id?.href ?? null, delivered: to.map((r) => r.id?.href ?? "") };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function handleOf(actor: Actor): string {
  return `@${actor.preferredUsername}@${actor.id?.host}`;
}

function mentionHtml(actor: Actor): string {
  const url = (actor.url instanceof URL ? actor.url : actor.id)?.href ?? "";
  return `<span class="h-card"><a href="${escapeHtml(url)}" class="u-url mention">@<span>${escapeHtml(String(actor.preferredUsername))}</span></a></span>`;
}

/** Addressing of a post by visibility, the way Mastodon does it. */
function addressing(visibility: Visibility, followersUri: URL, mentioned: URL[]): { tos: URL[]; ccs: URL[] } {
  switch (visibility) {
    case "public":
      return { tos: [PUBLIC_COLLECTION], ccs: [followersUri, ...mentioned] };
    case "unlisted":
      return { tos: [followersUri], ccs: [PUBLIC_COLLECTION, ...mentioned] };
    case "followers":
      return { tos: [followersUri], ccs: mentioned };
    case "direct":
      return { tos: mentioned, ccs: [] };
  }
}

/**
 * A poll as Mastodon sends it: `options` (titles), `counts` (votes of each), `multiple`,
 * `endTime` (ISO) and `closed` (ends now).
 */
function questionFields(poll: JsonObject) {
  const titles = Array.isArray(poll.options) ? poll.options.map(String) : [];
  const counts = Array.isArray(poll.counts) ? poll.counts.map(Number) : [];
  const options = titles.map((name, i) => new Note({ name, replies: new Collection({ totalItems: counts[i] ?? 0 }) }));
  const end = typeof poll.endTime === "string" ? Temporal.Instant.from(poll.endTime) : null;
  return {
    ...(poll.multiple === true ? { inclusiveOptions: options } : { exclusiveOptions: options }),
    endTime: end,
    closed: poll.closed === true ? (end ?? Temporal.Now.instant()) : null,
    voters: typeof poll.voters === "number" ? poll.voters : null,
  };
}

async function createNote(ctx: Context<void>, actor: StoredActor, body: JsonObject, extraMentions: Actor[] = []) {
  const visibility = (str(body, "visibility", false) || "public") as Visibility;
  if (!["public", "unlisted", "followers", "direct"].includes(visibility))
    throw new ControlError(`unknown visibility ${visibility}`);
  const handles = Array.isArray(body.mentions) ? body.mentions.filter((m): m is string => typeof m === "string") : [];
  const found = [...extraMentions];
  for (const h of handles) found.push(await lookupActor(ctx, h, actor));
  const mentioned = found.filter((a, i) => found.findIndex((b) => b.id?.href === a.id?.href) === i);
  const mentionedIds = unique(mentioned.map(recipientOf)).map((r) => r.id as URL);
  const text = str(body, "text", false);
  const prefix = mentioned.map(mentionHtml).join(" ");
  const content = str(body, "content", false) || `<p>${prefix}${prefix && text ? " " : ""}${escapeHtml(text)}</p>`;
  const attachments = Array.isArray(body.attachments) ? body.attachments : [];
  const actorUri = ctx.getActorUri(actor.identifier);
  const followersUri = ctx.getFollowersUri(actor.identifier);
  const { tos, ccs } = addressing(visibility, followersUri, mentionedIds);
  const noteId = ctx.getObjectUri(Note, { identifier: actor.identifier, id: str(body, "id", false) || crypto.randomUUID() });
  const published = Temporal.Now.instant();
  const summary = str(body, "summary", false);
  const language = str(body, "language", false);
  const inReplyTo = str(body, "inReplyTo", false);
  // A vote, as Mastodon sends one: a Note named after the option, with no content.
  const vote = str(body, "name", false);
  // Who may quote it (FEP-044f, as Mastodon 4.5 says it): anyone by default, at once when the
  // actor answers quote requests by itself; "followers"; "none" says nothing (then nobody may).
  const quotePolicy = str(body, "quotePolicy", false) || "public";
  const quoters = quotePolicy === "followers" ? followersUri : PUBLIC_COLLECTION;
  const values = {
    interactionPolicy:
      quotePolicy === "none"
        ? null
        : new InteractionPolicy({
            canQuote: new InteractionRule(actor.acceptQuotes ? { automaticApproval: quoters } : { manualApproval: quoters }),
          }),
    id: noteId,
    url: noteId,
    attribution: actorUri,
    name: vote || null,
    ...(vote ? { content: null } : language ? { contents: [content, new LanguageString(content, language)] } : { content }),
    // A quote post: FEP-044f's `quote` (with its authorization), or the older quoteUrl.
    quote: typeof body.quote === "string" ? new URL(body.quote) : null,
    quoteUrl: typeof body.quoteUrl === "string" ? new URL(body.quoteUrl) : null,
    quoteAuthorization: typeof body.quoteAuthorization === "string" ? new URL(body.quoteAuthorization) : null,
    summary: summary || null,
    sensitive: summary !== "" || body.sensitive === true,
    published,
    tos,
    ccs,
    replyTarget: inReplyTo ? new URL(inReplyTo) : null,
    tags: unique(mentioned.map(recipientOf)).map((r) => {
      const a = mentioned.find((m) => m.id?.href === r.id?.href) as Actor;
      return new Mention({ href: r.id, name: handleOf(a) });
    }),
    attachments: attachments.map((item) => {
      const a = (typeof item === "string" ? { url: item } : item) as JsonObject;
      return new Document({
        url: new URL(str(a, "url")),
        mediaType: str(a, "mediaType", false) || "image/jpeg",
        name: str(a, "name", false) || null,
        width: typeof a.width === "number" ? a.width : null,
        height: typeof a.height === "number" ? a.height : null,
        icon: typeof a.icon === "string" ? new Image({ url: new URL(a.icon) }) : null,
      });
    }),
  };
  const poll = body.poll as JsonObject | undefined;
  const note = poll ? new Question({ ...values, ...questionFields(poll) }) : new Note(values);
  const followers = visibility === "direct" ? [] : [...actor.followers.values()];
  const unaddressed = Array.isArray(body.deliverTo) ? body.deliverTo.filter((m): m is string => typeof m === "string") : [];
  const others: Recipient[] = [];
  for (const target of unaddressed) others.push(recipientOf(await lookupActor(ctx, target, actor)));
  const recipients = unique([...followers, ...mentioned.map(recipientOf), ...others]);
  notes.set(noteId.href, {
    identifier: actor.identifier,
    visibility,
    note,
    recipients,
    audience: new Set(recipients.map((r) => r.id?.href ?? "")),
    deleted: false,
  });
  const create = new Create({ id: new URL(`${noteId.href}/activity`), actor: actorUri, object: note, tos, ccs, published });
  const result = await send(ctx, actor, create, recipients, body);
  return { ...result, note: noteId.href, json: (await note.toJsonLd({ contextLoader: ctx.contextLoader })) as Json };
}

function ownNote(actor: StoredActor, id: string): StoredNote {
  const stored = notes.get(id);
  if (!stored || stored.identifier !== actor.identifier) throw new ControlError(`${actor.identifier} has no note ${id}`, 404);
  return stored;
}

type ControlHandler = (ctx: Context<void>, body: JsonObject, url: URL) => Promise<Json | object>;

const controls: Record<string, ControlHandler> = {
  "GET /_control/health": async () => ({ ok: true, url: origin }),

  "POST /_control/actors": async (ctx, body) => {
    const username = str(body, "username");
    if (!/^[A-Za-z0-9_]+$/.test(username)) throw new ControlError("username: letters, digits and _ only");
    if (!actors.has(username)) {
      actors.set(username, {
        identifier: username,
        name: str(body, "name", false) || username,
        summary: str(body, "summary", false),
        aliases: [],
        featuredTags: [],
        autoAccept: body.autoAccept !== false,
        acceptQuotes: body.acceptQuotes !== false,
        relay: body.relay === true,
        attributionDomains: Array.isArray(body.attributionDomains)
          ? body.attributionDomains.filter((d): d is string => typeof d === "string")
          : [],
        keys: [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), await generateCryptoKeyPair("Ed25519")],
        followers: new Map(),
        pendingFollows: new Map(),
        following: new Map(),
        updated: null,
        createdAt: Temporal.Now.instant(),
      });
    }
    return actorInfo(ctx, username);
  },

  "POST /_control/pages": async (_ctx, body) => {
    const path = str(body, "path");
    if (!path.startsWith("/pages/")) throw new ControlError("path: under /pages/");
    pages.set(path, str(body, "html"));
    return { url: `${origin}${path}` };
  },

  "GET /_control/actor": async (ctx, _body, url) => {
    const name = url.searchParams.get("name") ?? "";
    const actor = actors.get(name);
    if (!actor) throw new ControlError(`no peer actor ${name}`, 404);
    return {
      ...actorInfo(ctx, name),
      followerIds: [...actor.followers.keys()],
      pendingFollows: [...actor.pendingFollows.keys()],
      following: [...actor.following.entries()].map(([id, f]) => ({ id, follow: f.follow.id?.href ?? null, state: f.state })),
    };
  },

  "GET /_control/lookup": async (ctx, _body, url) => {
    const q = url.searchParams.get("q") ?? "";
    const as = url.searchParams.get("as");
    const object = await lookup(ctx, q, as ? actors.get(as) : undefined);
    if (!object) return { found: false };
    const json = (await object.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader })) as Json;
    const result: JsonObject = { found: true, type: object.constructor.name, id: object.id?.href ?? null, json };
    if (isActor(object)) {
      // Parsing the keys proves they are real keys, not just strings in the document.
      const key = await object.getPublicKey({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
      const algorithm = key?.publicKey?.algorithm as { name: string; hash?: { name: string } } | undefined;
      result.publicKey = key
        ? {
            id: key.id?.href ?? null,
            owner: key.ownerId?.href ?? null,
            algorithm: algorithm?.name ?? null,
            hash: algorithm?.hash?.name ?? null,
          }
        : null;
      const methods: Json[] = [];
      for await (const m of object.getAssertionMethods({
        documentLoader: ctx.documentLoader,
        contextLoader: ctx.contextLoader,
      })) {
        methods.push({
          id: m.id?.href ?? null,
          controller: m.controllerId?.href ?? null,
          algorithm: m.publicKey?.algorithm.name ?? null,
        });
      }
      result.assertionMethods = methods;
      result.handle = handleOf(object);
      result.inbox = object.inboxId?.href ?? null;
      result.sharedInbox = object.endpoints?.sharedInbox?.href ?? null;
    }
    return result;
  },

  "POST /_control/follow": async (ctx, body) => {
    const actor = actorOf(body);
    const target = await lookupActor(ctx, str(body, "target"), actor);
    const actorUri = ctx.getActorUri(actor.identifier);
    const follow = new Follow({
      id: new URL(`${actorUri.href}#follows/${crypto.randomUUID()}`),
      actor: actorUri,
      object: target.id,
    });
    actor.following.set(target.id?.href ?? "", { follow, target: recipientOf(target), state: "pending" });
    return { ...(await send(ctx, actor, follow, [recipientOf(target)], body)), target: target.id?.href ?? null };
  },

  "POST /_control/unfollow": async (ctx, body) => {
    const actor = actorOf(body);
    const target = await lookupActor(ctx, str(body, "target"), actor);
    const entry = actor.following.get(target.id?.href ?? "");
    if (!entry) throw new ControlError(`${actor.identifier} does not follow ${target.id?.href}`, 404);
    actor.following.delete(target.id?.href ?? "");
    return undo(ctx, actor, entry.follow, [entry.target], body);
  },

  /** The relay passes a post on as LitePub relays do: an Announce of it, to every subscriber. */
  "POST /_control/relay-announce": async (ctx, body) => {
    const relay = relayActor();
    if (!relay) throw new ControlError("no relay; create an actor with relay: true first", 404);
    const me = ctx.getActorUri(relay.identifier);
    const announce = new Announce({
      id: new URL(`${me.href}#relayed/${crypto.randomUUID()}`),
      actor: me,
      object: new URL(str(body, "object")),
      to: ctx.getFollowersUri(relay.identifier),
      published: Temporal.Now.instant(),
    });
    return send(ctx, relay, announce, [...relay.followers.values()], body);
  },

  "POST /_control/accept-follow": async (ctx, body) => decideFollow(ctx, body, true),
  "POST /_control/reject-follow": async (ctx, body) => decideFollow(ctx, body, false),

  "POST /_control/post": async (ctx, body) => createNote(ctx, actorOf(body), body),

  "POST /_control/reply": async (ctx, body) => {
    const actor = actorOf(body);
    const inReplyTo = str(body, "inReplyTo");
    const author = typeof body.to === "string" ? await lookupActor(ctx, body.to, actor) : await authorOf(ctx, inReplyTo, actor);
    return createNote(ctx, actor, body, [author]);
  },

  "POST /_control/like": async (ctx, body) => {
    const actor = actorOf(body);
    const object = new URL(str(body, "object"));
    const author = typeof body.to === "string" ? await lookupActor(ctx, body.to, actor) : await authorOf(ctx, object.href, actor);
    const actorUri = ctx.getActorUri(actor.identifier);
    const like = new Like({ id: new URL(`${actorUri.href}#likes/${crypto.randomUUID()}`), actor: actorUri, object });
    return send(ctx, actor, like, [recipientOf(author)], body);
  },

  /** Asks the author of `object` whether `instrument` (a note id, to be posted) may quote it (FEP-044f). */
  "POST /_control/quote-request": async (ctx, body) => {
    const actor = actorOf(body);
    const object = new URL(str(body, "object"));
    const author = await authorOf(ctx, object.href, actor);
    const actorUri = ctx.getActorUri(actor.identifier);
    const request = new QuoteRequest({
      id: new URL(`${actorUri.href}#quote-requests/${crypto.randomUUID()}`),
      actor: actorUri,
      object,
      instrument: new URL(str(body, "instrument")),
    });
    return send(ctx, actor, request, [recipientOf(author)], body);
  },

  "POST /_control/boost": async (ctx, body) => {
    const actor = actorOf(body);
    const object = new URL(str(body, "object"));
    const author = typeof body.to === "string" ? await lookupActor(ctx, body.to, actor) : await authorOf(ctx, object.href, actor);
    const actorUri = ctx.getActorUri(actor.identifier);
    const announce = new Announce({
      id: new URL(`${actorUri.href}#announces/${crypto.randomUUID()}`),
      actor: actorUri,
      object,
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(actor.identifier), author.id as URL],
      published: Temporal.Now.instant(),
    });
    return send(ctx, actor, announce, [...actor.followers.values(), recipientOf(author)], body);
  },

  "POST /_control/undo": async (ctx, body) => {
    const actor = actorOf(body);
    const original = sent.get(str(body, "activity"));
    if (!original || original.identifier !== actor.identifier)
      throw new ControlError(`${actor.identifier} sent no activity ${body.activity}`, 404);
    if (original.activity instanceof Follow && original.activity.objectId)
      actor.following.delete(original.activity.objectId.href);
    return undo(ctx, actor, original.activity, original.recipients, body);
  },

  "POST /_control/edit": async (ctx, body) => {
    const actor = actorOf(body);
    const stored = ownNote(actor, str(body, "note"));
    const text = str(body, "text", false);
    const content = str(body, "content", false) || (text ? `<p>${escapeHtml(text)}</p>` : stored.note.content);
    const summary = "summary" in body ? str(body, "summary", false) || null : stored.note.summary;
    const changes = { content, summary, sensitive: summary != null, updated: Temporal.Now.instant() };
    // `dropQuote`: the edit takes the quote out (clone keeps what is given as null, so rebuild it).
    if (body.dropQuote === true) {
      const json = (await stored.note.toJsonLd()) as Record<string, unknown>;
      for (const key of ["quote", "quoteUrl", "_misskey_quote", "quoteUri", "quoteAuthorization"]) delete json[key];
      stored.note = stored.note instanceof Question ? await Question.fromJsonLd(json) : await Note.fromJsonLd(json);
    }
    // A poll's new counts (or its end): `poll` as for a post.
    const poll = body.poll as JsonObject | undefined;
    stored.note =
      stored.note instanceof Question
        ? stored.note.clone({ ...changes, ...(poll ? questionFields(poll) : {}) })
        : stored.note.clone(changes);
    const actorUri = ctx.getActorUri(actor.identifier);
    const noteId = stored.note.id as URL;
    const update = new Update({
      id: new URL(`${noteId.href}#updates/${crypto.randomUUID()}`),
      actor: actorUri,
      object: stored.note,
      tos: stored.note.toIds,
      ccs: stored.note.ccIds,
    });
    // `silent`: changed where it is served, told to nobody (a server whose Update never came).
    if (body.silent === true) return { id: update.id?.href ?? null, delivered: [], note: noteId.href };
    const recipients = stored.visibility === "direct" ? stored.recipients : [...stored.recipients, ...actor.followers.values()];
    return { ...(await send(ctx, actor, update, recipients, body)), note: noteId.href };
  },

  "POST /_control/delete": async (ctx, body) => {
    const actor = actorOf(body);
    const stored = ownNote(actor, str(body, "note"));
    stored.deleted = true;
    const noteId = stored.note.id as URL;
    const del = new Delete({
      id: new URL(`${noteId.href}#delete`),
      actor: ctx.getActorUri(actor.identifier),
      object: new Tombstone({ id: noteId, deleted: Temporal.Now.instant() }),
      tos: [PUBLIC_COLLECTION],
    });
    const recipients = stored.visibility === "direct" ? stored.recipients : [...stored.recipients, ...actor.followers.values()];
    return { ...(await send(ctx, actor, del, recipients, body)), note: noteId.href };
  },

  "POST /_control/profile": async (ctx, body) => {
    const actor = actorOf(body);
    if (typeof body.name === "string") actor.name = body.name;
    if (typeof body.summary === "string") actor.summary = body.summary;
    if (Array.isArray(body.aliases)) actor.aliases = body.aliases.filter((a): a is string => typeof a === "string");
    if (Array.isArray(body.featuredTags))
      actor.featuredTags = body.featuredTags.filter((a): a is string => typeof a === "string");
    actor.updated = Temporal.Now.instant();
    const actorUri = ctx.getActorUri(actor.identifier);
    const update = new Update({
      id: new URL(`${actorUri.href}#updates/${crypto.randomUUID()}`),
      actor: actorUri,
      object: await personOf(ctx, actor),
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(actor.identifier)],
    });
    return send(ctx, actor, update, [...actor.followers.values()], body);
  },

  "POST /_control/flag": async (ctx, body) => {
    const actor = actorOf(body);
    const target = await lookupActor(ctx, str(body, "target"), actor);
    const objects = Array.isArray(body.objects)
      ? body.objects.filter((o): o is string => typeof o === "string").map((o) => new URL(o))
      : [];
    const actorUri = ctx.getActorUri(actor.identifier);
    const flag = new Flag({
      id: new URL(`${actorUri.href}#flags/${crypto.randomUUID()}`),
      actor: actorUri,
      objects: [target.id as URL, ...objects],
      content: str(body, "content", false) || null,
    });
    // Sent to the target's server, or (`to`) to another server's actor, e.g. one that shows the target's posts.
    const recipient = typeof body.to === "string" ? await lookupActor(ctx, body.to, actor) : target;
    return send(ctx, actor, flag, [recipientOf(recipient)], body);
  },

  "POST /_control/move": async (ctx, body) => {
    const actor = actorOf(body);
    const target = await lookupActor(ctx, str(body, "target"), actor);
    const actorUri = ctx.getActorUri(actor.identifier);
    const move = new Move({
      id: new URL(`${actorUri.href}#moves/${crypto.randomUUID()}`),
      actor: actorUri,
      object: actorUri,
      target: target.id,
      ccs: [ctx.getFollowersUri(actor.identifier)],
    });
    return send(ctx, actor, move, [...actor.followers.values()], body);
  },

  /** A QuoteAuthorization the actor publishes: `quote` (the quoting post) may quote `target`. */
  /** Withdraws a QuoteAuthorization the actor gave: a Delete of it to the quoting actor `to`. */
  "POST /_control/withdraw-quote-authorization": async (ctx, body) => {
    const actor = actorOf(body);
    const id = new URL(str(body, "id"));
    quoteAuthorizations.delete(id.href);
    const target = await lookupActor(ctx, str(body, "to"), actor);
    const me = ctx.getActorUri(actor.identifier);
    const del = new Delete({ id: new URL(`${id.href}#delete`), actor: me, object: new Tombstone({ id }) });
    return send(ctx, actor, del, [recipientOf(target)], body);
  },

  "POST /_control/quote-authorization": async (ctx, body) => {
    const actor = actorOf(body);
    const id = ctx.getObjectUri(QuoteAuthorization, { identifier: actor.identifier, id: crypto.randomUUID() });
    quoteAuthorizations.set(
      id.href,
      new QuoteAuthorization({
        id,
        attribution: ctx.getActorUri(actor.identifier),
        interactingObject: new URL(str(body, "quote")),
        interactionTarget: new URL(str(body, "target")),
      }),
    );
    return { id: id.href };
  },

  "POST /_control/block": async (ctx, body) => {
    const actor = actorOf(body);
    const target = await lookupActor(ctx, str(body, "target"), actor);
    actor.followers.delete(target.id?.href ?? "");
    const actorUri = ctx.getActorUri(actor.identifier);
    const block = new Block({
      id: new URL(`${actorUri.href}#blocks/${crypto.randomUUID()}`),
      actor: actorUri,
      object: target.id,
    });
    return send(ctx, actor, block, [recipientOf(target)], body);
  },

  "GET /_control/received": async (_ctx, _body, url) => {
    const type = url.searchParams.get("type");
    const actor = url.searchParams.get("actor");
    return received.filter((r) => (!type || r.type === type) && (!actor || r.actor === actor));
  },

  "POST /_control/received/clear": async () => {
    received.length = 0;
    unverified.length = 0;
    return { ok: true };
  },

  "GET /_control/unverified": async () => unverified,

  "GET /_control/sent": async (ctx) =>
    Promise.all(
      [...sent.values()].map(async (s) => ({
        actor: s.identifier,
        recipients: s.recipients.map((r) => r.id?.href ?? null),
        json: (await s.activity.toJsonLd({ contextLoader: ctx.contextLoader })) as Json,
      })),
    ),
};

function actorInfo(ctx: Context<void>, identifier: string) {
  const id = ctx.getActorUri(identifier);
  return {
    username: identifier,
    id: id.href,
    handle: `${identifier}@${id.host}`,
    inbox: ctx.getInboxUri(identifier).href,
    sharedInbox: ctx.getInboxUri().href,
    followers: ctx.getFollowersUri(identifier).href,
  };
}

async function undo(ctx: Context<void>, actor: StoredActor, original: Activity, recipients: Recipient[], body: JsonObject) {
  const actorUri = ctx.getActorUri(actor.identifier);
  const activity = new Undo({ id: new URL(`${actorUri.href}#undo/${crypto.randomUUID()}`), actor: actorUri, object: original });
  return send(ctx, actor, activity, recipients, body);
}

async function decideFollow(ctx: Context<void>, body: JsonObject, accept: boolean) {
  const actor = actorOf(body);
  const id = str(body, "follow");
  const follow = actor.pendingFollows.get(id);
  if (!follow) throw new ControlError(`${actor.identifier} has no pending follow ${id}`, 404);
  actor.pendingFollows.delete(id);
  await sendAccept(ctx, actor, follow, accept);
  return { ok: true };
}

/** HTML pages the peer serves as a website would, by path (POST /_control/pages). */
const pages = new Map<string, string>();

/** The actor document with `attributionDomains` as Mastodon writes it (Fedify's vocabulary lacks it). */
async function withAttributionDomains(response: Response, domains: string[]): Promise<Response> {
  if (!response.ok || !/json/.test(response.headers.get("content-type") ?? "")) return response;
  const json = (await response.json()) as JsonObject;
  const context = Array.isArray(json["@context"]) ? json["@context"] : [json["@context"] ?? null];
  json["@context"] = [
    ...context,
    { toot: "http://joinmastodon.org/ns#", attributionDomains: { "@id": "toot:attributionDomains", "@type": "@id" } },
  ];
  json.attributionDomains = domains;
  return Response.json(json, {
    headers: { "content-type": response.headers.get("content-type") ?? "application/activity+json" },
  });
}

async function control(request: Request, url: URL): Promise<Response> {
  const handlerFor = controls[`${request.method} ${url.pathname}`];
  if (!handlerFor) return Response.json({ error: `no control endpoint ${request.method} ${url.pathname}` }, { status: 404 });
  try {
    const body = request.method === "POST" ? ((await request.json()) as JsonObject) : {};
    const ctx = federation.createContext(new URL(origin), undefined);
    return Response.json(await handlerFor(ctx, body, url));
  } catch (error) {
    const status = error instanceof ControlError ? error.status : 500;
    if (status === 500) console.error("peer: control failed:", error);
    return Response.json({ error: error instanceof Error ? error.message : String(error) }, { status });
  }
}

handler = async (request) => {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/_control/")) return control(request, url);
  const page = pages.get(url.pathname);
  if (page !== undefined) return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
  const credited = /^\/users\/([^/]+)$/.exec(url.pathname)?.[1];
  const domains = credited ? actors.get(credited)?.attributionDomains : undefined;
  if (request.method === "GET" && domains?.length)
    return withAttributionDomains(await federation.fetch(request, { contextData: undefined }), domains);
  if (request.method === "POST" && (url.pathname === "/inbox" || /^\/users\/[^/]+\/inbox$/.test(url.pathname))) {
    // Keep the body exactly as delivered, for the records the test reads.
    try {
      const json = (await request.clone().json()) as JsonObject;
      const signature = request.headers.has("signature-input")
        ? "rfc9421"
        : request.headers.has("signature")
          ? "draft-cavage"
          : null;
      if (typeof json.id === "string") rawDeliveries.set(json.id, { json, signature });
    } catch {
      // Not JSON: Fedify answers it.
    }
  }
  return federation.fetch(request, { contextData: undefined });
};

// ---------------------------------------------------------------------------------------------
// Lifecycle

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await server.stop(true);
  process.exit(code);
}
process.once("SIGTERM", () => void shutdown(0));
process.once("SIGINT", () => void shutdown(0));
// When the test process goes away without stopping us (killed, crashed), so do we.
const parent = Number(process.env.PEER_PARENT_PID ?? 0);
if (parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      void shutdown(0);
    }
  }, 500).unref();
}

console.log(`PEER_LISTENING ${server.port}`);
