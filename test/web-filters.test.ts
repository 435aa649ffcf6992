// The web pages for keyword filters and followed hashtags, as a member uses them.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { WebClient } from "./helpers/client.ts";
import { community } from "./helpers/community.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(60_000);

/** A form with repeated fields (checkboxes), sent as a browser does. */
async function submit(browser: WebClient, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([...fields, ["_csrf", await browser.csrf()]]);
  return browser.request(path, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
}

const filterForm = (title: string, keywords: string, action = "warn", contexts = ["home", "thread"]): [string, string][] => [
  ["title", title],
  ["keywords", keywords],
  ["whole_word", "1"],
  ...contexts.map((c): [string, string] => ["context", c]),
  ["filter_action", action],
  ["expires_in", ""],
];

async function setup() {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  await ada.post(`/accounts/${c.member("bob").accountId}/follow`, {});
  const count = (table: string) => (c.database.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { c, ada, count };
}

describe("settings: filters", () => {
  test("add, list, edit and delete a filter; keywords one per line", async () => {
    const { c, ada, count } = await setup();
    expect(await c.page(ada, "/settings/filters")).toContain("You have no filters yet.");
    const added = await submit(ada, "/settings/filters", filterForm("Spoilers", "finale\nlast episode\n\n"));
    expect(added.status).toBe(303);
    expect(added.headers.get("location")).toBe("/settings/filters?done=added");
    const list = await c.page(ada, "/settings/filters?done=added");
    expect(list).toContain("Filter added.");
    expect(list).toContain("Spoilers");
    expect(list).toContain("last episode");
    expect(list).toContain('aria-current="page"');
    const id = (c.database.sqlite.query("SELECT id FROM filters").get() as { id: string }).id;

    const edit = await c.page(ada, `/settings/filters/${id}/edit`);
    expect(edit).toContain('value="Spoilers"');
    expect(edit).toMatch(/<textarea[^>]*>finale\nlast episode<\/textarea>/);
    expect(edit).toMatch(/id="context_thread" name="context" value="thread" checked/);
    const saved = await submit(ada, `/settings/filters/${id}`, [
      ...filterForm("TV", "finale\ncliffhanger", "hide", ["public"]).filter(([k]) => k !== "whole_word"),
    ]);
    expect(saved.status).toBe(303);
    const row = c.database.sqlite.query("SELECT title, context, filter_action FROM filters").get();
    expect(row).toEqual({ title: "TV", context: '["public"]', filter_action: "hide" });
    expect(c.database.sqlite.query("SELECT keyword, whole_word FROM filter_keywords ORDER BY id").all()).toEqual([
      { keyword: "finale", whole_word: 0 },
      { keyword: "cliffhanger", whole_word: 0 },
    ]);

    expect((await ada.post(`/settings/filters/${id}/delete`, {})).status).toBe(303);
    expect(count("filters")).toBe(0);
  });

  test("bad input: a message next to the field, the input kept, nothing saved; others' filters are not found", async () => {
    const { c, ada, count } = await setup();
    const blank = await submit(ada, "/settings/filters", filterForm("", "word"));
    expect(blank.status).toBe(422);
    const page = await blank.text();
    expect(page).toMatch(/id="title-error">Give the filter a title\./);
    expect(page).toContain(">word</textarea>");
    const noContext = await submit(ada, "/settings/filters", filterForm("T", "word", "warn", []));
    expect(noContext.status).toBe(422);
    expect(await noContext.text()).toContain("none or invalid context supplied");
    const tooLong = await submit(ada, "/settings/filters", filterForm("T", "x".repeat(201)));
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain("Keyword is too long");
    expect(count("filters")).toBe(0);

    await submit(c.member("bob").browser, "/settings/filters", filterForm("Bob's", "x"));
    const bobs = (c.database.sqlite.query("SELECT id FROM filters").get() as { id: string }).id;
    expect((await ada.get(`/settings/filters/${bobs}/edit`)).status).toBe(404);
    expect((await submit(ada, `/settings/filters/${bobs}`, filterForm("Mine", "y"))).status).toBe(404);
    expect((await ada.post(`/settings/filters/${bobs}/delete`, {})).status).toBe(404);
    expect(count("filters")).toBe(1);
    expect((await c.visitor.get("/settings/filters")).headers.get("location")).toContain("/login");
  });
});

describe("filters on the pages", () => {
  test("warn folds a post behind the filter's title on home and in threads; hide leaves it out", async () => {
    const { c, ada } = await setup();
    const cats = await c.post("bob", { status: "I love cats so much" });
    const news = await c.post("bob", { status: "Election results are in" });
    const plain = await c.post("bob", { status: "Lunch was good" });
    await submit(ada, "/settings/filters", filterForm("Cats", "cats"));
    await submit(ada, "/settings/filters", filterForm("News", "election", "hide", ["home"]));
    const home = await c.page(ada, "/");
    expect(home).toMatch(
      new RegExp(`id="post-${cats}"[^>]*><details class="filtered-post"><summary><span>Filtered: Cats</span>`),
    );
    expect(home).toContain("I love cats so much"); // inside the closed details, shown on demand
    expect(home).not.toContain(`id="post-${news}"`);
    expect(home).toContain(`id="post-${plain}"`);
    expect(home).not.toMatch(new RegExp(`id="post-${plain}"[^>]*><details`));
    // The "new posts" notice (streamed) does not count what hide will leave out.
    const notice = async () => {
      const res = await ada.get(`/timelines/home/live?since_id=${plain}`);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await Promise.race([reader.read(), Bun.sleep(300).then(() => undefined)]);
      await reader.cancel();
      return first?.value ? new TextDecoder().decode(first.value) : "";
    };
    await c.post("bob", { status: "More election news" });
    expect(await notice()).toBe("");
    await c.post("bob", { status: "Dinner too" });
    expect(await notice()).toContain("1 new post");
    // Not a `public` filter: the local timeline shows both as they are.
    const local = await c.page(ada, "/public/local");
    expect(local).toContain(`id="post-${news}"`);
    expect(local).not.toContain("Filtered: Cats");
    // The thread of a filtered post: folded, never left out, and its title keeps the words out.
    const thread = await c.page(ada, `/@bob/${cats}`);
    expect(thread).toContain("Filtered: Cats");
    expect(thread).toContain("<title>Post by bob");
    // Bob sees his posts as they are.
    expect(await c.page(c.member("bob").browser, "/@bob")).not.toContain("Filtered:");
  });

  test("blur shows the post with its pictures folded behind the filter's title", async () => {
    const { c, ada } = await setup();
    const bob = c.member("bob");
    const form = new FormData();
    form.set("_csrf", await bob.browser.csrf());
    form.set("status", "My cat at the vet");
    form.append("media", new File([await testJpeg(40, 30)], "cat.jpg"));
    form.append("description", "A cat on a table");
    expect((await bob.browser.request("/statuses", { method: "POST", body: form })).status).toBe(303);
    await submit(ada, "/settings/filters", filterForm("Vet", "vet", "blur"));
    const home = await c.page(ada, "/");
    expect(home).toContain("My cat at the vet");
    expect(home).not.toContain("Filtered: Vet");
    expect(home).toMatch(/<details class="media-hidden"><summary><span>Media hidden by your filter: Vet<\/span>/);
    const edit = await c.page(ada, "/settings/filters");
    expect(edit).toContain("Vet");
    expect(c.database.sqlite.query("SELECT filter_action FROM filters").get()).toEqual({ filter_action: "blur" });
  });

  test("a hidden mention leaves the notifications page", async () => {
    const { c, ada } = await setup();
    await c.post("bob", { status: "@ada buy my crypto now" });
    await c.post("bob", { status: "@ada see you later" });
    await submit(ada, "/settings/filters", filterForm("Spam", "crypto", "hide", ["notifications"]));
    const page = await c.page(ada, "/notifications");
    expect(page).toContain("see you later");
    expect(page).not.toContain("crypto");
  });
});

describe("followed hashtags", () => {
  test("the tag page's button follows and unfollows; settings lists the tags; home gets public posts with the tag", async () => {
    const c = await community(["ada", "cy"]);
    const ada = c.member("ada").browser;
    const tagged = await c.post("cy", { status: "New #Knitting pattern", visibility: "public" });
    expect(await c.page(ada, "/")).not.toContain(`id="post-${tagged}"`);
    const tagPage = await c.page(ada, "/tags/knitting");
    expect(tagPage).toContain('action="/tags/knitting/follow"');
    expect(await c.page(c.visitor, "/tags/knitting")).not.toContain("/follow");
    const followed = await ada.post("/tags/knitting/follow", {});
    expect(followed.status).toBe(303);
    expect(await c.page(ada, "/tags/knitting")).toContain("Unfollow #knitting");
    expect(await c.page(ada, "/")).toContain(`id="post-${tagged}"`);
    const settings = await c.page(ada, "/settings/tags");
    expect(settings).toContain('href="/tags/knitting"');
    expect(settings).toContain("#Knitting");

    expect((await ada.post("/settings/tags", { name: "#Crochet" })).status).toBe(303);
    expect(await c.page(ada, "/settings/tags")).toContain("#Crochet");
    const bad = await ada.post("/settings/tags", { name: "not a tag" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("That is not a hashtag");

    expect((await ada.post("/tags/knitting/unfollow", {})).status).toBe(303);
    expect(await c.page(ada, "/")).not.toContain(`id="post-${tagged}"`);
    expect((await c.visitor.post("/tags/knitting/follow", {})).headers.get("location")).toContain("/login");
  });
});
