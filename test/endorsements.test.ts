// Featured people (Mastodon's endorsements): a member features accounts they follow on their profile.
import { expect, test } from "bun:test";
import { endorsements } from "../src/db/schema.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

const t = testApp("https://social.example");
const origin = "https://social.example";
const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);
const call = apiAs(t, origin, m);
const accts = async (response: Response) => ((await json(response)) as { acct: string }[]).map((a) => a.acct);
const rows = () => t.deps.db.select().from(endorsements).all().length;

test("a member features people they follow: the API, the profile page and its button", async () => {
  await call("ada", "POST", `/api/v1/accounts/${m("bob").id}/follow`);
  await call("ada", "POST", `/api/v1/accounts/${m("cy").id}/follow`);
  const endorsed = await json(await call("ada", "POST", `/api/v1/accounts/${m("bob").id}/endorse`));
  expect(endorsed).toMatchObject({ id: m("bob").id, following: true, endorsed: true });
  // The name apps used before Mastodon 4.4.
  expect((await json(await call("ada", "POST", `/api/v1/accounts/${m("cy").id}/pin`))).endorsed).toBe(true);
  expect(await accts(await call("ada", "GET", "/api/v1/endorsements"))).toEqual(["cy", "bob"]);
  // Anyone may read a member's features, visitors too.
  expect(await accts(await call(null, "GET", `/api/v1/accounts/${m("ada").id}/endorsements`))).toEqual(["cy", "bob"]);
  const paged = await call("bob", "GET", `/api/v1/accounts/${m("ada").id}/endorsements?limit=1`);
  expect(await accts(paged)).toEqual(["cy"]);
  expect(paged.headers.get("link")).toContain("max_id=");

  const profile = await (await m("bob").browser.get("/@ada")).text();
  expect(profile).toContain('<h2 id="featured-title">Featured people</h2>');
  expect(profile).toMatch(/featured-people[\s\S]*@cy[\s\S]*@bob/);
  const bobsPage = await (await m("ada").browser.get("/@bob")).text();
  expect(bobsPage).toContain(`action="/accounts/${m("bob").id}/unendorse"`);
  expect((await m("ada").browser.post(`/accounts/${m("bob").id}/unendorse`, {})).status).toBe(303);
  expect(await accts(await call("ada", "GET", "/api/v1/endorsements"))).toEqual(["cy"]);
  expect(await (await m("ada").browser.get("/@bob")).text()).toContain("Feature on profile");
});

test("only followed accounts, and a follow that ends takes the feature with it", async () => {
  const before = rows();
  const refused = await call("bob", "POST", `/api/v1/accounts/${m("cy").id}/endorse`);
  expect([refused.status, (await json(refused)).error]).toEqual([
    422,
    "Follow this account before featuring it on your profile.",
  ]);
  expect((await m("bob").browser.post(`/accounts/${m("cy").id}/endorse`, {})).status).toBe(422);
  expect(rows()).toBe(before);
  // A page without the follow shows no button to feature.
  expect(await (await m("bob").browser.get("/@cy")).text()).not.toContain("Feature on profile");

  await call("ada", "POST", `/api/v1/accounts/${m("cy").id}/unfollow`);
  expect(await accts(await call("ada", "GET", "/api/v1/endorsements"))).toEqual([]);
  expect(rows()).toBe(before - 1);
  expect((await json(await call("ada", "GET", `/api/v1/accounts/relationships?id[]=${m("cy").id}`)))[0].endorsed).toBe(false);
});

test("removing a follower ends their feature too; a suspended account is not shown featured", async () => {
  await call("bob", "POST", `/api/v1/accounts/${m("ada").id}/follow`);
  await call("bob", "POST", `/api/v1/accounts/${m("cy").id}/follow`);
  await call("bob", "POST", `/api/v1/accounts/${m("ada").id}/endorse`);
  await call("bob", "POST", `/api/v1/accounts/${m("cy").id}/endorse`);
  expect(await accts(await call(null, "GET", `/api/v1/accounts/${m("bob").id}/endorsements`))).toEqual(["cy", "ada"]);
  await call("ada", "POST", `/api/v1/accounts/${m("bob").id}/remove_from_followers`);
  expect(await accts(await call(null, "GET", `/api/v1/accounts/${m("bob").id}/endorsements`))).toEqual(["cy"]);
  // Following again does not bring the old feature back.
  await call("bob", "POST", `/api/v1/accounts/${m("ada").id}/follow`);
  expect(await accts(await call(null, "GET", `/api/v1/accounts/${m("bob").id}/endorsements`))).toEqual(["cy"]);
  t.database.sqlite.run("UPDATE accounts SET suspended_at = ? WHERE id = ?", [Date.now(), m("cy").id]);
  expect(await accts(await call(null, "GET", `/api/v1/accounts/${m("bob").id}/endorsements`))).toEqual([]);
  expect(await (await m("ada").browser.get("/@bob")).text()).not.toContain("Featured people");
  t.database.sqlite.run("UPDATE accounts SET suspended_at = NULL WHERE id = ?", [m("cy").id]);
});

test("a member who hides their lists shows no features to others; another server's account has none here", async () => {
  await call("cy", "POST", `/api/v1/accounts/${m("ada").id}/follow`);
  await call("cy", "POST", `/api/v1/accounts/${m("ada").id}/endorse`);
  await call("cy", "PATCH", "/api/v1/accounts/update_credentials", { hide_collections: true });
  expect(await accts(await call("bob", "GET", `/api/v1/accounts/${m("cy").id}/endorsements`))).toEqual([]);
  expect(await accts(await call("cy", "GET", `/api/v1/accounts/${m("cy").id}/endorsements`))).toEqual(["ada"]);
  expect(await (await m("bob").browser.get("/@cy")).text()).not.toContain("Featured people");
  const far = storeRemoteAccount(t.deps.db, "https://far.example/users/mal");
  expect(await accts(await call("bob", "GET", `/api/v1/accounts/${far.id}/endorsements`))).toEqual([]);
  expect((await call("bob", "GET", "/api/v1/accounts/nope/endorsements")).status).toBe(404);
});
