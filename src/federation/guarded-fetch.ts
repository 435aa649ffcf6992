import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isBlockedAddress } from "./addresses.ts";

/** The addresses of a host name (tests pass their own to observe or fake DNS). */
export type Resolve = (host: string) => Promise<string[]>;

export interface GuardOptions {
  /** Testing only (--allow-private-addresses). */
  allowPrivate: boolean;
  /** Largest body accepted, counted after decompression. */
  maxBytes?: number;
  /** Deadline for the whole fetch: DNS, every redirect and the body. */
  timeoutMs?: number;
  accept?: string;
  userAgent?: string;
  resolve?: Resolve;
  /** Tests: which addresses count as not public (default isBlockedAddress). */
  blocked?: (address: string) => boolean;
  /** A caller's cancellation, on top of the deadline. */
  signal?: AbortSignal;
  /** Signs each request (signed fetches): called again for every redirect. */
  sign?: (request: Request) => Promise<Request>;
  /**
   * The fetch to send with: the global one by default, whose limits (outgoing.ts) apply; a caller
   * that sets its own deadline and counts the body itself may pass the one before them.
   */
  fetcher?: typeof fetch;
}

export class FetchRefused extends Error {}

export const MAX_REDIRECTS = 3;
export const DEADLINE_MS = 30_000;

const systemResolve: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * The one address Skein will connect to for this URL: http(s) only, the name resolved once,
 * and refused when any of its addresses is not public (unless allowPrivate, for tests).
 * URL parsing already turns `http://2130706433/` or `http://0x7f.1/` into `127.0.0.1`.
 */
export async function checkedAddress(
  url: URL,
  {
    allowPrivate,
    resolve = systemResolve,
    blocked = isBlockedAddress,
  }: Pick<GuardOptions, "allowPrivate" | "resolve" | "blocked">,
): Promise<string> {
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new FetchRefused(`${url.protocol} is not fetched`);
  const host = bare(url.hostname);
  const addresses = isIP(host) ? [host] : await resolve(host);
  const first = addresses[0];
  if (!first) throw new FetchRefused(`${host} has no address`);
  if (!allowPrivate && addresses.some(blocked)) throw new FetchRefused(`${host} is not a public address`);
  return first;
}

/**
 * Sends the request to the address already checked, never resolving the name again (no DNS
 * rebinding window between check and connect). The URL names the address; the Host header and,
 * for https, the TLS server name stay the host's, so the certificate is still verified for the
 * name and SNI is sent (checked in Bun 1.4.5 and in compiled binaries; Bun keeps
 * connections to one address apart by server name).
 */
export async function pinnedFetch(
  request: Request,
  address: string,
  signal: AbortSignal,
  fetcher: typeof fetch = fetch,
): Promise<Response> {
  const url = new URL(request.url);
  const target = new URL(url);
  target.hostname = isIP(address) === 6 ? `[${address}]` : address;
  const headers = new Headers(request.headers);
  headers.set("host", url.host);
  const named = url.protocol === "https:" && !isIP(bare(url.hostname));
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  return fetcher(target, {
    method: request.method,
    headers,
    body,
    redirect: "manual",
    signal,
    ...(named ? { tls: { serverName: bare(url.hostname) } } : {}),
  });
}

/**
 * A GET that Skein makes on its own (Fedify's documents, remote media, profile link checks):
 * public addresses only, each redirect checked again (at most 3), one deadline for all of it.
 * The body is left to read with readLimited (the deadline still runs while reading it).
 */
export async function guardedResponse(target: string | URL, options: GuardOptions): Promise<{ url: URL; response: Response }> {
  const deadline = AbortSignal.timeout(options.timeoutMs ?? DEADLINE_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let url = new URL(target);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const address = await abortable(checkedAddress(url, options), signal);
    const headers: Record<string, string> = { accept: options.accept ?? "*/*" };
    if (options.userAgent) headers["user-agent"] = options.userAgent;
    let request = new Request(url.href, { headers });
    if (options.sign) request = await options.sign(request);
    const response = await pinnedFetch(request, address, signal, options.fetcher);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return { url, response };
    await response.body?.cancel();
    url = new URL(location, url);
  }
  throw new FetchRefused(`more than ${MAX_REDIRECTS} redirects`);
}

/**
 * A POST Skein makes on its own (Web Push to an app's push service): public addresses only,
 * redirects not followed, one deadline. Resolves with the answer's status; the body is dropped.
 */
export async function guardedPost(
  target: string,
  init: { headers: Record<string, string>; body: Uint8Array },
  options: GuardOptions,
): Promise<number> {
  const deadline = AbortSignal.timeout(options.timeoutMs ?? DEADLINE_MS);
  const url = new URL(target);
  const address = await abortable(checkedAddress(url, options), deadline);
  const headers = { ...init.headers, ...(options.userAgent ? { "user-agent": options.userAgent } : {}) };
  const response = await pinnedFetch(new Request(url.href, { method: "POST", headers, body: init.body }), address, deadline);
  await response.body?.cancel();
  return response.status;
}

/** A DNS lookup cannot be cancelled: stop waiting for it at the deadline. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    promise.then(resolve, reject);
  });
}

/** The body, refused past maxBytes of decompressed data: a gzip bomb stops at the limit. */
export async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FetchRefused(`larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** A guarded GET of a text page (profile link checks). */
export async function guardedFetch(
  target: string,
  options: GuardOptions,
): Promise<{ url: string; status: number; text: string }> {
  const { url, response } = await guardedResponse(target, {
    accept: "text/html",
    userAgent: "Skein (link verification)",
    ...options,
  });
  const bytes = await readLimited(response, options.maxBytes ?? 1024 * 1024);
  return { url: url.href, status: response.status, text: new TextDecoder().decode(bytes) };
}

/** A guarded GET of a file answered 200, its body left to read (in pieces: video is large). */
export async function guardedFile(target: string, options: GuardOptions): Promise<Response> {
  const { response } = await guardedResponse(target, { accept: "image/*, video/*, audio/*", ...options });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new FetchRefused(`HTTP ${response.status}`);
  }
  return response;
}
