/**
 * The address a request came from, for rate limits and the sessions page. Bun hands the peer's
 * address to the server's fetch handler, not to Elysia (a context's `server` is null under
 * `app.handle`), so server.ts records it here for the request it passes on. Without this every
 * request counted as "unknown", and five wrong passwords a minute from anyone locked everyone out.
 */
const peers = new WeakMap<Request, string>();

export function rememberPeer(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address);
}

/**
 * The peer's address; behind a reverse proxy on this machine (a loopback peer, as the README sets
 * it up) the last X-Forwarded-For entry, the one the proxy added. Entries before it are whatever
 * the client sent, and a header from any other peer is ignored, so neither can be forged.
 */
export function clientAddress(request: Request): string {
  const peer = peers.get(request);
  if (!peer) return "unknown";
  if (!isLoopback(peer)) return peer;
  const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
  return forwarded && /^[0-9a-fA-F.:]{2,45}$/.test(forwarded) ? forwarded : peer;
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
