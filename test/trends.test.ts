// Trends: the hashtags, posts and links most people used, liked and boosted, or shared lately.
import { expect, test } from "bun:test";
import { runJob } from "../src/core/jobs.ts";
import { newId } from "../src/db/ids.ts";
import { postCards, previewCards } from "../src/db/schema.ts";
import { maintenanceJobs } from "../src/scheduler.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";
import { receiveRemotePost } from "../src/core/remote.ts";

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob", "cy", "dan", "mia", "eve"]);
const sql = t.database.sqlite;
sql.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [m("mia").id]);
// eve chose not to be discoverable: her posts make nothing trend.
sql.run("UPDATE accounts SET discoverable = 0 WHERE id = ?", [m("eve").id]);

const call = apiAs(t, origin, m);
const post = async (who: string, status: string, extra: Record<string, unknown> = {}) =>
  (await json(await call(who, "POST", "/api/v1/statuses", { status, ...extra }))).id as string;
const names = async (path: string, who: string | null = null) =>
  ((await json(await call(who, "GET", path))) as { name?: string; id?: string; url?: string }[]).map((x) => x.name ?? x.id);
async function rank() {
  const job = maintenanceJobs({ ...t.deps, media: t.media }).find((j) => j.name === "compute-trends");
  if (!job) throw new Error("no compute-trends job");
  return (await runJob(t.deps.db, job)).lastResult;
}
/** A link preview under a post, as the card fetch leaves it. */
function shareLink(postId: string, url: string) {
  const id = newId();
  t.deps.db.insert(previewCards).values({ id, url, title: "A good read", providerName: "Example" }).onConflictDoNothing().run();
  const card = sql.query<{ id: string }, [string]>("SELECT id FROM preview_cards WHERE url = ?").get(url);
  t.deps.db
    .insert(postCards)
    .values({ postId, cardId: card?.id ?? id })
    .run();
}

const bobCats = await post("bob", "Look at this #cats");
await post("cy", "My #Cats too");
await post("bob", "Only me on #dogs");
await post("cy", "Followers only #dogs", { visibility: "private" });
await post("eve", "Not discoverable #dogs");
// A limited account's post with the tag does not count; nor does one person using a tag twice.
const far = storeRemoteAccount(t.deps.db, "https://far.example/users/fay", { discoverable: true });
sql.run("UPDATE accounts SET silenced_at = ? WHERE id = ?", [Date.now(), far.id]);
receiveRemotePost(t.deps, remoteNote(far.id, "https://far.example/notes/1", { plainText: "Also #cats", tags: ["cats"] }));
await post("dan", "Just me #solo");
await post("dan", "Still just me #solo");
// A post older than two days, liked now by two people: too old to trend.
const gus = storeRemoteAccount(t.deps.db, "https://far.example/users/gus", { discoverable: true });
const old = receiveRemotePost(
  t.deps,
  remoteNote(gus.id, "https://far.example/notes/2", { plainText: "Old news", createdAt: new Date(Date.now() - 3 * 86_400_000) }),
);
// A post liked by its author and one other: one person.
const selfLiked = await post("cy", "I like my own post");
await call("cy", "POST", `/api/v1/statuses/${selfLiked}/favourite`);
await call("ada", "POST", `/api/v1/statuses/${selfLiked}/favourite`);
const popular = await post("dan", "Big news today");
await call("ada", "POST", `/api/v1/statuses/${popular}/favourite`);
await call("bob", "POST", `/api/v1/statuses/${popular}/reblog`);
await call("dan", "POST", `/api/v1/statuses/${popular}/favourite`); // the author's own like does not count
const sensitive = await post("cy", "Spoilers", { sensitive: true, spoiler_text: "finale" });
await call("ada", "POST", `/api/v1/statuses/${sensitive}/favourite`);
await call("bob", "POST", `/api/v1/statuses/${sensitive}/favourite`);
for (const who of ["ada", "bob"]) expect((await call(who, "POST", `/api/v1/statuses/${old?.id}/favourite`)).status).toBe(200);
shareLink(bobCats, "https://news.example/story");
const adaShares = await post("ada", "Read this https://news.example/story");
shareLink(adaShares, "https://news.example/story");

test("the job ranks what several people used, liked and boosted, or shared: only public, discoverable, recent", async () => {
  expect(await rank()).toBe("trending: 1 hashtags, 1 posts, 1 links");
  const counted = sql.query<{ kind: string; accounts: number }, []>("SELECT kind, accounts FROM trends ORDER BY kind").all();
  expect(counted).toEqual([
    { kind: "link", accounts: 2 },
    { kind: "post", accounts: 2 }, // ada's like and bob's boost; dan's own like is not counted
    { kind: "tag", accounts: 2 }, // bob and cy; not fay (limited), not eve (not discoverable)
  ]);
  const tags = await json(await call(null, "GET", "/api/v1/trends/tags"));
  expect(tags).toMatchObject([{ name: "cats", url: `${origin}/tags/cats` }]);
  expect(tags[0].history.length).toBe(7);
  const today = String(Math.floor(Date.now() / 86_400_000) * 86_400);
  expect(tags[0].history[0]).toEqual({ day: today, uses: "2", accounts: "2" });
  expect(tags[0].history[1]).toMatchObject({ uses: "0", accounts: "0" });
  expect(await names("/api/v1/trends")).toEqual(["cats"]);
  expect(await names("/api/v1/trends/statuses")).toEqual([popular]);
  const links = await json(await call(null, "GET", "/api/v1/trends/links"));
  expect(links).toMatchObject([{ url: "https://news.example/story", title: "A good read" }]);
  expect(links[0].history.length).toBe(7);
  expect(links[0].history[0]).toEqual({ day: today, uses: "2", accounts: "2" });
  // A trending link's posts (Mastodon's link timeline, and its page); a link that does not trend has none.
  const story = encodeURIComponent("https://news.example/story");
  expect(await names(`/api/v1/timelines/link?url=${story}`)).toEqual([adaShares, bobCats]);
  expect((await call(null, "GET", `/api/v1/timelines/link?url=${encodeURIComponent("https://elsewhere.example/")}`)).status).toBe(
    404,
  );
  expect(await (await t.request("/trending")).text()).toContain(`href="/trending/link?url=${story}"`);
  const linkPage = await (await t.request(`/trending/link?url=${story}`)).text();
  expect(linkPage).toContain("A good read");
  expect(linkPage).toContain("Read this");
  expect(linkPage).toContain("Look at this");
  expect((await t.request(`/trending/link?url=${encodeURIComponent("https://elsewhere.example/")}`)).status).toBe(404);
  // A member who muted dan does not get his post.
  await call("cy", "POST", `/api/v1/accounts/${m("dan").id}/mute`);
  expect(await names("/api/v1/trends/statuses", "cy")).toEqual([]);
});

test("Explore → Trending; moderators hide what should not trend, and let it trend again", async () => {
  const page = await (await t.request("/trending")).text();
  expect(page).toContain('<a href="/trending" aria-current="page">Trending</a>');
  expect(page).toContain("#cats");
  expect(page).toContain("2 people in the last two days");
  expect(page).toContain("Big news today");
  expect(page).toContain("A good read");
  expect(page).not.toContain("Hide from trends");
  expect(await (await m("bob").browser.get("/trending")).text()).not.toContain("Hide from trends");
  expect(await (await m("mia").browser.get("/trending")).text()).toContain("Hide from trends");

  const tagId = sql.query<{ id: string }, []>("SELECT id FROM tags WHERE name = 'cats'").get()?.id ?? "";
  expect((await m("bob").browser.post("/admin/trends/hide", { kind: "tag", id: tagId })).status).toBe(403);
  expect((await m("mia").browser.post("/admin/trends/hide", { kind: "tag", id: tagId })).status).toBe(303);
  expect(await names("/api/v1/trends/tags")).toEqual([]);
  await rank();
  expect(await names("/api/v1/trends/tags")).toEqual([]); // stays hidden at the next ranking
  const admin = await (await m("mia").browser.get("/admin/trends")).text();
  expect(admin).toContain("#cats");
  expect(admin).toContain("Trends are on."); // a moderator sees the setting, does not change it
  expect((await m("mia").browser.post("/admin/trends/unhide", { kind: "tag", id: tagId })).status).toBe(303);
  // "Rank now" on the trends page, rather than waiting for the job.
  expect((await m("mia").browser.post("/admin/trends/rank", {})).status).toBe(303);
  expect(await names("/api/v1/trends/tags")).toEqual(["cats"]);
  expect((await m("mia").browser.post("/admin/trends/hide", { kind: "tag", id: "nothing" })).status).toBe(404);
  const audit = sql.query<{ action: string }, []>("SELECT action FROM audit_log WHERE action LIKE 'trends.%'").all();
  expect(audit.map((a) => a.action)).toEqual(["trends.hide", "trends.unhide"]);
});

test("admins switch trends off: Explore and apps show none", async () => {
  expect((await m("mia").browser.post("/admin/trends", {})).status).toBe(403);
  expect((await m("ada").browser.post("/admin/trends", {})).status).toBe(303); // unticked: off
  expect(await names("/api/v1/trends/tags")).toEqual([]);
  expect(await names("/api/v1/trends/statuses")).toEqual([]);
  expect(await (await t.request("/trending")).text()).toContain("switched trends off");
  expect((await m("ada").browser.post("/admin/trends", { enabled: "1" })).status).toBe(303);
  expect(await names("/api/v1/trends/tags")).toEqual(["cats"]);
});
