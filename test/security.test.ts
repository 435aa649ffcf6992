// The security review (issue 7) as tests: each way in an attacker might try, one test or one table
// row each. In-process through app.handle. The federation cases (an actor that does not match its
// signer, objects claiming another server's ids) need real HTTP signatures and live in
// test/federation-hostile.test.ts.
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { clientIp, rememberPeer } from "../src/client-ip.ts";
import { WebClient } from "./helpers/client.ts";
import { community, PASSWORD } from "./helpers/community.ts";
import { photo, testJpeg } from "./helpers/images.ts";
import { encodePng } from "../src/media/wasm.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

setDefaultTimeout(120_000);

const ORIGIN = "https://social.example";
type Community = Awaited<ReturnType<typeof community>>;

/** A Mastodon API call with a bearer token; the answer's status and JSON. */
function apiCaller(c: Community) {
  return async (token: string | null, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: RequestInit["body"];
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const res = await c.app.handle(new Request(`${ORIGIN}${path}`, { method, headers, body: payload }));
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    // biome-ignore lint/suspicious/noExplicitAny: test assertions walk API JSON
    return { status: res.status, json: json as any, headers: res.headers };
  };
}

// Written by any authenticated request (activity counters), so not a change an attack made.
const touched = new Set(["last_used_at", "last_sign_in_at", "last_seen_at", "expires_at"]);
// Written in the background (keys made on first use, Fedify's cache and queue): an attack that
// got through also shows in the tables of what it changed (posts, follows, roles…).
const background = new Set(["actor_keys", "fedify_kv", "queue_messages", "outbox_journal", "inbox_status", "job_runs"]);

/** Every row of every table, as one string: "nothing changed" means this is the same before and after. */
function snapshot(c: Community): string {
  const tables = c.database.sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .filter(({ name }) => !background.has(name));
  const rows = (name: string) =>
    c.database.sqlite
      .query<Record<string, unknown>, []>(`SELECT * FROM "${name}"`)
      .all()
      .map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !touched.has(k))));
  return tables.map(({ name }) => `${name}:${JSON.stringify(rows(name))}`).join("\n");
}

const one = <T>(c: Community, sql: string, ...params: string[]) =>
  c.database.sqlite.query<T, string[]>(sql).get(...params) as T | null;

describe("sessions", () => {
  test("a session id planted before login is not the one after it; the new one is stored only as a hash", async () => {
    const c = await community(["ada", "mal"]);
    // Mallory plants her own valid session cookie, and an anonymous cookie of her choice, in Ada's browser.
    const planted = c.member("mal").browser.cookies.get("skein_session") ?? "";
    expect(planted).not.toBe("");
    const victim = new WebClient((r) => c.app.handle(r));
    victim.cookies.set("skein_session", planted);
    victim.cookies.set("skein_anon", "A".repeat(32));
    // Logged in as Mallory, the login page sends her home: Ada first logs out of the planted session…
    await victim.post("/logout", {});
    expect(victim.cookies.has("skein_session")).toBe(false);
    // …the planted session is over on the server too (Mallory's own browser is logged out with it).
    expect((await c.member("mal").browser.get("/settings")).status).toBe(303);
    // A forged, unknown session id is simply no session.
    victim.cookies.set("skein_session", "forged-session-id-chosen-by-mallory-000000");
    const res = await victim.post("/login", { username: "ada", password: PASSWORD });
    expect(res.status).toBe(303);
    const after = victim.cookies.get("skein_session") ?? "";
    expect(after).not.toBe("forged-session-id-chosen-by-mallory-000000");
    expect(after).not.toBe(planted);
    expect(after).toMatch(/^[\w-]{43}$/); // 32 random bytes
    // The database keeps the SHA-256 of the token, never the token.
    const stored = c.database.sqlite
      .query<{ id: string }, []>("SELECT id FROM sessions")
      .all()
      .map((r) => r.id);
    expect(stored).not.toContain(after);
    expect(stored).toContain(new Bun.CryptoHasher("sha256").update(after).digest("hex"));
    expect(await c.page(victim, "/settings/profile")).toContain('<a href="/@ada">');
  });

  test("cookies are HttpOnly and SameSite=Lax, and Secure exactly when the instance is served over https", async () => {
    const c = await community(["ada"]);
    const setCookies = async (origin: string) => {
      const browser = new WebClient((r) => c.app.handle(r), origin);
      const anon = (await browser.get("/login")).headers.getSetCookie();
      const login = (await browser.post("/login", { username: "ada", password: PASSWORD })).headers.getSetCookie();
      return [...anon, ...login];
    };
    const cookies = await setCookies(ORIGIN);
    expect(cookies.map((x) => x.split("=")[0]).sort()).toEqual(["skein_anon", "skein_session"]);
    for (const cookie of cookies) {
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Lax");
      expect(cookie).toContain("Secure");
      expect(cookie).toContain("Path=/");
    }
    // An instance whose public URL is http (a local test run) cannot use Secure cookies.
    const { testApp } = await import("./helpers/app.ts");
    const plain = testApp("http://localhost:3000");
    const anon = (await plain.app.handle(new Request("http://localhost:3000/login"))).headers.getSetCookie();
    expect(anon[0]).toContain("HttpOnly");
    expect(anon[0]).not.toContain("Secure");
  });

  test("after logout the old cookie is worthless, even replayed", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const token = ada.cookies.get("skein_session") ?? "";
    await ada.post("/logout", {});
    const replay = new WebClient((r) => c.app.handle(r));
    replay.cookies.set("skein_session", token);
    expect((await replay.get("/settings/profile")).headers.get("location")).toStartWith("/login");
  });
});

describe("open redirects", () => {
  // Every way of writing "another site" a browser understands after `Location:`.
  const hostile = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "%2f%5cevil.example",
    "evil.example",
    '/"><script>alert(1)</script>',
  ];

  /** Where the browser would go from a Location header sent for a page of ours. */
  const lands = (location: string) => new URL(location, `${ORIGIN}/login`);

  test("login's next= only ever leads to a page of this site", async () => {
    const c = await community(["ada"]);
    for (const next of hostile) {
      const browser = new WebClient((r) => c.app.handle(r), ORIGIN);
      // The login page carries next= into its form without breaking out of the attribute.
      const form = await c.page(browser, `/login?next=${encodeURIComponent(next)}`);
      expect(form).not.toContain('"><script');
      const res = await browser.post("/login", { username: "ada", password: PASSWORD, next });
      expect(res.status).toBe(303);
      const location = res.headers.get("location") ?? "";
      expect({ next, origin: lands(location).origin }).toEqual({ next, origin: ORIGIN });
      expect(location).toStartWith("/");
      expect(location).not.toMatch(/^\/[/\\]/);
    }
    // A path of our own survives.
    const browser = new WebClient((r) => c.app.handle(r), ORIGIN);
    const res = await browser.post("/login", { username: "ada", password: PASSWORD, next: "/settings?x=1" });
    expect(res.headers.get("location")).toBe("/settings?x=1");
  });

  test("logout and sign-up stay on this site whatever next= says", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const out = await ada.request("/logout?next=https://evil.example", {
      method: "POST",
      body: new URLSearchParams({ _csrf: await ada.csrf(), next: "https://evil.example" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(out.headers.get("location")).toBe("/login?logged_out=1");
    const visitor = new WebClient((r) => c.app.handle(r), ORIGIN);
    const signup = await visitor.request("/signup?next=//evil.example", {
      method: "POST",
      body: new URLSearchParams({
        _csrf: await visitor.csrf(),
        username: "newbie",
        email: "newbie@example.com",
        password: PASSWORD,
        password_confirmation: PASSWORD,
        agreement: "1",
        next: "//evil.example",
      }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(signup.status).toBe(303);
    expect(signup.headers.get("location")).toBe("/");
  });

  test("OAuth redirect_uri must be exactly a registered one: no prefix, no variant, no oob unless registered", async () => {
    const c = await community(["ada"]);
    const api = apiCaller(c);
    const ada = c.member("ada").browser;
    const registered = "https://app.example/callback";
    const app = (await api(null, "POST", "/api/v1/apps", { client_name: "App", redirect_uris: registered, scopes: "read" })).json;
    const variants = [
      "https://app.example/callback/",
      "https://app.example/callback/../evil",
      "https://app.example/callbackevil",
      "https://app.example/callback?x=1",
      "https://app.example/callback#x",
      "https://app.example/",
      "https://app.example",
      "https://app.example.evil.example/callback",
      "https://evil.example/callback",
      "https://app.example@evil.example/callback",
      "HTTPS://APP.EXAMPLE/callback",
      "http://app.example/callback",
      ` ${registered}`,
      `${registered} `,
      "urn:ietf:wg:oauth:2.0:oob",
      "//evil.example",
      "",
    ];
    const before = snapshot(c);
    for (const uri of variants) {
      const params = { client_id: app.client_id, redirect_uri: uri, response_type: "code", scope: "read", state: "s" };
      const page = await ada.get(`/oauth/authorize?${new URLSearchParams(params)}`);
      expect({ uri, status: page.status, location: page.headers.get("location") }).toEqual({ uri, status: 400, location: null });
      // The consent form posted with a changed redirect_uri is refused the same way, and no code is made.
      for (const decision of ["approve", "deny"]) {
        const answer = await ada.post("/oauth/authorize", { ...params, decision });
        expect({ uri, decision, status: answer.status, location: answer.headers.get("location") }).toEqual({
          uri,
          decision,
          status: 400,
          location: null,
        });
      }
    }
    expect(snapshot(c)).toBe(before);
    // Registering a script URL as a redirect is refused outright.
    for (const uri of ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "https://app.example/cb#frag", "/relative"]) {
      expect((await api(null, "POST", "/api/v1/apps", { client_name: "Bad", redirect_uris: uri })).status).toBe(422);
    }
  });
});

/** Values for a route's parameters that point at real rows, so a request that got through would act. */
interface Targets {
  postId: string;
  listId: string;
  filterId: string;
  inviteId: string;
  reportId: string;
  bobId: string;
}

function concrete(route: string, t: Targets): string {
  return route
    .replace("/statuses/:id/:action", `/statuses/${t.postId}/favourite`)
    .replace("/statuses/:id", `/statuses/${t.postId}`)
    .replace("/lists/:id/accounts/:accountId", `/lists/${t.listId}/accounts/${t.bobId}`)
    .replace("/lists/:id", `/lists/${t.listId}`)
    .replace("/settings/filters/statuses/:id", "/settings/filters/statuses/x")
    .replace("/settings/filters/:id", `/settings/filters/${t.filterId}`)
    .replace("/accounts/:id/:action", `/accounts/${t.bobId}/follow`)
    .replace("/accounts/:id", `/accounts/${t.bobId}`)
    .replace("/invites/:id", `/invites/${t.inviteId}`)
    .replace("/admin/reports/:id/:action", `/admin/reports/${t.reportId}/resolve`)
    .replace("/admin/reports/:id", `/admin/reports/${t.reportId}`)
    .replace("/admin/accounts/:id", `/admin/accounts/${t.bobId}`)
    .replace("/admin/posts/:id", `/admin/posts/${t.postId}`)
    .replace(":domain", "evil.example")
    .replace(":name", "knitting")
    .replace(/:\w+/g, "x");
}

// Fields that would make each form act, were the token right.
const bodies: Record<string, Record<string, string>> = {
  "/statuses": { status: "forged post" },
  "/login": { username: "ada", password: PASSWORD },
  "/signup": { username: "forged", email: "f@example.com", password: PASSWORD, password_confirmation: PASSWORD, agreement: "1" },
  "/settings/profile": { display_name: "Forged" },
  "/settings/password": {
    current_password: PASSWORD,
    password: "forged forged forged",
    password_confirmation: "forged forged forged",
  },
  "/settings/delete": { password: PASSWORD },
  "/lists": { title: "forged" },
  "/settings/filters": { title: "forged", keywords: "x", context: "home" },
  "/settings/tags": { name: "forged" },
  "/invites": { max_uses: "", expires_in: "" },
  "/admin/settings": { name: "Forged", registration_mode: "open", max_post_length: "500" },
  "/admin/domain-blocks": { domain: "forged.example", severity: "suspend", confirm: "1" },
  "/admin/domain-allows": { domain: "forged.example" },
  "/admin/accounts/:id/role": { role: "admin" },
  "/admin/accounts/:id/action": { action: "suspend" },
  "/admin/accounts/:id/notes": { note: "forged" },
  "/reports": { category: "spam" },
  "/oauth/authorize": { response_type: "code", decision: "approve" },
};

describe("CSRF", () => {
  let c: Community;
  let t: Targets;
  let routes: string[];
  const isApi = (path: string) => path.startsWith("/api/") || path === "/oauth/token" || path === "/oauth/revoke";

  beforeAll(async () => {
    c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const bob = c.member("bob").browser;
    await bob.post("/accounts/" + c.member("ada").accountId + "/follow", {});
    const postId = await c.post("ada", { status: "a post" });
    await ada.post("/lists", { title: "friends" });
    await ada.post("/settings/filters", { title: "f", keywords: "word", context: "home" });
    await ada.post("/invites", { max_uses: "", expires_in: "" });
    await bob.post("/reports", { account_id: c.member("ada").accountId, category: "spam" });
    const id = (sql: string) => one<{ id: string }>(c, sql)?.id ?? "";
    t = {
      postId,
      listId: id("SELECT id FROM lists"),
      filterId: id("SELECT id FROM filters"),
      inviteId: id("SELECT id FROM invites"),
      reportId: id("SELECT id FROM reports"),
      bobId: c.member("bob").accountId,
    };
    // An e-mail's unsubscribe link carries its own signed token (test/notification-mail.test.ts).
    const signedLink = (path: string) => path === "/unsubscribe";
    routes = [
      ...new Set(
        c.app.routes
          .filter((r) => r.method !== "GET" && !isApi(r.path) && !signedLink(r.path))
          .map((r) => `${r.method} ${r.path}`),
      ),
    ];
  });

  test("the route list gives the state-changing web routes to check", () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(routes).toContain("POST /oauth/authorize");
    expect(routes).toContain("POST /logout");
  });

  test("every state-changing web route refuses a missing token, another session's token, and a token of the wrong kind", async () => {
    const ada = c.member("ada").browser;
    const bobToken = await c.member("bob").browser.csrf();
    const visitorToken = await c.visitor.csrf();
    const before = snapshot(c);
    const failures: string[] = [];
    for (const route of routes) {
      const [method = "POST", pattern = ""] = route.split(" ");
      const path = concrete(pattern, t);
      const fields = bodies[pattern] ?? {};
      const attempts: [string, WebClient, Record<string, string>, Record<string, string>][] = [
        ["no token", ada, fields, {}],
        ["bob's token", ada, { ...fields, _csrf: bobToken }, {}],
        ["bob's token as a header", ada, fields, { "x-csrf-token": bobToken }],
        ["a visitor's token", ada, { ...fields, _csrf: visitorToken }, {}],
        ["an empty token", ada, { ...fields, _csrf: "" }, { "x-csrf-token": "" }],
        ["no token, path with a trailing slash", ada, fields, {}],
        ["no token, as a visitor", c.visitor, fields, {}],
      ];
      for (const [why, browser, body, headers] of attempts) {
        const url = why.includes("trailing slash") ? `${path}/` : path;
        const res = await browser.request(url, {
          method,
          body: new URLSearchParams(body),
          headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        });
        const text = await res.text();
        // A trailing-slash path no route answers (404) is as good as a refusal.
        const refused = res.status === 403 && text.includes("did not come from this site");
        if (!refused && !(why.includes("trailing slash") && res.status === 404))
          failures.push(`${route} (${url}) with ${why}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(snapshot(c)).toBe(before);
  });

  test("a form from a browser that sent no cookie says where the site is (its cookies are HTTPS-only)", async () => {
    const stranger = new WebClient((r) => c.app.handle(r));
    const res = await stranger.request("/login", {
      method: "POST",
      body: new URLSearchParams({ username: "ada", password: PASSWORD }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Open https://social.example and try there (its cookies work over HTTPS only).");
  });

  test("the OAuth consent form is a page: approving without the token (any spelling of its path) makes no code", async () => {
    const api = apiCaller(c);
    const app = (
      await api(null, "POST", "/api/v1/apps", {
        client_name: "Evil",
        redirect_uris: "https://evil.example/cb",
        scopes: "read write",
      })
    ).json;
    const params = {
      client_id: app.client_id,
      redirect_uri: "https://evil.example/cb",
      response_type: "code",
      scope: "read write",
    };
    const before = one<{ n: number }>(c, "SELECT count(*) AS n FROM oauth_codes")?.n;
    for (const path of ["/oauth/authorize", "/oauth/authorize/", "/oauth/authorize?", "/oauth/authorize/?x=1"]) {
      const res = await c.member("ada").browser.post(path, { ...params, decision: "approve" }, { csrf: false });
      expect({ path, status: res.status, location: res.headers.get("location") }).toEqual({ path, status: 403, location: null });
    }
    expect(one<{ n: number }>(c, "SELECT count(*) AS n FROM oauth_codes")?.n).toBe(before as number);
  });

  test("no spelling of a page's path passes for an exempt API path", async () => {
    const ada = c.member("ada").browser;
    const before = snapshot(c);
    for (const path of [
      "/api/../settings/profile",
      "/api/%2e%2e/settings/profile",
      "/oauth/token/../../settings/profile",
      "/oauth/revoke/%2e%2e/%2e%2e/logout",
      "/api/v1/../../logout",
      "/oauth/token/",
      "/oauth/authorize/.",
    ]) {
      const res = await ada.post(path, { display_name: "Forged" }, { csrf: false });
      expect({ path, refused: [403, 404, 400, 401].includes(res.status) }).toEqual({ path, refused: true });
    }
    expect(snapshot(c)).toBe(before);
    expect((await ada.get("/settings/profile")).status).toBe(200); // still logged in
  });

  test("the API's bearer-token routes ignore the session cookie: a cookie alone acts for no one", async () => {
    const ada = c.member("ada").browser;
    const res = await ada.request("/api/v1/statuses", {
      method: "POST",
      body: new URLSearchParams({ status: "forged through the cookie" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(401);
    expect(one<{ n: number }>(c, "SELECT count(*) AS n FROM posts WHERE text LIKE 'forged%'")?.n).toBe(0);
  });
});

describe("OAuth tokens", () => {
  test("a code issued without PKCE cannot be redeemed without the client secret by sending any code_verifier", async () => {
    const c = await community(["ada"]);
    const api = apiCaller(c);
    const ada = c.member("ada").browser;
    const redirect = "https://app.example/cb";
    const app = (await api(null, "POST", "/api/v1/apps", { client_name: "App", redirect_uris: redirect, scopes: "read" })).json;
    const codeFor = async (extra: Record<string, string> = {}) => {
      const params = { client_id: app.client_id, redirect_uri: redirect, response_type: "code", scope: "read", ...extra };
      const res = await ada.post("/oauth/authorize", { ...params, decision: "approve" });
      return new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
    };
    const exchange = (code: string, extra: Record<string, string>) =>
      api(null, "POST", "/oauth/token", {
        grant_type: "authorization_code",
        client_id: app.client_id,
        code,
        redirect_uri: redirect,
        ...extra,
      });
    // Intercepted code, no secret: neither a made-up verifier nor nothing at all gets a token.
    const code = await codeFor();
    expect((await exchange(code, { code_verifier: "x".repeat(43) })).status).toBe(401);
    expect((await exchange(code, {})).status).toBe(401);
    expect((await exchange(code, { client_secret: "wrong" })).status).toBe(401);
    // The app itself, with its secret, still can (the code was not burnt by the failures).
    expect((await exchange(code, { client_secret: app.client_secret })).json.access_token).toBeString();
    // A public client using PKCE needs no secret, but the right verifier.
    const verifier = "v".repeat(50);
    const challenge = Buffer.from(new Bun.CryptoHasher("sha256").update(verifier).digest()).toString("base64url");
    const pkce = await codeFor({ code_challenge: challenge, code_challenge_method: "S256" });
    expect((await exchange(pkce, { code_verifier: "w".repeat(50) })).status).toBe(400);
    expect((await exchange(pkce, { code_verifier: verifier })).json.access_token).toBeString();
  });

  test("an app gets no more than it registered and the member approved; codes and tokens stay with their app", async () => {
    const c = await community(["ada"]);
    const api = apiCaller(c);
    const ada = c.member("ada").browser;
    const redirect = "https://app.example/cb";
    const reader = (await api(null, "POST", "/api/v1/apps", { client_name: "Reader", redirect_uris: redirect, scopes: "read" }))
      .json;
    const other = (
      await api(null, "POST", "/api/v1/apps", { client_name: "Other", redirect_uris: redirect, scopes: "read write" })
    ).json;
    const ask = (app: { client_id: string }, scope: string) =>
      ada.get(
        `/oauth/authorize?${new URLSearchParams({ client_id: app.client_id, redirect_uri: redirect, response_type: "code", scope })}`,
      );
    for (const scope of ["write", "read write", "admin:read", "read:statuses write:statuses"])
      expect({ scope, status: (await ask(reader, scope)).status }).toEqual({ scope, status: 400 });
    const appToken = await api(null, "POST", "/oauth/token", {
      grant_type: "client_credentials",
      client_id: reader.client_id,
      client_secret: reader.client_secret,
      scope: "write",
    });
    expect(appToken.status).toBe(400);
    // A code made for one app is worthless to another, even with that app's own secret.
    const params = { client_id: reader.client_id, redirect_uri: redirect, response_type: "code", scope: "read" };
    const answer = await ada.post("/oauth/authorize", { ...params, decision: "approve" });
    const code = new URL(answer.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const stolen = await api(null, "POST", "/oauth/token", {
      grant_type: "authorization_code",
      client_id: other.client_id,
      client_secret: other.client_secret,
      code,
      redirect_uri: redirect,
    });
    expect(stolen.status).toBe(400);
    const token = (
      await api(null, "POST", "/oauth/token", {
        grant_type: "authorization_code",
        client_id: reader.client_id,
        client_secret: reader.client_secret,
        code,
        redirect_uri: redirect,
      })
    ).json.access_token;
    // The read token cannot write, and another app cannot revoke it.
    expect((await api(token, "POST", "/api/v1/statuses", { status: "x" })).status).toBe(403);
    await api(null, "POST", "/oauth/revoke", { client_id: other.client_id, client_secret: other.client_secret, token });
    expect((await api(token, "GET", "/api/v1/accounts/verify_credentials")).status).toBe(200);
  });

  test("secrets are compared in constant time or as hashes looked up in the database", () => {
    // Every === or !== in src/ whose operands name a secret must be one of these reviewed lines.
    // Hash-then-lookup (sessions, tokens, codes: `eq(x.hash, sha256(given))`) needs no comparison in JS.
    const reviewed = [
      // A hash of a high-entropy secret: the timing says how much of the hash matches, nothing about the secret.
      "sha256Hex(clientSecret) === app.clientSecretHash",
      // The PKCE challenge was sent in the clear in the authorize URL; it is not a secret.
      "s256(input.codeVerifier) !== row.codeChallenge",
      // The new password against its confirmation, both typed by the member in the same form.
      "input.password !== input.confirmation",
      "input.password !== input.passwordConfirmation",
      "owner.password !== confirmation",
      // A password link's stored hash against the hash of the 256-bit token given.
      "r.id === sha256Hex(token)",
    ];
    const secretish = /(csrf|secret|token|password|code_?verifier|codeHash|tokenHash)/i;
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name)) {
          for (const line of readFileSync(path, "utf8").split("\n")) {
            for (const m of line.matchAll(/[\w.()[\]"'`$]+\s*[!=]==?\s*[\w.()[\]"'`$]+/g)) {
              const expr = m[0].replace(/^[(!]+|[)]+$/g, "");
              if (!secretish.test(expr)) continue;
              // Comparisons with literals, types, lengths or undefined are not secret comparisons.
              if (
                /===?\s*(undefined|null|""|"[\w:-]*"|'[\w:-]*'|\d+)$/.test(expr) ||
                /\.length|typeof|\.type\b|grantType|\.status/.test(expr)
              )
                continue;
              if (!reviewed.some((r) => line.includes(r))) found.push(`${path}: ${line.trim()}`);
            }
          }
        }
      }
    };
    walk(join(import.meta.dir, "..", "src"));
    expect(found).toEqual([]);
  });
});

describe("one member reaching another's things (IDOR)", () => {
  let c: Community;
  let api: ReturnType<typeof apiCaller>;
  let adaToken = "";
  let bobToken = "";
  const ids = {
    post: "",
    private: "",
    list: "",
    filter: "",
    keyword: "",
    filterStatus: "",
    media: "",
    notification: "",
    session: "",
    bob: "",
    invite: "",
    app: "",
  };

  beforeAll(async () => {
    c = await community(["ada", "bob", "cy"]);
    api = apiCaller(c);
    const send = (r: Request) => c.app.handle(r);
    adaToken = (await authorizeApp(send, ORIGIN, c.member("ada").browser)).token;
    bobToken = (await authorizeApp(send, ORIGIN, c.member("bob").browser)).token;
    // Ada's things: a public and a followers-only post, a list, a filter with a keyword and a
    // post, an unattached upload, a notification (Cy mentions her), a bookmark, a session.
    ids.post = (await api(adaToken, "POST", "/api/v1/statuses", { status: "mine", visibility: "public" })).json.id;
    ids.private = (await api(adaToken, "POST", "/api/v1/statuses", { status: "secret", visibility: "private" })).json.id;
    ids.list = (await api(adaToken, "POST", "/api/v1/lists", { title: "ada's list" })).json.id;
    const filter = (
      await api(adaToken, "POST", "/api/v2/filters", {
        title: "ada's filter",
        context: ["home"],
        keywords_attributes: [{ keyword: "word" }],
      })
    ).json;
    ids.filter = filter.id;
    ids.keyword = filter.keywords[0].id;
    ids.filterStatus = (await api(adaToken, "POST", `/api/v2/filters/${ids.filter}/statuses`, { status_id: ids.post })).json.id;
    const form = new FormData();
    form.append("file", new File([await testJpeg(64, 64)], "a.jpg", { type: "image/jpeg" }));
    ids.media = (await api(adaToken, "POST", "/api/v2/media", form)).json.id;
    await c.post("cy", { status: "hello @ada" });
    ids.notification = (await api(adaToken, "GET", "/api/v1/notifications")).json[0].id;
    await api(adaToken, "POST", `/api/v1/statuses/${ids.post}/bookmark`);
    ids.session =
      one<{ id: string }>(
        c,
        "SELECT id FROM sessions WHERE user_id = (SELECT id FROM users WHERE account_id = ?)",
        c.member("ada").accountId,
      )?.id ?? "";
    ids.bob = c.member("bob").accountId;
    await c.member("ada").browser.post("/invites", { max_uses: "", expires_in: "" });
    ids.invite = one<{ id: string }>(c, "SELECT id FROM invites")?.id ?? "";
    ids.app =
      one<{ id: string }>(
        c,
        "SELECT app_id AS id FROM oauth_tokens WHERE user_id = (SELECT id FROM users WHERE account_id = ?)",
        c.member("ada").accountId,
      )?.id ?? "";
    expect(Object.entries(ids).filter(([, v]) => !v)).toEqual([]);
  });

  test("through the API, Bob's token gets 404 (or 403) on each of Ada's ids, and nothing of hers changes", async () => {
    const before = snapshot(c);
    const tries: [string, string, unknown?][] = [
      ["PUT", `/api/v1/statuses/${ids.post}`, { status: "defaced" }],
      ["DELETE", `/api/v1/statuses/${ids.post}`],
      ["GET", `/api/v1/statuses/${ids.post}/source`],
      ["GET", `/api/v1/statuses/${ids.private}`],
      ["GET", `/api/v1/statuses/${ids.private}/history`],
      ["GET", `/api/v1/statuses/${ids.private}/context`],
      ["POST", `/api/v1/statuses/${ids.private}/bookmark`],
      ["POST", `/api/v1/statuses/${ids.private}/favourite`],
      ["POST", `/api/v1/statuses/${ids.private}/reblog`],
      ["POST", `/api/v1/statuses/${ids.post}/pin`],
      ["GET", `/api/v1/media/${ids.media}`],
      ["PUT", `/api/v1/media/${ids.media}`, { description: "defaced" }],
      ["POST", "/api/v1/statuses", { status: "with her picture", media_ids: [ids.media] }],
      ["GET", `/api/v1/notifications/${ids.notification}`],
      ["POST", `/api/v1/notifications/${ids.notification}/dismiss`],
      ["GET", `/api/v1/lists/${ids.list}`],
      ["PUT", `/api/v1/lists/${ids.list}`, { title: "defaced" }],
      ["DELETE", `/api/v1/lists/${ids.list}`],
      ["GET", `/api/v1/lists/${ids.list}/accounts`],
      ["POST", `/api/v1/lists/${ids.list}/accounts`, { account_ids: [ids.bob] }],
      ["DELETE", `/api/v1/lists/${ids.list}/accounts`, { account_ids: [ids.bob] }],
      ["GET", `/api/v1/timelines/list/${ids.list}`],
      ["GET", `/api/v2/filters/${ids.filter}`],
      ["PUT", `/api/v2/filters/${ids.filter}`, { title: "defaced" }],
      ["DELETE", `/api/v2/filters/${ids.filter}`],
      ["GET", `/api/v2/filters/${ids.filter}/keywords`],
      ["POST", `/api/v2/filters/${ids.filter}/keywords`, { keyword: "defaced" }],
      ["GET", `/api/v2/filters/keywords/${ids.keyword}`],
      ["PUT", `/api/v2/filters/keywords/${ids.keyword}`, { keyword: "defaced" }],
      ["DELETE", `/api/v2/filters/keywords/${ids.keyword}`],
      ["GET", `/api/v2/filters/${ids.filter}/statuses`],
      ["POST", `/api/v2/filters/${ids.filter}/statuses`, { status_id: ids.post }],
      ["GET", `/api/v2/filters/statuses/${ids.filterStatus}`],
      ["DELETE", `/api/v2/filters/statuses/${ids.filterStatus}`],
      ["GET", `/api/v1/filters/${ids.filter}`],
    ];
    const got: string[] = [];
    for (const [method, path, body] of tries) {
      const res = await api(bobToken, method, path, body);
      if (![403, 404, 422].includes(res.status))
        got.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.json).slice(0, 120)}`);
    }
    expect(got).toEqual([]);
    expect(snapshot(c)).toBe(before);
    // Bob's own lists of things hold none of Ada's.
    expect((await api(bobToken, "GET", "/api/v1/bookmarks")).json).toEqual([]);
    expect((await api(bobToken, "GET", "/api/v1/lists")).json).toEqual([]);
    expect((await api(bobToken, "GET", "/api/v2/filters")).json).toEqual([]);
    expect((await api(bobToken, "GET", "/api/v1/notifications")).json).toEqual([]);
  });

  test("through the web pages, Bob's session gets 403/404 on each of Ada's ids, and nothing of hers changes", async () => {
    const bob = c.member("bob").browser;
    const before = snapshot(c);
    const acct = "ada";
    const gets = [
      `/statuses/${ids.post}/edit`,
      `/statuses/${ids.post}/delete`,
      `/@${acct}/${ids.private}`,
      `/@${acct}/${ids.private}/history`,
      `/lists/${ids.list}`,
      `/lists/${ids.list}/edit`,
      `/lists/${ids.list}/delete`,
      `/settings/filters/${ids.filter}/edit`,
    ];
    const posts: [string, Record<string, string>][] = [
      [`/statuses/${ids.post}/edit`, { status: "defaced" }],
      [`/statuses/${ids.post}/delete`, {}],
      [`/statuses/${ids.private}/bookmark`, {}],
      [`/statuses/${ids.private}/favourite`, {}],
      [`/statuses/${ids.private}/reblog`, {}],
      [`/statuses/${ids.post}/pin`, {}],
      [`/lists/${ids.list}`, { title: "defaced" }],
      [`/lists/${ids.list}/delete`, {}],
      [`/lists/${ids.list}/accounts`, { account_id: ids.bob }],
      [`/lists/${ids.list}/accounts/${ids.bob}/remove`, {}],
      [`/accounts/${ids.bob}/lists`, { list_id: ids.list }],
      [`/settings/filters/${ids.filter}`, { title: "defaced", keywords: "x", context: "home" }],
      [`/settings/filters/${ids.filter}/delete`, {}],
      [`/settings/filters/statuses/${ids.filterStatus}/delete`, {}],
      [`/settings/sessions/${ids.session}/revoke`, {}],
      [`/invites/${ids.invite}/revoke`, {}],
      [`/settings/apps/${ids.app}/revoke`, {}],
    ];
    const got: string[] = [];
    for (const path of gets) {
      const res = await bob.get(path);
      if (![403, 404].includes(res.status)) got.push(`GET ${path}: ${res.status}`);
    }
    for (const [path, body] of posts) {
      const res = await bob.post(path, body);
      // Revoking a session or app that is not yours is a no-op answered like any revoke (a redirect).
      const harmless = (path.includes("/sessions/") || path.includes("/apps/")) && res.status === 303;
      if (![403, 404, 422].includes(res.status) && !harmless) got.push(`POST ${path}: ${res.status}`);
    }
    expect(got).toEqual([]);
    expect(snapshot(c)).toBe(before);
    // Ada is still logged in after Bob's try at her session.
    expect((await c.member("ada").browser.get("/settings/account")).status).toBe(200);
  });

  test("no listing in the API or the pages shows Bob Ada's followers-only or direct posts", async () => {
    await api(adaToken, "POST", "/api/v1/statuses", { status: "hushword followers #hushtag", visibility: "private" });
    await api(adaToken, "POST", "/api/v1/statuses", { status: "@cy hushword direct #hushtag", visibility: "direct" });
    const adaId = c.member("ada").accountId;
    const lists = [
      `/api/v1/accounts/${adaId}/statuses`,
      `/api/v1/accounts/${adaId}/statuses?pinned=true`,
      "/api/v1/timelines/public",
      "/api/v1/timelines/public?local=true",
      "/api/v1/timelines/home",
      "/api/v1/timelines/tag/hushtag",
      "/api/v2/search?q=hushword&resolve=false",
      "/api/v2/search?q=%23hushtag&resolve=false",
      `/api/v1/statuses/${ids.post}/context`,
      "/api/v1/favourites",
      "/api/v1/bookmarks",
    ];
    // Ada sees both (so the posts exist and the check below can see them).
    const own = JSON.stringify((await api(adaToken, "GET", `/api/v1/accounts/${adaId}/statuses`)).json);
    expect(own).toMatch(/hushword followers/);
    expect(own).toMatch(/hushword direct/);
    for (const token of [bobToken, null]) {
      for (const path of lists) {
        const res = await api(token, "GET", path);
        expect({ path, token: !!token, leaked: /hushword (followers|direct)/.test(JSON.stringify(res.json)) }).toEqual({
          path,
          token: !!token,
          leaked: false,
        });
      }
    }
    for (const path of [
      "/@ada",
      "/public/local",
      "/public",
      "/tags/hushtag",
      "/search?q=hushword",
      "/@ada.rss",
      "/tags/hushtag.rss",
    ]) {
      for (const who of [c.member("bob").browser, c.visitor]) {
        const text = await (await who.get(path)).text();
        // The search page repeats the query itself: only the posts' own words count.
        expect({ path, leaked: /hushword (followers|direct)/.test(text) }).toEqual({ path, leaked: false });
      }
    }
  });

  test("a web compose form cannot attach someone else's upload", async () => {
    const bob = c.member("bob").browser;
    const before = snapshot(c);
    const res = await bob.post("/statuses", { status: "with her picture", media_ids: ids.media });
    expect([303, 422]).toContain(res.status);
    // Either refused, or posted without it: her upload stays unattached and hers.
    const media = one<{ post_id: string | null; account_id: string }>(
      c,
      "SELECT post_id, account_id FROM media_attachments WHERE id = ?",
      ids.media,
    );
    expect(media).toEqual({ post_id: null, account_id: c.member("ada").accountId });
    if (res.status === 422) expect(snapshot(c)).toBe(before);
  });
});

/**
 * Markup a page must never contain as markup: a script that is not one of our files, an event
 * handler or inline style attribute, a script URL in a link, or the probe element the payloads
 * carry (its presence as an element means some text was not escaped). Parsed the way a browser
 * parses (HTMLRewriter), so text inside attribute values counts for nothing.
 */
async function injected(html: string): Promise<string[]> {
  const found: string[] = [];
  const rewriter = new HTMLRewriter().on("*", {
    element(el) {
      const tag = el.tagName;
      if (tag === "xss-probe" || tag === "iframe" || tag === "object" || tag === "embed" || tag === "base" || tag === "style")
        found.push(`<${tag}>`);
      if (tag === "script" && !/^\/assets\/[\w.-]+\.js$/.test(el.getAttribute("src") ?? "")) found.push("inline <script>");
      if (tag === "meta" && el.hasAttribute("http-equiv")) found.push("<meta http-equiv>");
      for (const [name, value] of el.attributes) {
        if (name.startsWith("on")) found.push(`<${tag} ${name}=${value}>`);
        // htmx acts on hx-* attributes with no script at all: none may come from what people wrote.
        // (A link preview's <meta content> is the member's words as text, which nothing acts on.)
        if (value.includes("/xss-hx") && !(tag === "meta" && name === "content")) found.push(`<${tag} ${name}=${value}>`);
        if (name === "style") found.push(`<${tag} style=${value}>`);
        if (
          ["href", "src", "action", "formaction", "xlink:href"].includes(name) &&
          /^\s*(javascript|vbscript|data):/i.test(value)
        )
          found.push(`<${tag} ${name}=${value}>`);
      }
    },
  });
  await rewriter.transform(new Response(html)).text();
  return found;
}

// Breaks out of text, of double- and single-quoted attributes, and tries links and mentions.
const PAYLOAD = `"'><xss-probe onerror=alert(1)></xss-probe><script>alert(1)</script><img src=x onerror=alert(1)> https://evil.example/"onmouseover="alert(1) javascript:alert(1) @x"><xss-probe> #<xss-probe>`;
const SHORT = `"'><xss-probe onerror=x>`;
// Allowed tags carrying htmx attributes: sanitized remote HTML must drop them.
const HTMX = `<a href="https://evil.example/" hx-post="/xss-hx" hx-trigger="load" data-hx-get="/xss-hx">a</a><span class="mention" hx-get="/xss-hx">s</span>`; // for fields with a tight length limit (display name: 30)

describe("HTML injection", () => {
  let c: Community;
  const pages: [string, WebClient | null, string][] = [];

  beforeAll(async () => {
    c = await community(["ada", "mal", "bob"]);
    const ada = c.member("ada").browser;
    const mal = c.member("mal").browser;
    // A member fills every field they have with markup.
    const profile = new FormData();
    profile.set("_csrf", await mal.csrf());
    profile.set("display_name", SHORT);
    profile.set("note", PAYLOAD + HTMX);
    profile.append("field_name", SHORT);
    profile.append("field_value", PAYLOAD.slice(0, 255));
    profile.append("field_name", "site");
    profile.append("field_value", "javascript:alert(1)");
    expect((await mal.request("/settings/profile", { method: "POST", body: profile })).status).toBe(303);
    const compose = new FormData();
    compose.set("_csrf", await mal.csrf());
    compose.set("status", PAYLOAD);
    compose.set("spoiler_text", PAYLOAD);
    compose.append("media", new File([await testJpeg(32, 32)], "x.jpg", { type: "image/jpeg" }));
    compose.append("description", PAYLOAD);
    expect((await mal.request("/statuses", { method: "POST", body: compose })).status).toBe(303);
    const postId = one<{ id: string }>(c, "SELECT id FROM posts WHERE account_id = ?", c.member("mal").accountId)?.id ?? "";
    const plain = await c.post("mal", { status: PAYLOAD });
    expect((await mal.post("/lists", { title: PAYLOAD.slice(0, 100) })).status).toBe(303);
    expect(
      (await mal.post("/settings/filters", { title: PAYLOAD.slice(0, 200), keywords: PAYLOAD.slice(0, 200), context: "home" }))
        .status,
    ).toBe(303);
    await mal.post("/settings/tags", { name: PAYLOAD.slice(0, 100) });
    // A filter that folds pictures, titled with markup, matching mal's post with a picture.
    const blur = await c.member("bob").browser.post("/settings/filters", {
      title: PAYLOAD.slice(0, 200),
      keywords: "alert",
      context: "public",
      filter_action: "blur",
    });
    expect(blur.status).toBe(303);
    // A custom emoji whose category is markup (an admin's, shown in every member's compose box).
    const emoji = new FormData();
    emoji.set("_csrf", await ada.csrf());
    emoji.set("shortcode", "probe");
    emoji.set("category", PAYLOAD.slice(0, 50));
    emoji.set("image", new File([await encodePng(photo(16, 16))], "probe.png"));
    expect((await ada.request("/admin/emojis", { method: "POST", body: emoji })).status).toBe(303);
    // A scheduled post, on its author's page of scheduled posts.
    const later = new Date(Date.now() + 7 * 24 * 3600_000).toISOString().slice(0, 16);
    await mal.post("/statuses", { status: PAYLOAD, spoiler_text: PAYLOAD, scheduled_at: later });
    // An announcement (an admin's, shown to every member) and a reaction's name.
    const announced = { text: PAYLOAD, starts_at: "", ends_at: "", publish: "1" };
    expect((await ada.post("/admin/announcements", announced)).status).toBe(303);
    await mal.post("/reports", { account_id: c.member("bob").accountId, category: "other", comment: PAYLOAD, status_ids: plain });
    const reportId = one<{ id: string }>(c, "SELECT id FROM reports")?.id ?? "";
    // Staff write markup too: an admin could aim it at the owner.
    expect((await ada.post(`/admin/reports/${reportId}/notes`, { note: PAYLOAD })).status).toBe(303);
    await ada.post("/admin/domain-blocks", {
      domain: "evil.example",
      severity: "silence",
      public_comment: PAYLOAD,
      private_comment: PAYLOAD,
    });
    await ada.post(`/admin/accounts/${c.member("bob").accountId}/action`, { action: "warn", reason: PAYLOAD, notify: "1" });
    const settings = await ada.post("/admin/settings", {
      name: SHORT,
      description: PAYLOAD,
      rules: `${PAYLOAD}\n${PAYLOAD} (the second rule)`,
      registration_mode: "approval",
      max_post_length: "500",
      privacy_policy: `# ${PAYLOAD}\n\n${PAYLOAD}\n\n[x](javascript:alert(1))`,
      terms_of_service: `${PAYLOAD}\n\n<script>alert(1)</script>`,
      contact_email: "a@example.com",
    });
    expect(settings.status).toBeLessThan(400);
    // A sign-up reason, shown to moderators.
    await c.visitor.post("/signup", {
      username: "newbie",
      email: "newbie@example.com",
      password: PASSWORD,
      password_confirmation: PASSWORD,
      agreement: "1",
      reason: PAYLOAD,
    });
    // A remote actor and its posts, converted from ActivityStreams as the inbox does.
    const remote = await storeRemote(c);
    const bob = c.member("bob").browser;
    const malId = c.member("mal").accountId;
    const paths: [string, WebClient | null][] = [
      ["/@mal", null],
      ["/@mal", bob],
      [`/@mal/${postId}`, null],
      [`/@mal/${plain}`, bob],
      [`/@mal/${postId}/history`, null],
      ["/public/local", null],
      ["/public", bob],
      ["/", mal],
      ["/lists", mal],
      ["/settings/filters", mal],
      ["/settings/tags", mal],
      ["/settings/profile", mal],
      ["/settings/warnings", bob],
      ["/notifications", bob],
      [`/statuses/${plain}/edit`, mal],
      [`/statuses/${plain}/delete`, mal],
      [`/search?q=${encodeURIComponent(PAYLOAD)}`, bob],
      [`/tags/${encodeURIComponent("<xss-probe>")}`, null],
      [`/@${encodeURIComponent(SHORT)}`, null],
      [`/report?account_id=${malId}&status_id=${plain}`, bob],
      ["/about", null],
      ["/privacy-policy", null],
      ["/terms", null],
      ["/login", null],
      ["/signup", null],
      ["/admin", ada],
      ["/admin/reports", ada],
      [`/admin/reports/${reportId}`, ada],
      ["/admin/accounts", ada],
      [`/admin/accounts/${malId}`, ada],
      [`/admin/accounts/${c.member("bob").accountId}`, ada],
      [`/admin/accounts/${remote.accountId}`, ada],
      ["/admin/domain-blocks", ada],
      ["/admin/instances", ada],
      ["/admin/instances/evil.example", ada],
      ["/admin/registrations", ada],
      ["/admin/audit", ada],
      ["/admin/settings", ada],
      ["/admin/emojis", ada],
      ["/admin/announcements", ada],
      ["/announcements", bob],
      ["/scheduled", mal],
      ["/trending", bob],
      ["/directory?local=0", bob],
      ["/admin/trends", ada],
      [`/admin/emojis?q=${encodeURIComponent(PAYLOAD.slice(0, 100))}`, ada],
      [`/@mal/${plain}/quotes`, bob],
      [`/@mal@evil.example`, null],
      [`/@mal@evil.example`, bob],
      [`/@mal@evil.example/${remote.articleId}`, bob],
      [`/@mal@evil.example/${remote.noteId}`, bob],
    ];
    for (const [path, who] of paths) pages.push([path, who, await c.page(who ?? c.visitor, path)]);
  });

  test("every page showing what members, staff and remote servers wrote shows it as text", async () => {
    const found: string[] = [];
    for (const [path, , html] of pages) for (const what of await injected(html)) found.push(`${path}: ${what}`);
    expect(found).toEqual([]);
  });

  test("the pages really show the payloads (so the test above looked at them)", () => {
    const shown = (path: string) =>
      pages
        .filter(([p]) => p === path)
        .map(([, , html]) => html)
        .join("");
    const escaped = "&lt;xss-probe onerror=alert(1)&gt;";
    expect(shown("/public")).toContain("Media hidden by your filter: &quot;&#x27;&gt;&lt;xss-probe");
    expect(shown("/admin/emojis")).toContain("&lt;xss-probe");
    for (const path of [
      "/@mal",
      "/announcements",
      "/admin/announcements",
      "/scheduled",
      "/lists",
      "/settings/filters",
      "/about",
      "/terms",
      "/admin/domain-blocks",
      "/admin/registrations",
    ])
      expect({ path, shown: shown(path).includes(escaped) || shown(path).includes("&lt;xss-probe") }).toEqual({
        path,
        shown: true,
      });
    expect(shown("/@mal@evil.example")).toContain("remote bio");
  });

  test("an app's name and the authorize request's parameters are shown as text on the consent, code and settings pages", async () => {
    const api = apiCaller(c);
    const app = (
      await api(null, "POST", "/api/v1/apps", {
        client_name: PAYLOAD.slice(0, 200),
        redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
        scopes: "read",
        website: `https://app.example/"><xss-probe>`,
      })
    ).json;
    const bob = c.member("bob").browser;
    const params = {
      client_id: app.client_id,
      redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
      response_type: "code",
      scope: "read",
      state: PAYLOAD,
    };
    const consent = await bob.get(`/oauth/authorize?${new URLSearchParams(params)}`);
    expect(consent.status).toBe(200);
    expect(await injected(await consent.text())).toEqual([]);
    const code = await bob.post("/oauth/authorize", { ...params, decision: "approve" });
    const codePage = await code.text();
    expect(await injected(codePage)).toEqual([]);
    const shownCode = /aria-label="Authorization code"/.test(codePage)
      ? (/readonly value="([\w-]+)"/.exec(codePage)?.[1] ?? "")
      : "";
    const token = await api(null, "POST", "/oauth/token", {
      grant_type: "authorization_code",
      client_id: app.client_id,
      client_secret: app.client_secret,
      code: shownCode,
      redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
    });
    expect(token.json.access_token).toBeString();
    const apps = await c.page(bob, "/settings/apps");
    expect(apps).toContain("&lt;xss-probe");
    expect(await injected(apps)).toEqual([]);
    const bad = await bob.get(`/oauth/authorize?${new URLSearchParams({ ...params, client_id: PAYLOAD })}`);
    expect(await injected(await bad.text())).toEqual([]);
  });

  test("forms echo what was typed back escaped: login username, sign-up fields", async () => {
    const login = await c.visitor.post("/login", { username: PAYLOAD.slice(0, 300), password: "wrong" });
    expect(await injected(await login.text())).toEqual([]);
    const signup = await c.visitor.post("/signup", {
      username: PAYLOAD.slice(0, 100),
      email: PAYLOAD.slice(0, 300),
      password: "x",
      password_confirmation: "y",
      reason: PAYLOAD,
    });
    expect(signup.status).toBe(422);
    expect(await injected(await signup.text())).toEqual([]);
  });
});

/** A hostile remote actor, an Article and a Note, through the same conversion the inbox uses. */
async function storeRemote(c: Community) {
  const { Article, Document, Note, Person, PropertyValue, PUBLIC_COLLECTION } = await import("@fedify/vocab");
  const { accountFromAs, postFromAs } = await import("../src/federation/convert.ts");
  const { receiveRemotePost, upsertRemoteAccount } = await import("../src/core/remote.ts");
  // Everything is embedded: nothing is fetched.
  const ctx = {
    documentLoader: async (url: string) => {
      throw new Error(`no fetch of ${url}`);
    },
  } as unknown as import("@fedify/fedify").Context<void>;
  const actor = new Person({
    id: new URL("https://evil.example/users/mal"),
    preferredUsername: "mal",
    name: PAYLOAD,
    summary: `<p>remote bio</p>${PAYLOAD}<a href="javascript:alert(1)">x</a><p style="x" onclick="y">z</p>${HTMX}`,
    inbox: new URL("https://evil.example/users/mal/inbox"),
    url: new URL("javascript:alert(1)"),
    attachments: [new PropertyValue({ name: PAYLOAD, value: `${PAYLOAD}<a href="javascript:alert(1)">x</a>` })],
  });
  const data = await accountFromAs(ctx, actor);
  if (!data) throw new Error("no account data");
  const account = upsertRemoteAccount(c.deps.db, data);
  const common = {
    attribution: actor.id,
    tos: [PUBLIC_COLLECTION],
    summary: PAYLOAD,
    content: `<p>remote post</p>${PAYLOAD}<iframe src="https://evil.example"></iframe><a href="javascript:alert(1)">x</a>${HTMX}`,
    url: new URL("javascript:alert(1)"),
    attachments: [new Document({ url: new URL("https://evil.example/a.jpg"), mediaType: "image/jpeg", name: PAYLOAD })],
  };
  const store = async (object: InstanceType<typeof Note> | InstanceType<typeof Article>) =>
    receiveRemotePost(c.deps, await postFromAs(ctx, object, { id: account.id, followersUrl: null }, () => []));
  const note = await store(new Note({ id: new URL("https://evil.example/notes/1"), ...common }));
  const article = await store(new Article({ id: new URL("https://evil.example/articles/1"), name: PAYLOAD, ...common }));
  return { accountId: account.id, noteId: note?.id ?? "", articleId: article?.id ?? "" };
}

describe("Content-Security-Policy and other headers", () => {
  /** The directives of a CSP header, by name. */
  const directives = (csp: string) =>
    Object.fromEntries(
      csp
        .split(";")
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([name = "", ...values]) => [name, values]),
    );

  test("every HTML page: a CSP with no inline script or style, no framing, nosniff and a referrer policy; pages use no inline code", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const postId = await c.post("ada", { status: "hello #knitting" });
    await ada.post("/lists", { title: "l" });
    await ada.post("/settings/filters", { title: "f", keywords: "w", context: "home" });
    await c.member("bob").browser.post("/reports", { account_id: c.member("ada").accountId, category: "spam" });
    const id = (sql: string) => one<{ id: string }>(c, sql)?.id ?? "x";
    const values: Record<string, string> = {
      ":acct": "ada",
      ":id": postId,
      ":name": "knitting",
      ":code": "nope",
      ":domain": "remote.example",
    };
    const skip = /^\/(api|assets|media|healthz|\.well-known|oauth\/authorize$|timelines\/home\/live)|\.(rss|atom)$|\/export$/;
    const routes = [...new Set(c.app.routes.filter((r) => r.method === "GET").map((r) => r.path))].filter((p) => !skip.test(p));
    const concretePath = (route: string) =>
      route
        .replace(/^\/lists\/:id/, `/lists/${id("SELECT id FROM lists")}`)
        .replace(/^\/settings\/filters\/:id/, `/settings/filters/${id("SELECT id FROM filters")}`)
        .replace(/^\/admin\/reports\/:id/, `/admin/reports/${id("SELECT id FROM reports")}`)
        .replace(/^\/admin\/accounts\/:id/, `/admin/accounts/${c.member("bob").accountId}`)
        .replace(/:\w+/g, (p) => values[p] ?? "x");
    const problems: string[] = [];
    let checked = 0;
    for (const route of routes) {
      for (const browser of [ada, c.visitor]) {
        const res = await browser.get(concretePath(route));
        if (!(res.headers.get("content-type") ?? "").startsWith("text/html")) continue;
        checked++;
        const where = `${route} (${browser === ada ? "owner" : "visitor"}, ${res.status})`;
        const csp = directives(res.headers.get("content-security-policy") ?? "");
        const scripts = csp["script-src"] ?? csp["default-src"] ?? [];
        const styles = csp["style-src"] ?? csp["default-src"] ?? [];
        if (scripts.length === 0 || scripts.some((v) => /unsafe-inline|unsafe-eval|\*|data:|https:/.test(v)))
          problems.push(`${where}: script-src ${scripts.join(" ")}`);
        if (styles.length === 0 || styles.some((v) => /unsafe-inline|\*/.test(v)))
          problems.push(`${where}: style-src ${styles.join(" ")}`);
        if (csp["frame-ancestors"]?.join(" ") !== "'none'") problems.push(`${where}: frame-ancestors`);
        if (csp["object-src"]?.join(" ") !== "'none'") problems.push(`${where}: object-src`);
        if (csp["base-uri"]?.join(" ") !== "'none'") problems.push(`${where}: base-uri`);
        if (res.headers.get("x-content-type-options") !== "nosniff") problems.push(`${where}: nosniff`);
        if (!res.headers.get("referrer-policy")) problems.push(`${where}: referrer-policy`);
        // Inline code would be blocked by the CSP above: a page relying on it would break.
        for (const what of await injected(await res.text())) problems.push(`${where}: ${what}`);
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(problems).toEqual([]);
  });

  test("uploaded media is served with a sandboxing CSP of its own, nosniff and an image type, never as a page", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const form = new FormData();
    form.set("_csrf", await ada.csrf());
    form.set("status", "photo");
    form.append("media", new File([await testJpeg(64, 64)], "<script>.html", { type: "text/html" }));
    form.append("description", "x");
    expect((await ada.request("/statuses", { method: "POST", body: form })).status).toBe(303);
    const row = one<{ path: string; thumbnail_path: string }>(c, "SELECT path, thumbnail_path FROM media_attachments");
    for (const path of [row?.path, row?.thumbnail_path]) {
      const res = await c.visitor.get(`/media/${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^image\/(jpeg|webp)$/);
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="[0-9a-f-]+(-small)?\.(jpg|webp)"$/);
    }
    // Paths outside the media folder, or not of our own naming, are not served.
    for (const path of ["../skein.db", "..%2Fskein.db", "00/../../skein.db", "x.html", "00/a.html", "%2e%2e/%2e%2e/etc/passwd"]) {
      expect((await c.visitor.get(`/media/${path}`)).status).toBe(404);
    }
  });

  test("the API and Fedify's documents carry nosniff too", async () => {
    const c = await community(["ada"]);
    for (const path of ["/api/v1/instance", "/@ada", "/.well-known/webfinger?resource=acct:ada@social.example", "/healthz"]) {
      const res = await c.app.handle(new Request(`${ORIGIN}${path}`, { headers: { accept: "application/activity+json" } }));
      expect({ path, nosniff: res.headers.get("x-content-type-options") }).toEqual({ path, nosniff: "nosniff" });
    }
  });
});

describe("admin roles", () => {
  test("staff cannot raise their own role, reach the owner or an equal, or make someone their equal", async () => {
    const c = await community(["ada", "adm", "mia", "usr", "adm2"]);
    const setRole = (name: string, role: string) =>
      c.database.sqlite.run("UPDATE users SET role = ? WHERE account_id = ?", [role, c.member(name).accountId]);
    setRole("adm", "admin");
    setRole("adm2", "admin");
    setRole("mia", "moderator");
    const id = (name: string) => c.member(name).accountId;
    const ownerPost = await c.post("ada", { status: "the owner's words" });
    const adminPost = await c.post("adm", { status: "an admin's words" });
    // Tokens with the moderation API's scopes, made before the snapshot.
    const send = (request: Request) => c.app.handle(request);
    const tokens = new Map<string, string>();
    for (const who of ["mia", "adm", "usr"]) {
      const app = await authorizeApp(send, "https://social.example", c.member(who).browser, { scopes: "admin:read admin:write" });
      tokens.set(who, app.token);
    }
    const before = snapshot(c);
    const tries: [string, string, Record<string, string>][] = [
      // Removing posts reaches only lower roles too.
      ["mia", `/admin/posts/${ownerPost}/delete`, {}],
      ["mia", `/admin/posts/${adminPost}/delete`, {}],
      ["adm", `/admin/posts/${ownerPost}/delete`, {}],
      // A moderator changes no roles at all.
      ["mia", `/admin/accounts/${id("mia")}/role`, { role: "admin" }],
      ["mia", `/admin/accounts/${id("usr")}/role`, { role: "moderator" }],
      // An admin cannot promote themselves, take or touch ownership, or make admins.
      ["adm", `/admin/accounts/${id("adm")}/role`, { role: "owner", password: PASSWORD }],
      ["adm", `/admin/accounts/${id("ada")}/role`, { role: "user" }],
      ["adm", `/admin/accounts/${id("ada")}/role`, { role: "admin" }],
      ["adm", `/admin/accounts/${id("usr")}/role`, { role: "admin" }],
      ["adm", `/admin/accounts/${id("usr")}/role`, { role: "owner", password: PASSWORD }],
      ["adm", `/admin/accounts/${id("adm2")}/role`, { role: "user" }],
      // The owner cannot drop the one owner role by demoting themselves.
      ["ada", `/admin/accounts/${id("ada")}/role`, { role: "admin" }],
      // Passing ownership needs the owner's own password.
      ["ada", `/admin/accounts/${id("adm")}/role`, { role: "owner", password: "wrong password" }],
      // Moderation reaches only lower roles, never oneself.
      ["mia", `/admin/accounts/${id("ada")}/action`, { action: "suspend" }],
      ["mia", `/admin/accounts/${id("adm")}/action`, { action: "silence" }],
      ["mia", `/admin/accounts/${id("mia")}/action`, { action: "unsuspend" }],
      ["adm", `/admin/accounts/${id("ada")}/action`, { action: "suspend" }],
      ["adm", `/admin/accounts/${id("adm2")}/action`, { action: "suspend" }],
      // A user reaches no admin form.
      ["usr", `/admin/accounts/${id("usr")}/role`, { role: "owner", password: PASSWORD }],
      ["usr", `/admin/accounts/${id("ada")}/action`, { action: "suspend" }],
    ];
    const got: string[] = [];
    for (const [who, path, body] of tries) {
      const res = await c.member(who).browser.post(path, body);
      if (![403, 409, 422].includes(res.status)) got.push(`${who} ${path} ${JSON.stringify(body)}: ${res.status}`);
    }
    // The moderation API is no way around it: a token with admin scopes acts with its member's role.
    const apiTries: [string, string, string, Record<string, string>?][] = [
      ["mia", "POST", `/api/v1/admin/accounts/${id("ada")}/action`, { type: "suspend" }],
      ["mia", "POST", `/api/v1/admin/accounts/${id("adm")}/action`, { type: "silence" }],
      ["mia", "POST", `/api/v1/admin/accounts/${id("mia")}/unsuspend`],
      ["mia", "POST", "/api/v1/admin/domain_blocks", { domain: "spam.example", severity: "suspend" }],
      ["adm", "POST", `/api/v1/admin/accounts/${id("ada")}/action`, { type: "suspend" }],
      ["adm", "POST", `/api/v1/admin/accounts/${id("adm2")}/action`, { type: "suspend" }],
      ["usr", "GET", "/api/v1/admin/accounts"],
      ["usr", "GET", "/api/v1/admin/reports"],
      ["usr", "POST", `/api/v1/admin/accounts/${id("ada")}/action`, { type: "suspend" }],
    ];
    for (const [who, method, path, body] of apiTries) {
      const res = await send(
        new Request(`https://social.example${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens.get(who)}`, "content-type": "application/json" },
          body: body ? JSON.stringify(body) : undefined,
        }),
      );
      if (res.status !== 403) got.push(`${who} ${method} ${path}: ${res.status}`);
    }
    expect(got).toEqual([]);
    expect(snapshot(c)).toBe(before);
  });
});

describe("password guessing", () => {
  test("login: five failures a minute per account, then 429 even with the right password", async () => {
    const c = await community(["ada"]);
    const browser = new WebClient((r) => c.app.handle(r), ORIGIN);
    for (let i = 0; i < 5; i++)
      expect((await browser.post("/login", { username: "ada", password: `guess ${i}` })).status).toBe(422);
    const blocked = await browser.post("/login", { username: "ada", password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Spelling the name differently (email, @name, capitals) counts toward the same limit.
    for (const username of ["@ada", "ADA", "ada@example.com"])
      expect((await browser.post("/login", { username, password: PASSWORD })).status).toBe(429);
  });

  test("the per-account limit holds across addresses and spellings of the name (email, @name, capitals)", async () => {
    const c = await community(["ada"]);
    const { newLoginLimiter, verifyLogin } = await import("../src/core/auth.ts");
    const limiter = newLoginLimiter();
    const names = ["ada", "ada@example.com", "@ADA", "Ada@Example.com", "ada"];
    for (const [i, name] of names.entries())
      await expect(
        verifyLogin(c.deps.db, limiter, { login: name, password: "wrong", ip: `198.51.100.${i}` }, true),
      ).rejects.toThrow("wrong");
    await expect(
      verifyLogin(c.deps.db, limiter, { login: "ada@example.com", password: PASSWORD, ip: "203.0.113.9" }, true),
    ).rejects.toThrow("Too many attempts");
  });

  test("someone holding a session cannot guess the password through the password-change or delete forms", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const guesses = async (path: string, field: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const body =
          path === "/settings/password"
            ? { current_password: `guess ${i}`, password: "new password 123", password_confirmation: "new password 123" }
            : { [field]: `guess ${i}` };
        statuses.push((await ada.post(path, body)).status);
      }
      return statuses;
    };
    expect(await guesses("/settings/password", "current_password")).toEqual([422, 422, 422, 422, 422, 429, 429]);
    // The right password is refused too until the window passes, and the account is still there.
    expect((await ada.post("/settings/delete", { delete_password: PASSWORD })).status).toBe(429);
    expect(one<{ n: number }>(c, "SELECT count(*) AS n FROM users")?.n).toBe(1);
  });

  test("sign-ups are rate limited per address (ten an hour)", async () => {
    const c = await community(["ada"]);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const browser = new WebClient((r) => c.app.handle(r), ORIGIN);
      const res = await browser.post("/signup", {
        username: `spam${i}`,
        email: `spam${i}@example.com`,
        password: PASSWORD,
        password_confirmation: PASSWORD,
        agreement: "1",
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  test("password resets take a token at one place only (test/password-reset.test.ts tries them)", async () => {
    const { testApp } = await import("./helpers/app.ts");
    const paths = testApp().app.routes.map((r) => r.path);
    // New two-factor recovery codes are made by a signed-in member with their password, not a reset.
    const resets = paths.filter((p) => /reset|forgot|recover/i.test(p) && p !== "/settings/two-factor/recovery-codes");
    expect([...new Set(resets)].sort()).toEqual(["/password/forgot", "/password/reset/:token"]);
  });
});

describe("client addresses", () => {
  const from = (peer: string | undefined, forwarded?: string) => {
    const request = new Request("https://social.example/", { headers: forwarded ? { "x-forwarded-for": forwarded } : {} });
    rememberPeer(request, peer);
    return clientIp(request);
  };

  test("the peer counts; X-Forwarded-For only from a proxy on this machine, and only its last entry", () => {
    expect(from("198.51.100.7")).toBe("198.51.100.7");
    expect(from("198.51.100.7", "203.0.113.1")).toBe("198.51.100.7"); // a client cannot claim another address
    expect(from("127.0.0.1", "203.0.113.1")).toBe("203.0.113.1");
    expect(from("::1", "10.0.0.1, 203.0.113.2")).toBe("203.0.113.2"); // the first entry is the client's own claim
    expect(from("::ffff:127.0.0.1", "2001:db8::1")).toBe("2001:db8::1");
    expect(from("127.0.0.1", "not an address")).toBe("127.0.0.1");
    expect(from("127.0.0.1")).toBe("127.0.0.1");
    expect(from(undefined, "203.0.113.1")).toBe("unknown");
  });

  test("five wrong passwords from one address do not lock everyone else out", async () => {
    const c = await community(["ada"]);
    const client = (peer: string, forwarded?: string) =>
      new WebClient(async (r) => {
        if (forwarded) r.headers.set("x-forwarded-for", forwarded);
        rememberPeer(r, peer);
        return c.app.handle(r);
      }, ORIGIN);
    const mallory = client("198.51.100.7");
    for (let i = 0; i < 6; i++) await mallory.post("/login", { username: `nobody${i}`, password: "x" });
    expect((await mallory.post("/login", { username: "nobody", password: "x" })).status).toBe(429);
    expect((await client("203.0.113.5").post("/login", { username: "ada", password: PASSWORD })).status).toBe(303);
    // Behind the README's nginx, the same: the proxy's loopback peer with the client in X-Forwarded-For.
    const proxied = client("127.0.0.1", "198.51.100.8");
    for (let i = 0; i < 6; i++) await proxied.post("/login", { username: `nobody${i}`, password: "x" });
    expect((await proxied.post("/login", { username: "nobody", password: "x" })).status).toBe(429);
    expect((await client("127.0.0.1", "203.0.113.6").post("/login", { username: "ada", password: PASSWORD })).status).toBe(303);
  });
});

describe("remote actors' inboxes", () => {
  test("an actor naming an inbox on a private, loopback or metadata address is not stored, so nothing is ever delivered there", async () => {
    const c = await community(["ada"]);
    const { Endpoints, Person } = await import("@fedify/vocab");
    const { persistActor } = await import("../src/federation/actors.ts");
    // A context like the inbox's, for a federation started without --allow-private-addresses.
    const ctx = {
      canonicalOrigin: ORIGIN,
      federation: {},
      documentLoader: async (url: string) => {
        throw new Error(`no fetch of ${url}`);
      },
    } as unknown as import("@fedify/fedify").Context<void>;
    const actor = (n: number, inbox: string, sharedInbox?: string) =>
      new Person({
        id: new URL(`https://198.51.99.${n}/users/x`),
        preferredUsername: `x${n}`,
        inbox: new URL(inbox),
        endpoints: sharedInbox ? new Endpoints({ sharedInbox: new URL(sharedInbox) }) : null,
      });
    const refused = [
      "http://127.0.0.1:6379/",
      "http://169.254.169.254/latest/meta-data/",
      "https://10.0.0.5/inbox",
      "https://192.168.1.1/inbox",
      "https://[::1]/inbox",
      "https://[::ffff:127.0.0.1]/inbox",
      "https://[fd00::1]/inbox",
      "https://100.64.0.1/inbox",
      "https://0.0.0.0/inbox",
    ];
    for (const [i, inbox] of refused.entries()) {
      expect({ inbox, stored: (await persistActor(ctx, c.deps.db, actor(i, inbox))) !== null }).toEqual({ inbox, stored: false });
    }
    // A public inbox is kept; a shared inbox on a private address is dropped (deliveries use the inbox).
    const ok = await persistActor(ctx, c.deps.db, actor(99, "https://198.51.99.99/inbox", "http://127.0.0.1/inbox"));
    expect(ok?.inboxUrl).toBe("https://198.51.99.99/inbox");
    expect(ok?.sharedInboxUrl).toBeNull();
    expect(one<{ n: number }>(c, "SELECT count(*) AS n FROM accounts WHERE domain IS NOT NULL")?.n).toBe(1);
  });
});

describe("suspended remote accounts", () => {
  test("suspending a remote account ends its follows both ways, tells its server, and it cannot follow again", async () => {
    const c = await community(["ada", "mia"]);
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("mia").accountId]);
    const { follow, receiveFollow } = await import("../src/core/follows.ts");
    const { remoteFollowers } = await import("../src/federation/outbox.ts");
    const remote = storeRemoteAccount(c.deps.db, "https://198.51.99.1/users/eve", {
      displayName: "Eve",
      sharedInboxUrl: "https://198.51.99.1/inbox",
    });
    const ada = c.member("ada").accountId;
    expect(receiveFollow(c.deps, remote.id, ada, "https://198.51.99.1/follows/1")).toBe("accepted");
    follow(c.deps, { id: ada } as never, remote.id); // Ada follows back (pending until Eve's server accepts)
    expect(remoteFollowers(c.deps, ada).map((r) => r.id?.href)).toEqual([remote.uri ?? ""]);
    const told: string[] = [];
    c.deps.events.on("follow.rejected", (e) => {
      told.push(`reject ${e.uri}`);
    });
    c.deps.events.on("follow.undone", () => {
      told.push("undo");
    });
    const res = await c.member("mia").browser.post(`/admin/accounts/${remote.id}/action`, { action: "suspend" });
    expect(res.status).toBe(303);
    expect(
      one<{ n: number }>(c, "SELECT count(*) AS n FROM follows WHERE follower_id = ? OR following_id = ?", remote.id, remote.id)
        ?.n,
    ).toBe(0);
    expect(told.sort()).toEqual(["reject https://198.51.99.1/follows/1", "undo"]);
    expect(remoteFollowers(c.deps, ada)).toEqual([]);
    // A new Follow from the suspended account is turned down.
    expect(receiveFollow(c.deps, remote.id, ada, "https://198.51.99.1/follows/2")).toBe("rejected");
    expect(remoteFollowers(c.deps, ada)).toEqual([]);
    // Limited instead of suspended: a Follow waits for Ada's approval, even though her account is open.
    await c.member("mia").browser.post(`/admin/accounts/${remote.id}/action`, { action: "unsuspend" });
    await c.member("mia").browser.post(`/admin/accounts/${remote.id}/action`, { action: "silence" });
    expect(receiveFollow(c.deps, remote.id, ada, "https://198.51.99.1/follows/3")).toBe("pending");
    expect(remoteFollowers(c.deps, ada)).toEqual([]);
  });

  test("an account on a limited server asks before following, too", async () => {
    const c = await community(["ada"]);
    const { receiveFollow } = await import("../src/core/follows.ts");
    await c.member("ada").browser.post("/admin/domain-blocks", { domain: "limited.example", severity: "silence" });
    const remote = storeRemoteAccount(c.deps.db, "https://limited.example/users/lou");
    expect(receiveFollow(c.deps, remote.id, c.member("ada").accountId, "https://limited.example/follows/1")).toBe("pending");
  });
});
