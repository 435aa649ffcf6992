// The Mastodon client API in-process: OAuth, the main calls, entity shapes, bad input.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { community, PASSWORD } from "./helpers/community.ts";
import { testJpeg } from "./helpers/images.ts";
import { authorizeApp, authorizeCode } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);

const ORIGIN = "https://social.example";

async function setup(names = ["ada", "bob"]) {
  const c = await community(names);
  const send = (r: Request) => c.app.handle(r);
  const { app, token } = await authorizeApp(send, ORIGIN, c.member("ada").browser);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    bearer: string | null = token,
    extra: Record<string, string> = {},
  ) => {
    const headers: Record<string, string> = { ...extra };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await send(
      new Request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
  return { c, app, token, call, send };
}

describe("OAuth", () => {
  test("code flow with PKCE gives a token that verifies; client credentials give an app token", async () => {
    const { call, app } = await setup();
    const me = await call("GET", "/api/v1/accounts/verify_credentials");
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: "ada", acct: "ada", source: { privacy: "public" } });
    expect((await call("GET", "/api/v1/apps/verify_credentials")).json).toMatchObject({ name: "Test App" });
    expect((await call("GET", "/api/v1/accounts/verify_credentials", undefined, null)).status).toBe(401);
    expect((await call("GET", "/api/v1/accounts/verify_credentials", undefined, "nonsense")).json).toEqual({
      error: "The access token is invalid",
    });
    const wrongSecret = await call(
      "POST",
      "/oauth/token",
      { grant_type: "client_credentials", client_id: app.client_id, client_secret: "x" },
      null,
    );
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json.error).toBe("invalid_client");
    const appToken = await call(
      "POST",
      "/oauth/token",
      { grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read" },
      null,
    );
    expect(appToken.json.token_type).toBe("Bearer");
    // An app token is not a member: calls that act as one say so.
    expect((await call("GET", "/api/v1/timelines/home", undefined, appToken.json.access_token)).status).toBe(422);
    expect((await call("GET", "/api/v1/timelines/public", undefined, appToken.json.access_token)).status).toBe(200);
  });

  test("a read-only token cannot post (403) and a revoked token is refused (401)", async () => {
    const { c, send } = await setup();
    const { app, token } = await authorizeApp(send, ORIGIN, c.member("bob").browser, { scopes: "read" });
    const post = await send(
      new Request(`${ORIGIN}/api/v1/statuses`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ status: "hi" }),
      }),
    );
    expect(post.status).toBe(403);
    expect(await post.json()).toEqual({ error: "This action is outside the authorized scopes" });
    await send(
      new Request(`${ORIGIN}/oauth/revoke`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: app.client_id, client_secret: app.client_secret, token }),
      }),
    );
    const after = await send(
      new Request(`${ORIGIN}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(after.status).toBe(401);
  });
});

test("bad OAuth input: unregistered redirect, unknown app, PKCE mismatch, reused and expired codes", async () => {
  const { c, call, app } = await setup();
  const browser = c.member("bob").browser;
  const base = { client_id: app.client_id, response_type: "code", scope: "read" };
  const elsewhere = await browser.get(
    `/oauth/authorize?${new URLSearchParams({ ...base, redirect_uri: "https://evil.example/cb" })}`,
  );
  expect(elsewhere.status).toBe(400);
  expect(elsewhere.headers.get("location")).toBeNull(); // never sent to an unregistered address
  expect(await elsewhere.text()).toContain("not registered for the app");
  const unknown = await browser.get(
    `/oauth/authorize?${new URLSearchParams({ ...base, client_id: "nope", redirect_uri: "https://app.example/callback" })}`,
  );
  expect(unknown.status).toBe(400);
  const exchange = (code: string, verifier: string) =>
    call(
      "POST",
      "/oauth/token",
      {
        grant_type: "authorization_code",
        client_id: app.client_id,
        client_secret: app.client_secret,
        code,
        redirect_uri: "https://app.example/callback",
        code_verifier: verifier,
      },
      null,
    );

  const wrongVerifier = await authorizeCode(browser, ORIGIN, app.client_id);
  const mismatch = await exchange(wrongVerifier.code, "x".repeat(43));
  expect(mismatch.status).toBe(400);
  expect(mismatch.json.error).toBe("invalid_grant");

  const good = await authorizeCode(browser, ORIGIN, app.client_id);
  const first = await exchange(good.code, good.verifier);
  expect(first.status).toBe(200);
  const reused = await exchange(good.code, good.verifier);
  expect(reused.json).toMatchObject({ error: "invalid_grant", error_description: "The code was already used." });
  // Reusing a code revokes what it gave: it may have been stolen.
  expect((await call("GET", "/api/v1/accounts/verify_credentials", undefined, first.json.access_token)).status).toBe(401);

  const late = await authorizeCode(browser, ORIGIN, app.client_id);
  c.database.sqlite.run("UPDATE oauth_codes SET expires_at = 0 WHERE used_at IS NULL");
  expect((await exchange(late.code, late.verifier)).json.error_description).toBe("The code has expired.");
  expect(
    c.database.sqlite.query("SELECT count(*) AS n FROM oauth_tokens WHERE revoked_at IS NULL AND user_id IS NOT NULL").get(),
  ).toEqual({ n: 1 });
});

test("a logged-out member is sent to log in and back to the consent page; an out-of-band app gets the code shown", async () => {
  const { c, send } = await setup();
  const app = (await (
    await send(
      new Request(`${ORIGIN}/api/v1/apps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "CLI tool", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read" }),
      }),
    )
  ).json()) as { client_id: string; redirect_uri: string };
  expect(app.redirect_uri).toBe("urn:ietf:wg:oauth:2.0:oob");
  const params = { client_id: app.client_id, redirect_uri: "urn:ietf:wg:oauth:2.0:oob", response_type: "code", scope: "read" };
  const path = `/oauth/authorize?${new URLSearchParams(params)}`;
  const visitor = c.visitor;
  const toLogin = await visitor.get(path);
  expect(toLogin.status).toBe(303);
  const login = toLogin.headers.get("location") ?? "";
  expect(login).toStartWith("/login?next=");
  // The login form carries where to go next, as a browser would send it.
  const next = /name="next" value="([^"]+)"/.exec(await (await visitor.get(login)).text())?.[1]?.replace(/&amp;/g, "&") ?? "";
  const loggedIn = await visitor.post("/login", { username: "bob", password: PASSWORD, next });
  expect(loggedIn.headers.get("location")).toBe(path);
  expect(await (await visitor.get(path)).text()).toContain("Authorize CLI tool?");
  const shown = await (await visitor.post("/oauth/authorize", { ...params, decision: "approve" })).text();
  const code = /aria-label="Authorization code"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*aria-label="Authorization code"/.exec(
    shown,
  );
  expect(code).not.toBeNull();
});

test("members see the apps they authorized in settings and can revoke them", async () => {
  const { c, call } = await setup();
  const page = await c.page(c.member("ada").browser, "/settings/apps");
  expect(page).toContain("Test App");
  expect(page).toContain("read write follow");
  const appId = /action="\/settings\/apps\/([^/]+)\/revoke"/.exec(page)?.[1] ?? "";
  // Someone else cannot revoke ada's app.
  await c.member("bob").browser.post(`/settings/apps/${appId}/revoke`, {});
  expect((await call("GET", "/api/v1/accounts/verify_credentials")).status).toBe(200);
  expect((await c.member("ada").browser.post(`/settings/apps/${appId}/revoke`, {})).status).toBe(303);
  expect((await call("GET", "/api/v1/accounts/verify_credentials")).status).toBe(401);
  expect(await c.page(c.member("ada").browser, "/settings/apps")).toContain("No app can use your account.");
});

describe("statuses and timelines", () => {
  test("post, read, favourite, boost, context, edit, delete; Idempotency-Key makes one post", async () => {
    const { call, token } = await setup();
    const created = await call("POST", "/api/v1/statuses", { status: "hello #api world", visibility: "public" });
    expect(created.status).toBe(200);
    const status = created.json;
    for (const key of [
      "id",
      "uri",
      "url",
      "created_at",
      "account",
      "content",
      "visibility",
      "sensitive",
      "spoiler_text",
      "media_attachments",
      "mentions",
      "tags",
      "emojis",
      "reblogs_count",
      "favourites_count",
      "replies_count",
      "in_reply_to_id",
      "reblog",
      "favourited",
      "reblogged",
      "bookmarked",
      "pinned",
      "edited_at",
    ])
      expect(status).toHaveProperty(key);
    expect(status.tags).toEqual([{ name: "api", url: `${ORIGIN}/tags/api` }]);
    expect(status.account.avatar).toStartWith("https://");

    const home = await call("GET", "/api/v1/timelines/home");
    expect(home.json.map((s: { id: string }) => s.id)).toEqual([status.id]);
    expect(home.headers.get("link")).toContain('rel="next"');
    expect((await call("POST", `/api/v1/statuses/${status.id}/favourite`)).json.favourited).toBe(true);
    const boost = await call("POST", `/api/v1/statuses/${status.id}/reblog`);
    expect(boost.json.reblog.id).toBe(status.id);
    expect((await call("GET", `/api/v1/statuses/${status.id}/favourited_by`)).json.map((a: { acct: string }) => a.acct)).toEqual([
      "ada",
    ]);
    expect((await call("GET", `/api/v1/statuses/${status.id}/reblogged_by`)).json.map((a: { acct: string }) => a.acct)).toEqual([
      "ada",
    ]);
    const reply = await call("POST", "/api/v1/statuses", { status: "a reply", in_reply_to_id: status.id });
    expect(
      (await call("GET", `/api/v1/statuses/${status.id}/context`)).json.descendants.map((s: { id: string }) => s.id),
    ).toEqual([reply.json.id]);
    const edited = await call("PUT", `/api/v1/statuses/${status.id}`, { status: "hello edited" });
    expect(edited.json.content).toContain("hello edited");
    expect((await call("GET", `/api/v1/statuses/${status.id}/history`)).json).toHaveLength(2);
    expect((await call("GET", `/api/v1/statuses/${status.id}/source`)).json).toEqual({
      id: status.id,
      text: "hello edited",
      spoiler_text: "",
    });

    const key = { "idempotency-key": "k1" };
    const first = await call("POST", "/api/v1/statuses", { status: "only once" }, token, key);
    const second = await call("POST", "/api/v1/statuses", { status: "only once" }, token, key);
    expect(second.status).toBe(first.status);
    expect(second.json.id).toBe(first.json.id);

    const deleted = await call("DELETE", `/api/v1/statuses/${reply.json.id}`);
    expect(deleted.json.text).toBe("a reply");
    expect((await call("GET", `/api/v1/statuses/${reply.json.id}`)).status).toBe(404);
  });

  test("the app a post was made with is told to its author alone; a post from the web pages names none", async () => {
    const { c, call } = await setup();
    const posted = (await call("POST", "/api/v1/statuses", { status: "from the app" })).json;
    const app = { name: "Test App", website: "https://app.example" };
    expect(posted.application).toEqual(app);
    expect((await call("GET", `/api/v1/statuses/${posted.id}`)).json.application).toEqual(app);
    expect((await call("GET", `/api/v1/statuses/${posted.id}`, undefined, null)).json.application).toBeNull();
    // The author's own page says it under the post; a reader's does not.
    const page = await c.page(c.member("ada").browser, `/@ada/${posted.id}`);
    expect(page).toContain('Posted with <a href="https://app.example" rel="noopener" target="_blank">Test App</a>');
    expect(await c.page(c.member("bob").browser, `/@ada/${posted.id}`)).not.toContain("Posted with");
    const fromWeb = await c.post("ada", { status: "from the page" });
    expect((await call("GET", `/api/v1/statuses/${fromWeb}`)).json.application).toBeNull();
  });

  test("several statuses at once: in the order asked for, leaving out those missing or not the viewer's to see", async () => {
    const { call } = await setup();
    const a = (await call("POST", "/api/v1/statuses", { status: "first", visibility: "public" })).json.id;
    const b = (await call("POST", "/api/v1/statuses", { status: "second", visibility: "public" })).json.id;
    const own = (await call("POST", "/api/v1/statuses", { status: "for my eyes", visibility: "direct" })).json.id;
    const query = [b, "nope", a, own, b].map((id) => `id[]=${id}`).join("&");
    const ids = (r: { json: { id: string }[] }) => r.json.map((s) => s.id);
    expect(ids(await call("GET", `/api/v1/statuses?${query}`))).toEqual([b, a, own]);
    expect(ids(await call("GET", `/api/v1/statuses?${query}`, undefined, null))).toEqual([b, a]);
    const tooMany = Array.from({ length: 21 }, (_, i) => `id[]=${i}`).join("&");
    expect((await call("GET", `/api/v1/statuses?${tooMany}`)).status).toBe(422);
  });

  test("bad input: unknown visibility, empty post, unknown ids", async () => {
    const { call } = await setup();
    // As Mastodon: 422, with the field and what it may be for the app's developer.
    const secret = await call("POST", "/api/v1/statuses", { status: "x", visibility: "secret" });
    expect(secret).toMatchObject({
      status: 422,
      json: { error: "Validation failed: visibility must be one of public, unlisted, private, direct" },
    });
    const empty = await call("POST", "/api/v1/statuses", { status: "" });
    expect(empty.status).toBe(422);
    expect(empty.json.error).toStartWith("Validation failed");
    expect((await call("GET", "/api/v1/statuses/nope")).json).toEqual({ error: "Record not found" });
    expect((await call("GET", "/api/v1/accounts/nope")).status).toBe(404);
  });
});

describe("what apps that see Mastodon 4.3 ask on their main screens", () => {
  test("grouped notifications, the notification policy, an account's featured hashtags", async () => {
    const { c, call } = await setup();
    const bob = c.member("bob");
    const post = (await call("POST", "/api/v1/statuses", { status: "notice me" })).json;
    await bob.browser.post(`/statuses/${post.id}/favourite`, {});
    await bob.browser.post(`/statuses/${post.id}/reblog`, {});

    const [boosted, liked] = (await call("GET", "/api/v1/notifications")).json as { id: string; group_key: string }[];
    const grouped = await call("GET", "/api/v2/notifications?limit=1");
    expect(grouped.status).toBe(200);
    // The number names the same notification when asked back.
    const number = grouped.json.notification_groups[0]?.most_recent_notification_id;
    expect((await call("GET", `/api/v1/notifications/${number}`)).json.id).toBe(boosted?.id);
    expect(grouped.json.notification_groups).toEqual([
      {
        group_key: boosted?.group_key,
        notifications_count: 1,
        type: "reblog",
        most_recent_notification_id: expect.any(Number), // an integer in Mastodon's entity
        page_min_id: boosted?.id,
        page_max_id: boosted?.id,
        latest_page_notification_at: expect.any(String),
        sample_account_ids: [bob.accountId],
        status_id: post.id,
      },
    ]);
    expect(grouped.json.accounts.map((a: { acct: string }) => a.acct)).toEqual(["bob"]);
    expect(grouped.json.statuses.map((s: { id: string }) => s.id)).toEqual([post.id]);
    expect(grouped.headers.get("link")).toContain(`max_id=${boosted?.id}`);
    const next = await call("GET", `/api/v2/notifications?max_id=${boosted?.id}&types[]=favourite`);
    expect(next.json.notification_groups.map((g: { group_key: string }) => g.group_key)).toEqual([liked?.group_key]);
    // One group, and the accounts in it (Mastodon 4.3's group_key endpoints).
    const group = await call("GET", `/api/v2/notifications/${liked?.group_key}`);
    expect(group.json.notification_groups.map((g: { type: string }) => g.type)).toEqual(["favourite"]);
    expect(group.json.statuses.map((s: { id: string }) => s.id)).toEqual([post.id]);
    const who = await call("GET", `/api/v2/notifications/${liked?.group_key}/accounts`);
    expect(who.json.map((a: { acct: string }) => a.acct)).toEqual(["bob"]);
    expect((await call("GET", "/api/v2/notifications/ungrouped-nope")).status).toBe(404);
    expect((await call("GET", "/api/v2/notifications/unread_count")).json).toEqual({ count: 2 });
    expect((await call("POST", `/api/v2/notifications/${liked?.group_key}/dismiss`)).json).toEqual({});
    expect((await call("GET", "/api/v2/notifications/unread_count")).json).toEqual({ count: 1 });
    expect((await call("POST", "/api/v2/notifications/ungrouped-nope/dismiss")).status).toBe(404);

    expect((await call("GET", "/api/v2/notifications/policy")).json).toMatchObject({
      for_not_following: "accept",
      for_private_mentions: "filter",
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    });
    expect((await call("GET", "/api/v1/notifications/policy")).json).toMatchObject({ filter_not_following: false });
    expect((await call("GET", "/api/v2/notifications/policy", undefined, null)).status).toBe(401);

    expect((await call("GET", `/api/v1/accounts/${bob.accountId}/featured_tags`)).json).toEqual([]);
    expect((await call("GET", "/api/v1/accounts/nope/featured_tags")).status).toBe(404);
    // Featuring is in test/featured-tags.test.ts; here: the answer is an entity.
    const feature = await call("POST", "/api/v1/featured_tags", { name: "cats" });
    expect(feature.status).toBe(200);
    expect(feature.json).toMatchObject({ name: "cats", statuses_count: "0", last_status_at: null });
  });

  test("likes of one post group together: counted, newest first, dismissed together; a mention stays alone", async () => {
    const { c, call } = await setup(["ada", "bob", "cy", "dee"]);
    const post = (await call("POST", "/api/v1/statuses", { status: "group me" })).json;
    const fans = ["bob", "cy", "dee"];
    for (const name of fans) await c.member(name).browser.post(`/statuses/${post.id}/favourite`, {});
    await c.post("bob", { status: "@ada hi" });

    const v1 = (await call("GET", "/api/v1/notifications")).json as { type: string; group_key: string }[];
    const likeKeys = new Set(v1.filter((n) => n.type === "favourite").map((n) => n.group_key));
    expect(likeKeys.size).toBe(1);
    const [likeKey] = likeKeys;
    expect(likeKey).toMatch(new RegExp(`^favourite-${post.id}-\\d+$`));
    expect(v1.find((n) => n.type === "mention")?.group_key).toMatch(/^ungrouped-/);

    const page = await call("GET", "/api/v2/notifications");
    const groups = page.json.notification_groups as {
      group_key: string;
      notifications_count: number;
      sample_account_ids: string[];
    }[];
    expect(groups.map((g) => g.group_key)).toEqual([expect.stringMatching(/^ungrouped-/), likeKey]);
    const likes = groups[1];
    expect(likes?.notifications_count).toBe(3);
    expect(likes?.sample_account_ids).toEqual(fans.toReversed().map((n) => c.member(n).accountId));
    expect(page.json.accounts.map((a: { acct: string }) => a.acct).toSorted()).toEqual(["bob", "cy", "dee"]);
    // limit counts groups; following the Link header, each group comes once, and nothing is skipped.
    const keysFrom = async (path: string, rel: "next" | "prev") => {
      const keys: string[] = [];
      for (let url: string | undefined = path, pages = 0; url && pages < 5; pages++) {
        const answer = await call("GET", url.replace(ORIGIN, ""));
        const found = answer.json.notification_groups as { group_key: string }[];
        if (found.length === 0) break;
        keys.push(...found.map((g) => g.group_key));
        url = new RegExp(`<([^>]+)>; rel="${rel}"`).exec(answer.headers.get("link") ?? "")?.[1];
      }
      return keys;
    };
    expect(await keysFrom("/api/v2/notifications?limit=1", "next")).toEqual(groups.map((g) => g.group_key));
    // From the oldest, towards the newest (min_id): the likes first, then the mention.
    const [oldest] = (await call("GET", "/api/v1/notifications?types[]=favourite")).json.toReversed() as { id: string }[];
    const newer = await call("GET", `/api/v2/notifications?limit=1&min_id=${oldest?.id}`);
    expect(newer.json.notification_groups.map((g: { group_key: string }) => g.group_key)).toEqual([likeKey]);
    // Narrowed to one sender, the group counts only theirs.
    const cy = c.member("cy").accountId;
    const narrowed = await call("GET", `/api/v2/notifications?account_id=${cy}`);
    expect(narrowed.json.notification_groups).toMatchObject([
      { group_key: likeKey, notifications_count: 1, sample_account_ids: [cy] },
    ]);
    expect((await call("GET", "/api/v2/notifications/unread_count")).json).toEqual({ count: 2 });
    expect((await call("GET", "/api/v1/notifications/unread_count")).json).toEqual({ count: 4 });
    // grouped_types without favourite: each like alone.
    const apart = await call("GET", "/api/v2/notifications?grouped_types[]=reblog");
    expect(apart.json.notification_groups).toHaveLength(4);

    const who = await call("GET", `/api/v2/notifications/${likeKey}/accounts`);
    expect(who.json.map((a: { acct: string }) => a.acct)).toEqual(["dee", "cy", "bob"]);
    expect((await call("GET", `/api/v2/notifications/${likeKey}`)).json.notification_groups[0].notifications_count).toBe(3);
    expect((await call("POST", `/api/v2/notifications/${likeKey}/dismiss`)).json).toEqual({});
    expect((await call("GET", "/api/v1/notifications?types[]=favourite")).json).toEqual([]);
    expect((await call("GET", `/api/v2/notifications/${likeKey}`)).status).toBe(404);
    expect((await call("GET", "/api/v2/notifications/favourite-x-nope")).status).toBe(404);
  });

  test("several accounts at once; removing a follower", async () => {
    const { c, call } = await setup();
    const ada = c.member("ada");
    const bob = c.member("bob");
    const accts = (r: { json: { acct: string }[] }) => r.json.map((a) => a.acct);
    const query = [bob.accountId, "nope", ada.accountId, bob.accountId].map((i) => `id[]=${i}`).join("&");
    expect(accts(await call("GET", `/api/v1/accounts?${query}`))).toEqual(["bob", "ada"]);

    expect((await bob.browser.post(`/accounts/${ada.accountId}/follow`, {})).status).toBeLessThan(400);
    const before = (await call("GET", `/api/v1/accounts/relationships?id[]=${bob.accountId}`)).json[0];
    expect(before.followed_by).toBe(true);
    const removed = await call("POST", `/api/v1/accounts/${bob.accountId}/remove_from_followers`);
    expect(removed.status).toBe(200);
    expect(removed.json.followed_by).toBe(false);
    expect((await call("POST", `/api/v1/accounts/${bob.accountId}/remove_from_followers`)).json.followed_by).toBe(false);
    expect((await call("POST", "/api/v1/accounts/nope/remove_from_followers")).status).toBe(404);
  });

  test("reading markers: home and notifications, saved as JSON or form fields, read back by timeline", async () => {
    const { c, call, token, send } = await setup();
    expect((await call("GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications")).json).toEqual({});
    const post = (await call("POST", "/api/v1/statuses", { status: "where was I" })).json;
    const saved = await call("POST", "/api/v1/markers", { home: { last_read_id: post.id } });
    expect(saved.json).toEqual({ home: { last_read_id: post.id, version: 1, updated_at: expect.any(String) } });
    // A notification named by its number, as an app that read most_recent_notification_id sends it.
    await c.member("bob").browser.post(`/statuses/${post.id}/favourite`, {});
    const [liked] = (await call("GET", "/api/v1/notifications")).json as { id: string }[];
    const number = (await call("GET", "/api/v2/notifications")).json.notification_groups[0].most_recent_notification_id;
    const form = await send(
      new Request(`${ORIGIN}/api/v1/markers`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
        body: `notifications[last_read_id]=${number}`,
      }),
    );
    expect(((await form.json()) as { notifications: { last_read_id: string } }).notifications.last_read_id).toBe(
      liked?.id as string,
    );
    expect((await call("GET", "/api/v2/notifications/unread_count")).json).toEqual({ count: 0 });
    // A number or id the member has no notification for moves nothing: compared as text, it
    // would carry the marker past every notification to come.
    await c.member("bob").browser.post(`/statuses/${post.id}/reblog`, {});
    for (const unknown of ["999999", "zzz-not-an-id"]) {
      await call("POST", "/api/v1/markers", { notifications: { last_read_id: unknown } });
      expect((await call("GET", "/api/v2/notifications/unread_count")).json).toEqual({ count: 1 });
    }
    const both = (await call("GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications")).json;
    expect(Object.keys(both).sort()).toEqual(["home", "notifications"]);
    expect(both.home.last_read_id).toBe(post.id);
    expect(Object.keys((await call("GET", "/api/v1/markers?timeline[]=home")).json)).toEqual(["home"]);
  });

  test("a private note on an account: shown in the relationship to its writer only; empty clears it", async () => {
    const { c, call } = await setup();
    const bob = c.member("bob");
    const noted = await call("POST", `/api/v1/accounts/${bob.accountId}/note`, { comment: "  met at the bakery  " });
    expect(noted.json.note).toBe("met at the bakery");
    const relationship = async () => (await call("GET", `/api/v1/accounts/relationships?id[]=${bob.accountId}`)).json[0];
    expect((await relationship()).note).toBe("met at the bakery");
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM account_notes WHERE account_id = ?").get(bob.accountId)).toEqual({
      n: 0,
    }); // bob has none of his own
    const tooLong = await call("POST", `/api/v1/accounts/${bob.accountId}/note`, { comment: "x".repeat(2001) });
    expect(tooLong.status).toBe(422);
    expect((await relationship()).note).toBe("met at the bakery");
    expect((await call("POST", "/api/v1/accounts/nope/note", { comment: "hi" })).status).toBe(404);
    expect((await call("POST", `/api/v1/accounts/${bob.accountId}/note`, { comment: "" })).json.note).toBe("");
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM account_notes").get()).toEqual({ n: 0 });
  });
});

describe("shapes and transports", () => {
  test("JSON, form and multipart bodies are read alike; CORS and rate-limit headers are sent", async () => {
    const { call, token, send } = await setup();
    const form = await send(
      new Request(`${ORIGIN}/api/v1/statuses`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ status: "from a form", visibility: "unlisted" }),
      }),
    );
    expect(((await form.json()) as { visibility: string }).visibility).toBe("unlisted");
    const multipart = new FormData();
    multipart.set("status", "from multipart");
    multipart.set("spoiler_text", "cw");
    const mp = await send(
      new Request(`${ORIGIN}/api/v1/statuses`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: multipart,
      }),
    );
    expect(((await mp.json()) as { spoiler_text: string }).spoiler_text).toBe("cw");
    const res = await call("GET", "/api/v1/timelines/home");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(Number(res.headers.get("x-ratelimit-limit"))).toBe(300);
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(300);
    const preflight = await send(
      new Request(`${ORIGIN}/api/v1/statuses`, { method: "OPTIONS", headers: { origin: "https://app.example" } }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Authorization");
  });

  test("a JSON null is read as not given, as Mastodon reads it: posting, editing, following, lists", async () => {
    const { call, c, send, token } = await setup();
    const nulls = {
      spoiler_text: null,
      language: null,
      in_reply_to_id: null,
      media_ids: null,
      poll: null,
      scheduled_at: null,
      sensitive: null,
      visibility: null,
      quoted_status_id: null,
      quote_approval_policy: null,
    };
    const posted = await call("POST", "/api/v1/statuses", { status: "nulls for the rest", ...nulls });
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ content: "<p>nulls for the rest</p>", spoiler_text: "", in_reply_to_id: null });
    const edited = await call("PUT", `/api/v1/statuses/${posted.json.id}`, { status: "edited", ...nulls });
    expect(edited.status).toBe(200);
    expect(edited.json.content).toBe("<p>edited</p>");
    const bob = c.member("bob").accountId;
    const followed = await call("POST", `/api/v1/accounts/${bob}/follow`, { reblogs: null, notify: null, languages: null });
    expect(followed.json).toMatchObject({ following: true, showing_reblogs: true, notifying: false });
    const list = await call("POST", "/api/v1/lists", { title: "friends", replies_policy: null, exclusive: null });
    expect(list.json).toMatchObject({ title: "friends", replies_policy: "list", exclusive: false });
    const poll = await call("POST", "/api/v1/statuses", {
      status: "which?",
      poll: { options: ["a", "b"], expires_in: 300, multiple: null, hide_totals: null },
    });
    expect(poll.json.poll).toMatchObject({ multiple: false, options: [{ title: "a" }, { title: "b" }] });
    // Where a null means something, it still counts: a filter's expires_in null is "never", a
    // media description's null clears it.
    const filter = await call("POST", "/api/v2/filters", { title: "f", context: ["home"], expires_in: null });
    expect(filter.json.expires_at).toBeNull();
    const upload = new FormData();
    upload.set("file", new File([await testJpeg(64, 64)], "a.jpg", { type: "image/jpeg" }));
    upload.set("description", "a red square");
    const media = (await (
      await send(
        new Request(`${ORIGIN}/api/v2/media`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: upload }),
      )
    ).json()) as { id: string; description: string };
    expect(media.description).toBe("a red square");
    const cleared = await call("PUT", `/api/v1/media/${media.id}`, { description: null });
    expect(cleared.json.description).toBeNull();
  });

  test("update_credentials takes multipart with fields; notifications, relationships and media have their documented keys", async () => {
    const { c, call, token, send } = await setup();
    const body = new FormData();
    body.set("display_name", "Ada L.");
    body.set("note", "I like #maths");
    body.set("fields_attributes[0][name]", "Site");
    body.set("fields_attributes[0][value]", "https://ada.example");
    body.set("locked", "true");
    const updated = await send(
      new Request(`${ORIGIN}/api/v1/accounts/update_credentials`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}` },
        body,
      }),
    );
    const me = (await updated.json()) as {
      display_name: string;
      locked: boolean;
      fields: { name: string; value: string }[];
      note: string;
      source: { note: string };
      role: { permissions: string };
    };
    expect(me).toMatchObject({
      display_name: "Ada L.",
      locked: true,
      fields: [{ name: "Site" }],
      source: { note: "I like #maths" },
    });
    expect(me.note).toContain('href="https://social.example/tags/maths"');
    // One paragraph around the bio, none around a field's value, as Mastodon gives them.
    expect(me.note).toStartWith("<p>I like ");
    expect(me.note).not.toContain("<p><p>");
    expect(me.fields[0]?.value).toStartWith('<a href="https://ada.example"');
    expect(me.role.permissions).toBe("1"); // ada, the first member, is the owner: an administrator to apps

    const bob = c.member("bob");
    const post = (await call("POST", "/api/v1/statuses", { status: "notice me" })).json;
    await bob.browser.post(`/statuses/${post.id}/favourite`, {});
    const [notification] = (await call("GET", "/api/v1/notifications")).json;
    for (const key of ["id", "type", "created_at", "account", "status", "group_key"]) expect(notification).toHaveProperty(key);
    expect(notification.type).toBe("favourite");
    expect((await call("GET", "/api/v1/notifications?types[]=mention")).json).toEqual([]);
    expect((await call("GET", "/api/v1/notifications?exclude_types[]=favourite")).json).toEqual([]);
    const [relationship] = (await call("GET", `/api/v1/accounts/relationships?id[]=${bob.accountId}`)).json;
    for (const key of [
      "id",
      "following",
      "showing_reblogs",
      "notifying",
      "followed_by",
      "blocking",
      "blocked_by",
      "muting",
      "muting_notifications",
      "requested",
      "requested_by",
      "domain_blocking",
      "endorsed",
      "note",
    ])
      expect(relationship).toHaveProperty(key);
    const upload = new FormData();
    upload.set("file", new Blob([await testJpeg(32, 24)], { type: "image/jpeg" }), "x.jpg");
    upload.set("description", "a test");
    const media = (await (
      await send(
        new Request(`${ORIGIN}/api/v2/media`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: upload }),
      )
    ).json()) as Record<string, unknown>;
    for (const key of ["id", "type", "url", "preview_url", "remote_url", "meta", "description", "blurhash"])
      expect(media).toHaveProperty(key);
    expect(media.meta).toMatchObject({ original: { width: 32, height: 24 } });
    const notImage = new FormData();
    notImage.set("file", new Blob(["<html>not an image</html>"], { type: "image/png" }), "x.png");
    const refused = await send(
      new Request(`${ORIGIN}/api/v2/media`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: notImage }),
    );
    expect(refused.status).toBe(422);
  });

  test("a picture's focal point is kept, changed, cleared, and refused out of range; its page crops to it", async () => {
    const { c, call, send, token } = await setup();
    const upload = new FormData();
    upload.set("file", new Blob([await testJpeg(32, 24)], { type: "image/jpeg" }), "x.jpg");
    upload.set("focus", "0.5,-0.25");
    const headers = { authorization: `Bearer ${token}` };
    const media = (await (
      await send(new Request(`${ORIGIN}/api/v2/media`, { method: "POST", headers, body: upload }))
    ).json()) as {
      id: string;
      meta: { focus: unknown };
    };
    expect(media.meta.focus).toEqual({ x: 0.5, y: -0.25 });
    const moved = await call("PUT", `/api/v1/media/${media.id}`, { focus: "-1,1" });
    expect(moved.json.meta.focus).toEqual({ x: -1, y: 1 });
    // The description alone leaves the focus.
    expect((await call("PUT", `/api/v1/media/${media.id}`, { description: "a cat" })).json.meta.focus).toEqual({ x: -1, y: 1 });
    for (const bad of ["2,0", "0.5", "a,b", "0,0,0", ","]) {
      expect(await call("PUT", `/api/v1/media/${media.id}`, { focus: bad })).toMatchObject({
        status: 422,
        json: { error: "Validation failed: Give the focal point as two numbers from -1 to 1, like 0.5,-0.25." },
      });
    }
    // Posted, it changes through an edit of its post, as on Mastodon: here it is not found.
    const post = (await call("POST", "/api/v1/statuses", { status: "framed", media_ids: [media.id] })).json;
    expect(post.media_attachments[0].meta.focus).toEqual({ x: -1, y: 1 });
    expect(await c.page(c.member("bob").browser, `/@ada/${post.id}`)).toContain('data-focus="-1,1"');
    expect(await call("PUT", `/api/v1/media/${media.id}`, { focus: null })).toMatchObject({
      status: 404,
      json: { error: "Record not found" },
    });
    expect((await call("GET", `/api/v1/media/${media.id}`)).status).toBe(404);
  });

  test("paging: max_id, since_id and min_id give the right windows; bad values are refused", async () => {
    const { call } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call("POST", "/api/v1/statuses", { status: `n${i}` })).json.id);
    const page = (q: string) => call("GET", `/api/v1/timelines/home?${q}`).then((r) => r.json.map((s: { id: string }) => s.id));
    expect(await page("limit=2")).toEqual([ids[4], ids[3]]);
    expect(await page(`limit=2&max_id=${ids[3]}`)).toEqual([ids[2], ids[1]]);
    expect(await page(`limit=2&since_id=${ids[1]}`)).toEqual([ids[4], ids[3]]);
    expect(await page(`limit=2&min_id=${ids[1]}`)).toEqual([ids[3], ids[2]]);
    expect(await call("GET", "/api/v1/timelines/home?limit=abc")).toMatchObject({
      status: 422,
      json: { error: "Validation failed: limit is not valid" },
    });
  });
});
