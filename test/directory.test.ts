// Explore → People, the profile directory: discoverable accounts, members first of all.
import { expect, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob", "cy", "dan"]);
const sql = t.database.sqlite;
const call = apiAs(t, origin, m);
const accts = async (who: string | null, path: string) =>
  ((await json(await call(who, "GET", path))) as { acct: string }[]).map((a) => a.acct);
const post = (who: string, status: string) => call(who, "POST", "/api/v1/statuses", { status });

// dan chose not to be listed; a sign-up waits for approval; a remote account that is listed, one
// that is not, and one the moderators limited.
sql.run("UPDATE accounts SET discoverable = 0 WHERE id = ?", [m("dan").id]);
sql.run("UPDATE accounts SET note = 'Knits <b>socks</b> #yarn' WHERE id = ?", [m("bob").id]);
await createLocalUser(t.deps, {
  username: "newbie",
  email: "newbie@example.com",
  password: "correct horse battery",
  role: "user",
  pendingApproval: true,
});
storeRemoteAccount(t.deps.db, "https://far.example/users/fay", { discoverable: true, note: "<p>Hello from far</p>" });
storeRemoteAccount(t.deps.db, "https://far.example/users/gus", { discoverable: false });
const hal = storeRemoteAccount(t.deps.db, "https://far.example/users/hal", { discoverable: true });
sql.run("UPDATE accounts SET silenced_at = ? WHERE id = ?", [Date.now(), hal.id]);
await post("bob", "first");
await post("cy", "later");

test("the directory lists discoverable members, recently active first, or the newest", async () => {
  expect(await accts(null, "/api/v1/directory?local=true")).toEqual(["cy", "bob", "ada"]);
  // Newest account first (ada signed up first, and has not posted).
  expect(await accts(null, "/api/v1/directory?local=true&order=new")).toEqual(["cy", "bob", "ada"]);
  await post("ada", "now me");
  expect(await accts(null, "/api/v1/directory?local=true")).toEqual(["ada", "cy", "bob"]);
  expect(await accts(null, "/api/v1/directory?local=true&limit=1&offset=1")).toEqual(["cy"]);
  // Everyone known here: the listed remote account too, never the unlisted or limited ones.
  const all = await accts(null, "/api/v1/directory");
  expect(all).toContain("fay@far.example");
  expect(all).not.toContain("gus@far.example");
  expect(all).not.toContain("hal@far.example");
  expect(all).not.toContain("dan");
  expect(all).not.toContain("newbie");
});

test("a member does not see whom they muted or blocked, nor a server they blocked", async () => {
  await call("ada", "POST", `/api/v1/accounts/${m("cy").id}/mute`);
  await call("ada", "POST", "/api/v1/domain_blocks", { domain: "far.example" });
  const seen = await accts("ada", "/api/v1/directory");
  expect(seen).not.toContain("cy");
  expect(seen).not.toContain("fay@far.example");
  expect(await accts("bob", "/api/v1/directory?local=1")).toContain("cy");
  // Nor someone who blocked them.
  await call("cy", "POST", `/api/v1/accounts/${m("bob").id}/block`);
  expect(await accts("bob", "/api/v1/directory?local=1")).not.toContain("cy");
  await call("cy", "POST", `/api/v1/accounts/${m("bob").id}/unblock`);
});

test("Explore → People: the page, its filters and its bios", async () => {
  const page = await (await t.request("/directory")).text();
  expect(page).toContain('<a href="/directory" aria-current="page">People</a>');
  expect(page).toMatch(/@ada[\s\S]*@cy[\s\S]*@bob/);
  // A member's bio is their text, escaped and linked; counts under it.
  expect(page).toContain("Knits &lt;b&gt;socks&lt;/b&gt;");
  expect(page).toContain(`href="${origin}/tags/yarn"`);
  expect(page).toContain("1 post · 0 followers");
  expect(page).not.toContain("@fay@far.example");
  // A member gets a Follow button for those they do not follow, not for themselves.
  const bobs = await (await m("bob").browser.get("/directory")).text();
  expect(bobs).toContain(`action="/accounts/${m("ada").id}/follow"`);
  expect(bobs).not.toContain(`action="/accounts/${m("bob").id}/follow"`);
  expect(page).not.toContain(`action="/accounts/${m("ada").id}/follow"`); // a visitor
  const everyone = await (await t.request("/directory?local=0&order=new")).text();
  expect(everyone).toContain("@fay@far.example");
  expect(everyone).toContain("<p>Hello from far</p>");
});
