/**
 * The connection's address per request. The server hands requests to the app with
 * `app.handle(request)`, so Elysia's own `server` is absent in handlers: the server notes the
 * peer here before handing the request on.
 */
const peers = new WeakMap<Request, string>();

export function rememberPeer(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address);
}

/**
 * The address a request came from, for rate limits and the session list. Behind a reverse proxy
 * on this machine every connection comes from loopback, so there (and only there: a remote peer
 * could claim anything) the proxy's X-Forwarded-For names the client; the last entry is the one
 * the proxy added itself.
 */
export function clientIp(request: Request): string {
  const peer = peers.get(request);
  if (!peer) return "unknown";
  if (!isLoopbackAddress(peer)) return peer;
  const forwarded = withoutPort(request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim() ?? "");
  return forwarded && /^[0-9a-fA-F.:]{2,45}$/.test(forwarded) ? forwarded : peer;
}

/** Some proxies write the client's port too: `203.0.113.7:51234`, `[2001:db8::1]:51234`, `[2001:db8::1]`. */
function withoutPort(address: string): string {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) return bracketed[1];
  return /^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address) ? (address.split(":")[0] ?? address) : address;
}

export function isLoopbackAddress(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}
