import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { createSetupToken } from "../src/core/setup.ts";
import { assetPaths } from "../src/web/assets.ts";
import { json, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

const { app, request, deps, database } = testApp("https://social.example");
const browser = new WebClient((r) => app.handle(r));
afterAll(database.cleanup);
const html = { headers: { accept: "text/html" } };

describe("pages and base routes", () => {
  test("the landing page names the instance, loads htmx and the stylesheet from the binary", async () => {
    const res = await request("/", html);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const body = await res.text();
    expect(body).toStartWith("<!doctype html>");
    expect(body).toContain('<h1 id="instance-name">Skein</h1>');
    expect(body).toContain(`<script src="${assetPaths.htmx}" defer></script>`);
    expect(body).toContain("This instance is not set up yet");
    expect(body).toContain("@name@social.example");
  });

  test("before the owner exists nobody signs up: no link to it, the page says so, a form sent is refused", async () => {
    expect(await (await request("/", html)).text()).not.toContain('href="/signup"');
    expect(await (await request("/signup", html)).text()).toContain("This instance is not set up yet");
    const fields = {
      username: "early",
      email: "early@example.com",
      password: "a long passphrase",
      password_confirmation: "a long passphrase",
      agreement: "1",
    };
    const sent = await browser.post("/signup", fields);
    expect(sent.status).toBe(403);
    expect(database.sqlite.query("SELECT count(*) AS n FROM users").get()).toEqual({ n: 0 });
  });

  test("every response carries the security headers; the CSP allows no inline script", async () => {
    for (const path of ["/", "/healthz", "/nowhere", "/.well-known/nodeinfo"]) {
      const res = await request(path, html);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self';");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  test("assets are served at versioned paths with a year of caching", async () => {
    const htmx = await request(assetPaths.htmx);
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(htmx.headers.get("content-type")).toStartWith("text/javascript");
    expect((await htmx.text()).length).toBeGreaterThan(30_000);
    const css = await request(assetPaths.style);
    expect(css.headers.get("content-type")).toStartWith("text/css");
    expect(assetPaths.htmx).toMatch(/^\/assets\/htmx-4\.\d+\.\d+\.min\.js$/);
  });

  test("/healthz answers 200 JSON", async () => {
    const res = await request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  test("an unknown route is a 404 page for people and JSON for programs", async () => {
    const page = await request("/no/such/page", html);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("Page not found");
    const api = await request("/api/v1/nothing", { headers: { accept: "application/json" } });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: expect.stringContaining("nothing at this address") });
  });
});

describe("first start: the setup link", () => {
  test("without the right token the setup page refuses", async () => {
    createSetupToken(deps.db);
    const res = await request("/setup?token=guess", html);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("This setup link does not work");
    const post = await browser.post("/setup", {
      token: "guess",
      username: "eve",
      email: "e@example.com",
      password: "password123",
      password_confirmation: "password123",
    });
    expect(post.status).toBe(403);
  });

  test("a form without the CSRF token is refused with 403", async () => {
    const token = createSetupToken(deps.db);
    const res = await browser.post(
      "/setup",
      { token, username: "ada", email: "a@example.com", password: "x".repeat(12), password_confirmation: "x".repeat(12) },
      { csrf: false },
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("did not come from this site");
  });

  test("a form missing fields gets 400 and changes nothing", async () => {
    const res = await browser.post("/setup", { token: "x" });
    expect(res.status).toBe(400);
  });

  test("the form shows each problem next to its field and keeps what was typed", async () => {
    const token = createSetupToken(deps.db);
    const res = await browser.post("/setup", {
      token,
      username: "Admin!",
      email: "owner@example.com",
      password: "short",
      password_confirmation: "short",
    });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain('<p class="error" id="username-error">Use 1 to 30 lowercase letters, digits or underscores.</p>');
    expect(body).toContain('<p class="error" id="password-error">');
    expect(body).toContain('value="owner@example.com"');
    expect(body).toContain('aria-invalid="true"');
    const mismatch = await browser.post("/setup", {
      token,
      username: "Owner!",
      email: "owner@example.com",
      password: "long enough!",
      password_confirmation: "different",
    });
    // Every problem at once, not the passwords first and the name at the next try.
    const both = await mismatch.text();
    expect(both).toContain("The two passwords differ.");
    expect(both).toContain("Use 1 to 30 lowercase letters, digits or underscores.");
  });

  test("creates the owner once; then the link stops working", async () => {
    const token = createSetupToken(deps.db);
    const page = await request(`/setup?token=${token}`, html);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Create the owner account");
    const res = await browser.post("/setup", {
      token,
      username: "ada",
      email: "ada@example.com",
      password: "long enough!",
      password_confirmation: "long enough!",
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("@ada@social.example");
    expect((await request(`/setup?token=${token}`, html)).status).toBe(410);
    const again = await browser.post("/setup", {
      token,
      username: "second",
      email: "s@example.com",
      password: "long enough!",
      password_confirmation: "long enough!",
    });
    expect(again.status).toBe(410);
    expect(await (await request("/", html)).text()).not.toContain("not set up yet");
  });
});

describe("Fedify mounted", () => {
  test("WebFinger finds the owner, with links on the configured URL, not the request's host", async () => {
    const res = await request("/.well-known/webfinger?resource=acct:ada@social.example");
    expect(res.status).toBe(200);
    const jrd = await json(res);
    expect(jrd.subject).toBe("acct:ada@social.example");
    expect(jrd.links).toContainEqual({ rel: "self", href: "https://social.example/@ada", type: "application/activity+json" });
    expect((await request("/.well-known/webfinger?resource=acct:nobody@social.example")).status).toBe(404);
  });

  test("the actor document is served at the profile URL to ActivityPub clients", async () => {
    const res = await request("/@ada", { headers: { accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    const actor = await json(res);
    expect(actor.type).toBe("Person");
    expect(actor.id).toBe("https://social.example/@ada");
    expect(actor.inbox).toBe("https://social.example/@ada/inbox");
    expect(actor.endpoints.sharedInbox).toBe("https://social.example/inbox");
    expect(actor.publicKey.publicKeyPem).toContain("BEGIN PUBLIC KEY");
    expect(actor.assertionMethod[0].publicKeyMultibase).toStartWith("z");
    // The keys are made once and kept.
    const again = await json(await request("/@ada", { headers: { accept: "application/activity+json" } }));
    expect(again.publicKey.publicKeyPem).toBe(actor.publicKey.publicKeyPem);
  });

  test("a bot account is a Service", async () => {
    await createLocalUser(deps, { username: "newsbot", email: "bot@example.com", password: "long enough!", role: "user" });
    database.sqlite.run("UPDATE accounts SET bot = 1 WHERE username = 'newsbot'");
    const actor = await json(await request("/@newsbot", { headers: { accept: "application/activity+json" } }));
    expect(actor.type).toBe("Service");
  });

  test("NodeInfo reports the software, user count and registration state", async () => {
    const wellKnown = await request("/.well-known/nodeinfo");
    expect(wellKnown.headers.get("access-control-allow-origin")).toBe("*"); // browser apps read it
    const links = await json(wellKnown);
    expect(links.links[0].href).toBe("https://social.example/nodeinfo/2.1");
    const info = await json(await request("/nodeinfo/2.1"));
    expect(info.software.name).toBe("skein");
    expect(info.usage.users.total).toBe(2);
    expect(info.openRegistrations).toBe(false);
    // 2.0 too, at its own address, as Mastodon serves it and some apps fetch it.
    const old = await request("/nodeinfo/2.0");
    expect(old.headers.get("content-type")).toContain("schema/2.0#");
    const info20 = await json(old);
    expect(info20).toMatchObject({ version: "2.0", software: { name: "skein" }, usage: info.usage });
    expect(info20.software.homepage).toBeUndefined();
  });
});
