// Moving an account between two members of one instance, and the bad input the forms must survive.
import { expect, setDefaultTimeout, test } from "bun:test";
import { community, PASSWORD } from "./helpers/community.ts";

setDefaultTimeout(60_000);

test("a member moves to another account here: aliases first, then followers follow the new account", async () => {
  const c = await community(["ann", "old", "new", "fan"]);
  const [old, fresh, fan] = [c.member("old").browser, c.member("new").browser, c.member("fan").browser];
  await fan.post(`/accounts/${c.member("old").accountId}/follow`, {});

  // Bad alias input: nothing, oneself, an unknown handle.
  for (const [alias, message] of [
    ["", "No account was found"],
    ["@new", "This is your own account."],
    ["@nobody", "No account was found"],
  ]) {
    const res = await fresh.post("/settings/aliases", { alias: alias as string });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(message as string);
  }
  expect((await fresh.post("/settings/aliases", { alias: "@old@social.example" })).status).toBe(303);
  expect(await c.page(fresh, "/settings/migration")).toContain("https://social.example/@old");

  // Bad move input: wrong password, unknown account, oneself.
  for (const [acct, password, message] of [
    ["new", "not my password", "The password is wrong."],
    ["nobody", PASSWORD, "No account was found"],
    ["old", PASSWORD, "This is your own account."],
    ["ann", PASSWORD, "does not name this one as an alias"],
  ]) {
    const res = await old.post("/settings/migration", { acct: acct as string, current_password: password as string });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(message as string);
  }
  const db = c.database.sqlite;
  expect(db.query("SELECT moved_to_id FROM accounts WHERE username = 'old'").get()).toEqual({ moved_to_id: null });

  expect((await old.post("/settings/migration", { acct: "@new", current_password: PASSWORD })).status).toBe(303);
  expect(await c.page(fan, "/@old")).toContain("has moved to");
  const following = db
    .query("SELECT a.username FROM follows f JOIN accounts a ON a.id = f.following_id WHERE f.follower_id = ?")
    .all(c.member("fan").accountId);
  expect(following).toEqual([{ username: "new" }]);
  // An account that has moved is not a place to move to.
  const res = await c.member("ann").browser.post("/settings/migration", { acct: "@old", current_password: PASSWORD });
  expect(await res.text()).toContain("has itself moved");

  // The alias can be removed; the old account can stop redirecting and post again.
  await fresh.post("/settings/aliases/delete", { uri: "https://social.example/@old" });
  expect(await c.page(fresh, "/settings/migration")).not.toContain("<code>https://social.example/@old</code>");
  expect((await old.post("/statuses", { status: "hello?" })).status).toBe(403);
  await old.post("/settings/migration/cancel", {});
  expect(await c.page(fan, "/@old")).not.toContain("has moved to");
  expect((await old.post("/statuses", { status: "hello again" })).status).toBe(303);
});
