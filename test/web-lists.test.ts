// The list pages: create, add and remove people, the list timeline, settings, delete, the profile control.
import { expect, setDefaultTimeout, test } from "bun:test";
import type { ConsoleMessage } from "playwright-core";
import { launchBrowser, screenshotPath } from "./helpers/browser.ts";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

async function setup() {
  const c = await community(["ada", "bob", "cy", "dee"]);
  const ada = c.member("ada").browser;
  for (const name of ["bob", "cy"]) await ada.post(`/accounts/${c.member(name).accountId}/follow`, {});
  const listIdFrom = (location: string | null) => /^\/lists\/([^/]+)\/edit$/.exec(location ?? "")?.[1] ?? "";
  return { c, ada, listIdFrom };
}

test("make a list, add and remove people, read its timeline, delete it", async () => {
  const { c, ada, listIdFrom } = await setup();
  expect(await c.page(ada, "/")).toContain('href="/lists"');
  expect(await c.page(ada, "/lists")).toContain("No lists yet.");

  const created = await ada.post("/lists", { title: "Bakers" });
  expect(created.status).toBe(303);
  const id = listIdFrom(created.headers.get("location"));
  expect(id).not.toBe("");
  const lists = await c.page(ada, "/lists");
  expect(lists).toContain(`href="/lists/${id}"`);
  expect(lists).toContain("0 people");

  // The search offers people ada follows, not others, and adds them.
  const found = await c.page(ada, `/lists/${id}/edit?q=b`);
  expect(found).toContain("Add @bob to the list");
  expect(await c.page(ada, `/lists/${id}/edit?q=dee`)).toContain("Nobody you follow matches");
  const added = await ada.post(`/lists/${id}/accounts`, { account_id: c.member("bob").accountId, q: "b" });
  expect(added.headers.get("location")).toBe(`/lists/${id}/edit?q=b`);
  await ada.post(`/lists/${id}/accounts`, { account_id: c.member("cy").accountId });
  const edit = await c.page(ada, `/lists/${id}/edit`);
  expect(edit).toContain("People in this list (2)");
  expect(edit).toContain("Remove @bob from the list");

  const bobPost = await c.post("bob", { status: "fresh bread" });
  const deePost = await c.post("dee", { status: "not in the list" });
  const timeline = await c.page(ada, `/lists/${id}`);
  expect(timeline).toContain(`id="post-${bobPost}"`);
  expect(timeline).not.toContain(`id="post-${deePost}"`);
  expect(timeline).toContain(`href="/lists/${id}/edit"`);

  const removed = await ada.post(`/lists/${id}/accounts/${c.member("bob").accountId}/remove`, {});
  expect(removed.status).toBe(303);
  expect(await c.page(ada, `/lists/${id}`)).not.toContain(`id="post-${bobPost}"`);
  expect(await c.page(ada, `/lists/${id}/edit`)).toContain("People in this list (1)");

  expect(await c.page(ada, `/lists/${id}/delete`)).toContain("Delete the list “Bakers”?");
  expect((await ada.post(`/lists/${id}/delete`, {})).headers.get("location")).toBe("/lists");
  expect((await ada.get(`/lists/${id}`)).status).toBe(404);
  expect(await c.page(ada, "/lists")).toContain("No lists yet.");
});

test("settings: title, replies policy, exclusive; bad input keeps the page with a message", async () => {
  const { c, ada, listIdFrom } = await setup();
  const tooLong = await ada.post("/lists", { title: "x".repeat(101) });
  expect(tooLong.status).toBe(422);
  expect(await tooLong.text()).toContain("Use at most 100 characters.");
  expect((await ada.post("/lists", { title: " " })).status).toBe(422);

  const id = listIdFrom((await ada.post("/lists", { title: "Art" })).headers.get("location"));
  await ada.post(`/lists/${id}/accounts`, { account_id: c.member("bob").accountId });
  const saved = await ada.post(`/lists/${id}`, { title: "Artists", replies_policy: "none", exclusive: "1" });
  expect(saved.headers.get("location")).toBe(`/lists/${id}/edit?saved=1`);
  const edit = await c.page(ada, `/lists/${id}/edit?saved=1`);
  expect(edit).toContain("Saved.");
  expect(edit).toMatch(/value="none"\s+checked/);
  expect(edit).toMatch(/id="exclusive"[^>]*checked/);
  // Exclusive: bob's posts leave ada's home, stay in the list.
  const bobPost = await c.post("bob", { status: "a painting" });
  expect(await c.page(ada, "/")).not.toContain(`id="post-${bobPost}"`);
  expect(await c.page(ada, `/lists/${id}`)).toContain(`id="post-${bobPost}"`);
  // Unticking the box makes it an ordinary list again.
  await ada.post(`/lists/${id}`, { title: "Artists", replies_policy: "list" });
  expect(await c.page(ada, "/")).toContain(`id="post-${bobPost}"`);

  const bad = await ada.post(`/lists/${id}`, { title: "", replies_policy: "list" });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("Give the list a title.");
  const notFollowed = await ada.post(`/lists/${id}/accounts`, { account_id: c.member("dee").accountId });
  expect(notFollowed.status).toBe(422);
  expect(await notFollowed.text()).toContain("You must be following this account");
  expect(await c.page(ada, "/lists")).toContain("Artists");
});

test("others' lists are 404; visitors are sent to log in; forms need the CSRF token", async () => {
  const { c, ada, listIdFrom } = await setup();
  const id = listIdFrom((await ada.post("/lists", { title: "Private" })).headers.get("location"));
  const bob = c.member("bob").browser;
  for (const path of [`/lists/${id}`, `/lists/${id}/edit`, `/lists/${id}/delete`]) expect((await bob.get(path)).status).toBe(404);
  expect((await bob.post(`/lists/${id}/delete`, {})).status).toBe(404);
  expect((await bob.post(`/lists/${id}`, { title: "Mine now" })).status).toBe(404);
  expect((await c.visitor.get("/lists")).headers.get("location")).toBe("/login?next=%2Flists");
  expect((await ada.post(`/lists/${id}/delete`, {}, { csrf: false })).status).toBe(403);
  expect(await c.page(ada, "/lists")).toContain("Private");
});

test("a followed account's profile offers its lists; unfollowing takes it out", async () => {
  const { c, ada, listIdFrom } = await setup();
  const id = listIdFrom((await ada.post("/lists", { title: "Friends" })).headers.get("location"));
  expect(await c.page(ada, "/@dee")).not.toContain("Add to list"); // not followed
  const profile = await c.page(ada, "/@bob");
  expect(profile).toContain('<label for="list_id">Add to list</label>');
  const bobId = c.member("bob").accountId;
  const added = await ada.post(
    `/accounts/${bobId}/lists`,
    { list_id: id },
    { headers: { referer: "http://127.0.0.1:3000/@bob" } },
  );
  expect(added.headers.get("location")).toBe("/@bob");
  const after = await c.page(ada, "/@bob");
  expect(after).toContain(`In your lists: <a href="/lists/${id}">Friends</a>`);
  expect(after).not.toContain("Add to list");
  await ada.post(`/accounts/${bobId}/unfollow`, {});
  expect(await c.page(ada, `/lists/${id}/edit`)).toContain("People in this list (0)");
});

test("in a browser: create a list, add people through the search (htmx swaps), screenshots", async () => {
  const { c } = await setup();
  await c.post("bob", { status: "Fresh sourdough this morning, the crumb is perfect." });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => c.app.handle(r) });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const origin = `http://127.0.0.1:${server.port}`;
    await context.addCookies([...c.member("ada").browser.cookies].map(([name, value]) => ({ name, value, url: origin })));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m: ConsoleMessage) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${origin}/`);
    await page.getByRole("navigation", { name: "Main" }).getByText("More", { exact: true }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Lists" }).click();
    await page.getByLabel("Title").fill("Bakers");
    await page.getByRole("button", { name: "Create the list" }).click();
    await page.waitForURL(/\/lists\/[^/]+\/edit$/);
    await page.getByLabel("Search among people you follow").fill("b");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("button", { name: "Add @bob to the list" }).click();
    await page.getByRole("button", { name: "Remove @bob from the list" }).waitFor();
    await page.getByLabel("Search among people you follow").fill("cy");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("button", { name: "Add @cy to the list" }).click();
    await page.getByRole("button", { name: "Remove @cy from the list" }).waitFor();
    await expect(page.getByRole("heading", { name: "People in this list (2)" }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: screenshotPath("list-edit"), fullPage: true });
    await page.getByRole("link", { name: "Bakers" }).click();
    await expect(page.getByText("Fresh sourdough this morning").isVisible()).resolves.toBe(true);
    await page.screenshot({ path: screenshotPath("list-timeline"), fullPage: true });
    await c.member("ada").browser.post("/lists", { title: "Knitting circle" });
    await page.goto(`${origin}/lists`);
    await page.screenshot({ path: screenshotPath("lists"), fullPage: true });
    // On bob's profile: the list he is in, and the other one to add him to.
    await page.goto(`${origin}/@bob`);
    await page.screenshot({ path: screenshotPath("list-profile-add"), clip: { x: 0, y: 300, width: 900, height: 250 } });
    await page.getByLabel("Add to list").selectOption({ label: "Knitting circle" });
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.waitForURL(`${origin}/@bob`);
    await expect(page.getByText("In your lists: Bakers, Knitting circle").isVisible()).resolves.toBe(true);
    await page.screenshot({ path: screenshotPath("list-profile"), clip: { x: 0, y: 0, width: 900, height: 600 } });
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
    server.stop(true);
  }
});
