import { isIP } from "node:net";
import { getLogger } from "@logtape/logtape";
import { checkedAddress, FetchRefused, MAX_REDIRECTS, pinnedFetch } from "./guarded-fetch.ts";

const logger = getLogger(["skein", "federation", "outgoing"]);

export interface OutgoingLimits {
  /** Longest a request may take, body included, when its caller gave no earlier deadline. */
  deadlineMs: number;
  /** Largest response body read (after decompression); past it the read fails. */
  maxBytes: number;
}

export const DEFAULT_LIMITS: OutgoingLimits = { deadlineMs: 15_000, maxBytes: 10 * 1024 * 1024 };

let installed: typeof fetch | undefined;

/**
 * Puts a deadline and a body size limit on every HTTP request the process makes. Fedify sends
 * deliveries and loads documents with the global fetch and no deadline of its own: a server that
 * accepted a delivery and never answered held a queue worker for minutes (four of them stopped
 * every delivery), and one that sent a body without end was read to the last byte, into memory
 * (Bun does not stop reading a body when the request's signal aborts). A caller's own signal
 * still applies (lookups keep their shorter deadline). Called once by the server at start.
 */
export function limitOutgoingRequests(limits: OutgoingLimits = DEFAULT_LIMITS, guard = { allowPrivate: false }): void {
  if (installed) return;
  installed = globalThis.fetch;
  globalThis.fetch = Object.assign(pinnedRequests(limitedFetch(installed, limits), guard.allowPrivate), installed);
}

/**
 * The fetch from before limitOutgoingRequests, for the one caller that sets its own deadline and
 * counts the body as it writes it to disk: a remote video read into the media cache, larger than
 * the limit on everything else.
 */
export function unlimitedFetch(): typeof fetch {
  return installed ?? globalThis.fetch;
}

/**
 * Every request the process makes by name goes to an address checked just before, and the name
 * cannot change between the check and the connection (no DNS rebinding window): Fedify's
 * deliveries (POSTs; an inbox whose name has come to point inside the network since its actor
 * was stored is refused) and its own GETs (the WebFinger it falls back to when a lookup by URL
 * fails). A GET to an address passes: the guarded fetch's pinned requests come back through here,
 * checked already (loaders.ts).
 */
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function pinnedRequests(next: Fetch, allowPrivate: boolean): Fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
    const url = new URL(request.url);
    const literal = isIP(url.hostname.replace(/^\[(.*)\]$/, "$1")) !== 0;
    const reading = request.method === "GET" || request.method === "HEAD";
    if (reading) return literal ? next(request) : followPinned(request, allowPrivate);
    const address = await checkedAddress(url, { allowPrivate });
    if (literal) return readAtOnce(await next(request));
    return pinnedFetch(request, address, request.signal);
  };
}

/** A GET by name, pinned hop by hop; redirects followed as fetch would, each checked (at most 3). */
async function followPinned(request: Request, allowPrivate: boolean): Promise<Response> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const url = new URL(current.url);
    const response = await pinnedFetch(current, await checkedAddress(url, { allowPrivate }), current.signal);
    const location = response.headers.get("location");
    if (request.redirect !== "follow" || !location || response.status < 300 || response.status >= 400) {
      // Callers read the URL they asked for (or were redirected to), never the address.
      return rewrapped(response.body, response, url.href, hop > 0);
    }
    if (hop === MAX_REDIRECTS) throw new FetchRefused(`more than ${MAX_REDIRECTS} redirects`);
    await response.body?.cancel();
    current = new Request(new URL(location, url).href, { headers: request.headers, signal: request.signal });
  }
}

/**
 * The answer to a delivery, read now (Mastodon's is empty): Fedify reads it only when the
 * delivery failed, and an unread answer held its connection and buffers until the deadline.
 */
async function readAtOnce(response: Response): Promise<Response> {
  return rewrapped(await response.arrayBuffer(), response, response.url, response.redirected);
}

/** A new response with another body and the same status and headers; Fedify reads `url` from it. */
function rewrapped(
  body: ConstructorParameters<typeof Response>[0],
  response: Response,
  url: string,
  redirected: boolean,
): Response {
  const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(copy, "url", { value: url });
  Object.defineProperty(copy, "redirected", { value: redirected });
  return copy;
}

/** `fetch` with the limits (the function limitOutgoingRequests installs). */
export function limitedFetch(original: typeof fetch, limits: OutgoingLimits) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // A timer cleared once the body is read: AbortSignal.timeout kept every finished request's
    // response and listeners until its deadline (1,500 of them at 100 deliveries a second).
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException("The operation timed out.", "TimeoutError")),
      limits.deadlineMs,
    );
    timer.unref();
    const done = () => clearTimeout(timer);
    const given = [init?.signal, input instanceof Request ? input.signal : undefined].filter((s): s is AbortSignal => !!s);
    const signal = given.length > 0 ? AbortSignal.any([...given, deadline.signal]) : deadline.signal;
    try {
      return limitBody(await original(input, { ...init, signal }), limits.maxBytes, signal, done);
    } catch (error) {
      done();
      throw error;
    }
  };
}

/**
 * The same response, whose body stops with an error past maxBytes or when the signal aborts;
 * `finished` is called once the body is read, failed or cancelled.
 */
function limitBody(response: Response, maxBytes: number, signal: AbortSignal, finished: () => void): Response {
  const body = response.body;
  if (!body) {
    finished();
    return response;
  }
  const url = response.url;
  const reader = body.getReader();
  let read = 0;
  // At the deadline the connection is let go even if nobody reads the body.
  let fail = () => {};
  const aborted = new Promise<never>((_, reject) => {
    fail = () => {
      const reason = signal.reason ?? new Error("the request was aborted");
      reader.cancel(reason).catch(() => {});
      reject(reason);
    };
  });
  aborted.catch(() => {});
  if (signal.aborted) fail();
  else signal.addEventListener("abort", fail, { once: true });
  const end = () => {
    signal.removeEventListener("abort", fail);
    finished();
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        signal.throwIfAborted();
        const { done, value } = await Promise.race([reader.read(), aborted]);
        if (done) {
          end();
          return controller.close();
        }
        read += value.byteLength;
        if (read > maxBytes) throw new Error(`the response from ${url} is larger than ${maxBytes} bytes`);
        controller.enqueue(value);
      } catch (error) {
        logger.info("Stopped reading {url}: {error}", { url, error });
        end();
        reader.cancel(error).catch(() => {});
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return rewrapped(stream, response, url, response.redirected);
}
