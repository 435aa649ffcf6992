import { createApp } from "../../src/app.ts";
import { DomainEvents } from "../../src/core/events.ts";
import { instanceSecret } from "../../src/core/instance.ts";
import type { Translator } from "../../src/core/translations.ts";
import { createSkeinFederation } from "../../src/federation/federation.ts";
import { SqliteMessageQueue } from "../../src/federation/queue.ts";
import { MediaStore } from "../../src/media/store.ts";
import { RemoteMediaCache } from "../../src/media/remote-cache.ts";
import { guardedFetch, guardedFile, guardedPost } from "../../src/federation/guarded-fetch.ts";
import { join } from "node:path";
import { createLiveHub } from "../../src/core/live.ts";
import { createLocalUser } from "../../src/core/accounts.ts";
import type { Mailer } from "../../src/core/mail.ts";
import { WebClient } from "./client.ts";
import { tempDatabase } from "./db.ts";
import { authorizeApp } from "./oauth.ts";

/** The real app over a real temporary database, for in-process requests through app.handle. */
export function testApp(
  publicUrl = "https://social.example",
  options: { allowPrivateAddresses?: boolean; mailer?: Mailer; translator?: Translator } = {},
) {
  const database = tempDatabase();
  const config = { url: new URL(publicUrl), allowPrivateAddresses: options.allowPrivateAddresses ?? false };
  const events = new DomainEvents();
  const queue = new SqliteMessageQueue(database.db, { pollIntervalMs: 50 });
  const federation = createSkeinFederation({ db: database.db, events, baseUrl: config.url, config, queue });
  const secret = instanceSecret(database.db);
  const remoteMedia = new RemoteMediaCache(database.db, join(database.dir, "media-cache"), (url) =>
    guardedFile(url, { allowPrivate: config.allowPrivateAddresses }),
  );
  const live = createLiveHub({ db: database.db, events, baseUrl: config.url });
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
    live,
    queue,
    fetchPage: (url) => guardedFetch(url, { allowPrivate: config.allowPrivateAddresses }),
    push: ({ endpoint, headers, body }) =>
      guardedPost(endpoint, { headers, body }, { allowPrivate: config.allowPrivateAddresses }),
    mailer: options.mailer,
    translator: options.translator,
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
    live,
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

export interface SignedInMember {
  id: string;
  /** An app's token with "read write follow". */
  token: string;
  browser: WebClient;
}

/**
 * Members of a test app (the first one the owner), each signed in on the pages and holding an
 * app token, as the API tests need them; `origin` is the address the requests come from.
 */
export async function signedInMembers(t: ReturnType<typeof testApp>, origin: string, names: string[]) {
  const send = (request: Request) => t.app.handle(request);
  const members = new Map<string, SignedInMember>();
  for (const [i, name] of names.entries()) {
    const { accountId } = await createLocalUser(t.deps, {
      username: name,
      email: `${name}@example.com`,
      password: "correct horse battery",
      role: i === 0 ? "owner" : "user",
    });
    const browser = new WebClient(send);
    await browser.login(name, "correct horse battery");
    const { token } = await authorizeApp(send, origin, browser, { scopes: "read write follow" });
    members.set(name, { id: accountId, token, browser });
  }
  return (name: string) => members.get(name) as SignedInMember;
}

/**
 * Calls the API of a test app as one of `members` (by name; null for a visitor), with an
 * optional JSON body, the way an app does.
 */
export function apiAs(t: ReturnType<typeof testApp>, origin: string, members: (name: string) => SignedInMember) {
  return (who: string | null, method: string, path: string, body?: Record<string, unknown>) =>
    t.app.handle(
      new Request(`${origin}${path}`, {
        method,
        headers: {
          ...(who ? { authorization: `Bearer ${members(who).token}` } : {}),
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      }),
    );
}
