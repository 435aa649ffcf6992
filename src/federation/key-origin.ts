import type { DocumentLoader, RemoteDocument } from "@fedify/vocab-runtime";
import { Object as AsObject, CryptographicKey, isActor, Multikey } from "@fedify/vocab";

/**
 * A fetched document that names, for a key in it, an owner (or a Multikey's controller) on
 * another server. Fedify takes a key's owner as the account it speaks for: without this check a
 * server could publish a key "owned" by someone else's account and sign activities as them, or
 * as a relay. What a server says is trusted for its own origin only (FEP-fe34).
 */
export class ForeignKeyOwner extends Error {
  constructor(documentUrl: string, owner: string) {
    super(`${documentUrl} holds a key it says belongs to ${owner}, on another server`);
    this.name = "ForeignKeyOwner";
  }
}

/** Nothing is fetched while checking: keys given only by address are checked when fetched themselves. */
const fetchNothing: DocumentLoader = (url) => Promise.reject(new Error(`not fetched while checking keys: ${url}`));

const parsed = async <T>(parse: () => Promise<T>): Promise<T | null> => parse().catch(() => null);

/** Throws ForeignKeyOwner when the document gives a key to an account on another origin. */
export async function checkKeyOwners(remote: RemoteDocument, contextLoader: DocumentLoader): Promise<void> {
  const origin = new URL(remote.documentUrl).origin;
  const options = { documentLoader: fetchNothing, contextLoader };
  const check = (owner: URL | null) => {
    if (owner && owner.origin !== origin) throw new ForeignKeyOwner(remote.documentUrl, owner.href);
  };
  // Read as Fedify reads a fetched key: as any object, else as a key of either kind.
  const object =
    (await parsed(() => AsObject.fromJsonLd(remote.document, options))) ??
    (await parsed(() => CryptographicKey.fromJsonLd(remote.document, options))) ??
    (await parsed(() => Multikey.fromJsonLd(remote.document, options)));
  if (object instanceof CryptographicKey) check(object.ownerId);
  else if (object instanceof Multikey) check(object.controllerId);
  else if (isActor(object)) {
    for await (const key of object.getPublicKeys({ ...options, suppressError: true })) check(key.ownerId);
    for await (const method of object.getAssertionMethods({ ...options, suppressError: true })) check(method.controllerId);
  }
}
