import type { RequestContext } from "@fedify/fedify";
import { federationAllowed } from "../core/domain-allows.ts";
import { getSettings } from "../core/instance.ts";
import type { Db } from "../db/open.ts";

/**
 * The host of the key a request says it is signed with (draft-cavage `Signature: keyId="…"` or
 * RFC 9421 `Signature-Input: …;keyid="…"`), before anything is verified. Refusing on this claim
 * is safe (a liar is only refused) and spares a key fetch from a server we do not federate with.
 */
export function claimedSignerHost(request: Request): string | null {
  const header = `${request.headers.get("signature") ?? ""} ${request.headers.get("signature-input") ?? ""}`;
  const keyId = /keyid="([^"]+)"/i.exec(header)?.[1];
  if (!keyId || !URL.canParse(keyId)) return null;
  return new URL(keyId).host || null;
}

/**
 * Who may read actors, posts and collections (Fedify `authorize`). A request signed by a server
 * we do not federate with is refused, on the key it claims (nothing is fetched). In secure mode
 * and in allowlist mode (as in Mastodon's limited federation mode) a read needs a valid signature
 * whose key owner is on a server we federate with; otherwise unsigned reads are open, so checking
 * a signature would gain nothing and is skipped.
 */
export async function mayRead(db: Db, ctx: RequestContext<void>): Promise<boolean> {
  const claimed = claimedSignerHost(ctx.request);
  if (claimed !== null && !federationAllowed(db, claimed)) return false;
  const settings = getSettings(db);
  if (!settings.secureMode && settings.federationMode === "blocklist") return true;
  const owner = await ctx.getSignedKeyOwner();
  return owner?.id ? federationAllowed(db, owner.id.host) : false;
}
