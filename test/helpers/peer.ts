// The test side of the independent ActivityPub peer (test/helpers/peer-server.ts): starts it as
// a subprocess over HTTPS and drives it through its /_control/… JSON API.
import { join } from "node:path";
import type { Subprocess } from "bun";
import { cleanEnv } from "./instance.ts";
import type { TestCertificate } from "./tls.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const peerScript = join(import.meta.dir, "peer-server.ts");

/** An actor on the peer, e.g. https://127.0.0.1:PORT/users/bob, handle bob@127.0.0.1:PORT. */
export interface PeerActor {
  username: string;
  id: string;
  handle: string;
  inbox: string;
  sharedInbox: string;
  followers: string;
}

/** A peer actor by username, or the object createActor returned. */
export type ActorRef = string | PeerActor;

export type Visibility = "public" | "unlisted" | "followers" | "direct";

export interface Attachment {
  url: string;
  /** Defaults to image/jpeg. */
  mediaType?: string;
  /** Alt text. */
  name?: string;
  width?: number;
  height?: number;
  /** A video's or audio file's cover image, as Mastodon sends it. */
  icon?: string;
}

interface SendOptions {
  /** Deliver through the peer's queue instead of right away (then delivery errors are not reported). */
  queue?: boolean;
}

export interface PostOptions extends SendOptions {
  /** Plain text; mentions are put in front of it as links. */
  text?: string;
  /** HTML used as is, instead of text. */
  content?: string;
  /** Defaults to public. */
  visibility?: Visibility;
  /** Handles (alice@127.0.0.1:PORT) or actor URLs, as Mention tags, addressed and delivered to. */
  mentions?: string[];
  /** Actors (handles or URLs) delivered to without being addressed or mentioned: unsolicited. */
  deliverTo?: string[];
  inReplyTo?: string;
  /** Content warning (sets sensitive). */
  summary?: string;
  /** The language of the words: sent as `contentMap`, as Mastodon does. */
  language?: string;
  sensitive?: boolean;
  attachments?: (string | Attachment)[];
  /** Post a Question (a poll) instead of a Note. */
  poll?: PeerPoll;
  /** A vote (with reply): a Note named after the option, no content, as Mastodon sends it. */
  name?: string;
  /** The note's id (the last part of its URL), to know it before posting. */
  id?: string;
  /** A quote post: FEP-044f `quote` (and its `quoteAuthorization`), or the older `quoteUrl`. */
  quote?: string;
  quoteUrl?: string;
  quoteAuthorization?: string;
  /** Who may quote it (FEP-044f's canQuote): anyone (default), followers, or "none" (no policy given). */
  quotePolicy?: "public" | "followers" | "none";
}

/** A poll as the peer sends it: titles, the votes of each, and its end. */
export interface PeerPoll {
  options: string[];
  counts?: number[];
  multiple?: boolean;
  /** ISO time. */
  endTime?: string;
  /** Ended (closed now, or at endTime). */
  closed?: boolean;
  voters?: number;
}

/** What a send reports: the activity id and the actors it was delivered to. */
export interface Delivery {
  id: string | null;
  delivered: string[];
}

export interface PostedNote extends Delivery {
  /** The Note's id, which the peer serves. */
  note: string;
  json: JsonObject;
}

export interface ReceivedActivity {
  id: string | null;
  type: string;
  actor: string | null;
  /** The object's id, embedded or not. */
  object: string | null;
  /** The embedded object's type (Note for a Create(Note)), or null when only linked. */
  objectType: string | null;
  /** The peer actor whose personal inbox got it; null for the shared inbox. */
  recipient: string | null;
  signature: "draft-cavage" | "rfc9421" | null;
  /** The activity as delivered. */
  json: JsonObject;
  receivedAt: string;
}

export interface UnverifiedActivity {
  id: string | null;
  type: string;
  actor: string | null;
  reason: string;
  json: JsonObject | null;
  receivedAt: string;
}

export interface ActivityFilter {
  type?: string;
  actor?: string;
  object?: string;
}

export interface LookupResult {
  found: boolean;
  /** The Fedify class of what was found: Person, Service, Note… */
  type?: string;
  id?: string | null;
  /** Compact JSON-LD as Fedify re-serialises it. */
  json?: JsonObject;
  /** For actors: the parsed RSA key (publicKey), proof that it is a usable key. */
  publicKey?: { id: string | null; owner: string | null; algorithm: string | null; hash: string | null } | null;
  /** For actors: the parsed Multikeys (assertionMethod). */
  assertionMethods?: { id: string | null; controller: string | null; algorithm: string | null }[];
  handle?: string;
  inbox?: string | null;
  sharedInbox?: string | null;
}

export interface PeerActorState extends PeerActor {
  /** Follower actor ids. */
  followerIds: string[];
  pendingFollows: string[];
  following: { id: string; follow: string | null; state: "pending" | "accepted" | "rejected" }[];
}

export class PeerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface Peer {
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  port: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;

  createActor(
    username: string,
    /** relay: the actor is a relay that servers join by following the public collection (FEP-ae0c). */
    options?: {
      name?: string;
      summary?: string;
      autoAccept?: boolean;
      acceptQuotes?: boolean;
      relay?: boolean;
      /** Websites allowed to credit the actor as an author (Mastodon's attributionDomains, in its document). */
      attributionDomains?: string[];
    },
  ): Promise<PeerActor>;
  /** Serves an HTML page at `path` (under /pages/), as a website would; its URL. */
  page(path: string, html: string): Promise<{ url: string }>;
  actor(ref: ActorRef): Promise<PeerActorState>;
  /** Looks up a handle, acct: URI or URL the way a server does (WebFinger, then the document). */
  lookup(q: string, options?: { as?: ActorRef }): Promise<LookupResult>;
  follow(actor: ActorRef, target: string, options?: SendOptions): Promise<Delivery & { target: string | null }>;
  unfollow(actor: ActorRef, target: string, options?: SendOptions): Promise<Delivery>;
  acceptFollow(actor: ActorRef, followId: string): Promise<void>;
  /** The relay passes a post (its URL) on to its subscribers as an Announce, as LitePub relays do. */
  relayAnnounce(object: string): Promise<Delivery>;
  rejectFollow(actor: ActorRef, followId: string): Promise<void>;
  post(actor: ActorRef, options: PostOptions): Promise<PostedNote>;
  /** A reply to inReplyTo, mentioning and delivered to its author (found by fetching it, or `to`). */
  reply(actor: ActorRef, inReplyTo: string, options: PostOptions & { to?: string }): Promise<PostedNote>;
  like(actor: ActorRef, object: string, options?: SendOptions & { to?: string }): Promise<Delivery>;
  boost(actor: ActorRef, object: string, options?: SendOptions & { to?: string }): Promise<Delivery>;
  /** Undo of any activity this actor sent (Like, Announce, Follow, Block). */
  undo(actor: ActorRef, activityId: string, options?: SendOptions): Promise<Delivery>;
  edit(
    actor: ActorRef,
    note: string,
    /** silent: the note changes where it is served, and nobody is sent the Update; dropQuote: the quote goes. */
    options: SendOptions & {
      text?: string;
      content?: string;
      summary?: string;
      poll?: PeerPoll;
      silent?: boolean;
      dropQuote?: boolean;
    },
  ): Promise<Delivery & { note: string }>;
  delete(actor: ActorRef, note: string, options?: SendOptions): Promise<Delivery & { note: string }>;
  updateProfile(
    actor: ActorRef,
    profile: SendOptions & { name?: string; summary?: string; aliases?: string[]; featuredTags?: string[] },
  ): Promise<Delivery>;
  /** Move to another account (which must list this one in its aliases), told to the followers. */
  move(actor: ActorRef, target: string, options?: SendOptions): Promise<Delivery>;
  /** A report about target (and objects), to target's server or to the actor `to` (e.g. another server's instance actor). */
  flag(
    actor: ActorRef,
    target: string,
    options?: SendOptions & { objects?: string[]; content?: string; to?: string },
  ): Promise<Delivery>;
  block(actor: ActorRef, target: string, options?: SendOptions): Promise<Delivery>;
  /** A QuoteAuthorization the actor publishes: `quote` may quote `target`; its id. */
  quoteAuthorization(actor: ActorRef, quote: string, target: string): Promise<{ id: string }>;
  /** Withdraws a QuoteAuthorization the actor gave (a Delete of it, sent to the quoting actor `to`). */
  withdrawQuoteAuthorization(actor: ActorRef, id: string, to: string): Promise<Delivery>;
  /** A QuoteRequest to the author of `object`: may `instrument` (a note id) quote it? */
  quoteRequest(actor: ActorRef, object: string, instrument: string): Promise<Delivery>;
  received(filter?: { type?: string; actor?: string }): Promise<ReceivedActivity[]>;
  clearReceived(): Promise<void>;
  /** Deliveries whose signature did not verify (answered 401). */
  unverified(): Promise<UnverifiedActivity[]>;
  sent(): Promise<{ actor: string; recipients: (string | null)[]; json: JsonObject }[]>;
  /** The first received activity matching, polling until the timeout (10 s by default). */
  waitFor(match: ActivityFilter | ((activity: ReceivedActivity) => boolean), timeoutMs?: number): Promise<ReceivedActivity>;
}

const username = (ref: ActorRef) => (typeof ref === "string" ? ref : ref.username);

/** Starts the peer over HTTPS with the lab's certificate, trusting its CA. */
export async function startPeer(options: {
  cert: TestCertificate;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<Peer> {
  const proc = Bun.spawn(["bun", peerScript, options.cert.cert, options.cert.key], {
    env: { ...cleanEnv(), NODE_EXTRA_CA_CERTS: options.cert.ca, PEER_PARENT_PID: String(process.pid), ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let port = 0;
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      out += decoder.decode(chunk, { stream: true });
      if (port === 0) port = Number(/PEER_LISTENING (\d+)/.exec(out)?.[1] ?? 0);
    }
  };
  const collecting = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  const ca = Bun.file(options.cert.ca);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const kill = async (reason: string): Promise<never> => {
    proc.kill("SIGKILL");
    await proc.exited;
    await collecting;
    throw new Error(`the peer ${reason}:\n${out}`);
  };
  for (;;) {
    if (proc.exitCode !== null) {
      await collecting;
      throw new Error(`the peer exited with ${proc.exitCode}:\n${out}`);
    }
    if (port !== 0) {
      const ok = await fetch(`https://127.0.0.1:${port}/_control/health`, { tls: { ca } }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
    }
    if (Date.now() > deadline) await kill("did not answer /_control/health");
    await Bun.sleep(25);
  }

  const url = `https://127.0.0.1:${port}`;
  const call = async <T>(method: "GET" | "POST", path: string, body?: object): Promise<T> => {
    const response = await fetch(`${url}/_control/${path}`, {
      method,
      tls: { ca },
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const payload = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new PeerError(`peer ${path}: ${payload.error ?? response.status}`, response.status);
    return payload;
  };
  const get = <T>(path: string, params: Record<string, string | undefined> = {}) => {
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    return call<T>("GET", query.size > 0 ? `${path}?${query}` : path);
  };
  const post = <T>(path: string, body: object) => call<T>("POST", path, body);

  let stopped: Promise<number> | undefined;
  const peer: Peer = {
    url,
    host: `127.0.0.1:${port}`,
    port,
    proc,
    output: () => out,
    stop: () =>
      (stopped ??= (async () => {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        const code = await proc.exited;
        clearTimeout(timer);
        await collecting;
        return code;
      })()),

    createActor: (name, o = {}) => post("actors", { username: name, ...o }),
    actor: (ref) => get("actor", { name: username(ref) }),
    page: (path, html) => post("pages", { path, html }),
    lookup: (q, o = {}) => get("lookup", { q, as: o.as ? username(o.as) : undefined }),
    follow: (actor, target, o = {}) => post("follow", { actor: username(actor), target, ...o }),
    unfollow: (actor, target, o = {}) => post("unfollow", { actor: username(actor), target, ...o }),
    relayAnnounce: (object) => post("relay-announce", { object }),
    acceptFollow: async (actor, follow) => void (await post("accept-follow", { actor: username(actor), follow })),
    rejectFollow: async (actor, follow) => void (await post("reject-follow", { actor: username(actor), follow })),
    post: (actor, o) => post("post", { actor: username(actor), ...o }),
    reply: (actor, inReplyTo, o) => post("reply", { actor: username(actor), ...o, inReplyTo }),
    like: (actor, object, o = {}) => post("like", { actor: username(actor), object, ...o }),
    boost: (actor, object, o = {}) => post("boost", { actor: username(actor), object, ...o }),
    undo: (actor, activity, o = {}) => post("undo", { actor: username(actor), activity, ...o }),
    edit: (actor, note, o) => post("edit", { actor: username(actor), note, ...o }),
    delete: (actor, note, o = {}) => post("delete", { actor: username(actor), note, ...o }),
    updateProfile: (actor, profile) => post("profile", { actor: username(actor), ...profile }),
    flag: (actor, target, o = {}) => post("flag", { actor: username(actor), target, ...o }),
    block: (actor, target, o = {}) => post("block", { actor: username(actor), target, ...o }),
    quoteAuthorization: (actor, quote, target) => post("quote-authorization", { actor: username(actor), quote, target }),
    withdrawQuoteAuthorization: (actor, id, to) => post("withdraw-quote-authorization", { actor: username(actor), id, to }),
    quoteRequest: (actor, object, instrument) => post("quote-request", { actor: username(actor), object, instrument }),
    move: (actor, target, o = {}) => post("move", { actor: username(actor), target, ...o }),
    received: (filter = {}) => get("received", filter),
    clearReceived: async () => void (await post("received/clear", {})),
    unverified: () => get("unverified"),
    sent: () => get("sent"),
    async waitFor(match, timeoutMs = 10_000) {
      const test =
        typeof match === "function"
          ? match
          : (a: ReceivedActivity) =>
              (!match.type || a.type === match.type) &&
              (!match.actor || a.actor === match.actor) &&
              (!match.object || a.object === match.object);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = await peer.received();
        const found = all.find(test);
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = all.map((a) => `  ${a.type} ${a.id} from ${a.actor} (object ${a.object})`).join("\n") || "  (nothing)";
          const bad = (await peer.unverified()).map((a) => `  ${a.type} ${a.id} from ${a.actor}: ${a.reason}`).join("\n");
          throw new Error(
            `the peer received no matching activity in ${timeoutMs} ms${typeof match === "function" ? "" : ` (${JSON.stringify(match)})`}; it received:\n${seen}` +
              (bad ? `\nand refused as unverified:\n${bad}` : ""),
          );
        }
        await Bun.sleep(100);
      }
    },
  };
  return peer;
}
