import type { Context } from "@fedify/fedify";
import { federationAllowed } from "../core/domain-allows.ts";
import type { Db } from "../db/open.ts";

/** The instance actor's identifier: `/@skein`, a name no member can take. */
export const INSTANCE_ACTOR = "skein";

const LOOKUP_TIMEOUT_MS = 8_000;

/**
 * Looks up a remote object; when its server answers only signed requests (Mastodon's secure
 * mode), asks again as the instance actor. The first try is unsigned because Fedify caches only
 * unsigned fetches; `fresh` goes straight to the signed, uncached one.
 */
export async function lookup(ctx: Context<void>, db: Db, target: string | URL, options: { fresh?: boolean } = {}) {
  // Nothing is asked of a server the instance does not federate with, not even WebFinger.
  const host = targetHost(target);
  if (host === null || !federationAllowed(db, host)) return null;
  // One deadline for both tries: a server that never answers must not hold a page for long.
  const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
  const plain = options.fresh ? null : await ctx.lookupObject(target, { signal }).catch(() => null);
  if (plain || signal.aborted) return plain;
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  return ctx.lookupObject(target, { documentLoader, signal }).catch(() => null);
}

/** The server a lookup would ask: a URL's host, or the domain of an `acct:user@host` handle. */
export function targetHost(target: string | URL): string | null {
  const text = target.toString();
  if (text.startsWith("acct:")) {
    const at = text.lastIndexOf("@");
    return at > 0 && at < text.length - 1 ? text.slice(at + 1).toLowerCase() : null;
  }
  return URL.canParse(text) ? new URL(text).host : null;
}
