// Follow suggestions: whom those one follows follow, then whom the members follow most.
import { expect, test } from "bun:test";
import { follows } from "../src/db/schema.ts";
import { newId } from "../src/db/ids.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob", "cy", "dan", "eve", "gil"]);
const fay = storeRemoteAccount(t.deps.db, "https://far.example/users/fay", { discoverable: true });
const follow = (from: string, to: string) =>
  t.deps.db.insert(follows).values({ id: newId(), followerId: from, followingId: to, state: "accepted" }).run();
const id = (name: string) => m(name).id;
// ada follows bob and cy; bob follows dan and eve; cy follows dan; eve follows fay; gil is not listed.
follow(id("ada"), id("bob"));
follow(id("ada"), id("cy"));
follow(id("bob"), id("dan"));
follow(id("bob"), id("eve"));
follow(id("cy"), id("dan"));
follow(id("eve"), fay.id);
follow(id("bob"), id("gil"));
t.database.sqlite.run("UPDATE accounts SET discoverable = 0 WHERE id = ?", [id("gil")]);

const call = apiAs(t, origin, m);

test("apps get friends of friends first (the more the better), then the most followed", async () => {
  const v2 = await json(await call("ada", "GET", "/api/v2/suggestions"));
  expect(v2.map((s: { account: { acct: string } }) => s.account.acct)).toEqual(["dan", "eve", "fay@far.example"]);
  expect(v2[0]).toMatchObject({ source: "past_interactions", sources: ["friends_of_friends"] });
  expect(v2[2]).toMatchObject({ source: "global", sources: ["most_followed"] });
  const v1 = await json(await call("ada", "GET", "/api/v1/suggestions?limit=1"));
  expect(v1.map((a: { acct: string }) => a.acct)).toEqual(["dan"]);
  // Someone new, who follows nobody: the most followed.
  expect((await json(await call("gil", "GET", "/api/v1/suggestions"))).map((a: { acct: string }) => a.acct)).toEqual([
    "dan",
    "fay@far.example",
    "eve",
    "cy",
    "bob",
  ]);
});

test("accounts that keep their follows private do not give away whom they follow", async () => {
  t.database.sqlite.run("UPDATE accounts SET hide_collections = 1 WHERE id IN (?, ?)", [id("bob"), id("cy")]);
  const v2 = await json(await call("ada", "GET", "/api/v2/suggestions"));
  expect(v2.filter((s: { sources: string[] }) => s.sources.includes("friends_of_friends"))).toEqual([]);
  t.database.sqlite.run("UPDATE accounts SET hide_collections = 0 WHERE id IN (?, ?)", [id("bob"), id("cy")]);
});

test("not interested: never suggested again; nor whom one muted", async () => {
  expect((await call("ada", "DELETE", `/api/v1/suggestions/${id("dan")}`)).status).toBe(200);
  expect((await call("ada", "DELETE", "/api/v1/suggestions/nobody")).status).toBe(404);
  await call("ada", "POST", `/api/v1/accounts/${id("eve")}/mute`);
  const left = await json(await call("ada", "GET", "/api/v1/suggestions"));
  expect(left.map((a: { acct: string }) => a.acct)).toEqual(["fay@far.example"]);
});

test("a member who follows few people is offered some on home, and can say not interested", async () => {
  const home = await (await m("cy").browser.get("/")).text();
  expect(home).toContain("People to follow");
  expect(home).toMatch(/People to follow[\s\S]*@eve[\s\S]*Not interested/);
  expect((await m("cy").browser.post(`/suggestions/${id("eve")}/dismiss`, {})).status).toBe(303);
  expect(await (await m("cy").browser.get("/")).text()).not.toContain("@eve</span>");
  // Following five or more: home shows none.
  for (const name of ["bob", "eve", "gil"]) follow(id("cy"), id(name));
  follow(id("cy"), fay.id);
  expect(await (await m("cy").browser.get("/")).text()).not.toContain("People to follow");
});

test("on a small instance the members' newest follows count at once", async () => {
  const before = (await json(await call("gil", "GET", "/api/v1/suggestions"))).map((a: { acct: string }) => a.acct);
  expect(before).not.toContain("ada"); // nobody follows ada yet
  for (const name of ["bob", "cy", "dan"]) follow(id(name), id("ada"));
  const after = (await json(await call("gil", "GET", "/api/v1/suggestions"))).map((a: { acct: string }) => a.acct);
  expect(after[0]).toBe("ada");
});
