import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { block, blockDomainFor, follow, mute } from "../src/core/follows.ts";
import { join } from "node:path";
import { bookmark, favourite } from "../src/core/interactions.ts";
import { pruneFinishedImports } from "../src/core/imports.ts";
import { createPost } from "../src/core/posts.ts";
import { createList, addToList } from "../src/core/lists.ts";
import { launchBrowser, screenshotPath } from "./helpers/browser.ts";
import type { WebClient } from "./helpers/client.ts";
import { community } from "./helpers/community.ts";
import { testJpeg } from "./helpers/images.ts";
import { unzip } from "./helpers/unzip.ts";

setDefaultTimeout(60_000);

type Community = Awaited<ReturnType<typeof community>>;
const FOLLOWING_HEADER = "Account address,Show boosts,Notify on new posts,Languages";

/** Sends a file through the import form, as a browser does (multipart). */
async function upload(browser: WebClient, type: string, content: string | Uint8Array, mode = "merge", name = "import.csv") {
  const form = new FormData();
  form.set("_csrf", await browser.csrf());
  form.set("type", type);
  form.set("mode", mode);
  form.set("file", new File([content], name, { type: "text/csv" }));
  return browser.request("/settings/imports", { method: "POST", body: form });
}

/** Runs the queue worker until the member's imports are finished. */
async function drain(c: Community) {
  const stop = new AbortController();
  const worker = c.queue.listen(() => {}, { signal: stop.signal });
  const open = () =>
    c.database.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM imports WHERE finished_at IS NULL").get()?.n ?? 0;
  for (let i = 0; i < 200 && open() > 0; i++) await Bun.sleep(50);
  stop.abort();
  await worker;
  expect(open()).toBe(0);
}

const ids = (c: Community, sql: string, ...args: string[]) =>
  c.database.sqlite
    .query<{ id: string }, string[]>(sql)
    .all(...args)
    .map((r) => r.id);

const following = (c: Community, name: string) =>
  ids(
    c,
    "SELECT a.username AS id FROM follows f JOIN accounts a ON a.id = f.following_id WHERE f.follower_id = ? ORDER BY a.username",
    c.member(name).accountId,
  );

const importCount = (c: Community) =>
  c.database.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM imports").get()?.n ?? 0;

describe("export", () => {
  test("the archive holds actor.json, outbox.json with every own post, media, and Mastodon's CSVs", async () => {
    const c = await community(["ada", "bob", "cy", "dee"]);
    const ada = c.member("ada");
    const deps = c.deps;
    const bobPost = await c.post("bob", { status: "Bob's thoughts" });
    const form = new FormData();
    form.set("_csrf", await ada.browser.csrf());
    form.set("status", "A picture, #cats");
    form.append("media", new File([await testJpeg(64, 48)], "cat.jpg"));
    form.set("description", "A cat");
    expect((await ada.browser.request("/statuses", { method: "POST", body: form })).status).toBe(303);
    const secret = await c.post("ada", { status: "Followers only", visibility: "private" });
    const profile = new FormData();
    profile.set("_csrf", await ada.browser.csrf());
    profile.append("avatar", new File([await testJpeg(32, 32)], "me.jpg"));
    expect((await ada.browser.request("/settings/profile", { method: "POST", body: profile })).status).toBe(303);
    await c.post("bob", { status: "not ada's" });
    follow(deps, { id: ada.accountId }, c.member("bob").accountId, { showReblogs: false, notify: true });
    block(deps, { id: ada.accountId }, c.member("cy").accountId);
    mute(deps, { id: ada.accountId }, c.member("dee").accountId);
    bookmark(deps, { id: ada.accountId }, bobPost);
    favourite(deps, { id: ada.accountId }, bobPost);
    const list = createList(deps, { id: ada.accountId }, { title: "Friends, close" });
    addToList(deps, { id: ada.accountId }, list.id, [c.member("bob").accountId]);

    const res = await ada.browser.get("/settings/export/archive.zip");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="archive-ada-\d{4}-\d\d-\d\d\.zip"$/);
    const files = unzip(new Uint8Array(await res.arrayBuffer()));
    const text = (name: string) => new TextDecoder().decode(files.get(name));

    const actor = JSON.parse(text("actor.json"));
    expect(actor.type).toBe("Person");
    expect(actor.id).toBe("https://social.example/@ada");
    expect(actor.preferredUsername).toBe("ada");
    expect(actor.publicKey.publicKeyPem).toContain("BEGIN PUBLIC KEY");
    // The avatar is in the archive, and actor.json points at it there.
    expect(actor.icon.url).toMatch(/^media\/[0-9a-f]{2}\/[0-9a-f-]{36}\.(jpg|webp|png)$/);
    expect(files.get(actor.icon.url)?.byteLength).toBeGreaterThan(0);

    const outbox = JSON.parse(text("outbox.json"));
    expect(outbox.type).toBe("OrderedCollection");
    expect(outbox["@context"]).toBeDefined();
    expect(outbox.totalItems).toBe(2);
    const [first, second] = outbox.orderedItems;
    expect(first.type).toBe("Create");
    expect(first["@context"]).toBeUndefined();
    expect(first.object.type).toBe("Note");
    expect(first.object.content).toContain("A picture");
    expect(second.object.id).toBe(`https://social.example/@ada/${secret}`);
    expect(second.object.content).toContain("Followers only");
    const attachment = first.object.attachment;
    const picture = Array.isArray(attachment) ? attachment[0] : attachment;
    expect(picture.url).toMatch(/^media\/[0-9a-f]{2}\/[0-9a-f-]{36}\.jpg$/);
    expect(picture.name).toBe("A cat");
    const stored = await c.media.file(picture.url.slice("media/".length))?.bytes();
    expect(files.get(picture.url)).toEqual(stored as Uint8Array);

    expect(text("following_accounts.csv")).toBe(`${FOLLOWING_HEADER}\nbob@social.example,false,true,\n`);
    expect(text("blocked_accounts.csv")).toBe("cy@social.example\n");
    expect(text("muted_accounts.csv")).toBe("Account address,Hide notifications\ndee@social.example,true\n");
    expect(text("bookmarks.csv")).toBe(`https://social.example/@bob/${bobPost}\n`);
    expect(text("lists.csv")).toBe('"Friends, close",bob@social.example\n');
    expect(files.has("missing_media.txt")).toBe(false);
    expect(JSON.parse(text("bookmarks.json")).orderedItems).toEqual([`https://social.example/@bob/${bobPost}`]);
    expect(JSON.parse(text("likes.json")).orderedItems).toEqual([`https://social.example/@bob/${bobPost}`]);

    // Each CSV alone, and the page listing them.
    const csv = await ada.browser.get("/settings/export/following_accounts.csv");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await csv.text()).toBe(text("following_accounts.csv"));
    expect((await ada.browser.get("/settings/export/passwords.csv")).status).toBe(404);
    const page = await c.page(ada.browser, "/settings/import-export");
    expect(page).toContain('href="/settings/export/archive.zip"');
    expect(page).toContain("1 account");
    // Only for the member: a visitor is sent to log in.
    expect((await c.visitor.get("/settings/export/archive.zip")).status).toBe(303);
  });

  test("outbox.json is streamed a page at a time: 450 posts, in order, in a ZIP other tools read", async () => {
    const c = await community(["ada"]);
    const ada = { id: c.member("ada").accountId, username: "ada" };
    // More than a member may post in three hours: the first 250 through core, the rest written
    // straight into the database, a second apart.
    for (let i = 0; i < 250; i++) await createPost(c.deps, ada, { status: `post number ${i}` });
    const insert = c.database.sqlite.prepare(
      "INSERT INTO posts (id, account_id, text, content_html, visibility, created_at) VALUES (?, ?, ?, ?, 'public', ?)",
    );
    for (let i = 250; i < 450; i++) {
      const at = Date.now() + i * 1000;
      insert.run(Bun.randomUUIDv7(undefined, at), ada.id, `post number ${i}`, `<p>post number ${i}</p>`, at);
    }
    const res = await c.member("ada").browser.get("/settings/export/archive.zip");
    const zip = new Uint8Array(await res.arrayBuffer());
    const outbox = JSON.parse(new TextDecoder().decode(unzip(zip).get("outbox.json")));
    expect(outbox.totalItems).toBe(450);
    expect(outbox.orderedItems).toHaveLength(450);
    expect(outbox.orderedItems[0].object.content).toContain("post number 0<");
    expect(outbox.orderedItems[449].object.content).toContain("post number 449<");
    // The system's unzip, where there is one, agrees (data descriptors, CRCs, directory).
    if (Bun.which("unzip")) {
      const path = join(c.database.dir, "archive.zip");
      await Bun.write(path, zip);
      const check = Bun.spawnSync(["unzip", "-t", path]);
      expect(check.stdout.toString()).toContain("No errors detected");
    }
  });

  test("downloading the archive is limited to three an hour", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    for (let i = 0; i < 3; i++) expect((await ada.get("/settings/export/archive.zip")).status).toBe(200);
    const refused = await ada.get("/settings/export/archive.zip");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(3500);
    expect(await refused.text()).toContain("three times in the last hour. Try again in 60 minutes.");
  });
});

describe("import", () => {
  test("a follows CSV: local accounts followed in the queue, bad rows skipped with reasons, progress on the page", async () => {
    const c = await community(["bob", "ada", "cy", "dee"]);
    const bob = c.member("bob").browser;
    const csv = [
      FOLLOWING_HEADER,
      "ada@social.example,false,true,",
      "@cy@social.example,true,false,",
      "not an address,true,false,",
      "ada@social.example,true,true,",
      "bob@social.example,true,false,",
      "nobody@social.example,true,false,",
      "dee@social.example,maybe,false,",
      "",
    ].join("\r\n");
    const res = await upload(bob, "following", csv, "merge", "following_accounts.csv");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/settings/import-export?done=import");
    // Queued, not done yet: the page polls for progress.
    const before = await c.page(bob, "/settings/import-export");
    expect(before).toContain("Working: 4 of 7 rows done");
    expect(before).toContain('hx-trigger="every 2s"');
    expect(following(c, "bob")).toEqual([]);

    await drain(c);
    expect(following(c, "bob")).toEqual(["ada", "cy"]);
    const row = c.database.sqlite
      .query<{ show_reblogs: number; notify: number }, [string]>(
        "SELECT show_reblogs, notify FROM follows WHERE follower_id = ? AND following_id = (SELECT id FROM accounts WHERE username = 'ada')",
      )
      .get(c.member("bob").accountId);
    expect(row).toEqual({ show_reblogs: 0, notify: 1 });
    const progress = await c.page(bob, "/settings/imports/progress");
    expect(progress).not.toContain("hx-trigger");
    expect(progress).toContain("2 rows imported, 1 failed, 4 skipped.");
    expect(progress).toContain("Not an account address (user@domain).");
    expect(progress).toContain("Already on line 2.");
    expect(progress).toContain("This is your own account.");
    expect(progress).toContain("There is no such account on this server.");
    expect(progress).toContain("Show boosts and Notify on new posts must be true or false.");
  });

  test("overwrite removes what the file does not name; blocks, mutes and bookmarks import too", async () => {
    const c = await community(["ada", "bob", "cy", "dee"]);
    const ada = c.member("ada");
    const deps = c.deps;
    follow(deps, { id: ada.accountId }, c.member("bob").accountId);
    follow(deps, { id: ada.accountId }, c.member("cy").accountId);
    // Columns in another order; bob's row has a bad flag: skipped, but not unfollowed either.
    const csv =
      "Notify on new posts,Account address\nfalse,dee@social.example\ntrue,cy@social.example\nperhaps,bob@social.example\n";
    expect((await upload(ada.browser, "following", csv, "overwrite")).status).toBe(303);
    await drain(c);
    expect(following(c, "ada")).toEqual(["bob", "cy", "dee"]);
    expect((await upload(ada.browser, "following", "dee@social.example\ncy@social.example\n", "overwrite")).status).toBe(303);
    await drain(c);
    expect(following(c, "ada")).toEqual(["cy", "dee"]);

    // Mastodon writes blocked_accounts.csv without a header.
    expect((await upload(ada.browser, "blocking", "bob@social.example\n")).status).toBe(303);
    await drain(c);
    expect(ids(c, "SELECT target_account_id AS id FROM blocks WHERE account_id = ?", ada.accountId)).toEqual([
      c.member("bob").accountId,
    ]);

    expect((await upload(ada.browser, "muting", "Account address,Hide notifications\ncy@social.example,true\n")).status).toBe(
      303,
    );
    await drain(c);
    expect(ids(c, "SELECT target_account_id AS id FROM mutes WHERE account_id = ?", ada.accountId)).toEqual([
      c.member("cy").accountId,
    ]);

    const kept = await c.post("dee", { status: "keep" });
    const added = await c.post("cy", { status: "add" });
    const dropped = await c.post("dee", { status: "drop" });
    bookmark(deps, { id: ada.accountId }, kept);
    bookmark(deps, { id: ada.accountId }, dropped);
    const urls = [kept, added].map((id) => `https://social.example/@x/${id}`);
    expect((await upload(ada.browser, "bookmarks", `${urls.join("\n")}\n`, "overwrite")).status).toBe(303);
    await drain(c);
    expect(ids(c, "SELECT post_id AS id FROM bookmarks WHERE account_id = ? ORDER BY post_id", ada.accountId)).toEqual(
      [kept, added].sort(),
    );
  });

  test("blocked domains export as Mastodon writes them and import back, in the queue; overwrite unblocks the rest", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada");
    const actor = { id: ada.accountId };
    blockDomainFor(c.deps, actor, "spam.example");
    const exported = await (await ada.browser.get("/settings/export/blocked_domains.csv")).text();
    expect(exported.trim()).toBe("spam.example");
    const domains = () =>
      ids(c, "SELECT domain AS id FROM account_domain_blocks WHERE account_id = ? ORDER BY domain", ada.accountId);

    // Mastodon's import header, a bad row and our own server: those two are skipped with reasons.
    const csv = "#domain\nfar.example\nnot a domain\nsocial.example\nhttps://Near.Example/\n";
    expect((await upload(ada.browser, "domain_blocking", csv, "overwrite")).status).toBe(303);
    await drain(c);
    expect(domains()).toEqual(["far.example", "near.example"]);
    const skipped = c.database.sqlite
      .query<{ error: string }, []>("SELECT error FROM import_rows WHERE state = 'skipped' ORDER BY line")
      .all()
      .map((r) => r.error);
    expect(skipped).toEqual(["Not a domain name.", "This is your own server."]);

    // A list of accounts is not a list of domains: refused by the field, nothing stored.
    const wrong = await upload(ada.browser, "domain_blocking", "bob@far.example\n");
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("is not a domain name");
    const other = await upload(ada.browser, "blocking", "#domain\nfar.example\n");
    expect(await other.text()).toContain("Choose “Blocked domains”");
  });

  test("lists import as Mastodon writes lists.csv: lists made by title, accounts followed and added; overwrite prunes", async () => {
    const c = await community(["ada", "bob", "cy", "dee"]);
    const ada = c.member("ada");
    const actor = { id: ada.accountId };
    const old = createList(c.deps, actor, { title: "Old" });
    follow(c.deps, actor, c.member("dee").accountId);
    addToList(c.deps, actor, old.id, [c.member("dee").accountId]);
    const members = () =>
      c.database.sqlite
        .query<{ row: string }, [string]>(
          `SELECT l.title || ':' || a.username AS row FROM lists l JOIN list_accounts la ON la.list_id = l.id
           JOIN accounts a ON a.id = la.account_id WHERE l.account_id = ? ORDER BY 1`,
        )
        .all(ada.accountId)
        .map((r) => r.row);

    // Cy approves followers: Ada's follow stays a request, and Cy goes in the list all the same (as Mastodon 4.2).
    c.database.sqlite.run("UPDATE accounts SET locked = 1 WHERE username = 'cy'");
    // No header, as Mastodon writes it; a title with a comma is quoted. Bob is not followed yet.
    const csv = [
      "Friends,bob@social.example",
      '"Bread, mostly",bob@social.example',
      "Friends,@cy@social.example",
      "Friends,bob@social.example",
      ",cy@social.example",
      "Friends,ada@social.example",
      "Friends,nobody@social.example",
      "",
    ].join("\n");
    expect((await upload(ada.browser, "lists", csv, "merge", "lists.csv")).status).toBe(303);
    await drain(c);
    expect(members()).toEqual(["Bread, mostly:bob", "Friends:bob", "Friends:cy", "Old:dee"]);
    expect(following(c, "ada")).toEqual(["bob", "cy", "dee"]);
    expect(ids(c, "SELECT state AS id FROM follows WHERE following_id = ?", c.member("cy").accountId)).toEqual(["pending"]);
    const progress = await c.page(ada.browser, "/settings/imports/progress");
    expect(progress).toContain("3 rows imported, 1 failed, 3 skipped.");
    for (const reason of [
      "Already on line 1.",
      "No list name.",
      "This is your own account.",
      "There is no such account on this server.",
    ])
      expect(progress).toContain(reason);

    // The export reads back the same; overwrite removes the list and the member the file leaves out.
    const exported = await (await ada.browser.get("/settings/export/lists.csv")).text();
    expect(exported.trim().split(/\r?\n/).sort()).toEqual([
      '"Bread, mostly",bob@social.example',
      "Friends,bob@social.example",
      "Friends,cy@social.example",
      "Old,dee@social.example",
    ]);
    expect((await upload(ada.browser, "lists", "Friends,cy@social.example\nOld,dee@social.example\n", "overwrite")).status).toBe(
      303,
    );
    await drain(c);
    expect(members()).toEqual(["Friends:cy", "Old:dee"]);
    expect(following(c, "ada")).toEqual(["bob", "cy", "dee"]); // lists go, follows stay

    // A follows file is not a lists file.
    const wrong = await upload(ada.browser, "lists", "bob@social.example,true,false\n");
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("This is not a lists file");
  });

  test("finished imports are deleted after 30 days, with their rows", async () => {
    const c = await community(["ada", "bob"]);
    expect((await upload(c.member("ada").browser, "following", "bob@social.example\n")).status).toBe(303);
    await drain(c);
    const now = new Date();
    expect(pruneFinishedImports(c.deps.db, new Date(now.getTime() + 29 * 24 * 3600_000))).toBe(0);
    expect(pruneFinishedImports(c.deps.db, new Date(now.getTime() + 31 * 24 * 3600_000))).toBe(1);
    expect(importCount(c)).toBe(0);
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM import_rows").get()).toEqual({ n: 0 });
  });

  test("a bad upload is refused with a message next to the field, and nothing is stored", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const refused = async (type: string, content: string | Uint8Array, message: string) => {
      const res = await upload(ada, type, content);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('id="file-error"');
      expect(html).toContain(message);
      expect(importCount(c)).toBe(0);
    };
    await refused("following", await testJpeg(16, 16), "not UTF-8 text");
    await refused("following", `${FOLLOWING_HEADER}\n${"bob@social.example,true,false,\n".repeat(80_000)}`, "at most 2 MB");
    await refused("following", "#domain,#severity\nspam.example,suspend\n", "blocked domains");
    await refused("following", "Name,Email\nBob,bob@example.com\n", "neither Mastodon&#x27;s header");
    await refused("bookmarks", "bob@social.example\n", "not a bookmarks file");
    await refused("following", `${FOLLOWING_HEADER}\n`, "no rows");
    await refused("following", `${"bob@social.example\n".repeat(20_001)}`, "more than 20,000 rows");
    await refused("following", '{"accounts": []}', "This is JSON, not CSV");
    await refused("following", "", "Choose a CSV file");
    // A second import waits for the first.
    expect((await upload(ada, "following", "bob@social.example\n")).status).toBe(303);
    const res = await upload(ada, "blocking", "bob@social.example\n");
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("still running");
    // An unknown type is refused by the form's schema.
    expect((await upload(ada, "passwords", "bob@social.example\n")).status).toBe(400);
  });
});

describe("in a browser", () => {
  test("the page: a wrong file's message by the field, then an import whose progress htmx refreshes; the archive downloads", async () => {
    const c = await community(["ada", "bob", "cy"]);
    follow(c.deps, { id: c.member("ada").accountId }, c.member("cy").accountId);
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => c.app.handle(r) });
    const browser = await launchBrowser();
    const stop = new AbortController();
    try {
      const context = await browser.newContext({ acceptDownloads: true });
      const origin = `http://127.0.0.1:${server.port}`;
      await context.addCookies([...c.member("ada").browser.cookies].map(([name, value]) => ({ name, value, url: origin })));
      const page = await context.newPage();
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.goto(`${origin}/settings/profile`);
      await page.getByRole("link", { name: "Import and export" }).click();
      await page.getByLabel("What to import").selectOption("following");
      const file = (name: string, text: string) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
      await page.getByLabel("CSV file").setInputFiles(file("blocks.csv", "#domain,#severity\nspam.example,suspend\n"));
      await page.getByRole("button", { name: "Import" }).click();
      await page.waitForLoadState();
      await expect(page.locator("#file-error").textContent()).resolves.toContain("blocked domains");
      await page.screenshot({ path: screenshotPath("import-export-error"), fullPage: true });

      const csv = `${FOLLOWING_HEADER}\nbob@social.example,true,false,\nnobody@social.example,true,false,\nnot-an-address,,,\n`;
      await page.getByLabel("CSV file").setInputFiles(file("following_accounts.csv", csv));
      await page.getByRole("button", { name: "Import" }).click();
      await page.waitForLoadState();
      await expect(page.getByRole("status").first().textContent()).resolves.toContain("being imported");
      await expect(page.locator("#imports").textContent()).resolves.toContain("Working: 1 of 3 rows done");
      await page.screenshot({ path: screenshotPath("import-export-working"), fullPage: true });
      // The worker starts; the section refreshes itself (every 2 s) until the import has finished.
      const worker = c.queue.listen(() => {}, { signal: stop.signal });
      await page.locator("#imports", { hasText: "Finished" }).waitFor({ timeout: 15_000 });
      await expect(page.locator("#imports").textContent()).resolves.toContain("1 row imported, 1 failed, 1 skipped.");
      await page.screenshot({ path: screenshotPath("import-export-finished"), fullPage: true });
      stop.abort();
      await worker;
      expect(following(c, "ada")).toEqual(["bob", "cy"]);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Download your archive" }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^archive-ada-.*\.zip$/);
      const files = unzip(new Uint8Array(await Bun.file((await download.path()) as string).arrayBuffer()));
      expect(new TextDecoder().decode(files.get("following_accounts.csv"))).toContain("bob@social.example");
    } finally {
      stop.abort();
      await browser.close();
      server.stop(true);
    }
  });
});
