import { createApp } from "../../src/app.ts";
import { DomainEvents } from "../../src/core/events.ts";
import { instanceSecret } from "../../src/core/instance.ts";
import { createSkeinFederation } from "../../src/federation/federation.ts";
import { SqliteMessageQueue } from "../../src/federation/queue.ts";
import { MediaStore } from "../../src/media/store.ts";
import { RemoteMediaCache } from "../../src/media/remote-cache.ts";
import { guardedFetch, guardedFile, guardedPost } from "../../src/federation/guarded-fetch.ts";
import { join } from "node:path";
import { createLiveHub } from "../../src/core/live.ts";
import { tempDatabase } from "./db.ts";

/** The real app over a real temporary database, for in-process requests through app.handle. */
export function testApp(publicUrl = "https://social.example", options: { allowPrivateAddresses?: boolean } = {}) {
  const database = tempDatabase();
  const config = { url: new URL(publicUrl), allowPrivateAddresses: options.allowPrivateAddresses ?? false };
  const events = new DomainEvents();
  const queue = new SqliteMessageQueue(database.db, { pollIntervalMs: 50 });
  const federation = createSkeinFederation({ db: database.db, events, baseUrl: config.url, config, queue });
  const secret = instanceSecret(database.db);
  const remoteMedia = new RemoteMediaCache(database.db, join(database.dir, "media-cache"), (url) =>
    guardedFile(url, { allowPrivate: config.allowPrivateAddresses }),
  );
  const app = createApp({
    db: database.db,
    sqlite: database.sqlite,
    events,
    baseUrl: config.url,
    config,
    federation,
    secret,
    media: new MediaStore(join(database.dir, "media")),
    remoteMedia,
    live: createLiveHub({ db: database.db, events, baseUrl: config.url }),
    queue,
    fetchPage: (url) => guardedFetch(url, { allowPrivate: config.allowPrivateAddresses }),
    push: ({ endpoint, headers, body }) =>
      guardedPost(endpoint, { headers, body }, { allowPrivate: config.allowPrivateAddresses }),
  });
  // Requests arrive on the loopback address, as they do behind a reverse proxy.
  const request = (path: string, init: RequestInit = {}) => app.handle(new Request(`http://127.0.0.1:3000${path}`, init));
  return {
    app,
    request,
    deps: { db: database.db, events, baseUrl: config.url },
    media: new MediaStore(join(database.dir, "media")),
    remoteMedia,
    database,
    queue,
  };
}

export function form(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
  };
}

/** A response body as loose JSON, for assertions on documents from other specs. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON documents
export const json = (response: Response): Promise<any> => response.json();
