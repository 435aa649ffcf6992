import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { getSettings, updateSettings } from "../src/core/instance.ts";
import { applyRegistrationFallback } from "../src/core/registrations.ts";
import { WebClient } from "./helpers/client.ts";
import { community, PASSWORD } from "./helpers/community.ts";

// argon2 hashing for every member and sign-up: more than bun's default 5 s.
setDefaultTimeout(60_000);

type Community = Awaited<ReturnType<typeof community>>;

const signupFields = (username: string, extra: Record<string, string> = {}) => ({
  username,
  email: `${username}@example.com`,
  password: PASSWORD,
  password_confirmation: PASSWORD,
  agreement: "1",
  ...extra,
});

const newBrowser = (c: Community) => new WebClient((r) => c.app.handle(r));

function setRole(c: Community, name: string, role: string) {
  c.database.sqlite.run("UPDATE users SET role = ? WHERE account_id = ?", [role, c.member(name).accountId]);
}

/** The codes of the invite links on a page, newest first. */
const inviteCodes = (html: string) =>
  [...html.matchAll(/value="https:\/\/social\.example\/invite\/([^"]+)"/g)].map((m) => m[1] ?? "");

/** The settings form as the owner would send it, with some fields changed. */
const settingsForm = (extra: Record<string, string> = {}) => ({
  name: "Knitters",
  description: "",
  registration_mode: "open",
  max_post_length: "500",
  ...extra,
});

describe("invites", () => {
  test("staff make, list and revoke invite links; a link signs someone up and counts the use; audited", async () => {
    const c = await community(["ada", "bob"]);
    updateSettings(c.deps.db, { registrationMode: "invite" });
    const ada = c.member("ada").browser;
    expect((await ada.post("/admin/invites", { max_uses: "1", expires_in: "1800" })).status).toBe(303);
    expect((await ada.post("/admin/invites", { max_uses: "", expires_in: "" })).status).toBe(303);
    let page = await c.page(ada, "/admin/invites");
    const [unlimited, single] = inviteCodes(page);
    expect(single).toBeTruthy();
    expect(page).toContain("by @ada");
    expect(page).toContain("uses: 0 / 1");
    expect(page).toContain("uses: 0 / ∞");
    expect(page).toContain("never expires");

    // The full link leads to the sign-up form with the code filled in; using it lets grace in at once.
    const grace = newBrowser(c);
    const link = await grace.get(`/invite/${single}`);
    expect(link.headers.get("location")).toBe(`/signup?invite=${single}`);
    expect(await c.page(grace, `/signup?invite=${single}`)).toContain(`value="${single}"`);
    expect((await grace.post("/signup", signupFields("grace", { invite_code: single ?? "" }))).status).toBe(303);
    page = await c.page(ada, "/admin/invites");
    expect(page).toContain("uses: 1 / 1");
    expect(page).toContain("used up");
    const again = await newBrowser(c).post("/signup", signupFields("henry", { invite_code: single ?? "" }));
    expect(again.status).toBe(422);
    expect(await again.text()).toContain("This invite is not valid any more.");

    // Revoked: refused, shown as revoked, no revoke button any more.
    const revokeId = /action="\/admin\/invites\/([^/]+)\/revoke"/.exec(page)?.[1];
    expect((await ada.post(`/admin/invites/${revokeId}/revoke`, {})).status).toBe(303);
    expect((await ada.post(`/admin/invites/${revokeId}/revoke`, {})).status).toBe(409);
    page = await c.page(ada, "/admin/invites");
    expect(page).toContain("revoked");
    expect(page).not.toContain("/revoke");
    const revoked = await newBrowser(c).post("/signup", signupFields("ivan", { invite_code: unlimited ?? "" }));
    expect(await revoked.text()).toContain("This invite is not valid any more.");

    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("invite.create");
    expect(audit).toContain("invite.revoke");
  });

  test("an expired invite is refused and shown as expired; a choice not offered is explained", async () => {
    const c = await community(["ada"]);
    updateSettings(c.deps.db, { registrationMode: "closed" });
    // Closed: visitors are not offered a way in that leads nowhere.
    expect(await c.page(newBrowser(c), "/about")).not.toContain('href="/signup"');
    const ada = c.member("ada").browser;
    await ada.post("/admin/invites", { max_uses: "5", expires_in: "3600" });
    const [code] = inviteCodes(await c.page(ada, "/admin/invites"));
    c.database.sqlite.run("UPDATE invites SET expires_at = ? WHERE code = ?", [Date.now() - 1000, code ?? ""]);
    const page = await c.page(ada, "/admin/invites");
    expect(page).toContain("expired");
    expect(page).not.toContain("/revoke");
    const res = await newBrowser(c).post("/signup", signupFields("grace", { invite_code: code ?? "" }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("This invite is not valid any more.");

    const bad = await ada.post("/admin/invites", { max_uses: "7", expires_in: "99" });
    expect(bad.status).toBe(422);
    const text = await bad.text();
    expect(text).toContain("Choose one of the offered numbers of uses.");
    expect(text).toContain("Choose one of the offered lifetimes.");
    expect(inviteCodes(text)).toHaveLength(1); // nothing made
  });

  test("members make their own invites only when the instance allows it", async () => {
    const c = await community(["ada", "bob", "cat"]);
    const ada = c.member("ada").browser;
    const bob = c.member("bob").browser;
    await ada.post("/admin/invites", {});
    expect((await bob.get("/invites")).status).toBe(403);
    expect((await bob.post("/invites", { max_uses: "1" })).status).toBe(403);
    expect(await c.page(bob, "/settings/profile")).not.toContain('href="/invites"');

    expect((await ada.post("/admin/settings", settingsForm({ members_may_invite: "1" }))).status).toBe(303);
    expect(getSettings(c.deps.db).membersMayInvite).toBe(true);
    expect(await c.page(bob, "/settings/profile")).toContain('href="/invites"');
    expect((await bob.post("/invites", { max_uses: "10", expires_in: "86400" })).status).toBe(303);
    const page = await c.page(bob, "/invites");
    expect(inviteCodes(page)).toHaveLength(1); // his own, not ada's
    expect(page).toContain("uses: 0 / 10");
    expect(page).not.toContain("by @");
    const bobsId = /action="\/invites\/([^/]+)\/revoke"/.exec(page)?.[1];
    // The admin list shows both, newest (bob's) first.
    const adminPage = await c.page(ada, "/admin/invites");
    const ids = [...adminPage.matchAll(/action="\/admin\/invites\/([^/]+)\/revoke"/g)].map((m) => m[1]);
    expect(ids).toEqual([bobsId, expect.any(String)]);
    expect(adminPage).toContain("by @bob");
    const adasOwn = ids[1];
    expect((await c.member("cat").browser.post(`/invites/${bobsId}/revoke`, {})).status).toBe(404);
    expect((await bob.post(`/invites/${adasOwn}/revoke`, {})).status).toBe(404);
    expect((await bob.post(`/invites/${bobsId}/revoke`, {})).status).toBe(303);
    expect(await c.page(bob, "/invites")).toContain("revoked");
    // Members' own invites are not staff actions: only ada's show in the audit log.
    const audit = await c.page(ada, "/admin/audit");
    expect(audit.match(/invite\.create/g)).toHaveLength(1);
    expect(audit).not.toContain("invite.revoke");
  });
});

describe("registrations", () => {
  test("approve and reject with a message; the rejected person reads it at login; audited", async () => {
    const c = await community(["ada", "bob"]);
    updateSettings(c.deps.db, { registrationMode: "approval" });
    const grace = newBrowser(c);
    await grace.post("/signup", signupFields("grace", { reason: "I knit." }));
    await newBrowser(c).post("/signup", signupFields("spammer", { reason: "cheap watches" }));
    const ada = c.member("ada").browser;

    const moved = await ada.get("/admin/signups");
    expect(moved.status).toBe(301);
    expect(moved.headers.get("location")).toBe("/admin/registrations");
    const page = await c.page(ada, "/admin/registrations");
    expect(page).toContain("cheap watches");
    const ids = [...page.matchAll(/action="\/admin\/registrations\/([^/]+)\/approve"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    const [graceId, spamId] = ids;
    expect(page).toContain(`formaction="/admin/registrations/${spamId}/reject"`);

    const tooLong = await ada.post(`/admin/registrations/${spamId}/reject`, { message: "x".repeat(1001) });
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain("Keep it under 1000 characters.");
    expect((await ada.post(`/admin/registrations/${spamId}/reject`, { message: "We do not take <ads> here." })).status).toBe(303);
    expect((await ada.post(`/admin/registrations/${graceId}/approve`, { message: "Welcome!" })).status).toBe(303);
    expect((await ada.post(`/admin/registrations/${graceId}/approve`, {})).status).toBe(404);
    expect(await c.page(ada, "/admin/registrations")).toContain("No one is waiting.");

    const login = await newBrowser(c).post("/login", { username: "spammer", password: PASSWORD });
    expect(login.status).toBe(422);
    const text = await login.text();
    expect(text).toContain("The moderators turned down this sign-up.");
    expect(text).toContain("We do not take &lt;ads&gt; here.");
    // By email too; a wrong password learns nothing.
    expect(await (await newBrowser(c).post("/login", { username: "spammer@example.com", password: PASSWORD })).text()).toContain(
      "turned down",
    );
    expect(await (await newBrowser(c).post("/login", { username: "spammer", password: "not the password" })).text()).toContain(
      "The username or password is wrong.",
    );
    // The name is free again, and the new account logs in normally.
    expect((await newBrowser(c).post("/signup", signupFields("spammer", { reason: "I changed" }))).status).toBe(200);
    expect((await grace.post("/login", { username: "grace", password: PASSWORD })).status).toBe(303);

    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("signup.reject");
    expect(audit).toContain("signup.approve");
    expect(audit).toContain("We do not take &lt;ads&gt; here.");
    // Whom: the approved member's account, the rejected one's chosen name.
    expect(audit).toMatch(/approved the sign-up of <\/span><a href="\/admin\/accounts\/[^"]+">@grace<\/a>/);
    expect(audit).toContain("rejected the sign-up of </span><span>@spammer</span>");
  });
});

describe("instance settings and transparency", () => {
  test("bad rules, contact, email and language are explained next to the field and nothing is saved", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const before = getSettings(c.deps.db);
    const cases: [Record<string, string>, string, string][] = [
      [{ rules: Array.from({ length: 51 }, (_, i) => `Rule ${i}`).join("\n") }, "rules", "Keep to 50 rules at most"],
      [{ rules: `Be kind\n${"y".repeat(301)}` }, "rules", "Rule 2 is longer than 300 characters"],
      [{ rules: "Be kind\nNo spam\nBe kind" }, "rules", "Rule 3 is written twice; keep one."],
      [{ contact_username: "nobody" }, "contact_username", "There is no member called @nobody here."],
      [{ contact_email: "not-an-email" }, "contact_email", "Enter an email address like admin@example.com."],
      [{ default_language: "xx" }, "default_language", "Choose a language from the list"],
      [{ privacy_policy: "p".repeat(50_001) }, "privacy_policy", "Keep it under 50,000 characters."],
    ];
    for (const [fields, field, message] of cases) {
      const res = await ada.post("/admin/settings", settingsForm({ name: "Changed", ...fields }));
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(`id="${field}-error"`);
      expect(html).toContain(message);
      expect(html).toContain("Nothing was saved");
      expect(getSettings(c.deps.db)).toEqual(before);
    }
  });

  test("rules, contact, policies and default language: saved, shown on /about, /privacy-policy and /terms", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    // Before anything is set: Skein's default policy, and a note that there are no terms.
    expect(await c.page(c.visitor, "/privacy-policy")).toContain("This is the privacy policy that comes with Skein");
    expect(await c.page(c.visitor, "/terms")).toContain("no terms of service of its own");
    const footer = await c.page(c.visitor, "/public/local");
    expect(footer).toContain('href="/privacy-policy"');
    expect(footer).toContain('href="/terms"');

    const saved = await ada.post(
      "/admin/settings",
      settingsForm({
        rules: "Be kind.\r\n\r\nNo ads <b>ever</b>.\r\n",
        contact_username: "@Bob",
        contact_email: "staff@social.example",
        privacy_policy: "We keep little.\n\nWe <script>sell</script> nothing.\nReally.",
        terms_of_service: "Play nice.",
        default_language: "de",
      }),
    );
    expect(saved.status).toBe(303);
    const settings = getSettings(c.deps.db);
    expect(settings.rules).toEqual(["Be kind.", "No ads <b>ever</b>."]);
    expect(settings.contactUsername).toBe("bob");
    expect(await c.page(ada, "/admin/audit")).toContain("settings.update");

    const about = await c.page(c.visitor, "/about");
    expect(about).toContain('<ol class="rules"><li>Be kind.</li><li>No ads &lt;b&gt;ever&lt;/b&gt;.</li></ol>');
    expect(about).toContain('href="/@bob"');
    expect(about).toContain('href="mailto:staff@social.example"');
    expect(about).toContain('href="/privacy-policy"');
    expect(about).toContain('href="/terms"');
    const policy = await c.page(c.visitor, "/privacy-policy");
    expect(policy).toContain("<p>We keep little.</p><p>We &lt;script&gt;sell&lt;/script&gt; nothing.<br />Really.</p>");
    expect(policy).not.toContain("comes with Skein");
    expect(await c.page(c.visitor, "/terms")).toContain("<p>Play nice.</p>");

    // New posts that name no language get the default.
    const id = await c.post("bob", { status: "Guten Tag" });
    const row = c.database.sqlite.query<{ language: string }, [string]>("SELECT language FROM posts WHERE id = ?").get(id);
    expect(row?.language).toBe("de");
  });

  test("a user gets 403 on the staff pages; a moderator sees registrations and invites but not the settings", async () => {
    const c = await community(["ada", "bob", "mia"]);
    const bob = c.member("bob").browser;
    for (const path of ["/admin/invites", "/admin/registrations"]) expect((await bob.get(path)).status).toBe(403);
    expect((await bob.post("/admin/invites", { max_uses: "1" })).status).toBe(403);
    setRole(c, "mia", "moderator");
    const mia = c.member("mia").browser;
    expect((await mia.get("/admin/invites")).status).toBe(200);
    expect((await mia.get("/admin/registrations")).status).toBe(200);
    expect((await mia.get("/admin/settings")).status).toBe(403);
    // Staff may always use the members' page too.
    expect((await mia.get("/invites")).status).toBe(200);
  });
});

describe("week without a moderator", () => {
  const DAY = 24 * 3600_000;

  /** The staff's sessions last seen over a week ago: nobody has been around. */
  const away = (c: Community) => c.database.sqlite.run("UPDATE sessions SET last_seen_at = ?", [Date.now() - 8 * DAY]);

  test("open sign-ups with no staff about for a week fall back to approval, audited as the system and shown", async () => {
    const c = await community(["ada", "bob"]); // bob joined just now
    const { db } = c.deps;
    away(c);
    expect(applyRegistrationFallback(db, new Date())).toBe(true);
    expect(getSettings(db).registrationMode).toBe("approval");
    expect(applyRegistrationFallback(db, new Date())).toBe(false); // not open any more
    const ada = c.member("ada").browser;
    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("registrations.fallback");
    expect(audit).toContain("the system");
    expect(await c.page(ada, "/admin/settings")).toContain("sign-ups switched from open to approval");
    // Saving the settings is a staff action and dismisses the notice.
    await ada.post("/admin/settings", settingsForm());
    expect(await c.page(ada, "/admin/settings")).not.toContain("switched from open to approval");
    expect(getSettings(db).registrationMode).toBe("open");
    expect(applyRegistrationFallback(db, new Date())).toBe(false); // ada just acted
  });

  test("a staff action in the week keeps sign-ups open; an older one does not; no sign-ups, no change", async () => {
    const c = await community(["ada", "bob"]);
    const { db } = c.deps;
    await c.member("ada").browser.post("/admin/invites", {}); // audited
    expect(applyRegistrationFallback(db, new Date(Date.now() + 6 * DAY))).toBe(false);
    // Eight days on, nobody has joined in the week before: nothing to protect.
    expect(applyRegistrationFallback(db, new Date(Date.now() + 8 * DAY))).toBe(false);
    // bob joined a day before that moment, ada acted eight days before it.
    c.database.sqlite.run("UPDATE users SET created_at = ? WHERE account_id = ?", [
      Date.now() + 7 * DAY,
      c.member("bob").accountId,
    ]);
    expect(applyRegistrationFallback(db, new Date(Date.now() + 8 * DAY))).toBe(true);
    expect(getSettings(db).registrationMode).toBe("approval");
  });

  test("a moderator who signed in during the week keeps sign-ups open, with nothing to act on", async () => {
    const c = await community(["ada", "bob"]);
    const { db } = c.deps;
    c.database.sqlite.run("DELETE FROM audit_log");
    expect(applyRegistrationFallback(db, new Date())).toBe(false); // ada's session was seen just now
    away(c);
    expect(applyRegistrationFallback(db, new Date())).toBe(true);
  });

  test("a moderator's action counts; the rule leaves other modes alone", async () => {
    const c = await community(["ada", "bob", "mia"]);
    const { db } = c.deps;
    setRole(c, "mia", "moderator");
    await c.member("mia").browser.post("/admin/invites", {});
    away(c);
    expect(applyRegistrationFallback(db, new Date())).toBe(false);
    c.database.sqlite.run("DELETE FROM audit_log");
    updateSettings(db, { registrationMode: "invite" });
    expect(applyRegistrationFallback(db, new Date())).toBe(false);
    expect(getSettings(db).registrationMode).toBe("invite");
  });
});

test("only sign-ups that go through count toward the network's limit: typos fixed do not", async () => {
  const c = await community(["ada"]);
  updateSettings(c.deps.db, { registrationMode: "open" });
  const browser = newBrowser(c);
  for (let i = 0; i < 12; i++) {
    const typo = await browser.post("/signup", signupFields("cleo", { password_confirmation: "not the same at all" }));
    expect(typo.status).toBe(422);
  }
  expect((await browser.post("/signup", signupFields("cleo"))).status).toBe(303);
  // An answer that a name is taken counts: nobody asks it without end who has an account here.
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await newBrowser(c).post("/signup", signupFields("ada"))).status);
  expect(statuses.slice(0, 9)).toEqual(Array(9).fill(422));
  expect(statuses.at(-1)).toBe(429);
});
