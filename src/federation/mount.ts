import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Elysia } from "elysia";
import { storageFault } from "../db/storage-errors.ts";
import { claimedSignerHost } from "./access.ts";

const logger = getLogger(["skein", "federation", "inbox"]);

const MAX_ACTIVITY_BYTES = 1024 * 1024;
/** Real activities nest a handful of levels (Create → Note → tag → …); JSON-LD expansion recurses. */
const MAX_ACTIVITY_DEPTH = 64;

/**
 * Lets Fedify answer the requests it owns (WebFinger, NodeInfo, actors, inboxes, collections)
 * before Elysia routes anything; everything else, and a browser asking for an actor's HTML
 * profile, falls through to our routes. The small equivalent of @fedify/hono's middleware.
 */
export function federationPlugin(
  federation: Federation<void>,
  baseUrl: URL,
  decorate: (r: Response) => Response,
  /** May we federate with this host (core/domain-allows.ts federationAllowed)? */
  federates: (host: string) => boolean,
) {
  return new Elysia({ name: "federation" }).onRequest(async ({ request }) => {
    const pass = new Response(null, { status: 599 });
    const handle = (r: Request) =>
      federation.fetch(canonical(r, baseUrl), { contextData: undefined, onNotFound: () => pass, onNotAcceptable: () => pass });
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/inbox")) {
      const response = await handle(request);
      return response === pass ? undefined : decorate(response);
    }
    // A delivery signed by a server we do not federate with is refused before its key is fetched
    // (as Mastodon does, 403); the inbox checks the verified actor again (inbox.ts, sender).
    const signer = claimedSignerHost(request);
    if (signer !== null && !federates(signer))
      return decorate(Response.json({ error: "This server does not federate with yours." }, { status: 403 }));
    if (signatureExpired(request.headers.get("signature-input")))
      return decorate(Response.json({ error: "The request's signature has expired." }, { status: 401 }));
    const checked = await checkedActivity(request);
    if (checked instanceof Response) return decorate(checked);
    try {
      return decorate(await handle(checked));
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
    }
  });
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
  return new Request(request.url, { method: "POST", headers: request.headers, body });
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
