import type { Context } from "@fedify/fedify";

/** The instance actor's identifier: `/@skein`, a name no member can take. */
export const INSTANCE_ACTOR = "skein";

const LOOKUP_TIMEOUT_MS = 8_000;

/**
 * Looks up a remote object; when its server answers only signed requests (Mastodon's secure
 * mode), asks again as the instance actor. The first try is unsigned because Fedify caches only
 * unsigned fetches; `fresh` goes straight to the signed, uncached one.
 */
export async function lookup(ctx: Context<void>, target: string | URL, options: { fresh?: boolean } = {}) {
  // One deadline for both tries: a server that never answers must not hold a page for long.
  const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
  const plain = options.fresh ? null : await ctx.lookupObject(target, { signal }).catch(() => null);
  if (plain || signal.aborted) return plain;
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  return ctx.lookupObject(target, { documentLoader, signal }).catch(() => null);
}
