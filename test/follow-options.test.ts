import { expect, setDefaultTimeout, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { receiveRemotePost } from "../src/core/remote.ts";
import { follows } from "../src/db/schema.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

setDefaultTimeout(30_000);

const ORIGIN = "https://social.example";
/** Events (the bell's notices) are handled after the request returns. */
const settle = () => Bun.sleep(20);

async function setup() {
  const t = testApp(ORIGIN);
  const members = await signedInMembers(t, ORIGIN, ["olga", "ada", "bob", "cy"]);
  const call = apiAs(t, ORIGIN, members);
  const post = async (who: string, status: string, extra: Record<string, unknown> = {}) =>
    (await json(await call(who, "POST", "/api/v1/statuses", { status, ...extra }))).id as string;
  /** Bob's "posted" notifications, as the texts of their posts. */
  const rung = async () =>
    (await json(await call("bob", "GET", "/api/v1/notifications?types[]=status"))).map((n: { status: { content: string } }) =>
      n.status.content.replace(/<[^>]+>/g, ""),
    );
  return { ...t, members, call, post, rung };
}

test("the bell on a profile: each new post of Ada's notifies Bob, not her boosts, replies to others or messages", async () => {
  const s = await setup();
  const bob = s.members("bob").browser;
  const adaId = s.members("ada").id;
  const profile = async () => (await bob.get("/@ada")).text();
  expect(await profile()).not.toContain("Notify me of new posts"); // only for whom one follows
  const refused = await bob.post(`/accounts/${adaId}/notify`, {});
  expect(refused.status).toBe(422);
  expect(await refused.text()).toContain("You do not follow this account.");

  await bob.post(`/accounts/${adaId}/follow`, {});
  expect((await bob.post(`/accounts/${adaId}/notify`, {})).status).toBe(303);
  expect(await profile()).toContain("Stop notifying me of new posts");
  expect(await json(await s.call("bob", "GET", `/api/v1/accounts/relationships?id[]=${adaId}`))).toMatchObject([
    { notifying: true, showing_reblogs: true },
  ]);

  const first = await s.post("ada", "a new post");
  const cys = await s.post("cy", "cy's post");
  await s.post("ada", "@cy a reply to cy", { in_reply_to_id: cys });
  await s.post("ada", "and a thread of my own", { in_reply_to_id: first });
  await s.call("ada", "POST", `/api/v1/statuses/${cys}/reblog`);
  await s.post("ada", "@bob only for bob", { visibility: "direct" });
  await s.post("ada", "for followers", { visibility: "private" });
  await settle();
  expect(await s.rung()).toEqual(["for followers", "and a thread of my own", "a new post"]);
  const page = await (await bob.get("/notifications")).text();
  expect(page).toContain("ada</a> <span>posted</span>");

  await bob.post(`/accounts/${adaId}/unnotify`, {});
  await s.post("ada", "after the bell");
  await settle();
  expect(await s.rung()).toHaveLength(3);
});

test("Hide boosts keeps someone's boosts out of home; Show boosts brings them back", async () => {
  const s = await setup();
  const bob = s.members("bob").browser;
  const adaId = s.members("ada").id;
  await bob.post(`/accounts/${adaId}/follow`, {});
  const cys = await s.post("cy", "cy's words, boosted by ada");
  await s.call("ada", "POST", `/api/v1/statuses/${cys}/reblog`);
  expect(await (await bob.get("/")).text()).toContain("cy&#39;s words, boosted by ada");
  await bob.post(`/accounts/${adaId}/hide_reblogs`, {});
  expect(await (await bob.get("/@ada")).text()).toContain("Show boosts");
  expect(await (await bob.get("/")).text()).not.toContain("cy&#39;s words, boosted by ada");
  expect((await json(await s.call("bob", "GET", `/api/v1/accounts/relationships?id[]=${adaId}`)))[0].showing_reblogs).toBe(false);
  await bob.post(`/accounts/${adaId}/show_reblogs`, {});
  expect(await (await bob.get("/")).text()).toContain("cy&#39;s words, boosted by ada");
});

test("a remote account's new post rings; its older posts fetched later do not", async () => {
  const s = await setup();
  const dee = storeRemoteAccount(s.deps.db, "https://far.example/users/dee");
  await s.call("bob", "POST", `/api/v1/accounts/${dee.id}/follow`, { notify: true });
  // The far server accepts the follow.
  s.deps.db
    .update(follows)
    .set({ state: "accepted" })
    .where(and(eq(follows.followerId, s.members("bob").id), eq(follows.followingId, dee.id)))
    .run();
  receiveRemotePost(
    s.deps,
    remoteNote(dee.id, "https://far.example/notes/old", {
      plainText: "from last year",
      createdAt: new Date(Date.now() - 365 * 24 * 3600_000),
    }),
  );
  receiveRemotePost(s.deps, remoteNote(dee.id, "https://far.example/notes/new", { plainText: "fresh from afar" }));
  await settle();
  expect(await s.rung()).toEqual(["fresh from afar"]);
});
