import { Object as AsObject, CryptographicKey, isActor, Multikey } from "@fedify/vocab";
import type { DocumentLoader, RemoteDocument } from "@fedify/vocab-runtime";

/**
 * A fetched document whose keys do not say they belong to an account of its own server. Fedify
 * takes a key's owner (a Multikey's controller) as the account it speaks for, and, for a key that
 * names none, whatever actor the signed activity carries: a server could otherwise publish a key
 * for someone else's account, or for nobody, and sign activities as them (or as a relay). What a
 * server says is trusted for its own origin only (FEP-fe34).
 */
export class UntrustedKey extends Error {
  constructor(documentUrl: string, why: string) {
    super(`${documentUrl}: ${why}`);
    this.name = "UntrustedKey";
  }
}

/** More keys than any actor has: checking them all is work a hostile server would make us do. */
const MAX_KEYS = 20;

/** Nothing is fetched while checking: keys given only by address are checked when fetched themselves. */
const fetchNothing: DocumentLoader = (url) => Promise.reject(new Error(`not fetched while checking keys: ${url}`));

const parsed = async <T>(parse: () => Promise<T>): Promise<T | null> => parse().catch(() => null);

/** An owner named by a did: or other address that is no web origin: Fedify matches it to no actor of ours. */
const webAddress = (url: URL) => url.protocol === "https:" || url.protocol === "http:";

/** Throws UntrustedKey when a key in the document may speak for an account it does not name, or for another server's. */
export async function checkKeyOwners(remote: RemoteDocument, contextLoader: DocumentLoader): Promise<void> {
  const origin = new URL(remote.documentUrl).origin;
  const options = { documentLoader: fetchNothing, contextLoader };
  const refuse = (why: string) => new UntrustedKey(remote.documentUrl, why);
  // Read as Fedify reads a fetched key: as any object, else as a key of either kind.
  const object =
    (await parsed(() => AsObject.fromJsonLd(remote.document, options))) ??
    (await parsed(() => CryptographicKey.fromJsonLd(remote.document, options))) ??
    (await parsed(() => Multikey.fromJsonLd(remote.document, options)));
  if (object instanceof CryptographicKey || object instanceof Multikey) {
    const owner = object instanceof CryptographicKey ? object.ownerId : object.controllerId;
    if (!owner) throw refuse("a key that names no owner");
    if (webAddress(owner) && owner.origin !== origin) throw refuse(`a key it says belongs to ${owner.href}, on another server`);
  } else if (isActor(object)) {
    // A key in an actor's document belongs to that actor, and says so.
    let keys = 0;
    const check = (owner: URL | null) => {
      if (++keys > MAX_KEYS) throw refuse(`more than ${MAX_KEYS} keys`);
      if (!owner) throw refuse("a key that names no owner");
      if (webAddress(owner) && owner.href !== object.id?.href) throw refuse(`a key it says belongs to ${owner.href}`);
    };
    for await (const key of object.getPublicKeys({ ...options, suppressError: true })) check(key.ownerId);
    for await (const method of object.getAssertionMethods({ ...options, suppressError: true })) check(method.controllerId);
  }
}
