// Severed relationships (Mastodon 4.3): a moderator's suspension of a server or a remote account
// ends the follows with it; each member who lost some is told how many, and can download whom.
import { expect, setDefaultTimeout, test } from "bun:test";
import { newId } from "../src/db/ids.ts";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { moderateAccount } from "../src/core/moderation.ts";
import { follows } from "../src/db/schema.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

setDefaultTimeout(30_000);

const ORIGIN = "https://social.example";
const t = testApp(ORIGIN);
const m = await signedInMembers(t, ORIGIN, ["ada", "bob", "cyd"]);
const call = apiAs(t, ORIGIN, m);
const { db } = t.deps;

const follow = (followerId: string, followingId: string, extra: Partial<typeof follows.$inferInsert> = {}) =>
  db
    .insert(follows)
    .values({ id: newId(), followerId, followingId, state: "accepted", ...extra })
    .run();

const far1 = storeRemoteAccount(db, "https://far.example/users/wren");
const far2 = storeRemoteAccount(db, "https://far.example/users/moss");
const far3 = storeRemoteAccount(db, "https://far.example/users/fern");
const sub = storeRemoteAccount(db, "https://sub.far.example/users/ivy");
const elsewhere = storeRemoteAccount(db, "https://other.example/users/rook");
follow(m("bob").id, far1.id, { showReblogs: false, notify: true });
follow(far2.id, m("bob").id);
follow(sub.id, m("bob").id);
follow(m("bob").id, far3.id, { state: "pending" }); // never accepted: nothing was lost
follow(m("ada").id, elsewhere.id);

const unread = async (who: string) =>
  ((await json(await call(who, "GET", "/api/v1/notifications/unread_count"))) as { count: number }).count;

test("suspending a server tells each member who lost follows how many, and lets them download whom", async () => {
  const before = await unread("bob");
  const block = {
    severity: "suspend" as const,
    publicComment: "",
    privateComment: "",
    obfuscate: false,
    rejectMedia: false,
    rejectReports: false,
  };
  blockDomain(t.deps, m("ada").id, { domain: "far.example", ...block });
  expect(await unread("bob")).toBe(before + 1);

  const page = await (await m("bob").browser.get("/notifications")).text();
  expect(page).toContain("The moderators suspended the server far.example: you lost 2 followers and 1 account you followed.");
  expect(page).toContain('<a href="/severed_relationships">See whom</a>');
  // The moderator who acted is not named.
  expect(page).not.toMatch(/ada<\/a> ended/);

  const list = await (await m("bob").browser.get("/severed_relationships")).text();
  const id = /\/severed_relationships\/([^/]+)\/following\.csv/.exec(list)?.[1] ?? "";
  expect(id).not.toBe("");
  const following = await m("bob").browser.get(`/severed_relationships/${id}/following.csv`);
  const day = new Date().toISOString().slice(0, 10);
  expect(following.headers.get("content-disposition")).toBe(`attachment; filename="following-far.example-${day}.csv"`);
  expect(await following.text()).toBe(
    "Account address,Show boosts,Notify on new posts,Languages\nwren@far.example,false,true,\n",
  );
  expect(await (await m("bob").browser.get(`/severed_relationships/${id}/followers.csv`)).text()).toBe(
    "Account address\nivy@sub.far.example\nmoss@far.example\n",
  );
  // Someone else's event is nobody else's to read; cyd lost nothing.
  expect((await m("cyd").browser.get(`/severed_relationships/${id}/following.csv`)).status).toBe(404);
  expect(await (await m("cyd").browser.get("/severed_relationships")).text()).toContain("No follow of yours was ever ended");
  expect(await unread("cyd")).toBe(0);

  // Apps get Mastodon's notification, from the member's own account, with the event counted for them.
  const [note] = (await json(await call("bob", "GET", "/api/v1/notifications?types[]=severed_relationships"))) as {
    account: { id: string };
    event: Record<string, unknown>;
  }[];
  expect(note?.account.id).toBe(m("bob").id);
  expect(await json(await call("bob", "GET", `/api/v1/notifications?account_id=${m("ada").id}`))).toEqual([]);
  expect(note?.event).toMatchObject({
    id,
    type: "domain_block",
    purged: false,
    target_name: "far.example",
    followers_count: 2,
    following_count: 1,
  });
  const grouped = (await json(await call("bob", "GET", "/api/v2/notifications"))) as {
    notification_groups: { type: string; event?: { target_name: string } }[];
  };
  expect(grouped.notification_groups.find((g) => g.type === "severed_relationships")?.event?.target_name).toBe("far.example");

  // Suspending it again cuts nothing more: no second notice.
  blockDomain(t.deps, m("ada").id, { domain: "far.example", ...block }, { change: true });
  expect(await json(await call("bob", "GET", "/api/v1/notifications?types[]=severed_relationships"))).toHaveLength(1);
});

test("suspending a remote account tells the members who followed it", async () => {
  moderateAccount(t.deps, { id: m("bob").id, role: "owner" }, elsewhere.id, { action: "suspend", reason: "spam", notify: false });
  const page = await (await m("ada").browser.get("/notifications")).text();
  expect(page).toContain("The moderators suspended @rook@other.example: you lost 1 account you followed.");
  const list = await (await m("ada").browser.get("/severed_relationships")).text();
  expect(list).toContain("Accounts you followed (CSV)");
  expect(list).not.toContain("Your followers (CSV)");
  const id = /\/severed_relationships\/([^/]+)\/following\.csv/.exec(list)?.[1] ?? "";
  expect((await m("ada").browser.get(`/severed_relationships/${id}/followers.csv`)).status).toBe(404);
  // The note on ada's account page names no moderator either.
  expect(await (await m("ada").browser.get("/settings/import-export")).text()).toContain('href="/severed_relationships"');
});
