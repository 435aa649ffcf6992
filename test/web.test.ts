import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { testJpeg } from "./helpers/images.ts";
import { eq } from "drizzle-orm";
import { accounts } from "../src/db/schema.ts";
import { community, PASSWORD } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

describe("posting", () => {
  test("a post is escaped text with links, mentions and hashtags, shown on home, the profile and the thread", async () => {
    const c = await community(["ada", "bob"]);
    const id = await c.post("ada", {
      status: "Hi @bob, see #Knitting at https://example.com/p <script>alert(1)</script>",
      visibility: "public",
    });
    const thread = await c.page(c.visitor, `/@ada/${id}`);
    expect(thread).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(thread).not.toContain("<script>alert(1)");
    expect(thread).toContain('href="https://social.example/@bob" class="u-url mention"');
    expect(thread).toContain('href="https://social.example/tags/knitting"');
    expect(await c.page(c.member("ada").browser, "/")).toContain(`id="post-${id}"`);
    expect(await c.page(c.visitor, "/@ada")).toContain(`id="post-${id}"`);
    expect(await c.page(c.visitor, "/tags/knitting")).toContain(`id="post-${id}"`);
  });

  test("bad input gets a message next to the field, keeps the text and saves nothing", async () => {
    const c = await community(["ada"]);
    const { browser } = c.member("ada");
    const cases: [Record<string, string>, string][] = [
      [{ status: "   " }, "Write something or add an image."],
      [{ status: "x".repeat(501) }, "Posts are at most 500 characters; this one has 501."],
      [
        { status: "reply", in_reply_to_id: "0190aaaa-0000-7000-8000-000000000000" },
        "The post you reply to is gone or not visible to you.",
      ],
    ];
    for (const [fields, message] of cases) {
      const res = await browser.post("/statuses", fields);
      expect(res.status).toBe(422);
      const page = await res.text();
      expect(page).toContain(message);
      expect(page).toContain(fields.status?.trim() ? fields.status.slice(0, 50) : "");
    }
    const wrong = await browser.post("/statuses", { status: "x", visibility: "everyone" });
    expect(wrong.status).toBe(400);
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM posts").get()).toEqual({ n: 0 });
  });

  test("a URL counts as 23 characters, as on Mastodon", async () => {
    const c = await community(["ada"]);
    const id = await c.post("ada", { status: `${"x".repeat(470)} https://example.com/${"long".repeat(50)}` });
    expect(id).not.toBe("");
  });

  test("the same form sent twice makes one post", async () => {
    const c = await community(["ada"]);
    await c.post("ada", { status: "once", idempotency_key: "form-1" });
    await c.post("ada", { status: "once", idempotency_key: "form-1" });
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM posts").get()).toEqual({ n: 1 });
  });

  test("a content warning hides the text until opened", async () => {
    const c = await community(["ada"]);
    const id = await c.post("ada", { status: "the ending", spoiler_text: "Film spoilers" });
    const page = await c.page(c.visitor, `/@ada/${id}`);
    expect(page).toMatch(/<details class="content-warning"><summary><span>Film spoilers<\/span>/);
  });

  test("an image with alt text is stored without its metadata; a text file named .jpg is refused", async () => {
    const c = await community(["ada"]);
    const { browser } = c.member("ada");
    const send = async (file: File, status = "photo") => {
      const form = new FormData();
      form.set("_csrf", await browser.csrf());
      form.set("status", status);
      form.append("media", file);
      form.append("description", "A test gradient");
      return browser.request("/statuses", { method: "POST", body: form });
    };
    const bad = await send(new File(["just text"], "photo.jpg", { type: "image/jpeg" }), "keep this text");
    expect(bad.status).toBe(422);
    const badPage = await bad.text();
    expect(badPage).toContain("This file is not a JPEG, PNG, WebP or GIF image, nor an MP4, WebM, MP3, Ogg, WAV or FLAC file.");
    expect(badPage).toContain("keep this text");
    expect((await send(new File([await testJpeg(640, 480)], "p.jpg", { type: "image/jpeg" }))).status).toBe(303);
    const row = c.database.sqlite
      .query<{ path: string; description: string; width: number }, []>("SELECT * FROM media_attachments")
      .get();
    expect(row?.description).toBe("A test gradient");
    expect(row?.path).toMatch(/^[0-9a-f]{2}\/[0-9a-f-]{36}\.jpg$/);
    const served = await c.visitor.get(`/media/${row?.path}`);
    expect(served.headers.get("content-type")).toBe("image/jpeg");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("edit keeps the history; delete asks first and removes the post", async () => {
    const c = await community(["ada", "bob"]);
    const { browser } = c.member("ada");
    const id = await c.post("ada", { status: "first words" });
    expect((await browser.post(`/statuses/${id}/edit`, { status: "better words" })).status).toBe(303);
    const history = await c.page(c.visitor, `/@ada/${id}/history`);
    expect(history).toContain("first words");
    expect(history).toContain("better words");
    expect(await c.page(c.visitor, `/@ada/${id}`)).toContain("Edited, see history");
    expect((await c.member("bob").browser.post(`/statuses/${id}/edit`, { status: "hijack" })).status).toBe(403);
    expect(await c.page(browser, `/statuses/${id}/delete`)).toContain("Delete this post?");
    expect((await c.member("bob").browser.post(`/statuses/${id}/delete`, {})).status).toBe(403);
    expect((await browser.post(`/statuses/${id}/delete`, {})).status).toBe(303);
    expect((await c.visitor.get(`/@ada/${id}`)).status).toBe(404);
    // Asked from home, the page leads back home; asked from the post's own page (gone then), to the profile;
    // a return address off this site is not followed.
    const another = await c.post("ada", { status: "second words" });
    const fromHome = await browser.request(`/statuses/${another}/delete`, { headers: { referer: "http://127.0.0.1:3000/" } });
    expect(await fromHome.text()).toContain('name="return_to" value="/"');
    const fromPost = await browser.request(`/statuses/${another}/delete`, {
      headers: { referer: `http://127.0.0.1:3000/@ada/${another}` },
    });
    expect(await fromPost.text()).toContain('name="return_to" value="/@ada"');
    const offSite = await browser.post(`/statuses/${another}/delete`, { return_to: "//evil.example/" });
    expect(offSite.headers.get("location")).toBe("/");
    const third = await c.post("ada", { status: "third words" });
    expect((await browser.post(`/statuses/${third}/delete`, { return_to: "/public/local" })).headers.get("location")).toBe(
      "/public/local",
    );
  });
});

describe("visibility is enforced on every page that lists posts", () => {
  test("table: who sees public, unlisted, followers-only and direct posts where", async () => {
    const c = await community(["ada", "bob", "eve", "dan"]);
    // bob follows ada; eve does not; dan is mentioned in the direct post.
    expect((await c.member("bob").browser.post(`/accounts/${c.member("ada").accountId}/follow`, {})).status).toBe(303);
    const ids = {
      public: await c.post("ada", { status: "public words #vis", visibility: "public" }),
      unlisted: await c.post("ada", { status: "unlisted words #vis", visibility: "unlisted" }),
      private: await c.post("ada", { status: "followers words #vis", visibility: "private" }),
      direct: await c.post("ada", { status: "@dan direct words #vis", visibility: "direct" }),
    };
    const viewers = {
      visitor: c.visitor,
      bob: c.member("bob").browser,
      eve: c.member("eve").browser,
      dan: c.member("dan").browser,
    };
    const expected: Record<keyof typeof viewers, Record<keyof typeof ids, string[]>> = {
      visitor: {
        public: ["profile", "local", "federated", "tag", "thread", "search", "rss"],
        unlisted: ["profile", "thread"],
        private: [],
        direct: [],
      },
      bob: {
        public: ["home", "profile", "local", "federated", "tag", "thread", "search", "rss"],
        unlisted: ["home", "profile", "thread"],
        private: ["home", "profile", "thread", "search"],
        direct: [],
      },
      eve: {
        public: ["profile", "local", "federated", "tag", "thread", "search", "rss"],
        unlisted: ["profile", "thread"],
        private: [],
        direct: [],
      },
      dan: {
        public: ["profile", "local", "federated", "tag", "thread", "search", "rss"],
        unlisted: ["profile", "thread"],
        private: [],
        direct: ["profile", "thread", "search"],
      },
    };
    const pages = {
      home: "/",
      profile: "/@ada",
      local: "/public/local",
      federated: "/public",
      tag: "/tags/vis",
      search: "/search?q=words",
      rss: "/@ada.rss",
    };
    for (const [viewerName, browser] of Object.entries(viewers) as [keyof typeof viewers, (typeof viewers)["bob"]][]) {
      for (const [kind, id] of Object.entries(ids) as [keyof typeof ids, string][]) {
        for (const [pageName, path] of Object.entries(pages)) {
          if (pageName === "home" && viewerName === "visitor") continue;
          const body = await c.page(browser, path);
          const shown = body.includes(pageName === "rss" ? `/@ada/${id}` : `post-${id}`);
          expect({ viewerName, kind, pageName, shown }).toEqual({
            viewerName,
            kind,
            pageName,
            shown: expected[viewerName][kind].includes(pageName),
          });
        }
        const thread = await browser.get(`/@ada/${id}`);
        expect({ viewerName, kind, thread: thread.status === 200 }).toEqual({
          viewerName,
          kind,
          thread: expected[viewerName][kind].includes("thread"),
        });
      }
    }
  });
});

describe("interactions and notifications", () => {
  test("likes, boosts, replies and mentions notify the author, with an unread badge", async () => {
    const c = await community(["ada", "bob"]);
    const bob = c.member("bob").browser;
    const id = await c.post("ada", { status: "hello world" });
    expect((await bob.post(`/statuses/${id}/favourite`, {}, { headers: { "hx-request": "true" } })).status).toBe(200);
    expect((await bob.post(`/statuses/${id}/reblog`, {})).status).toBe(303);
    await c.post("bob", { status: "@ada nice!", in_reply_to_id: id });
    const home = await c.page(c.member("ada").browser, "/");
    expect(home).toMatch(/class="badge" aria-label="3 unread"/);
    const notifications = await c.page(c.member("ada").browser, "/notifications");
    expect(notifications).toContain("liked your post");
    expect(notifications).toContain("boosted your post");
    expect(notifications).toContain("mentioned you");
    expect(await c.page(c.member("ada").browser, "/")).not.toContain('class="badge"');
    // Undoing a like takes its notification back.
    await bob.post(`/statuses/${id}/unfavourite`, {});
    expect(await c.page(c.member("ada").browser, "/notifications")).not.toContain("liked your post");
    // Bob's boost shows on his profile; the thread shows the reply.
    expect(await c.page(c.visitor, "/@bob")).toContain("bob boosted");
    expect(await c.page(c.visitor, `/@ada/${id}`)).toContain("@ada nice!".replace("@ada", ""));
  });

  test("bookmarks and likes pages list what the member saved", async () => {
    const c = await community(["ada", "bob"]);
    const bob = c.member("bob").browser;
    const id = await c.post("ada", { status: "worth keeping" });
    await bob.post(`/statuses/${id}/bookmark`, {});
    await bob.post(`/statuses/${id}/favourite`, {});
    expect(await c.page(bob, "/bookmarks")).toContain(`post-${id}`);
    expect(await c.page(bob, "/favourites")).toContain(`post-${id}`);
    expect(await c.page(c.member("ada").browser, "/bookmarks")).not.toContain(`post-${id}`);
  });

  test("a locked account gets follow requests to accept or reject", async () => {
    const c = await community(["ada", "bob"]);
    c.database.sqlite.run("UPDATE accounts SET locked = 1 WHERE username = 'ada'");
    const bob = c.member("bob").browser;
    await bob.post(`/accounts/${c.member("ada").accountId}/follow`, {});
    expect(await c.page(bob, "/@ada")).toContain("Cancel follow request");
    const ada = c.member("ada").browser;
    expect(await c.page(ada, "/follow_requests")).toContain("@bob");
    expect(await c.page(ada, "/notifications")).toContain("asked to follow you");
    await ada.post(`/accounts/${c.member("bob").accountId}/authorize`, {});
    expect(await c.page(bob, "/@ada")).toContain("Unfollow");
    const privateId = await c.post("ada", { status: "for followers", visibility: "private" });
    expect(await c.page(bob, "/")).toContain(`post-${privateId}`);
  });

  test("blocking removes follows both ways and hides the blocked account's posts and notifications", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const bob = c.member("bob").browser;
    await ada.post(`/accounts/${c.member("bob").accountId}/follow`, {});
    await bob.post(`/accounts/${c.member("ada").accountId}/follow`, {});
    const bobsPost = await c.post("bob", { status: "from bob" });
    expect(await c.page(ada, "/")).toContain(`post-${bobsPost}`);
    await ada.post(`/accounts/${c.member("bob").accountId}/block`, {});
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM follows").get()).toEqual({ n: 0 });
    expect(await c.page(ada, "/public/local")).not.toContain(`post-${bobsPost}`);
    const adasPost = await c.post("ada", { status: "from ada" });
    expect((await bob.post(`/statuses/${adasPost}/favourite`, {})).status).toBe(404);
    await c.post("bob", { status: "@ada hey" });
    expect(await c.page(ada, "/notifications")).not.toContain("mentioned you");
    expect(await c.page(bob, "/@ada")).toContain("This account has blocked you.");
  });
});

describe("profiles, feeds, search and settings", () => {
  test("on a profile: a private note only its writer sees, and removing a follower", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const bob = c.member("bob");
    const referer = { referer: "http://127.0.0.1:3000/@bob" };
    const saved = await ada.post(`/accounts/${bob.accountId}/note`, { comment: "Met at the <bakery>" }, { headers: referer });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/@bob?note=saved#note");
    const page = await c.page(ada, "/@bob?note=saved");
    expect(page).toContain("Met at the &lt;bakery&gt;</textarea>");
    expect(page).toContain("Note saved.");
    expect(await c.page(c.member("bob").browser, "/@ada")).not.toContain("bakery"); // bob sees none of it

    const long = await ada.post(`/accounts/${bob.accountId}/note`, { comment: "x".repeat(2001) }, { headers: referer });
    expect(long.headers.get("location")).toBe("/@bob?note=too-long#note");
    expect(await c.page(ada, "/@bob?note=too-long")).toContain("Keep the note under 2000 characters.");
    expect(await c.page(ada, "/@bob")).toContain("Met at the &lt;bakery&gt;</textarea>"); // unchanged

    expect(await c.page(ada, "/@bob")).not.toContain("Remove follower");
    expect((await bob.browser.post(`/accounts/${c.member("ada").accountId}/follow`, {})).status).toBe(303);
    expect(await c.page(ada, "/@bob")).toContain("Remove follower");
    expect((await ada.post(`/accounts/${bob.accountId}/remove_follower`, {}, { headers: referer })).status).toBe(303);
    const after = await c.page(ada, "/@bob");
    expect(after).not.toContain("Follows you");
    expect(after).not.toContain("Remove follower");
  });

  test("a member sees the current avatar and header in settings and can remove either; apps can too", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada");
    const updates: string[] = [];
    c.deps.events.on("account.updated", (e) => {
      updates.push(e.accountId);
    });
    const form = new FormData();
    form.set("_csrf", await ada.browser.csrf());
    form.append("avatar", new File([await testJpeg(64, 64)], "me.jpg"));
    form.append("header", new File([await testJpeg(300, 100)], "wide.jpg"));
    expect((await ada.browser.request("/settings/profile", { method: "POST", body: form })).status).toBe(303);
    const settings = await c.page(ada.browser, "/settings/profile");
    expect(settings).toContain('class="current-avatar"');
    expect(settings).toContain('name="avatar_remove"');
    expect(settings).toContain('name="header_remove"');

    const remove = new FormData();
    remove.set("_csrf", await ada.browser.csrf());
    remove.set("avatar_remove", "1");
    expect((await ada.browser.request("/settings/profile", { method: "POST", body: remove })).status).toBe(303);
    const after = await c.page(ada.browser, "/settings/profile");
    expect(after).not.toContain('class="current-avatar"');
    expect(after).toContain('class="current-header"');
    const row = () =>
      c.deps.db.select().from(accounts).where(eq(accounts.id, ada.accountId)).get() as typeof accounts.$inferSelect;
    expect(row().avatarUrl).toBeNull();
    expect(row().headerUrl).toStartWith("/media/");

    const { token } = await authorizeApp((r) => c.app.handle(r), "https://social.example", ada.browser);
    const res = await c.app.handle(
      new Request("https://social.example/api/v1/profile/header", {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { header: string }).header).toContain("/assets/");
    expect(row().headerUrl).toBeNull();
    await Bun.sleep(0);
    expect(updates).toEqual([ada.accountId, ada.accountId, ada.accountId]); // each change goes out to her servers
  });

  test("a member edits the profile: bio links, fields, locked; the profile shows them", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const form = new FormData();
    form.set("_csrf", await ada.csrf());
    form.set("display_name", "Ada L.");
    form.set("note", "Maths. Visit https://ada.example and #engines");
    form.append("field_name", "Website");
    form.append("field_value", "https://ada.example");
    form.append("field_name", "Pronouns");
    form.append("field_value", "she/her");
    form.set("locked", "1");
    form.append("avatar", new File([await testJpeg(600, 600)], "me.jpg"));
    const res = await ada.request("/settings/profile", { method: "POST", body: form });
    expect(res.status).toBe(303);
    const profile = await c.page(c.visitor, "/@ada");
    expect(profile).toContain("Ada L.");
    expect(profile).toContain('href="https://ada.example"');
    expect(profile).toContain("she/her");
    expect(profile).toContain("Approves followers");
    expect(profile).toMatch(/<img class="avatar" src="\/media\/[0-9a-f]{2}\//);
    // Posting defaults are preferences.
    expect((await ada.post("/settings/preferences", { default_visibility: "unlisted" })).status).toBe(303);
    expect(await c.page(ada, "/")).toContain('<option value="unlisted" selected>');
  });

  test("RSS and Atom feeds carry public posts only", async () => {
    const c = await community(["ada"]);
    const pub = await c.post("ada", { status: "public & <fun>", visibility: "public" });
    const priv = await c.post("ada", { status: "secret", visibility: "private" });
    const rss = await c.visitor.get("/@ada.rss");
    expect(rss.headers.get("content-type")).toStartWith("application/rss+xml");
    const xml = await rss.text();
    expect(xml).toContain(`https://social.example/@ada/${pub}`);
    expect(xml).not.toContain(priv);
    expect(xml).toContain("public &amp;amp; &amp;lt;fun&amp;gt;");
    expect(xml).toContain("<title>public &amp; &lt;fun&gt;</title>");
    // A hashtag, a mention and a link are words of the title, each character escaped once.
    await c.post("ada", { status: "ada's first post on #skein with @ada, see https://example.com/x", visibility: "public" });
    const again = await (await c.visitor.get("/@ada.rss")).text();
    expect(again).toContain("<title>ada&apos;s first post on #skein with @ada, see https://example.com/x</title>");
    const atom = await (await c.visitor.get("/@ada.atom")).text();
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
  });

  test("search finds accounts, hashtags and words in posts", async () => {
    const c = await community(["ada", "bob"]);
    const id = await c.post("bob", { status: "Knitting a scarf with #wool" });
    const page = await c.page(c.member("ada").browser, "/search?q=scarf");
    expect(page).toContain(`post-${id}`);
    expect(await c.page(c.visitor, "/search?q=bo")).toContain('href="https://social.example/@bob"');
    expect(await c.page(c.visitor, "/search?q=%23wo")).toContain("#wool");
    expect(await c.page(c.visitor, "/search?q=%22%29%28*")).toContain("Search");
  });

  test("change password logs other sessions out; sessions can be ended; delete needs the password", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const bob = c.member("bob").browser;
    const other = new (ada.constructor as typeof import("./helpers/client.ts").WebClient)((r) => c.app.handle(r));
    await other.login("bob", PASSWORD);
    // With two other sessions, one button ends both and keeps this one.
    const third = new (ada.constructor as typeof import("./helpers/client.ts").WebClient)((r) => c.app.handle(r));
    await third.login("bob", PASSWORD);
    expect(await c.page(bob, "/settings/account")).toContain("Log out everywhere else");
    expect((await bob.post("/settings/sessions/revoke-others", {})).headers.get("location")).toBe("/settings/account");
    expect(await c.page(third, "/")).not.toContain("Log out");
    expect(await c.page(bob, "/settings/account")).not.toContain("Log out everywhere else");
    await other.login("bob", PASSWORD);
    const wrong = await bob.post("/settings/password", {
      current_password: "nope",
      password: "a new long password",
      password_confirmation: "a new long password",
    });
    const refusedPage = await wrong.text();
    expect(refusedPage).toContain("The current password is wrong.");
    // At the top of the long page too, leading to the field; reloading the form's address shows the page.
    expect(refusedPage).toMatch(
      /class="error form-message error-summary"[^]*<a href="#current_password">The current password is wrong\.<\/a>/,
    );
    expect(refusedPage).toContain('id="current_password"');
    // Its tab stays marked, though the form's address is its own.
    expect(refusedPage).toContain('<a href="/settings/account" aria-current="page">Account and security</a>');
    // A page that is not there keeps the member's navigation: it must not look signed out.
    const missing = await bob.get("/no/such/page");
    expect(missing.status).toBe(404);
    const missingPage = await missing.text();
    expect(missingPage).toContain("Page not found");
    expect(missingPage).toContain('action="/logout"');
    expect(missingPage).toContain('href="/@bob"');
    const gone = await c.visitor.get("/no/such/page");
    expect(await gone.text()).toContain('href="/login"');
    const reload = await bob.get("/settings/password");
    expect([reload.status, reload.headers.get("location")]).toEqual([303, "/settings/account"]);
    expect((await bob.get("/settings/two-factor/enable")).headers.get("location")).toBe("/settings/two-factor");
    const ok = await bob.post("/settings/password", {
      current_password: PASSWORD,
      password: "a new long password",
      password_confirmation: "a new long password",
    });
    expect(await ok.text()).toContain("Other sessions were logged out.");
    expect(await c.page(other, "/")).not.toContain("Log out");
    expect(await c.page(bob, "/settings/account")).toContain("This browser");
    const refused = await bob.post("/settings/delete", { delete_password: "nope" });
    expect(refused.status).toBe(422);
    expect((await bob.post("/settings/delete", { delete_password: "a new long password" })).status).toBe(303);
    expect((await c.visitor.get("/@bob")).status).toBe(410);
    expect(await c.page(ada, "/")).toContain("Log out");
  });
});
