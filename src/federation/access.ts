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
  return new URL(keyId).host;
}

/**
 * Who may read actors, posts and collections (Fedify `authorize`). A request signed by a server
 * we do not federate with is refused (checked on the claimed key first, then on the verified
 * key's owner). An unsigned request is refused in secure mode and in allowlist mode, where
 * reading needs a signature by a listed server, as in Mastodon's limited federation mode.
 */
export async function mayRead(db: Db, ctx: RequestContext<void>): Promise<boolean> {
  const claimed = claimedSignerHost(ctx.request);
  if (claimed !== null && !federationAllowed(db, claimed)) return false;
  const owner = await ctx.getSignedKeyOwner();
  if (owner?.id) return federationAllowed(db, owner.id.host);
  const settings = getSettings(db);
  return !settings.secureMode && settings.federationMode === "blocklist";
}
