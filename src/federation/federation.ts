import { createFederation, type Federation } from "@fedify/fedify";
import { Endpoints, Person, Service } from "@fedify/vocab";
import { countLocalUsers, findLocalAccount } from "../core/accounts.ts";
import { getSettings } from "../core/instance.ts";
import { instanceStats } from "../core/stats.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/open.ts";
import { VERSION } from "../version.ts";
import { actorKeyPairs } from "./keys.ts";
import { SqliteKvStore } from "./kv.ts";
import type { SqliteMessageQueue } from "./queue.ts";

export interface FederationDeps {
  db: Db;
  config: Pick<Config, "url" | "allowPrivateAddresses">;
  queue: SqliteMessageQueue;
}

/**
 * The Fedify federation: WebFinger, NodeInfo and actor documents for local accounts. Actors
 * live at the profile URL (/@name), so the same address serves AS2 to servers and HTML to people.
 */
export function createSkeinFederation({ db, config, queue }: FederationDeps): Federation<void> {
  const federation = createFederation<void>({
    kv: new SqliteKvStore(db),
    queue,
    // Generated URLs use the configured public URL, never the Host of a request.
    origin: config.url.origin,
    allowPrivateAddress: config.allowPrivateAddresses,
    userAgent: { software: `Skein/${VERSION}`, url: config.url },
    // The queue is started by the server, after migrations, and stopped with it.
    manuallyStartQueue: true,
  });

  federation
    .setActorDispatcher("/@{identifier}", async (ctx, identifier) => {
      const account = findLocalAccount(db, identifier);
      if (!account || account.username !== identifier) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      const values = {
        id: ctx.getActorUri(identifier),
        preferredUsername: account.username,
        name: account.displayName || account.username,
        summary: account.note || null,
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        manuallyApprovesFollowers: account.locked,
        discoverable: account.discoverable,
        published: Temporal.Instant.fromEpochMilliseconds(account.createdAt.getTime()),
        publicKey: keys[0]?.cryptographicKey,
        assertionMethods: keys.map((k) => k.multikey),
      };
      return account.bot ? new Service(values) : new Person(values);
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const account = findLocalAccount(db, identifier);
      return account ? actorKeyPairs(db, account.id) : [];
    });

  // Listeners for each activity type arrive with the federation work; the routes exist now
  // so actors can name their inboxes.
  federation.setInboxListeners("/@{identifier}/inbox", "/inbox");

  federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => {
    const settings = getSettings(db);
    const users = countLocalUsers(db);
    const stats = instanceStats(db);
    return {
      software: { name: "skein", version: VERSION, homepage: config.url },
      protocols: ["activitypub"],
      openRegistrations: settings.registrationMode === "open",
      usage: {
        users: { total: users, activeMonth: stats.activeMonth, activeHalfyear: stats.activeHalfyear },
        localPosts: stats.localPosts,
        localComments: 0,
      },
      metadata: { nodeName: settings.name, nodeDescription: settings.description },
    };
  });

  return federation;
}
