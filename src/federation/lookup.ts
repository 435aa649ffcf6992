import type { Context } from "@fedify/fedify";
import { federationAllowed } from "../core/domain-allows.ts";
import type { Db } from "../db/open.ts";
import { guardedResponse, readLimited } from "./guarded-fetch.ts";
import { fetchPolicy } from "./loaders.ts";

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
  const url = target.toString().startsWith("acct:") ? await webFinger(ctx, target.toString(), signal) : target;
  if (!url) return null;
  const plain = options.fresh ? null : await ctx.lookupObject(url, { signal }).catch(() => null);
  if (plain || signal.aborted) return plain;
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  return ctx.lookupObject(url, { documentLoader, signal }).catch(() => null);
}

/** The link types Fedify's lookupObject accepts for an actor in a WebFinger answer. */
const isActivityType = (type: unknown) =>
  type === "application/activity+json" ||
  /application\/ld\+json;\s*profile="https:\/\/www.w3.org\/ns\/activitystreams"/.test(String(type));

/**
 * The actor URL of an `acct:user@host` handle, asked of the host's WebFinger (over https, as
 * Fedify does) through the guarded fetch rather than Fedify's own lookup, which fetches with
 * the global fetch.
 */
async function webFinger(ctx: Context<void>, handle: string, signal: AbortSignal): Promise<URL | null> {
  const host = targetHost(handle);
  if (!host || !URL.canParse(`https://${host}/`)) return null;
  const url = new URL(`https://${host}/.well-known/webfinger`);
  url.searchParams.set("resource", handle);
  try {
    const policy = fetchPolicy(ctx.federation);
    const { response } = await guardedResponse(url, { ...policy, accept: "application/jrd+json", signal });
    if (!response.ok) return null;
    const jrd = JSON.parse(new TextDecoder().decode(await readLimited(response, 256 * 1024)));
    const links: { rel?: unknown; type?: unknown; href?: unknown }[] = Array.isArray(jrd?.links) ? jrd.links : [];
    const self = links.find((l) => l.rel === "self" && isActivityType(l.type) && typeof l.href === "string");
    return typeof self?.href === "string" && URL.canParse(self.href) ? new URL(self.href) : null;
  } catch {
    return null;
  }
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
