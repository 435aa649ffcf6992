import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Elysia } from "elysia";
import { clientIp, isLoopbackAddress } from "../client-ip.ts";
import { TokenBuckets } from "../core/rate-limit.ts";
import { storageFault } from "../db/storage-errors.ts";
import { claimedSignerHost, claimedSignerHosts } from "./access.ts";
import { handleForRelay } from "./relayed.ts";

const logger = getLogger(["skein", "federation", "inbox"]);

const MAX_ACTIVITY_BYTES = 1024 * 1024;
/** Real activities nest a handful of levels (Create → Note → tag → …); JSON-LD expansion recurses. */
const MAX_ACTIVITY_DEPTH = 64;

/**
 * Deliveries a tiny instance takes from one server, and from one address (which bounds the key
 * fetches that made-up signers would cause). A busy server delivering a burst of posts and
 * deletes stays well inside these; over them it gets 429 with Retry-After and retries later.
 */
export const INBOX_LIMITS = {
  perDomain: { perSecond: 20, burst: 600 },
  perAddress: { perSecond: 50, burst: 1500 },
  /** Handled at once, and waiting their turn (each holds its body, up to 1 MB). */
  concurrent: { running: 16, waiting: 256 },
};

/**
 * Lets Fedify answer the requests it owns (WebFinger, NodeInfo, actors, inboxes, collections)
 * before Elysia routes anything; everything else, and a browser asking for an actor's HTML
 * profile, falls through to our routes. The small equivalent of @fedify/hono's middleware.
 */
export function federationPlugin(
  federation: Federation<void>,
  baseUrl: URL,
  decorate: (r: Response) => Response,
  hosts: {
    /** May we federate with this host (core/domain-allows.ts federationAllowed)? */
    federates: (host: string) => boolean;
    /** The actors of the relays joined on this host (core/relays.ts relayActorsOn). */
    relayActors: (host: string) => string[];
  },
) {
  const { federates, relayActors } = hosts;
  const limits = inboxLimiter();
  const gate = new Gate(INBOX_LIMITS.concurrent.running, INBOX_LIMITS.concurrent.waiting);
  return new Elysia({ name: "federation" }).onRequest(async ({ request }) => {
    const pass = new Response(null, { status: 599 });
    const handle = (r: Request) =>
      federation.fetch(canonical(r, baseUrl), { contextData: undefined, onNotFound: () => pass, onNotAcceptable: () => pass });
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/inbox")) {
      if (new URL(request.url).pathname === "/nodeinfo/2.0") return decorate(await nodeInfo20(handle, request));
      const response = await handle(request);
      if (response === pass) return undefined;
      // Public documents (WebFinger, NodeInfo, actors, posts): web apps in a browser read
      // NodeInfo to learn what server this is, as Mastodon allows.
      if (request.method === "GET" || request.method === "HEAD") response.headers.set("access-control-allow-origin", "*");
      return decorate(response);
    }
    // A delivery signed by a server we do not federate with is refused before its key is fetched
    // (as Mastodon does, 403); the inbox checks the verified actor again (inbox.ts, sender).
    // A signature naming keys on several servers is nothing a server sends, and its parts would
    // be read differently here and by Fedify.
    if (claimedSignerHosts(request).length > 1)
      return decorate(Response.json({ error: "The signature names keys on several servers." }, { status: 401 }));
    const signer = claimedSignerHost(request);
    if (signer !== null && !federates(signer))
      return decorate(Response.json({ error: "This server does not federate with yours." }, { status: 403 }));
    if (signatureExpired(request.headers.get("signature-input")))
      return decorate(Response.json({ error: "The request's signature has expired." }, { status: 401 }));
    const limited = limits(clientIp(request), signer);
    if (limited) return decorate(limited);
    if (!(await gate.enter()))
      return decorate(Response.json({ error: "Too busy; try again later." }, { status: 503, headers: { "retry-after": "30" } }));
    try {
      const checked = await checkedActivity(request);
      if (checked instanceof Response) return decorate(checked);
      const relay = signer === null ? undefined : await relaySigner(checked, relayActors(signer));
      return decorate(await (relay ? handleForRelay(relay, () => handle(checked)) : handle(checked)));
    } catch (error) {
      // A full disk or a read-only folder: the activity is fine, we cannot keep it now. A 4xx
      // would tell the sender never to try again; a 503 makes it retry later.
      const storage = storageFault(error);
      if (storage) {
        logger.error(`${storage.logLine} (an activity was refused: {error})`, { error: String(error) });
        return decorate(Response.json({ error: storage.message }, { status: 503, headers: { "retry-after": "300" } }));
      }
      // Fedify throws on some unreadable JSON-LD (a remote @context that cannot be loaded, while
      // checking an integrity proof): that is the sender's fault, not a failure of ours.
      logger.info("Refused an activity that could not be read: {error}", { error: String(error) });
      return decorate(Response.json({ error: "The activity could not be read." }, { status: 400 }));
    } finally {
      gate.leave();
    }
  });

  /**
   * Which of these relay actors signed the delivery, its signature checked: a relay passes on
   * activities its members signed, and Fedify, reading their signatures, never checks the relay's.
   */
  async function relaySigner(request: Request, actors: string[]): Promise<string | undefined> {
    if (actors.length === 0) return undefined;
    const ctx = federation.createContext(canonical(request, baseUrl), undefined);
    // The key's owner as its own document says, and only if that document lists the key.
    const owner = (await ctx.getSignedKeyOwner().catch(() => null))?.id?.href;
    return owner && actors.includes(owner) ? owner : undefined;
  }
}

/**
 * At most `running` deliveries handled at once and `waiting` in line for a turn; past that the
 * sender is told to come back. Bounds the memory a burst can take when deliveries arrive faster
 * than they are handled (a slow machine, a crowd of servers at once).
 */
export class Gate {
  #running = 0;
  readonly #line: (() => void)[] = [];

  constructor(
    readonly running: number,
    readonly waiting: number,
  ) {}

  async enter(): Promise<boolean> {
    if (this.#running < this.running) {
      this.#running++;
      return true;
    }
    if (this.#line.length >= this.waiting) return false;
    await new Promise<void>((resolve) => this.#line.push(resolve));
    return true;
  }

  /** Hands the turn to the next in line, if any. */
  leave(): void {
    const next = this.#line.shift();
    if (next) next();
    else this.#running--;
  }
}

/**
 * Counts a delivery against its sender's address and claimed server, before its body is read or
 * its key fetched; a 429 names when to come back. Loopback without X-Forwarded-For is this
 * machine itself (or a proxy not saying whom it forwards), so only its domains are counted.
 */
function inboxLimiter() {
  const domains = new TokenBuckets(INBOX_LIMITS.perDomain.perSecond, INBOX_LIMITS.perDomain.burst);
  const addresses = new TokenBuckets(INBOX_LIMITS.perAddress.perSecond, INBOX_LIMITS.perAddress.burst);
  let refused = 0;
  return (ip: string, signer: string | null): Response | null => {
    const wait = Math.max(isLoopbackAddress(ip) ? 0 : addresses.take(ip), signer ? domains.take(signer) : 0);
    if (wait === 0) return null;
    // One line per thousand refusals: a flood must not flood the log too.
    if (refused++ % 1000 === 0) logger.warn("Inbox deliveries refused for their rate (from {ip}, {signer})", { ip, signer });
    return Response.json(
      { error: "Too many deliveries; try again later." },
      { status: 429, headers: { "retry-after": String(Math.ceil(wait / 1000)) } },
    );
  };
}

/**
 * Whether every RFC 9421 signature of the request is past its `expires`. Fedify 2.3 checks
 * `created` against its window but ignores `expires` (it does check draft-cavage's), so a
 * signature its sender meant to be dead still passed.
 */
export function signatureExpired(signatureInput: string | null, now = Date.now()): boolean {
  if (!signatureInput) return false;
  const signatures = [...signatureInput.matchAll(/(?:^|,)\s*[\w-]+=\([^)]*\)([^,]*)/g)];
  if (signatures.length === 0) return false;
  return signatures.every(([, params]) => {
    const expires = /;\s*expires=(\d+)/.exec(params ?? "")?.[1];
    return expires !== undefined && Number(expires) * 1000 < now;
  });
}

/**
 * An activity posted to an inbox, read up to 1 MB (whatever Content-Length claims) and refused
 * when it nests deeper than any real activity: Fedify parses and expands what it is given.
 */
async function checkedActivity(request: Request): Promise<Request | Response> {
  const tooLarge = () => Response.json({ error: "The activity is larger than 1 MB." }, { status: 413 });
  const length = request.headers.get("content-length");
  if (Number(length ?? 0) > MAX_ACTIVITY_BYTES) return tooLarge();
  // With a length the server has already held the body to it; only a streamed body is counted.
  const body = length ? new Uint8Array(await request.arrayBuffer()) : await readAtMost(request, MAX_ACTIVITY_BYTES);
  if (body === null) return tooLarge();
  if (nestingDepth(body) > MAX_ACTIVITY_DEPTH)
    return Response.json({ error: "The activity is nested too deeply." }, { status: 400 });
  if (foreignId(body)) return Response.json({ error: "The activity's id is not on its actor's server." }, { status: 400 });
  return new Request(request.url, { method: "POST", headers: request.headers, body });
}

/**
 * An activity whose id is on another server than its actor. Fedify remembers the ids it has seen
 * and drops a second activity with the same id, before any of our checks: a sender naming another
 * server's ids could make the genuine activity, when it comes, be dropped as a repeat. Only plain
 * string ids are compared; anything else is left to Fedify's parser.
 */
function foreignId(body: Uint8Array): boolean {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return false; // Fedify answers malformed JSON itself
  }
  if (typeof json !== "object" || json === null) return false;
  const { id, actor } = json as { id?: unknown; actor?: unknown };
  const actorId = typeof actor === "object" && actor !== null ? (actor as { id?: unknown }).id : actor;
  if (typeof id !== "string" || typeof actorId !== "string" || !URL.canParse(id) || !URL.canParse(actorId)) return false;
  return new URL(id).origin !== new URL(actorId).origin;
}

/** The body, or null once it passes `limit` bytes (the rest is not read). */
async function readAtMost(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** How deep objects and arrays nest in a JSON text (brackets inside strings do not count). */
export function nestingDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Behind a reverse proxy the request arrives for http://127.0.0.1:3000/…; Fedify must see the
 * public URL so that signatures covering the target URI verify and links come out right.
 */
function canonical(request: Request, baseUrl: URL): Request {
  const url = new URL(request.url);
  if (url.origin === baseUrl.origin) return request;
  return new Request(new URL(url.pathname + url.search, baseUrl).href, request);
}

/**
 * NodeInfo 2.0, which Mastodon serves and some apps fetch by its address: Fedify's 2.1 document
 * without the fields 2.0 does not have.
 */
async function nodeInfo20(handle: (r: Request) => Promise<Response>, request: Request): Promise<Response> {
  const response = await handle(
    new Request(new URL("/nodeinfo/2.1", request.url).href, { headers: { accept: "application/json" } }),
  );
  const document = (await response.json()) as { software: Record<string, unknown> };
  const { homepage: _, repository: __, ...software } = document.software;
  return Response.json(
    { ...document, version: "2.0", software },
    {
      headers: {
        "content-type": 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
        "access-control-allow-origin": "*",
      },
    },
  );
}
