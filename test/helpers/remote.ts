import { type RemoteAccountData, type RemotePostData, upsertRemoteAccount } from "../../src/core/remote.ts";
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

/** A public note from a remote account, as the inbox hands it to core: `fields` override any part. */
export function remoteNote(authorId: string, uri: string, fields: Partial<RemotePostData> = {}): RemotePostData {
  const text = fields.plainText ?? "a note";
  return {
    uri,
    url: null,
    authorId,
    contentHtml: `<p>${text}</p>`,
    plainText: text,
    spoilerText: "",
    sensitive: false,
    visibility: "public",
    language: null,
    inReplyToUri: null,
    mentionedIds: [],
    tags: [],
    attachments: [],
    createdAt: new Date(),
    editedAt: null,
    ...fields,
  };
}
