import { afterAll, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { createLocalUser } from "../src/core/accounts.ts";
import { queueMessages } from "../src/db/schema.ts";
import { testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { startPushService, verifiedVapid } from "./helpers/push-service.ts";

// The push service is on loopback: the instance may reach it only with private addresses allowed.
const t = testApp("https://social.example", { allowPrivateAddresses: true });
const origin = "http://127.0.0.1:3000";
const send = (request: Request) => t.app.handle(request);
const stop = new AbortController();
const worker = t.queue.listen(() => {}, { signal: stop.signal });
const push = startPushService();
afterAll(async () => {
  stop.abort();
  await worker;
  push.stop();
});

const members: Record<string, { id: string; browser: WebClient }> = {};
for (const name of ["alice", "bob", "carol", "dave", "erin"]) {
  const { accountId } = await createLocalUser(t.deps, {
    username: name,
    email: `${name}@example.com`,
    password: "correct horse battery",
    role: name === "alice" ? "owner" : "user",
  });
  const browser = new WebClient(send);
  await browser.login(name, "correct horse battery");
  members[name] = { id: accountId, browser };
}
const member = (name: string) => members[name] as { id: string; browser: WebClient };
const alice = member("alice");
const { app, token } = await authorizeApp(send, origin, alice.browser, { scopes: "read write follow push" });

type Body = Record<string, unknown> | URLSearchParams;
const api = (method: string, path: string, body?: Body, bearer = token) =>
  send(
    new Request(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body && !(body instanceof URLSearchParams) ? { "content-type": "application/json" } : {}),
      },
      body: body instanceof URLSearchParams ? body : body ? JSON.stringify(body) : undefined,
    }),
  );
const subscribe = (data: Record<string, unknown>, standard = false) =>
  api("POST", "/api/v1/push/subscription", {
    subscription: { endpoint: push.endpoint, keys: push.keys, standard },
    data,
  });
/** Waits until the queue has nothing left to run (pushes sent or dropped). */
async function drained() {
  while ((t.deps.db.select({ n: count() }).from(queueMessages).get()?.n ?? 0) > 0) await Bun.sleep(10);
}
const mention = (from: string, text: string) =>
  member(from).browser.post("/statuses", { status: `@alice ${text}`, visibility: "public" });
const follow = (from: string) => member(from).browser.post(`/accounts/${alice.id}/follow`, {});

test("an app subscribes, reads, changes and removes its push subscription; bad input changes nothing", async () => {
  const instance = (await (await api("GET", "/api/v2/instance")).json()) as { configuration: { vapid: { public_key: string } } };
  const serverKey = instance.configuration.vapid.public_key;
  expect(Buffer.from(serverKey, "base64url")).toHaveLength(65); // an uncompressed P-256 point

  const created = await subscribe({ alerts: { mention: true, follow: true }, policy: "all" });
  expect(created.status).toBe(200);
  const entity = (await created.json()) as Record<string, unknown> & { alerts: Record<string, boolean> };
  expect(entity).toMatchObject({ endpoint: push.endpoint, standard: false, policy: "all", server_key: serverKey });
  expect(entity.alerts).toEqual({
    mention: true,
    status: false,
    reblog: false,
    follow: true,
    follow_request: false,
    favourite: false,
    poll: false,
    update: false,
    quote: false,
    quoted_update: false,
    "admin.sign_up": false,
    "admin.report": false,
  });
  expect(await (await api("GET", "/api/v1/push/subscription")).json()).toEqual(entity);
  const appsPage = async () => (await alice.browser.get("/settings/apps")).text();
  expect(await appsPage()).toContain("sends your notifications to your device");

  // A form, as Tusky and Mastodon.py send it: alerts are replaced, not merged.
  const changed = await api(
    "PUT",
    "/api/v1/push/subscription",
    new URLSearchParams({ "data[alerts][favourite]": "true", "data[policy]": "followed" }),
  );
  expect(changed.status).toBe(200);
  expect(await changed.json()).toMatchObject({
    id: entity.id,
    policy: "followed",
    alerts: { favourite: true, mention: false, follow: false },
  });

  // Bad keys, a bad endpoint, a bad policy: 422 with the reason, and the subscription stays as it was.
  const refused = [
    await api("POST", "/api/v1/push/subscription", {
      subscription: { endpoint: push.endpoint, keys: { p256dh: "AAAA", auth: push.keys.auth } },
    }),
    await api("POST", "/api/v1/push/subscription", {
      subscription: { endpoint: push.endpoint, keys: { p256dh: push.keys.p256dh, auth: "c2hvcnQ" } },
    }),
    await api("POST", "/api/v1/push/subscription", { subscription: { endpoint: "ftp://push.example/x", keys: push.keys } }),
    await api("PUT", "/api/v1/push/subscription", { data: { policy: "everyone-ish" } }),
  ];
  for (const response of refused) {
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^Validation failed: (Keys p256dh|Keys auth|Endpoint|Policy)/,
    );
  }
  expect(await (await api("GET", "/api/v1/push/subscription")).json()).toMatchObject({ id: entity.id, policy: "followed" });

  // Form fields all the way, with a name that tries to reach the prototype: one subscription per token, replaced.
  const form = new URLSearchParams({
    "subscription[endpoint]": push.endpoint,
    "subscription[keys][p256dh]": push.keys.p256dh,
    "subscription[keys][auth]": push.keys.auth,
    "data[alerts][reblog]": "1",
    "data[__proto__][polluted]": "yes",
  });
  const replaced = (await (await api("POST", "/api/v1/push/subscription", form)).json()) as {
    id: number;
    alerts: Record<string, boolean>;
  };
  expect(Number.isInteger(replaced.id)).toBe(true); // an integer, as Mastodon's (Tusky reads an Int)
  expect(replaced.alerts.reblog).toBe(true);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();

  // A token without the push scope is refused; another member's token sees only its own (none).
  const readOnly = await authorizeApp(send, origin, alice.browser, { scopes: "read" });
  expect((await api("GET", "/api/v1/push/subscription", undefined, readOnly.token)).status).toBe(403);
  const bobs = await authorizeApp(send, origin, member("bob").browser, { scopes: "push" });
  expect((await api("GET", "/api/v1/push/subscription", undefined, bobs.token)).status).toBe(404);
  expect((await api("DELETE", "/api/v1/push/subscription", undefined, bobs.token)).status).toBe(200);
  expect((await api("GET", "/api/v1/push/subscription")).status).toBe(200); // Bob's delete did not touch Alice's

  expect(await (await api("DELETE", "/api/v1/push/subscription")).json()).toEqual({});
  const gone = await api("GET", "/api/v1/push/subscription");
  expect(gone.status).toBe(404);
  expect(await gone.json()).toEqual({ error: "Record not found" });
  expect(await appsPage()).not.toContain("sends your notifications");

  // The app registration tells the same key, as Mastodon's does.
  const registered = (await (
    await send(
      new Request(`${origin}/api/v1/apps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "Another", redirect_uris: "urn:ietf:wg:oauth:2.0:oob" }),
      }),
    )
  ).json()) as { vapid_key: string };
  expect(registered.vapid_key).toBe(serverKey);
});

test("a mention reaches the push service encrypted for the device and signed with the instance's key, in both encodings", async () => {
  const serverKey = (
    (await (await api("GET", "/api/v2/instance")).json()) as { configuration: { vapid: { public_key: string } } }
  ).configuration.vapid.public_key;
  const before = push.received.length;

  // The aesgcm draft: what apps that do not send `standard` get (Mastodon's behaviour before 4.4).
  expect((await subscribe({ alerts: { mention: true } })).status).toBe(200);
  expect((await mention("bob", "are you coming tonight?")).status).toBe(303);
  const legacy = await push.until(before + 1);
  expect(legacy.headers).toMatchObject({ "content-encoding": "aesgcm", ttl: "172800", urgency: "normal" });
  expect(legacy.headers["crypto-key"]).toContain(`p256ecdsa=${serverKey}`);
  const legacyJwt = /^WebPush (\S+)$/.exec(legacy.headers.authorization ?? "")?.[1] ?? "";
  const claims = await verifiedVapid(legacyJwt, serverKey);
  expect(claims.aud).toBe(new URL(push.endpoint).origin);
  expect(claims.sub).toBe("https://social.example");
  expect(claims.exp as number).toBeGreaterThan(Date.now() / 1000);

  const payload = push.open(legacy);
  const notifications = (await (await api("GET", "/api/v1/notifications")).json()) as { id: string; type: string }[];
  expect(payload).toEqual({
    access_token: token,
    preferred_locale: "en",
    notification_id: expect.any(Number), // an integer, as Mastodon's: apps decode it so
    notification_type: "mention",
    icon: "https://social.example/assets/avatar-missing.png",
    title: "You were mentioned by bob",
    body: "@alice are you coming tonight?",
  });
  // The app fetches the notification by that number.
  const fetched = await api("GET", `/api/v1/notifications/${(payload as { notification_id: number }).notification_id}`);
  expect(((await fetched.json()) as { id: string }).id).toBe(notifications[0]?.id as string);
  expect(Buffer.from(legacy.body).includes("coming")).toBe(false); // only the device can read it

  // RFC 8291 (aes128gcm) for an app that asks for the standard.
  expect((await subscribe({ alerts: { mention: true } }, true)).status).toBe(200);
  await mention("carol", "the bread is ready");
  const standard = await push.until(before + 2);
  expect(standard.headers["content-encoding"]).toBe("aes128gcm");
  const [, jwt = "", key] = /^vapid t=(\S+), k=(\S+)$/.exec(standard.headers.authorization ?? "") ?? [];
  expect(key).toBe(serverKey);
  await verifiedVapid(jwt, serverKey);
  expect(push.open(standard)).toMatchObject({
    notification_type: "mention",
    title: "You were mentioned by carol",
    body: "@alice the bread is ready",
  });
});

test("alerts and the policy choose what is pushed; a subscription the service forgot, or whose token was revoked, ends", async () => {
  await drained();
  const before = push.received.length;
  const pushedTitles = () => push.received.slice(before).map((d) => push.open(d).title);

  // Follows only, and only from accounts Alice follows.
  await subscribe({ alerts: { follow: true }, policy: "followed" });
  await mention("dave", "no alert for mentions");
  await follow("dave"); // Alice does not follow Dave
  await drained();
  expect(pushedTitles()).toEqual([]);

  await alice.browser.post(`/accounts/${member("erin").id}/follow`, {});
  await follow("erin");
  await push.until(before + 1);
  await drained();
  expect(pushedTitles()).toEqual(["erin is now following you"]);

  // "Gone" from the push service: the subscription is deleted, nothing is retried.
  await api("PUT", "/api/v1/push/subscription", { data: { alerts: { follow: true, mention: true }, policy: "all" } });
  push.answer(410);
  await mention("carol", "one more");
  await push.until(before + 2);
  await drained();
  expect((await api("GET", "/api/v1/push/subscription")).status).toBe(404);
  push.answer(201);

  // A revoked token's subscription gets nothing.
  await subscribe({ alerts: { mention: true } });
  const revoked = await send(
    new Request(`${origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, token }),
    }),
  );
  expect(revoked.status).toBe(200);
  await mention("bob", "after the revoke");
  await drained();
  expect(push.received.length).toBe(before + 2);
});
