import { type RemoteAccountData, upsertRemoteAccount } from "../../src/core/remote.ts";
import type { Db } from "../../src/db/open.ts";

/**
 * Stores a remote account as if its actor had been received: `uri` gives its name and server,
 * its inbox sits beside it, and `fields` overrides any of the rest.
 */
export function storeRemoteAccount(db: Db, uri: string, fields: Partial<RemoteAccountData> = {}) {
  const url = new URL(uri);
  return upsertRemoteAccount(db, {
    uri,
    username: url.pathname.split("/").at(-1) ?? "someone",
    domain: url.host,
    displayName: "",
    note: "",
    url: null,
    inboxUrl: `${uri}/inbox`,
    sharedInboxUrl: null,
    followersUrl: null,
    outboxUrl: null,
    avatarUrl: null,
    headerUrl: null,
    locked: false,
    bot: false,
    discoverable: false,
    fields: [],
    alsoKnownAs: [],
    ...fields,
  });
}
