// The notifications page clears all at once (after asking, in app.js): those it showed, not one
// come since, nor the filtered ones waiting for the member's answer. The badges a page asks for
// while it stays open answer the unread counts (members only).
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

test("the badges answer the unread counts; Clear all empties what the page showed, filtered ones stay", async () => {
  const c = await community(["ada", "bob", "cy"]);
  const ada = c.member("ada").browser;
  const bob = c.member("bob").browser;
  // ada follows bob, so his private mention is no stranger's; cy's waits among the filtered.
  await ada.post(`/accounts/${c.member("bob").accountId}/follow`, {});
  const post = await c.post("ada", { status: "like me", visibility: "public" });
  await bob.post(`/statuses/${post}/favourite`, {});
  await c.post("bob", { status: "@ada hello", visibility: "direct" });
  await c.post("cy", { status: "@ada psst", visibility: "direct" });
  await Bun.sleep(10);
  const badges = await ada.get("/notifications/badges");
  expect(badges.headers.get("cache-control")).toBe("no-store");
  expect(await badges.json()).toEqual({ notifications: 2, messages: 1 });
  expect((await c.visitor.get("/notifications/badges")).status).toBe(401);

  // Only the whole list offers it, not the Mentions tab.
  expect(await c.page(ada, "/notifications?only=mentions")).not.toContain("/notifications/clear");
  const page = await c.page(ada, "/notifications");
  expect(page).toContain('data-confirm="Clear all your notifications? They cannot be brought back. Filtered ones stay."');
  const upTo = /name="up_to" value="([^"]+)"/.exec(page)?.[1] ?? "";
  expect(await (await ada.get("/notifications/badges")).json()).toEqual({ notifications: 0, messages: 1 });
  // One that comes after the page was drawn is not cleared unseen.
  await c.post("bob", { status: "@ada one more", visibility: "public" });
  await Bun.sleep(10);
  expect((await ada.post("/notifications/clear", { up_to: upTo })).headers.get("location")).toBe("/notifications");
  const after = await c.page(ada, "/notifications");
  expect(after).toContain("one more");
  expect(after).not.toContain("hello");
  expect(await c.page(ada, "/notifications/requests")).toContain("@cy");
  expect((await ada.post("/notifications/clear", {})).status).toBe(400);
  // bob's are his own: ada's follow, and now her mention.
  await c.post("ada", { status: "@bob hi", visibility: "public" });
  await Bun.sleep(10);
  expect(await (await bob.get("/notifications/badges")).json()).toEqual({ notifications: 2, messages: 0 });
});
