import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";

setDefaultTimeout(30_000);

test("a post's page counts its boosts and likes and lists who gave them; a private post's lists stay private", async () => {
  const c = await community(["ada", "bob", "cy"]);
  const id = await c.post("ada", { status: "bread is ready" });
  const bob = c.member("bob").browser;
  const cy = c.member("cy").browser;
  await bob.post(`/statuses/${id}/favourite`, {});
  await cy.post(`/statuses/${id}/favourite`, {});
  await bob.post(`/statuses/${id}/reblog`, {});

  const page = await c.page(c.visitor, `/@ada/${id}`);
  expect(page).toContain(`<a href="/@ada/${id}/reblogs">1 boost</a>`);
  expect(page).toContain(`<a href="/@ada/${id}/favourites">2 likes</a>`);
  const likes = await c.page(c.visitor, `/@ada/${id}/favourites`);
  expect(likes).toContain("Who liked ada&#x27;s post");
  expect([...likes.matchAll(/class="account-line"/g)]).toHaveLength(2);
  expect(likes.indexOf('href="https://social.example/@cy"')).toBeLessThan(likes.indexOf('href="https://social.example/@bob"'));
  const boosts = await c.page(c.visitor, `/@ada/${id}/reblogs`);
  expect(boosts).toContain('href="https://social.example/@bob"');
  expect(boosts).not.toContain('href="https://social.example/@cy"');

  // Whom the viewer blocked, and suspended accounts, are left out.
  await c.member("ada").browser.post(`/accounts/${c.member("cy").accountId}/block`, {});
  const forAda = await c.page(c.member("ada").browser, `/@ada/${id}/favourites`);
  expect(forAda).not.toContain('href="https://social.example/@cy"');
  expect(forAda).toContain('href="https://social.example/@bob"');
  c.database.sqlite.run("UPDATE accounts SET suspended_at = 1 WHERE id = ?", [c.member("bob").accountId]);
  expect(await c.page(c.visitor, `/@ada/${id}/favourites`)).not.toContain('href="https://social.example/@bob"');

  const secret = await c.post("ada", { status: "for followers", visibility: "private" });
  expect((await c.visitor.get(`/@ada/${secret}/favourites`)).status).toBe(404);
  expect((await c.visitor.get(`/@ada/${secret}/reblogs`)).status).toBe(404);
});

test("the notifications' Mentions tab shows mentions and replies only, and leaves the others new", async () => {
  const c = await community(["ada", "bob", "cy"]);
  const mine = await c.post("ada", { status: "my post" });
  await c.member("bob").browser.post(`/statuses/${mine}/favourite`, {});
  await c.post("cy", { status: "@ada hello there" });
  const ada = c.member("ada").browser;
  const mentions = await c.page(ada, "/notifications?only=mentions");
  expect(mentions).toContain('<a href="/notifications?only=mentions" aria-current="page">');
  expect(mentions).toContain("hello there");
  expect(mentions).not.toContain("liked your post");
  expect(await c.page(ada, "/about")).toContain('aria-label="2 unread"');
  const all = await c.page(ada, "/notifications");
  expect(all).toContain("liked your post");
  expect(await c.page(ada, "/about")).not.toContain('unread"');
});

test("likes of one post, boosts of it and new followers each show as one line, with everyone's face", async () => {
  const c = await community(["ada", "bob", "cy", "dee", "eve"]);
  const first = await c.post("ada", { status: "first loaf" });
  const second = await c.post("ada", { status: "second loaf" });
  for (const name of ["bob", "cy", "dee", "eve"]) await c.member(name).browser.post(`/statuses/${first}/favourite`, {});
  await c.member("bob").browser.post(`/statuses/${second}/favourite`, {});
  await c.member("cy").browser.post(`/statuses/${first}/reblog`, {});
  for (const name of ["dee", "eve"]) await c.member(name).browser.post(`/accounts/${c.member("ada").accountId}/follow`, {});

  const page = await c.page(c.member("ada").browser, "/notifications");
  const labels = [...page.matchAll(/<section class="notification[^"]*" aria-label="([^"]+)"/g)].map((m) => m[1]);
  expect(labels).toEqual([
    "eve and dee followed you",
    "cy boosted your post",
    "bob liked your post",
    "eve, dee and 2 others liked your post",
  ]);
  // One line per post: the first loaf once, with the four faces.
  expect(page.split("first loaf").length - 1).toBe(2);
  const likes = page.slice(page.indexOf('aria-label="eve, dee and 2 others'));
  expect([
    ...likes.slice(0, likes.indexOf("</p>", likes.indexOf("notification-faces"))).matchAll(/<a href="[^"]+" title=/g),
  ]).toHaveLength(4);
});

test("a new follower's notification offers Follow back, until the member follows them", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  await c.member("bob").browser.post(`/accounts/${c.member("ada").accountId}/follow`, {});
  const page = await c.page(ada, "/notifications");
  expect(page).toContain(`action="/accounts/${c.member("bob").accountId}/follow"`);
  expect(page).toContain('aria-label="Follow back @bob"');
  const back = await ada.post(
    `/accounts/${c.member("bob").accountId}/follow`,
    {},
    { headers: { referer: "http://127.0.0.1:3000/notifications" } },
  );
  expect(back.headers.get("location")).toBe("/notifications");
  expect(await c.page(ada, "/notifications")).not.toContain("Follow back");
});
