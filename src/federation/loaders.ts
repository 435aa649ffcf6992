import { type DocumentLoader, type KvStore, kvCache, signRequest } from "@fedify/fedify";
// Fedify's own runtime package (installed with @fedify/fedify at the same version): the JSON-LD
// reading of a response and the contexts it ships, so that ours behaves like its loader.
import { getRemoteDocument, getUserAgent, preloadedContexts } from "@fedify/vocab-runtime";
import { VERSION } from "../version.ts";
import { checkKeyOwners } from "./key-origin.ts";
import { type GuardOptions, guardedResponse, readLimited } from "./guarded-fetch.ts";

const ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
/** Actors, posts and collection pages are a few kilobytes; a megabyte or two is already odd. */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
const NO_BODY = new Set([101, 103, 204, 205, 304]);
const DOCUMENT_TYPES = new Set([
  "application/activity+json",
  "application/ld+json",
  "application/json",
  "text/html",
  "application/xhtml+xml",
]);

export type LoaderOptions = Pick<GuardOptions, "allowPrivate" | "resolve" | "blocked"> & { userAgent: string };

type Spec = "draft-cavage-http-signatures-12" | "rfc9421";
type Identity = { keyId: URL; privateKey: CryptoKey };

export function skeinUserAgent(url: URL): string {
  return getUserAgent({ software: `Skein/${VERSION}`, url });
}

/**
 * A document loader for Fedify that fetches through the guarded fetch (the same address
 * checks, redirect limit, deadline and size limit as everything else Skein fetches).
 * With an identity, each request is signed: draft-cavage first, as most servers read it, then
 * RFC 9421 when refused (Fedify's double knock).
 */
export function guardedDocumentLoader(options: LoaderOptions, identity?: Identity): DocumentLoader {
  const fetchDocument = async (url: string, signal: AbortSignal | undefined, spec?: Spec) => {
    const sign = identity && spec ? (r: Request) => signRequest(r, identity.privateKey, identity.keyId, { spec }) : undefined;
    return guardedResponse(url, { ...options, accept: ACCEPT, signal, sign });
  };
  const load: DocumentLoader = async (url, loadOptions) => {
    const href = new URL(url).href;
    const preloaded = (preloadedContexts as Record<string, unknown>)[href];
    if (preloaded) return { contextUrl: null, document: preloaded, documentUrl: href };
    const signal = loadOptions?.signal;
    let fetched = await fetchDocument(href, signal, identity ? "draft-cavage-http-signatures-12" : undefined);
    if (identity && [400, 401, 403].includes(fetched.response.status)) {
      await fetched.response.body?.cancel();
      fetched = await fetchDocument(href, signal, "rfc9421");
    }
    const { url: final, response } = fetched;
    // Only what is served as a document is one: a file a member uploaded to a server (an image, a
    // "key") is not that server speaking. HTML is read for its link to the document, as Fedify does.
    const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (response.ok && !DOCUMENT_TYPES.has(type)) {
      await response.body?.cancel();
      throw new Error(`${final.href} is served as ${type || "nothing said"}, not as a document`);
    }
    const body = NO_BODY.has(response.status) ? null : await readLimited(response, MAX_DOCUMENT_BYTES);
    // The document's URL is the name fetched, never the address connected to.
    const copy = new Response(body, { status: response.status, headers: response.headers });
    return getRemoteDocument(final.href, copy, load);
  };
  return load;
}

const policies = new WeakMap<object, LoaderOptions>();

/**
 * The guard options a federation was made with, for fetches Skein makes beside Fedify's
 * loaders with only a Fedify context at hand (WebFinger, inbox checks). Private addresses are
 * refused for a federation that registered none.
 */
export function fetchPolicy(federation: object): LoaderOptions {
  return policies.get(federation) ?? { allowPrivate: false, userAgent: `Skein/${VERSION}` };
}

export function setFetchPolicy(federation: object, options: LoaderOptions): void {
  policies.set(federation, options);
}

/** A loader whose documents never give a key to an account they do not name, or to another server's (key-origin.ts). */
function ownKeysOnly(loader: DocumentLoader): DocumentLoader {
  return async (url, loadOptions) => {
    const remote = await loader(url, loadOptions);
    if (!Object.hasOwn(preloadedContexts, url)) await checkKeyOwners(remote, loader);
    return remote;
  };
}

/** The factories to give createFederation: plain fetches cached in the KV store like Fedify's own. */
export function guardedLoaderFactories(kv: KvStore, options: LoaderOptions) {
  return {
    // Checked as fetched, so what the cache holds was checked (migration 0053 forgot what it held before).
    documentLoaderFactory: () =>
      kvCache({ loader: ownKeysOnly(guardedDocumentLoader(options)), kv, prefix: ["_fedify", "remoteDocument"] }),
    // Signed fetches are not cached, as in Fedify: what a server shows depends on who asks.
    authenticatedDocumentLoaderFactory: (identity: Identity) => ownKeysOnly(guardedDocumentLoader(options, identity)),
  };
}
