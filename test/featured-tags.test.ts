// Featured hashtags: a member shows chosen hashtags on their profile, with their posts' counts.
import { expect, test } from "bun:test";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob"]);
const call = apiAs(t, origin, m);
const post = async (status: string, visibility = "public") =>
  (await json(await call("ada", "POST", "/api/v1/statuses", { status, visibility }))).id as string;

const knit1 = await post("Socks on the needles #Knitting");
await post("Followers only #knitting", "private");
const knit2 = await post("Finished! #knitting #yarn");
await post("Lunch #bread");
const untagged = await post("Nothing tagged, and the newest");

test("an app features hashtags: the entity, the counts of public posts, the limit, taking one back", async () => {
  const res = await call("ada", "POST", "/api/v1/featured_tags", { name: "#Knitting" });
  expect(res.status).toBe(200);
  const featured = await json(res);
  const today = new Date().toISOString().slice(0, 10);
  expect(featured).toMatchObject({
    name: "Knitting",
    url: `${origin}/@ada/tagged/knitting`,
    statuses_count: "2", // a string, as Mastodon gives it; the followers-only one is not counted
    last_status_at: today,
  });
  // Again is the same one; a name that is not a hashtag is refused.
  expect((await json(await call("ada", "POST", "/api/v1/featured_tags", { name: "knitting" }))).id).toBe(featured.id);
  const bad = await call("ada", "POST", "/api/v1/featured_tags", { name: "not a tag!" });
  expect([bad.status, (await json(bad)).error]).toEqual([
    422,
    "That is not a hashtag: letters, digits and underscores, with at least one letter.",
  ]);
  // Suggestions: the tags ada uses, not yet featured.
  const suggested = (await json(await call("ada", "GET", "/api/v1/featured_tags/suggestions"))).map(
    (s: { name: string }) => s.name,
  );
  expect(suggested).toEqual(["bread", "yarn"]);
  // Anyone reads a member's featured tags.
  expect(await json(await call(null, "GET", `/api/v1/accounts/${m("ada").id}/featured_tags`))).toMatchObject([
    { id: featured.id, name: "Knitting", statuses_count: "2" },
  ]);
  expect((await json(await call(null, "GET", "/api/v2/instance"))).configuration.accounts.max_featured_tags).toBe(10);
  // Ten at most.
  for (let i = 1; i < 10; i++) expect((await call("ada", "POST", "/api/v1/featured_tags", { name: `tag${i}` })).status).toBe(200);
  const eleventh = await call("ada", "POST", "/api/v1/featured_tags", { name: "onemore" });
  expect([eleventh.status, (await json(eleventh)).error]).toEqual([422, "You can feature at most 10 hashtags."]);
  const all = await json(await call("ada", "GET", "/api/v1/featured_tags"));
  expect(all.length).toBe(10);
  for (const f of all.slice(1)) expect((await call("ada", "DELETE", `/api/v1/featured_tags/${f.id}`)).status).toBe(200);
  // Someone else's is not theirs to delete.
  expect((await call("bob", "DELETE", `/api/v1/featured_tags/${featured.id}`)).status).toBe(404);
  expect((await json(await call("ada", "GET", "/api/v1/featured_tags"))).length).toBe(1);
});

test("the profile shows them; their link lists the posts with the tag, in the API too", async () => {
  const profile = await (await t.request("/@ada")).text();
  expect(profile).toContain('<h2 id="featured-tags-title">Featured hashtags</h2>');
  expect(profile).toContain('href="/@ada/tagged/knitting"');
  expect(profile).toContain("2 posts");
  const link = await t.request("/@ada/tagged/knitting");
  expect([link.status, link.headers.get("location")]).toEqual([302, "/@ada?tagged=knitting"]);
  const tagged = await (await t.request("/@ada?tagged=knitting")).text();
  expect(tagged).toContain("Posts with #knitting");
  expect(tagged).toContain("Socks on the needles");
  expect(tagged).toContain("Finished!");
  expect(tagged).not.toContain("Lunch");
  expect(tagged).not.toContain("Followers only"); // a visitor
  // The API filters before paging: the first page of one is the newest tagged post.
  const page = await json(await call(null, "GET", `/api/v1/accounts/${m("ada").id}/statuses?tagged=knitting&limit=1`));
  expect(page.map((s: { id: string }) => s.id)).toEqual([knit2]);
  const next = await json(
    await call(null, "GET", `/api/v1/accounts/${m("ada").id}/statuses?tagged=knitting&limit=1&max_id=${knit2}`),
  );
  expect(next.map((s: { id: string }) => s.id)).toEqual([knit1]);
  expect(untagged).toBeString();
});

test("other servers read them as the actor's featuredTags collection", async () => {
  const ap = { accept: "application/activity+json" };
  const actor = await json(await t.app.handle(new Request(`${origin}/@ada`, { headers: ap })));
  expect(actor.featuredTags).toBe(`${origin}/@ada/tags`);
  const collection = await json(await t.app.handle(new Request(`${origin}/@ada/tags`, { headers: ap })));
  expect(collection.totalItems ?? collection.orderedItems?.length ?? collection.items?.length).toBe(1);
  expect(JSON.stringify(collection)).toContain(`"href":"${origin}/@ada/tagged/knitting"`);
  expect(JSON.stringify(collection)).toContain('"name":"#Knitting"');
});

test("members feature and stop featuring from the tag's page and from settings", async () => {
  const bob = m("bob").browser;
  expect(await (await bob.get("/tags/yarn")).text()).toContain("Feature on profile");
  expect((await bob.post("/tags/yarn/feature", {})).status).toBe(303);
  expect(await (await bob.get("/tags/yarn")).text()).toContain("Stop featuring on profile");
  const settings = await (await bob.get("/settings/tags")).text();
  expect(settings).toContain("Featured on your profile");
  expect(settings).toContain("Stop featuring #yarn");
  const refused = await bob.post("/settings/tags/featured", { featured_name: "no spaces please" });
  expect(refused.status).toBe(422);
  expect(await refused.text()).toContain("That is not a hashtag");
  expect((await bob.post("/settings/tags/featured", { featured_name: "#Bread" })).status).toBe(303);
  expect((await bob.post("/tags/yarn/unfeature", {})).status).toBe(303);
  const left = await json(await call("bob", "GET", "/api/v1/featured_tags"));
  expect(left.map((f: { name: string }) => f.name)).toEqual(["bread"]);
});
