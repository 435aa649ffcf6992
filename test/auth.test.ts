import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { updateSettings } from "../src/core/instance.ts";
import { createInvite } from "../src/core/invites.ts";
import { testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

function setup() {
  const t = testApp("https://social.example");
  const client = () => new WebClient((r) => t.app.handle(r));
  const member = (username: string, role: "owner" | "user" = "user") =>
    createLocalUser(t.deps, { username, email: `${username}@example.com`, password: "correct horse battery", role });
  return { ...t, client, member };
}

/** An instance whose owner exists: before that, nobody signs up. */
async function setUpInstance() {
  const t = setup();
  await t.member("olive", "owner");
  return t;
}

const signupFields = (username: string, extra: Record<string, string> = {}) => ({
  username,
  email: `${username}@example.com`,
  password: "correct horse battery",
  password_confirmation: "correct horse battery",
  agreement: "1",
  ...extra,
});

describe("log in and out", () => {
  test("a member logs in with username or email; the session cookie is HttpOnly, SameSite=Lax and Secure", async () => {
    const { client, member } = setup();
    await member("ada", "owner");
    const browser = client();
    const res = await browser.post("/login", { username: "ada", password: "correct horse battery" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("skein_session="));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Secure/);
    const home = await (await browser.get("/")).text();
    expect(home).toContain('href="/@ada"');
    expect(home).toContain("Log out");

    const byEmail = client();
    expect((await byEmail.post("/login", { username: "ADA@example.com", password: "correct horse battery" })).status).toBe(303);
  });

  test("a wrong password keeps the username and says what is wrong", async () => {
    const { client, member } = setup();
    await member("ada");
    const res = await client().post("/login", { username: "ada", password: "wrong" });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain("The username or password is wrong.");
    expect(page).toContain('value="ada"');
    // Nothing typed is asked for, next to each field.
    const empty = await (await client().post("/login", { username: " ", password: "" })).text();
    expect(empty).toContain("Enter your username or e-mail address.");
    expect(empty).toContain("Enter your password.");
    expect(empty).not.toContain("The username or password is wrong.");
  });

  test("five failures in a minute get 429 with Retry-After, even with the right password", async () => {
    const { client, member } = setup();
    await member("ada");
    const browser = client();
    for (let i = 0; i < 5; i++) expect((await browser.post("/login", { username: "ada", password: "nope" })).status).toBe(422);
    const blocked = await browser.post("/login", { username: "ada", password: "correct horse battery" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain("Too many attempts");
  });

  test("logging out ends the session on the server, not only in the browser", async () => {
    const { client, member } = setup();
    await member("ada");
    const browser = client();
    await browser.login("ada", "correct horse battery");
    const stolen = browser.cookies.get("skein_session") ?? "";
    const out = await browser.post("/logout", {});
    expect([out.status, out.headers.get("location")]).toEqual([303, "/login?logged_out=1"]);
    expect(await (await browser.get("/login?logged_out=1")).text()).toContain("You have logged out.");
    expect(browser.cookies.has("skein_session")).toBe(false);
    const replay = client();
    replay.cookies.set("skein_session", stolen);
    expect(await (await replay.get("/")).text()).not.toContain("Log out");
  });

  test("the CSRF token of an anonymous visitor does not work after signing in", async () => {
    const { client, member } = setup();
    await member("ada");
    const browser = client();
    const before = await browser.csrf();
    await browser.login("ada", "correct horse battery");
    const res = await browser.request("/logout", {
      method: "POST",
      body: new URLSearchParams({ _csrf: before }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(403);
  });

  test("a link to another site after login is ignored", async () => {
    const { client, member } = setup();
    await member("ada");
    const res = await client().post("/login", { username: "ada", password: "correct horse battery", next: "//evil.example/x" });
    expect(res.headers.get("location")).toBe("/");
  });
});

describe("sign up by registration mode", () => {
  test("open: the new member is signed in at once", async () => {
    const { client, deps } = await setUpInstance();
    updateSettings(deps.db, { registrationMode: "open" });
    const browser = client();
    const res = await browser.post("/signup", signupFields("grace"));
    expect(res.status).toBe(303);
    expect(await (await browser.get("/")).text()).toContain('href="/@grace"');
  });

  test("approval (the default): a reason is required and the member waits", async () => {
    const { client } = await setUpInstance();
    const browser = client();
    const form = await (await browser.get("/signup")).text();
    expect(form).toContain("Why do you want to join?");
    const noReason = await browser.post("/signup", signupFields("grace"));
    expect(noReason.status).toBe(422);
    expect(await noReason.text()).toContain("Tell the moderators why you want to join.");
    const res = await browser.post("/signup", signupFields("grace", { reason: "I knit." }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("A moderator will look at your request soon.");
    const login = await browser.post("/login", { username: "grace", password: "correct horse battery" });
    expect(login.status).toBe(422);
    expect(await login.text()).toContain("waiting for a moderator");
  });

  test("invite: a code is needed; a used-up code stops working", async () => {
    const { client, deps, member } = setup();
    updateSettings(deps.db, { registrationMode: "invite" });
    const { userId } = await member("ada", "owner");
    const invite = createInvite(deps.db, userId, { maxUses: 1 });
    const without = await client().post("/signup", signupFields("grace"));
    expect(without.status).toBe(422);
    expect(await without.text()).toContain("Sign-ups need an invite");
    const link = await client().get(`/invite/${invite.code}`);
    expect(link.headers.get("location")).toBe(`/signup?invite=${invite.code}`);
    expect((await client().post("/signup", signupFields("grace", { invite_code: invite.code }))).status).toBe(303);
    const again = await client().post("/signup", signupFields("henry", { invite_code: invite.code }));
    expect(await again.text()).toContain("This invite is not valid any more.");
    // Opened again, the used-up link says so at once, with no form to fill in for nothing.
    const opened = await client().get(`/signup?invite=${invite.code}`);
    expect(opened.status).toBe(410);
    const page = await opened.text();
    expect(page).toContain("This invite link no longer works");
    expect(page).not.toContain('action="/signup"');
    expect(page).not.toContain("Sign up without an invite"); // sign-ups need an invite here
  });

  test("closed: the page says so and a sign-up is refused", async () => {
    const { client, deps } = await setUpInstance();
    updateSettings(deps.db, { registrationMode: "closed" });
    expect(await (await client().get("/signup")).text()).toContain("Sign-ups are closed");
    const res = await client().post("/signup", signupFields("grace"));
    expect(res.status).toBe(403);
  });

  test("bad details are shown next to each field, nothing is saved and typed text is kept", async () => {
    const { client, deps, database } = await setUpInstance();
    updateSettings(deps.db, { registrationMode: "open" });
    const res = await client().post("/signup", {
      username: '"><script>alert(1)</script>',
      email: "not-an-email",
      password: "short",
      password_confirmation: "other",
    });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('id="username-error"');
    expect(page).toContain('id="email-error"');
    expect(page).toContain("Use at least 10 characters");
    expect(page).toContain("The two passwords differ.");
    // What was typed comes back inside the attribute, its quote escaped: no markup escapes it.
    expect(page).toContain('value="&#34;><script>alert(1)</script>"');
    expect(page).not.toContain('value=""><script>');
    expect(database.sqlite.query("SELECT count(*) AS n FROM accounts").get()).toEqual({ n: 1 }); // the owner alone
  });

  test("the form shows the rules; joining means agreeing to them, the terms and the privacy policy", async () => {
    const { client, deps, database } = await setUpInstance();
    updateSettings(deps.db, { registrationMode: "open", rules: ["Be kind.", "No ads."] });
    const form = await (await client().get("/signup")).text();
    expect(form).toContain("<li>Be kind.</li><li>No ads.</li>");
    expect(form).toContain('<a href="/terms">terms of service</a>');
    const { agreement: _, ...fields } = signupFields("ada");
    const res = await client().post("/signup", fields);
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('<p class="error" id="agreement-error">Tick the box to agree before joining.</p>');
    expect(page).toContain('value="ada"'); // kept as typed
    expect(database.sqlite.query("SELECT count(*) AS n FROM accounts").get()).toEqual({ n: 1 }); // the owner alone
  });
});

describe("an expired form", () => {
  test("a post sent after the session ended is refused with 403 and gives back what was typed", async () => {
    const { client, member } = setup();
    await member("ada");
    const browser = client();
    await browser.login("ada", "correct horse battery");
    const token = await browser.csrf();
    browser.cookies.delete("skein_session"); // the session ended (expired or logged out elsewhere)
    const res = await browser.request("/statuses", {
      method: "POST",
      body: new URLSearchParams({ _csrf: token, status: "A long thought I do not want to lose" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain("What you wrote, to copy before you reload");
    expect(page).toContain("A long thought I do not want to lose");
  });
});

describe("staff pages", () => {
  test("a moderator approves or rejects waiting sign-ups; a user gets 403", async () => {
    const { client, member } = setup();
    await member("ada", "owner");
    await member("bob");
    const applicant = client();
    await applicant.post("/signup", signupFields("grace", { reason: "I knit." }));
    await applicant.post("/signup", signupFields("spam", { reason: "buy now" }));
    const bob = client();
    await bob.login("bob", "correct horse battery");
    expect((await bob.get("/admin/registrations")).status).toBe(403);
    const ada = client();
    await ada.login("ada", "correct horse battery");
    const page = await (await ada.get("/admin/registrations")).text();
    expect(page).toContain("I knit.");
    const ids = [...page.matchAll(/action="\/admin\/registrations\/([^/]+)\/approve"/g)].map((m) => m[1]);
    expect(ids.length).toBe(2);
    await ada.post(`/admin/registrations/${ids[0]}/approve`, {});
    await ada.post(`/admin/registrations/${ids[1]}/reject`, {});
    expect((await applicant.post("/login", { username: "grace", password: "correct horse battery" })).status).toBe(303);
    // The account is gone; its owner (with the right password) learns it was turned down.
    expect(await (await client().post("/login", { username: "spam", password: "correct horse battery" })).text()).toContain(
      "turned down",
    );
    expect(await (await client().post("/login", { username: "spam", password: "a wrong password" })).text()).toContain("wrong");
  });

  test("the owner sets the name, registration mode and post length; bad values are explained", async () => {
    const { client, member } = setup();
    await member("ada", "owner");
    const ada = client();
    await ada.login("ada", "correct horse battery");
    const bad = await ada.post("/admin/settings", { name: "", registration_mode: "open", max_post_length: "5" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Choose a whole number from 100 to 10000.");
    // Longer than the page lets one type: the message by the field, and what was typed kept.
    const long = await ada.post("/admin/settings", {
      name: "Knitters",
      description: "y".repeat(3000),
      registration_mode: "open",
      max_post_length: "12345678901",
    });
    expect(long.status).toBe(422);
    const longPage = await long.text();
    expect(longPage).toContain("Keep it under 500 characters.");
    expect(longPage).toContain("Choose a whole number from 100 to 10000.");
    expect(longPage).toContain('value="Knitters"');
    expect(longPage).toContain('maxlength="500"');
    expect(
      (
        await ada.post("/admin/settings", {
          name: "Knitters",
          description: "Yarn talk",
          registration_mode: "open",
          max_post_length: "1000",
        })
      ).status,
    ).toBe(303);
    expect(await (await client().get("/about")).text()).toContain("Anyone can sign up.");
    expect(await (await ada.get("/")).text()).toContain('data-limit="1000"');
    // "Publish weekly activity" was left unticked in that form: the activity API is off, until ticked.
    expect((await client().get("/api/v1/instance/activity")).status).toBe(404);
    await ada.post("/admin/settings", {
      name: "Knitters",
      registration_mode: "open",
      max_post_length: "1000",
      activity_api: "1",
    });
    expect((await client().get("/api/v1/instance/activity")).status).toBe(200);
    expect(await (await ada.get("/admin/settings")).text()).toMatch(/id="activity_api"[^>]*checked/);
  });
});
