import type { Context } from "@fedify/fedify";

/** The instance actor's identifier: `/@skein`, a name no member can take. */
export const INSTANCE_ACTOR = "skein";

/**
 * Looks up a remote object; when its server answers only signed requests (Mastodon's secure
 * mode), asks again as the instance actor. The first try is unsigned because Fedify caches only
 * unsigned fetches.
 */
export async function lookup(ctx: Context<void>, target: string | URL) {
  const plain = await ctx.lookupObject(target).catch(() => null);
  if (plain) return plain;
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  return ctx.lookupObject(target, { documentLoader }).catch(() => null);
}
