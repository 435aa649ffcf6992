// The notifications page clears all at once (after asking, in app.js), and the badges a page
// asks for while it stays open answer the unread counts (members only).
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

test("the badges answer the unread counts; Clear all empties the notifications", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  const bob = c.member("bob").browser;
  // ada follows bob, so his private mention is no stranger's (those wait among the filtered).
  await ada.post(`/accounts/${c.member("bob").accountId}/follow`, {});
  const post = await c.post("ada", { status: "like me", visibility: "public" });
  await bob.post(`/statuses/${post}/favourite`, {});
  await c.post("bob", { status: "@ada hello", visibility: "direct" });
  await Bun.sleep(10);
  const badges = await ada.get("/notifications/badges");
  expect(badges.headers.get("cache-control")).toBe("no-store");
  expect(await badges.json()).toEqual({ notifications: 2, messages: 1 });
  expect((await c.visitor.get("/notifications/badges")).status).toBe(401);

  const page = await c.page(ada, "/notifications");
  expect(page).toContain('data-confirm="Clear all your notifications? They cannot be brought back."');
  expect(await (await ada.get("/notifications/badges")).json()).toEqual({ notifications: 0, messages: 1 });
  expect((await ada.post("/notifications/clear", {})).headers.get("location")).toBe("/notifications");
  const cleared = await c.page(ada, "/notifications");
  expect(cleared).toContain("Nothing yet.");
  expect(cleared).not.toContain("Clear all");
  // bob's are his own: ada's follow, and now her mention.
  await c.post("ada", { status: "@bob hi", visibility: "public" });
  await Bun.sleep(10);
  expect(await (await bob.get("/notifications/badges")).json()).toEqual({ notifications: 2, messages: 0 });
});
