import type { RequestContext } from "@fedify/fedify";
import { federationAllowed } from "../core/domain-allows.ts";
import { getSettings } from "../core/instance.ts";
import type { Db } from "../db/open.ts";

/**
 * The hosts of the keys a request says it is signed with (draft-cavage `Signature: keyId="…"` or
 * RFC 9421 `Signature-Input: …;keyid="…"`), before anything is verified. Refusing on this claim
 * is safe (a liar is only refused) and spares a key fetch from a server we do not federate with.
 * Every key named counts: Fedify reads the last `keyId` of a header, a simple reading the first.
 */
export function claimedSignerHosts(request: Request): string[] {
  const header = `${request.headers.get("signature") ?? ""} ${request.headers.get("signature-input") ?? ""}`;
  const hosts = [...header.matchAll(/keyid="([^"]*)"/gi)].map(([, keyId]) =>
    keyId && URL.canParse(keyId) ? new URL(keyId).host.toLowerCase() : "",
  );
  return [...new Set(hosts)];
}

/** The one host a request claims to be signed from; null when it names none, or keys on several (or unreadable) ones. */
export function claimedSignerHost(request: Request): string | null {
  const hosts = claimedSignerHosts(request);
  return hosts.length === 1 && hosts[0] ? hosts[0] : null;
}

/**
 * Who may read actors, posts and collections (Fedify `authorize`). A request signed by a server
 * we do not federate with is refused, on the key it claims (nothing is fetched). In secure mode
 * and in allowlist mode (as in Mastodon's limited federation mode) a read needs a valid signature
 * whose key owner is on a server we federate with; otherwise unsigned reads are open, so checking
 * a signature would gain nothing and is skipped.
 */
export async function mayRead(db: Db, ctx: RequestContext<void>): Promise<boolean> {
  if (claimedSignerHosts(ctx.request).some((host) => !federationAllowed(db, host))) return false;
  const settings = getSettings(db);
  if (!settings.secureMode && settings.federationMode === "blocklist") return true;
  const owner = await ctx.getSignedKeyOwner();
  return owner?.id ? federationAllowed(db, owner.id.host) : false;
}
