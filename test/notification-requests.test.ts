import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { follows } from "../src/db/schema.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";

// argon2 at each sign-in, and an OAuth dance per member.
setDefaultTimeout(60_000);

const ORIGIN = "https://social.example";

/** "olga" is the owner (staff); ada receives; bob and cy are strangers to her. */
async function setup() {
  const t = testApp(ORIGIN);
  const members = await signedInMembers(t, ORIGIN, ["olga", "ada", "bob", "cy"]);
  const call = apiAs(t, ORIGIN, members);
  const created: string[] = [];
  t.deps.events.on("notification.created", ({ accountId }) => {
    if (accountId === members("ada").id) created.push(accountId);
  });
  const post = async (who: string, status: string, extra: Record<string, unknown> = {}) =>
    (await json(await call(who, "POST", "/api/v1/statuses", { status, ...extra }))).id as string;
  const notes = async (query = "") => json(await call("ada", "GET", `/api/v1/notifications${query}`));
  const requests = async () => json(await call("ada", "GET", "/api/v1/notifications/requests"));
  const policy = async () => json(await call("ada", "GET", "/api/v2/notifications/policy"));
  const follow = (who: string, whom: string) => call(who, "POST", `/api/v1/accounts/${members(whom).id}/follow`);
  return { ...t, members, call, created, post, notes, requests, policy, follow };
}

describe("the default policy", () => {
  test("holds back a stranger's private mention: no list entry, badge or push; a request to review", async () => {
    const s = await setup();
    await s.post("bob", "@ada psst, want a deal?", { visibility: "direct" });
    expect(await s.notes()).toEqual([]);
    expect((await json(await s.call("ada", "GET", "/api/v1/notifications/unread_count"))).count).toBe(0);
    expect(s.created).toEqual([]); // nothing for streaming and push
    const policy = await s.policy();
    expect(policy).toMatchObject({
      for_not_following: "accept",
      for_not_followers: "accept",
      for_new_accounts: "accept",
      for_private_mentions: "filter",
      for_limited_accounts: "filter",
      summary: { pending_requests_count: 1, pending_notifications_count: 1 },
    });
    const [request] = await s.requests();
    expect(request).toMatchObject({ account: { id: s.members("bob").id }, notifications_count: "1" });
    expect(request.last_status.content).toContain("want a deal?");
    const all = await s.notes("?include_filtered=true");
    expect(all.map((n: { type: string }) => n.type)).toEqual(["mention"]);
  });

  test("lets in public mentions, a private answer to her own post, and anything from whom she follows or from staff", async () => {
    const s = await setup();
    await s.post("bob", "@ada hello in public");
    const hers = await s.post("ada", "@cy a private question", { visibility: "direct" });
    await s.post("cy", "@ada a private answer", { visibility: "direct", in_reply_to_id: hers });
    await s.post("olga", "@ada a word from the moderators", { visibility: "direct" });
    await s.follow("ada", "bob");
    await s.post("bob", "@ada now privately", { visibility: "direct" });
    expect((await s.notes()).map((n: { status: { content: string } }) => n.status.content.replace(/<[^>]+>/g, ""))).toEqual([
      "@ada now privately",
      "@ada a word from the moderators",
      "@ada a private answer",
      "@ada hello in public",
    ]);
    expect(await s.requests()).toEqual([]);
  });

  test("a stranger's private reply to her public post is as unsolicited as a new message", async () => {
    const s = await setup();
    const hers = await s.post("ada", "a public post");
    await s.post("bob", "@ada psst, about your post", { visibility: "direct", in_reply_to_id: hers });
    expect(await s.notes()).toEqual([]);
    expect((await s.requests())[0].account.id).toBe(s.members("bob").id);
  });

  test("holds back what a limited account does, unless she follows it", async () => {
    const s = await setup();
    const res = await s
      .members("olga")
      .browser.post(`/admin/accounts/${s.members("bob").id}/action`, { action: "silence", reason: "" });
    expect(res.status).toBe(303);
    const mine = await s.post("ada", "a public post");
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/favourite`);
    expect(await s.notes()).toEqual([]);
    expect((await s.requests())[0].account.id).toBe(s.members("bob").id);
  });
});

describe("accepting and dismissing", () => {
  test("accept moves the notifications in and lets the sender through from then on", async () => {
    const s = await setup();
    await s.post("bob", "@ada first", { visibility: "direct" });
    await s.post("bob", "@ada second", { visibility: "direct" });
    const [request] = await s.requests();
    expect(request.notifications_count).toBe("2");
    expect((await s.call("ada", "POST", `/api/v1/notifications/requests/${request.id}/accept`)).status).toBe(200);
    expect(await s.notes()).toHaveLength(2);
    expect(await s.requests()).toEqual([]);
    await s.post("bob", "@ada third", { visibility: "direct" });
    expect(await s.notes()).toHaveLength(3);
    expect(s.created).toHaveLength(1); // only the one that came in after
  });

  test("dismiss deletes them; the sender's next one makes a new request; other members' ids are refused", async () => {
    const s = await setup();
    await s.post("bob", "@ada spam", { visibility: "direct" });
    await s.post("cy", "@ada more spam", { visibility: "direct" });
    const [fromCy, fromBob] = await s.requests();
    expect(fromCy.account.id).toBe(s.members("cy").id);
    const stolen = await s.call("bob", "POST", `/api/v1/notifications/requests/${fromBob.id}/dismiss`);
    expect(stolen.status).toBe(404);
    expect(await json(stolen)).toEqual({ error: "There is no such notification request." });
    expect((await s.call("ada", "POST", "/api/v1/notifications/requests/dismiss", { id: [fromBob.id, fromCy.id] })).status).toBe(
      200,
    );
    expect(await s.requests()).toEqual([]);
    expect(await s.notes("?include_filtered=true")).toEqual([]);
    await s.post("bob", "@ada again", { visibility: "direct" });
    const [again] = await s.requests();
    expect(again.id).not.toBe(fromBob.id);
    expect(await json(await s.call("ada", "GET", "/api/v1/notifications/requests/merged"))).toEqual({ merged: true });
  });

  test("a stranger's private message stays out of Messages until she accepts; a thread she began is never held back", async () => {
    const s = await setup();
    const conversations = async () => json(await s.call("ada", "GET", "/api/v1/conversations"));
    await s.post("bob", "@ada hello stranger", { visibility: "direct" });
    expect(await conversations()).toEqual([]);
    const [request] = await s.requests();
    await s.call("ada", "POST", `/api/v1/notifications/requests/${request.id}/accept`);
    const [filed] = await conversations();
    expect(filed.last_status.content).toContain("hello stranger");
    expect(filed.unread).toBe(true);

    const hers = await s.post("ada", "@cy a private question", { visibility: "direct" });
    const reply = await s.post("cy", "@ada an answer", { visibility: "direct", in_reply_to_id: hers });
    const deeper = await s.post("cy", "@ada and more", { visibility: "direct", in_reply_to_id: reply });
    await s.post("cy", "@ada still more", { visibility: "direct", in_reply_to_id: deeper });
    expect(await s.notes()).toHaveLength(4);
    expect(await s.requests()).toEqual([]);
  });

  test("accepting files the messages for her alone: others in the conversation keep theirs as they were", async () => {
    const s = await setup();
    await s.follow("cy", "bob");
    await s.post("bob", "@ada @cy a group message", { visibility: "direct" });
    const [cyConversation] = await json(await s.call("cy", "GET", "/api/v1/conversations"));
    await s.call("cy", "POST", `/api/v1/conversations/${cyConversation.id}/read`);
    const [request] = await s.requests();
    await s.call("ada", "POST", `/api/v1/notifications/requests/${request.id}/accept`);
    expect((await json(await s.call("ada", "GET", "/api/v1/conversations")))[0].unread).toBe(true);
    expect((await json(await s.call("cy", "GET", "/api/v1/conversations")))[0].unread).toBe(false);
  });

  test("a request whose notifications were all undone starts anew with the next one", async () => {
    const s = await setup();
    await s.call("ada", "PATCH", "/api/v2/notifications/policy", { for_not_following: "filter" });
    const mine = await s.post("ada", "a public post");
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/favourite`);
    const [first] = await s.requests();
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/unfavourite`);
    expect(await s.requests()).toEqual([]);
    await s.call("cy", "POST", `/api/v1/statuses/${mine}/favourite`);
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/favourite`);
    const [fromBob, fromCy] = await s.requests();
    expect([fromBob.account.id, fromCy.account.id]).toEqual([s.members("bob").id, s.members("cy").id]);
    expect(fromBob.id).not.toBe(first.id);
  });

  test("a sender she blocks leaves the list", async () => {
    const s = await setup();
    await s.post("bob", "@ada hi", { visibility: "direct" });
    await s.call("ada", "POST", `/api/v1/accounts/${s.members("bob").id}/block`);
    expect(await s.requests()).toEqual([]);
  });
});

describe("changing the policy", () => {
  test("filter strangers: a like from someone she does not follow waits, one she follows comes in", async () => {
    const s = await setup();
    const changed = await json(await s.call("ada", "PATCH", "/api/v2/notifications/policy", { for_not_following: "filter" }));
    expect(changed).toMatchObject({ for_not_following: "filter", for_private_mentions: "filter" });
    const mine = await s.post("ada", "a public post");
    await s.call("cy", "POST", `/api/v1/statuses/${mine}/favourite`);
    expect(await s.notes()).toEqual([]);
    await s.follow("ada", "bob");
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/favourite`);
    expect((await s.notes()).map((n: { account: { id: string } }) => n.account.id)).toEqual([s.members("bob").id]);
  });

  test("ignore new accounts: nothing is made at all; a follower of three days counts as a follower", async () => {
    const s = await setup();
    await s.call("ada", "PATCH", "/api/v2/notifications/policy", { for_new_accounts: "drop", for_not_followers: "filter" });
    await s.follow("bob", "ada");
    expect(await s.notes("?include_filtered=true")).toEqual([]); // bob is new here: his follow is not even kept
    expect(await s.requests()).toEqual([]);

    await s.call("ada", "PATCH", "/api/v2/notifications/policy", { for_new_accounts: "accept" });
    const mine = await s.post("ada", "a public post");
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/favourite`);
    expect(await s.notes()).toEqual([]); // following her for minutes is not following her
    s.deps.db
      .update(follows)
      .set({ createdAt: new Date(Date.now() - 4 * 24 * 3600_000) })
      .where(and(eq(follows.followerId, s.members("bob").id), eq(follows.followingId, s.members("ada").id)))
      .run();
    await s.call("bob", "POST", `/api/v1/statuses/${mine}/reblog`);
    expect((await s.notes()).map((n: { type: string }) => n.type)).toEqual(["reblog"]);
  });

  test("v1's booleans read and write the same policy; a bad value is refused and changes nothing", async () => {
    const s = await setup();
    const v1 = await json(await s.call("ada", "PUT", "/api/v1/notifications/policy", { filter_new_accounts: true }));
    expect(v1).toMatchObject({ filter_not_following: false, filter_new_accounts: true, filter_private_mentions: true });
    expect((await s.policy()).for_new_accounts).toBe("filter");
    await s.call("ada", "PATCH", "/api/v1/notifications/policy", { filter_private_mentions: false });
    expect(await s.policy()).toMatchObject({ for_new_accounts: "filter", for_private_mentions: "accept" });
    const bad = await s.call("ada", "PATCH", "/api/v2/notifications/policy", { for_not_following: "sometimes" });
    expect(bad.status).toBe(422);
    expect((await json(bad)).error).toBeString();
    expect((await s.policy()).for_not_following).toBe("accept");
    expect((await s.call("ada", "PATCH", "/api/v2/notifications/policy", {})).status).toBe(200);
    const readOnly = await s.call(null, "GET", "/api/v2/notifications/policy");
    expect(readOnly.status).toBe(401);
  });
});

describe("the pages", () => {
  test("notifications link to the filtered ones; a request shows its posts; Accept and the policy form work", async () => {
    const s = await setup();
    await s.post("bob", "@ada buy my <b>course</b>", { visibility: "direct" });
    const ada = s.members("ada").browser;
    const notifications = await (await ada.get("/notifications")).text();
    expect(notifications).toContain("Filtered notifications: 1 person you may not know");
    const list = await (await ada.get("/notifications/requests")).text();
    expect(list).toContain("1 notification");
    const requestPath = /href="(\/notifications\/requests\/[^"]+)"/.exec(list)?.[1] ?? "";
    const one = await (await ada.get(requestPath)).text();
    expect(one).toContain("buy my &lt;b&gt;course&lt;/b&gt;");
    expect((await ada.post(`${requestPath}/accept`, {}, { csrf: false })).status).toBe(403);
    expect((await ada.post(`${requestPath}/accept`, {})).headers.get("location")).toBe("/notifications/requests");
    expect(await (await ada.get("/notifications")).text()).toContain("buy my &lt;b&gt;course&lt;/b&gt;");
    expect((await s.members("bob").browser.get(requestPath)).status).toBe(404);

    const saved = await ada.post("/notifications/policy", { for_not_following: "filter", for_limited_accounts: "drop" });
    expect(saved.headers.get("location")).toBe("/notifications/requests?saved=1");
    expect(await (await ada.get("/notifications/requests?saved=1")).text()).toContain("Saved.");
    expect(await s.policy()).toMatchObject({
      for_not_following: "filter",
      for_limited_accounts: "drop",
      for_new_accounts: "accept",
    });
    await ada.post("/notifications/policy", { for_new_accounts: "drop" }); // a form with one choice changes only it
    expect(await s.policy()).toMatchObject({
      for_not_following: "filter",
      for_limited_accounts: "drop",
      for_new_accounts: "drop",
    });
  });

  test("the API's account_id filter pages in SQL, so a page is not cut short", async () => {
    const s = await setup();
    await s.follow("ada", "bob");
    await s.follow("ada", "cy");
    await s.post("bob", "@ada from bob");
    await s.post("cy", "@ada from cy");
    const fromBob = await s.notes(`?account_id=${s.members("bob").id}&limit=1`);
    expect(fromBob.map((n: { account: { id: string } }) => n.account.id)).toEqual([s.members("bob").id]);
  });
});
