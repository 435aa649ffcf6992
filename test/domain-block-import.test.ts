import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { listDomainBlocks } from "../src/core/domain-blocks.ts";
import { launchBrowser, screenshotPath } from "./helpers/browser.ts";
import type { WebClient } from "./helpers/client.ts";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

type Community = Awaited<ReturnType<typeof community>>;
const HEADER = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";

/** Sends a file through the import form, as a browser does (multipart). */
async function upload(browser: WebClient, content: string | Uint8Array, name = "blocks.csv") {
  const form = new FormData();
  form.set("_csrf", await browser.csrf());
  form.set("file", new File([content], name, { type: "text/csv" }));
  return browser.request("/admin/domain-blocks/import", { method: "POST", body: form });
}

const unescape = (text: string) =>
  text
    .replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

/** Presses the preview's confirmation button: posts its hidden fields back. */
async function confirm(browser: WebClient, preview: string) {
  const field = (name: string) => unescape(new RegExp(`name="${name}" value="([^"]*)"`).exec(preview)?.[1] ?? "");
  return browser.post("/admin/domain-blocks/import/apply", { csv: field("csv"), filename: field("filename") });
}

/** A remote account on `domain` that a member follows. */
function remoteFollowed(c: Community, member: string, id: string, domain: string) {
  const db = c.database.sqlite;
  db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
    id,
    id,
    domain,
    `https://${domain}/users/${id}`,
  ]);
  db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')", [
    `f-${id}`,
    c.member(member).accountId,
    id,
  ]);
}

const count = (c: Community, table: string) =>
  (c.database.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** The blocks without the columns Mastodon's format does not carry. */
const exported = (c: Community) => listDomainBlocks(c.deps.db).map(({ createdAt, privateComment, ...rest }) => rest);

describe("domain block export and import", () => {
  test("export writes Mastodon's CSV; importing it after deleting the blocks brings the same blocks back", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    await ada.post("/admin/domain-blocks", {
      domain: "bad.example",
      severity: "suspend",
      public_comment: 'spam, "harassment"\nand worse',
      obfuscate: "1",
    });
    await ada.post("/admin/domain-blocks", { domain: "noisy.example", severity: "silence", reject_reports: "1" });
    await ada.post("/admin/domain-blocks", { domain: "pics.example:8443", severity: "noop", reject_media: "1" });
    const before = exported(c);
    expect(before).toHaveLength(3);
    expect(await c.page(ada, "/admin/domain-blocks")).toContain('href="/admin/domain-blocks/export"');

    const res = await ada.get("/admin/domain-blocks/export");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/csv");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="domain_blocks.csv"');
    const csv = await res.text();
    expect(csv).toBe(
      `${HEADER}\n` +
        'bad.example,suspend,false,false,"spam, ""harassment""\nand worse",true\n' +
        "noisy.example,silence,false,true,,false\n" +
        "pics.example:8443,noop,true,false,,false\n",
    );

    for (const b of before) await ada.post(`/admin/domain-blocks/${encodeURIComponent(b.domain)}/delete`, {});
    expect(count(c, "domain_blocks")).toBe(0);
    const preview = await upload(ada, csv, "domain_blocks.csv");
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain("3 new blocks");
    expect(count(c, "domain_blocks")).toBe(0); // the preview changes nothing
    const done = await confirm(ada, html);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("3 new blocks added");
    expect(exported(c)).toEqual(before);
    const note = listDomainBlocks(c.deps.db)[0]?.privateComment;
    expect(note).toStartWith("Imported from domain_blocks.csv on ");
    // Importing the same file again changes nothing.
    const again = await (await upload(ada, csv)).text();
    expect(again).toContain("3 blocks already as in the file");
    expect(again).toContain("Nothing to change.");
    expect(again).not.toContain("/admin/domain-blocks/import/apply");
  });

  test("the preview shows new, changed and unchanged blocks and the follows a suspension cuts; nothing changes until applied", async () => {
    const c = await community(["ada", "bob", "cy"]);
    const ada = c.member("ada").browser;
    remoteFollowed(c, "bob", "r1", "bad.example");
    remoteFollowed(c, "cy", "r2", "eu.bad.example"); // a subdomain is covered too
    remoteFollowed(c, "bob", "r3", "noisy.example");
    remoteFollowed(c, "bob", "r4", "friendly.example");
    await ada.post("/admin/domain-blocks", { domain: "noisy.example", severity: "silence", private_comment: "our own note" });
    await ada.post("/admin/domain-blocks", { domain: "same.example", severity: "silence", public_comment: "same" });
    const file =
      "domain,public_comment,severity,reject_media,source\n" + // without #, in another order, one unknown column
      "bad.example,trolls,suspend,1,list A\n" +
      "noisy.example,,suspend,0,list B\n" +
      "same.example,same,silence,false,list C\n" +
      "quiet.example,,silence,TRUE,list D\n";
    const html = await (await upload(ada, file)).text();
    expect(html).toContain("2 new blocks");
    expect(html).toContain("1 changed block");
    expect(html).toContain("1 block already as in the file");
    expect(html).toContain("3 follow relationships between members and suspended domains cut");
    expect(html).toContain("Ignored columns (not part of Mastodon&#x27;s format): source.");
    expect(html).toContain("Changes severity Limit → Suspend");
    expect(html).toMatch(/<strong>bad\.example<\/strong>.*?<td>New block<\/td>.*?<td class="number danger">2<\/td>/);
    expect(html).toContain("Apply 3 changes");
    expect(count(c, "domain_blocks")).toBe(2);
    expect(count(c, "follows")).toBe(4);
    expect(count(c, "audit_log")).toBe(2);

    const done = await (await confirm(ada, html)).text();
    expect(done).toContain("2 new blocks added");
    expect(done).toContain("1 block changed");
    expect(done).toContain("3 follow relationships cut");
    expect(count(c, "follows")).toBe(1); // friendly.example's
    const blocks = Object.fromEntries(listDomainBlocks(c.deps.db).map((b) => [b.domain, b]));
    expect(blocks["bad.example"]).toMatchObject({ severity: "suspend", rejectMedia: true, publicComment: "trolls" });
    expect(blocks["noisy.example"]).toMatchObject({ severity: "suspend", privateComment: "our own note" });
    expect(blocks["quiet.example"]).toMatchObject({ severity: "silence", rejectMedia: true });
    const audit = await c.page(ada, "/admin/audit");
    expect(audit.match(/domain\.suspend/g)).toHaveLength(2);
    expect(audit).toContain("Imported from blocks.csv");
  });

  test("Mastodon's old format: one domain per line, each suspended", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const html = await (await upload(ada, "\ufeffone.example\r\nhttps://Two.Example/\r\n\r\n")).text();
    expect(html).toContain("This file has no header row");
    expect(html).toContain("2 new blocks");
    await confirm(ada, html);
    expect(listDomainBlocks(c.deps.db).map((b) => [b.domain, b.severity])).toEqual([
      ["one.example", "suspend"],
      ["two.example", "suspend"],
    ]);
  });

  test("files that are not CSV are refused with a message, and nothing changes", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]);
    const cases: [string | Uint8Array, string][] = [
      [png, "not UTF-8 text"],
      [zip, "This is not a text file"],
      ["<!DOCTYPE html><html><body>blocked</body></html>", "HTML or XML page"],
      ['[{"domain":"bad.example","severity":"suspend"}]', "This is JSON, not CSV"],
      ["", "Choose a CSV file"],
      ["\n\n,,,\n", "The file has no rows."],
      ["#severity,#comment\nsuspend,x\n", "The header has no #domain column (it has: severity, comment)."],
      ["#domain,#domain\na.example,b.example\n", "The column #domain appears twice"],
      [`${HEADER}\nbad.example,suspend,false,false,"never closed\n`, "A quoted field that starts on line 2 is never closed."],
    ];
    for (const [content, message] of cases) {
      const res = await upload(ada, content);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(unescapeFree(message));
      expect(html).toContain('aria-invalid="true"');
    }
    // No file at all.
    const form = new FormData();
    form.set("_csrf", await ada.csrf());
    const none = await ada.request("/admin/domain-blocks/import", { method: "POST", body: form });
    expect(none.status).toBe(422);
    expect(count(c, "domain_blocks")).toBe(0);
    expect(count(c, "audit_log")).toBe(0);
  });

  test("bad rows are skipped with a reason: invalid or masked domains, unknown severity, bad booleans, own domain, duplicates", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const invalid = Array.from({ length: 60 }, (_, i) => `not a domain ${i},silence,false,false,,false`);
    const file = [
      HEADER,
      "good.example,silence,false,false,,false",
      "ma**do*.social,suspend,false,false,,false",
      "odd.example,annihilate,false,false,,false",
      "flag.example,silence,yes,false,,false",
      "social.example,suspend,false,false,,false",
      "GOOD.example,suspend,false,false,,false",
      ...invalid,
    ].join("\n");
    const html = await (await upload(ada, file)).text();
    expect(html).toContain("1 new block");
    expect(html).toContain("Skipped: 65 rows");
    expect(html).toContain("is masked with *");
    expect(html).toContain("Unknown severity “annihilate” (use silence, suspend or noop).");
    expect(html).toContain("#reject_media is “yes”; use true or false.");
    expect(html).toContain("This is this instance&#x27;s own domain.");
    expect(html).toContain("Already in the file on line 2; that line is used.");
    expect(html).toContain("“not a domain 0” is not a valid domain.");
    expect(html).toContain("“not a domain 44” is not a valid domain."); // the 50th skipped row
    expect(html).not.toContain("“not a domain 45”");
    expect(html).toContain("…and 15 more skipped rows not listed.");
    expect(count(c, "domain_blocks")).toBe(0);
    await confirm(ada, html);
    expect(listDomainBlocks(c.deps.db).map((b) => [b.domain, b.severity])).toEqual([["good.example", "silence"]]);
  });

  test("a file of 100,000 lines is read up to 10,000 rows, a file over 5 MB up to 5 MB, and the preview says so", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const lines = Array.from({ length: 100_000 }, (_, i) => `d${i}.example`).join("\n");
    const html = await (await upload(ada, lines)).text();
    expect(html).toContain("Only the first 10,000 rows were read; the rest of the file was not read.");
    expect(html).toContain("10,000 new blocks");
    expect(html).not.toContain("d10000.example");
    expect(count(c, "domain_blocks")).toBe(0);

    const comment = "x".repeat(900);
    const big = [HEADER, ...Array.from({ length: 7000 }, (_, i) => `e${i}.example,silence,false,false,${comment},false`)].join(
      "\n",
    );
    expect(big.length).toBeGreaterThan(6 * 1024 * 1024);
    const cut = await (await upload(ada, big)).text();
    const notice = /<p class="notice" role="alert">([^<]*)<\/p>/.exec(cut)?.[1];
    expect(notice).toBe("Only the first 5.0 MB of this 6.3 MB file were read; the rest was not read.");
    expect(/<li>([\d,]+) new blocks<\/li>/.exec(cut)?.[1]).toBe("5,572"); // the whole lines in 5 MB
    expect(count(c, "domain_blocks")).toBe(0);
  });

  test("the confirmation is read and checked again: a forged one asks for nothing a file could not", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const forged = (csv: string) =>
      ada.post("/admin/domain-blocks/import/apply", { csv: Buffer.from(csv).toString("base64"), filename: "forged.csv" });
    const res = await forged(
      "#domain,#severity,#private_comment\nevil.example,suspend,hidden note\nsocial.example,suspend,x\nbad domain!,suspend,x\n",
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("1 new block added");
    expect(html).toContain("This is this instance&#x27;s own domain.");
    expect(listDomainBlocks(c.deps.db).map((b) => [b.domain, b.privateComment])).toEqual([
      ["evil.example", expect.stringMatching(/^Imported from forged\.csv on /)],
    ]);
    expect((await forged("<html>")).status).toBe(422);
    expect((await ada.post("/admin/domain-blocks/import/apply", { csv: "", filename: "" })).status).toBe(422);
    expect(count(c, "domain_blocks")).toBe(1);
  });

  test("only admins and the owner may export or import", async () => {
    const c = await community(["ada", "bob", "mia"]);
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("mia").accountId]);
    await c.member("ada").browser.post("/admin/domain-blocks", { domain: "bad.example", severity: "suspend" });
    const payload = Buffer.from(`${HEADER}\nevil.example,suspend,false,false,,false\n`).toString("base64");
    for (const name of ["bob", "mia"]) {
      const browser = c.member(name).browser;
      expect((await browser.get("/admin/domain-blocks/export")).status).toBe(403);
      expect((await browser.get("/admin/domain-blocks/import")).status).toBe(403);
      expect((await upload(browser, "evil.example\n")).status).toBe(403);
      expect((await browser.post("/admin/domain-blocks/import/apply", { csv: payload, filename: "x.csv" })).status).toBe(403);
    }
    const visitor = await c.visitor.get("/admin/domain-blocks/export");
    expect(visitor.status).toBe(303);
    expect(listDomainBlocks(c.deps.db).map((b) => b.domain)).toEqual(["bad.example"]);
  });

  test("in a browser: choose a file, read the preview, apply it", async () => {
    const c = await community(["ada", "bob"]);
    remoteFollowed(c, "bob", "r1", "bad.example");
    remoteFollowed(c, "bob", "r2", "bad.example");
    await c.member("ada").browser.post("/admin/domain-blocks", { domain: "noisy.example", severity: "silence" });
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => c.app.handle(r) });
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const origin = `http://127.0.0.1:${server.port}`;
      await context.addCookies([...c.member("ada").browser.cookies].map(([name, value]) => ({ name, value, url: origin })));
      const page = await context.newPage();
      await page.goto(`${origin}/admin/domain-blocks`);
      await page.getByRole("link", { name: "Import from CSV" }).click();
      // A wrong file first: the message sits next to the field.
      await page
        .getByLabel("CSV file")
        .setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<html>") });
      await page.getByRole("button", { name: "Preview the import" }).click();
      await page.waitForLoadState();
      await expect(page.locator("#file-error").textContent()).resolves.toBe("This is an HTML or XML page, not a CSV file.");
      await page.screenshot({ path: screenshotPath("domain-block-import-form"), fullPage: true });
      await page.getByLabel("CSV file").setInputFiles({
        name: "blocklist.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          `${HEADER}\nbad.example,suspend,true,true,"Harassment, spam",true\nnoisy.example,suspend,false,false,,false\n` +
            "new.example,silence,false,false,Bots,false\nnot a domain,suspend,,,,\nsocial.example,suspend,,,,\n",
        ),
      });
      await page.getByRole("button", { name: "Preview the import" }).click();
      await page.waitForLoadState();
      await expect(page.getByText("2 follow relationships").first().isVisible()).resolves.toBe(true);
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.screenshot({ path: screenshotPath("domain-block-import-preview"), fullPage: true });
      expect(count(c, "follows")).toBe(2);
      await page.getByRole("button", { name: "Apply 3 changes" }).click();
      await page.waitForLoadState();
      await expect(page.getByText("2 new blocks added").isVisible()).resolves.toBe(true);
      await page.screenshot({ path: screenshotPath("domain-block-import-done"), fullPage: true });
      expect(count(c, "follows")).toBe(0);
    } finally {
      await browser.close();
      server.stop(true);
    }
  });
});

/** Expected messages as they appear in HTML (apostrophes escaped). */
function unescapeFree(message: string): string {
  return message.replaceAll("'", "&#x27;");
}
