import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import {
  allowDomain,
  disallowDomain,
  federationAllowed,
  followsCutByAllowlist,
  listDomainAllows,
} from "../src/core/domain-allows.ts";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { ValidationError } from "../src/core/errors.ts";
import { DomainEvents } from "../src/core/events.ts";
import { getSettings, updateSettings } from "../src/core/instance.ts";
import { federatedTimeline } from "../src/core/timelines.ts";
import { launchBrowser, screenshotPath } from "./helpers/browser.ts";
import { community } from "./helpers/community.ts";
import { tempDatabase } from "./helpers/db.ts";

setDefaultTimeout(60_000);

let database: ReturnType<typeof tempDatabase>;
let deps: { db: typeof database.db; events: DomainEvents; baseUrl: URL };
let staff: string;

beforeEach(async () => {
  database = tempDatabase();
  deps = { db: database.db, events: new DomainEvents(), baseUrl: new URL("https://social.example") };
  staff = (
    await createLocalUser(deps, { username: "ada", email: "ada@example.com", password: "correct horse battery", role: "owner" })
  ).accountId;
});
afterEach(() => database.cleanup());

const block = (domain: string, severity: "silence" | "suspend" | "noop") =>
  blockDomain(deps, staff, {
    domain,
    severity,
    rejectMedia: false,
    rejectReports: false,
    publicComment: "",
    privateComment: "",
    obfuscate: false,
  });
const allowed = (host: string | null) => federationAllowed(deps.db, host);
const mode = (federationMode: "blocklist" | "allowlist") => updateSettings(deps.db, { federationMode });

describe("the federation rule", () => {
  test("blocklist mode (the default): every server but the suspended ones", () => {
    expect(getSettings(deps.db).federationMode).toBe("blocklist");
    block("bad.example", "suspend");
    block("noisy.example", "silence");
    expect(allowed("friendly.example")).toBe(true);
    expect(allowed("noisy.example")).toBe(true); // limited, still federated with
    expect(allowed("bad.example")).toBe(false);
    expect(allowed("sub.bad.example")).toBe(false); // subdomains are covered
    expect(allowed("Sub.Bad.Example")).toBe(false);
    expect(allowed("notbad.example")).toBe(true); // a suffix that is not a subdomain
    expect(allowed("bad.example:8443")).toBe(true); // the port is part of the domain
    expect(allowed(null)).toBe(true); // local
  });

  test("a Limit on a subdomain overrides its parent's suspension (the most specific block wins)", () => {
    block("bad.example", "suspend");
    block("ok.bad.example", "silence");
    expect(allowed("ok.bad.example")).toBe(true);
    expect(allowed("other.bad.example")).toBe(false);
  });

  test("allowlist mode: only listed servers and their subdomains, exact port", () => {
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    allowDomain(deps, staff, { domain: "https://Ported.Example:8443/", comment: "" });
    // The list does nothing in blocklist mode.
    expect(allowed("stranger.example")).toBe(true);
    mode("allowlist");
    expect(allowed("friends.example")).toBe(true);
    expect(allowed("sub.friends.example")).toBe(true);
    expect(allowed("friends.example:8443")).toBe(false);
    expect(allowed("ported.example:8443")).toBe(true);
    expect(allowed("ported.example")).toBe(false);
    expect(allowed("stranger.example")).toBe(false);
    expect(allowed("example")).toBe(false); // a parent of a listed domain is not listed
    expect(allowed(null)).toBe(true);
    mode("blocklist");
    expect(allowed("stranger.example")).toBe(true);
  });

  test("allowlist mode: a suspension wins over the allow-list", () => {
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    block("rogue.friends.example", "suspend");
    mode("allowlist");
    expect(allowed("friends.example")).toBe(true);
    expect(allowed("rogue.friends.example")).toBe(false);
  });

  test("posts from servers not listed are hidden in allowlist mode, and come back when listed", () => {
    const db = database.sqlite;
    for (const [id, domain] of [
      ["r1", "friends.example"],
      ["r2", "stranger.example"],
    ] as const) {
      db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
        id,
        id,
        domain,
        `https://${domain}/u/${id}`,
      ]);
      db.run("INSERT INTO posts (id, account_id, uri, content_html, visibility) VALUES (?, ?, ?, ?, 'public')", [
        `${id}-p`,
        id,
        `https://${domain}/p/1`,
        "<p>hi</p>",
      ]);
    }
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    expect(federatedTimeline(deps.db, null).sort()).toEqual(["r1-p", "r2-p"]);
    mode("allowlist");
    expect(federatedTimeline(deps.db, null)).toEqual(["r1-p"]);
    allowDomain(deps, staff, { domain: "stranger.example", comment: "" });
    expect(federatedTimeline(deps.db, null).sort()).toEqual(["r1-p", "r2-p"]);
  });
});

describe("the allow-list", () => {
  test("entries are normalized, audited, and refused when nonsense, duplicate or our own", () => {
    const row = allowDomain(deps, staff, { domain: " HTTPS://Friends.Example./path ", comment: " our friends " });
    expect(row).toMatchObject({ domain: "friends.example", comment: "our friends", createdBy: staff });
    const problem = (domain: string, comment = "") => {
      try {
        allowDomain(deps, staff, { domain, comment });
        return "";
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return Object.values(error.fields).join(" ");
      }
    };
    expect(problem("friends.example")).toContain("already on the allow-list");
    expect(problem("not a domain!")).toContain("Enter a domain like social.example");
    expect(problem("")).toContain("Enter a domain");
    expect(problem("social.example")).toContain("own domain");
    expect(problem("ok.example", "x".repeat(1001))).toContain("under 1000 characters");
    expect(listDomainAllows(deps.db).map((a) => a.domain)).toEqual(["friends.example"]);
    disallowDomain(deps, staff, "Friends.Example");
    expect(listDomainAllows(deps.db)).toEqual([]);
    expect(() => disallowDomain(deps, staff, "friends.example")).toThrow("not on the allow-list");
    const actions = database.sqlite.query("SELECT action, target_id FROM audit_log ORDER BY id").all();
    expect(actions).toEqual([
      { action: "domain.allow", target_id: "friends.example" },
      { action: "domain.disallow", target_id: "friends.example" },
    ]);
  });

  test("follows the switch would cut: those with accounts on servers not listed", () => {
    const db = database.sqlite;
    for (const [id, domain] of [
      ["r1", "friends.example"],
      ["r2", "sub.friends.example"],
      ["r3", "stranger.example"],
    ] as const) {
      db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
        id,
        id,
        domain,
        `https://${domain}/u/${id}`,
      ]);
      db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')", [`f-${id}`, staff, id]);
    }
    db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES ('back', 'r3', ?, 'accepted')", [staff]);
    expect(followsCutByAllowlist(deps.db)).toBe(4);
    allowDomain(deps, staff, { domain: "friends.example", comment: "" });
    expect(followsCutByAllowlist(deps.db)).toBe(2);
    mode("allowlist");
    // Switching deletes nothing.
    expect(db.query("SELECT count(*) AS n FROM follows").get()).toEqual({ n: 4 });
  });
});

describe("the pages", () => {
  const settingsForm = (extra: Record<string, string> = {}) => ({
    name: "Knitters",
    registration_mode: "open",
    max_post_length: "500",
    ...extra,
  });

  test("an admin lists, adds and removes allowed servers; bad input is shown next to the field", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const empty = await c.page(ada, "/admin/domain-allows");
    expect(empty).toContain("Allowlist mode is off");
    expect(empty).toContain('href="/admin/domain-allows" aria-current="page"');
    expect(await c.page(ada, "/admin/domain-blocks")).toContain('href="/admin/domain-allows"');

    expect(
      (await ada.post("/admin/domain-allows", { domain: "https://Friends.Example/", comment: "the knitting club" })).status,
    ).toBe(303);
    const listed = await c.page(ada, "/admin/domain-allows");
    expect(listed).toContain("<strong>friends.example</strong>");
    expect(listed).toContain("the knitting club");

    for (const [fields, field, message] of [
      [{ domain: "not a domain!" }, "domain", "Enter a domain like social.example"],
      [{ domain: "social.example" }, "domain", "own domain"],
      [{ domain: "friends.example" }, "domain", "already on the allow-list"],
      [{ domain: "ok.example", comment: "x".repeat(1500) }, "comment", "under 1000 characters"],
    ] as const) {
      const res = await ada.post("/admin/domain-allows", fields);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(`id="${field}-error"`);
      expect(html).toContain(message);
    }
    expect(listDomainAllows(c.deps.db).map((a) => a.domain)).toEqual(["friends.example"]);

    // A listed server that a block suspends says so.
    await ada.post("/admin/domain-blocks", { domain: "friends.example", severity: "suspend" });
    expect(await c.page(ada, "/admin/domain-allows")).toContain("suspended: the block wins");

    expect((await ada.post(`/admin/domain-allows/${encodeURIComponent("friends.example")}/delete`, {})).status).toBe(303);
    expect(listDomainAllows(c.deps.db)).toEqual([]);
    expect((await ada.post(`/admin/domain-allows/${encodeURIComponent("friends.example")}/delete`, {})).status).toBe(404);
    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("domain.allow");
    expect(audit).toContain("domain.disallow");
  });

  test("moderators and members get 403; visitors are sent to log in", async () => {
    const c = await community(["ada", "mia", "bob"]);
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("mia").accountId]);
    for (const name of ["mia", "bob"]) {
      const browser = c.member(name).browser;
      expect((await browser.get("/admin/domain-allows")).status).toBe(403);
      expect((await browser.post("/admin/domain-allows", { domain: "friends.example" })).status).toBe(403);
      expect((await browser.post("/admin/domain-allows/friends.example/delete", {})).status).toBe(403);
    }
    expect(listDomainAllows(c.deps.db)).toEqual([]);
    expect((await c.visitor.get("/admin/domain-allows")).status).toBe(303);
  });

  test("switching to allowlist mode shows what it cuts first, then keeps every follow", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const db = c.database.sqlite;
    db.run(
      "INSERT INTO accounts (id, username, domain, uri) VALUES ('r1', 'pat', 'stranger.example', 'https://stranger.example/u/pat')",
    );
    db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES ('f1', ?, 'r1', 'accepted')", [
      c.member("bob").accountId,
    ]);
    const page = await c.page(ada, "/admin/settings");
    expect(page).toContain('id="federation_mode-blocklist" name="federation_mode" value="blocklist" checked');
    expect(page).toContain("No server is on the allow-list yet. 1 follow relationship between members");

    const asked = await ada.post("/admin/settings", settingsForm({ federation_mode: "allowlist" }));
    expect(asked.status).toBe(200);
    const html = await asked.text();
    expect(html).toContain("Nothing was saved yet");
    expect(html).toContain('name="confirm_federation_mode" value="1"');
    expect(html).toContain('value="allowlist" checked');
    expect(getSettings(c.deps.db).federationMode).toBe("blocklist");

    const res = await ada.post("/admin/settings", settingsForm({ federation_mode: "allowlist", confirm_federation_mode: "1" }));
    expect(res.status).toBe(303);
    expect(getSettings(c.deps.db).federationMode).toBe("allowlist");
    expect(db.query("SELECT count(*) AS n FROM follows").get()).toEqual({ n: 1 });
    expect(await c.page(ada, "/admin/domain-allows")).toContain("Allowlist mode is on");
    expect(await c.page(ada, "/admin/audit")).toContain("federationMode");

    // A form without the field keeps the mode; a bad value is refused.
    expect((await ada.post("/admin/settings", settingsForm())).status).toBe(303);
    expect(getSettings(c.deps.db).federationMode).toBe("allowlist");
    expect((await ada.post("/admin/settings", settingsForm({ federation_mode: "everyone" }))).status).toBe(422);
    // Back to blocklist needs no confirmation.
    expect((await ada.post("/admin/settings", settingsForm({ federation_mode: "blocklist" }))).status).toBe(303);
    expect(getSettings(c.deps.db).federationMode).toBe("blocklist");
  });
});

test("in a browser: fill the allow-list, then switch to allowlist mode", async () => {
  const c = await community(["ada", "bob"]);
  const db = c.database.sqlite;
  db.run(
    "INSERT INTO accounts (id, username, domain, uri) VALUES ('r1', 'pat', 'stranger.example', 'https://stranger.example/u/pat')",
  );
  db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES ('f1', ?, 'r1', 'accepted')", [
    c.member("bob").accountId,
  ]);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => c.app.handle(r) });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const origin = `http://127.0.0.1:${server.port}`;
    await context.addCookies([...c.member("ada").browser.cookies].map(([name, value]) => ({ name, value, url: origin })));
    const page = await context.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    await page.goto(`${origin}/admin/domain-blocks`);
    await page.getByRole("link", { name: "allow-list" }).click();
    for (const [domain, comment] of [
      ["knitting.example", "our sister instance"],
      ["yarn.example:8443", ""],
    ] as const) {
      await page.getByLabel("Domain").fill(domain);
      await page.getByLabel("Comment (staff only)").fill(comment);
      await page.getByRole("button", { name: "Allow" }).click();
      await page.waitForLoadState();
    }
    await page.getByLabel("Domain").fill("not a domain!");
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForLoadState();
    await expect(page.locator("#domain-error").textContent()).resolves.toContain("Enter a domain like social.example");
    await page.screenshot({ path: screenshotPath("domain-allows"), fullPage: true });

    await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Instance settings" }).click();
    await page.getByLabel("Allowlist: federate only with the servers on the allow-list").check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.waitForLoadState();
    await expect(page.getByText("Nothing was saved yet").isVisible()).resolves.toBe(true);
    await page
      .locator("fieldset")
      .filter({ hasText: "Which servers to federate with" })
      .screenshot({
        path: screenshotPath("settings-federation-mode"),
      });
    expect(getSettings(c.deps.db).federationMode).toBe("blocklist");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.waitForLoadState();
    await expect(page.getByText("Saved.").isVisible()).resolves.toBe(true);
    expect(getSettings(c.deps.db).federationMode).toBe("allowlist");
    await page
      .locator("fieldset")
      .filter({ hasText: "Which servers to federate with" })
      .screenshot({
        path: screenshotPath("settings-allowlist"),
      });
  } finally {
    await browser.close();
    server.stop(true);
  }
});
