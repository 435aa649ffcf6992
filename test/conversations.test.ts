import { expect, test } from "bun:test";
import { fileEarlierConversations } from "../src/core/conversations.ts";
import { updatePolicy } from "../src/core/notification-policy.ts";
import { receiveRemotePost } from "../src/core/remote.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

const t = testApp("https://social.example");
const send = (request: Request) => t.app.handle(request);
const origin = "http://127.0.0.1:3000";

const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);
// These members take private messages from anyone: by default a stranger's wait in filtered
// notifications, out of Messages (test/notification-requests.test.ts).
for (const name of ["ada", "bob", "cy"]) updatePolicy(t.deps.db, m(name).id, { forPrivateMentions: "accept" });

async function call(who: string, method: string, path: string, body?: Record<string, unknown>) {
  const response = await send(
    new Request(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${m(who).token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk API entities
  return { status: response.status, link: response.headers.get("link"), json: (await response.json()) as any };
}
const say = async (who: string, status: string, extra: Record<string, unknown> = {}) =>
  (await call(who, "POST", "/api/v1/statuses", { status, visibility: "direct", ...extra })).json.id as string;
/** The member's conversations as [who else is in it, unread, the newest message's text]. */
const conversations = async (who: string) =>
  (
    (await call(who, "GET", "/api/v1/conversations")).json as {
      accounts: { acct: string }[];
      unread: boolean;
      last_status: { content: string };
    }[]
  ).map((c) => [c.accounts.map((a) => a.acct).join(","), c.unread, c.last_status.content.replace(/<[^>]+>/g, "")]);
/** Events are handled after the request returns. */
const settle = () => Bun.sleep(20);

test("a direct message and its reply are one conversation for both; unread until read or answered", async () => {
  const first = await say("ada", "@bob shall we bake on Sunday?");
  await settle();
  expect(await conversations("bob")).toEqual([["ada", true, "@bob shall we bake on Sunday?"]]);
  expect(await conversations("ada")).toEqual([["bob", false, "@bob shall we bake on Sunday?"]]);
  expect(await conversations("cy")).toEqual([]);

  await say("bob", "@ada yes, rye this time", { in_reply_to_id: first });
  await settle();
  expect(await conversations("ada")).toEqual([["bob", true, "@ada yes, rye this time"]]);
  expect(await conversations("bob")).toEqual([["ada", false, "@ada yes, rye this time"]]);

  const [ours] = (await call("ada", "GET", "/api/v1/conversations")).json;
  const read = await call("ada", "POST", `/api/v1/conversations/${ours.id}/read`);
  expect(read.json).toMatchObject({ id: ours.id, unread: false });
  expect(await conversations("ada")).toEqual([["bob", false, "@ada yes, rye this time"]]);

  // Somebody else's conversation is answered like one that does not exist.
  expect((await call("cy", "POST", `/api/v1/conversations/${ours.id}/read`)).status).toBe(404);
  expect((await call("cy", "DELETE", `/api/v1/conversations/${ours.id}`)).status).toBe(404);
  expect((await call("ada", "GET", `/api/v1/conversations/${ours.id}`)).json.id).toBe(ours.id);
});

test("removing a conversation hides it until its next message; posts that are not direct make none", async () => {
  await call("bob", "POST", "/api/v1/statuses", { status: "@cy a public hello", visibility: "public" });
  const [ours] = (await call("ada", "GET", "/api/v1/conversations")).json;
  expect(await call("ada", "DELETE", `/api/v1/conversations/${ours.id}`)).toMatchObject({ status: 200, json: {} });
  expect(await conversations("ada")).toEqual([]);
  expect(await conversations("bob")).toHaveLength(1); // Bob's list is his own
  expect(await conversations("cy")).toEqual([]);

  const last = (await call("bob", "GET", "/api/v1/conversations")).json[0].last_status.id;
  await say("bob", "@ada and bring the starter", { in_reply_to_id: last });
  await settle();
  expect(await conversations("ada")).toEqual([["bob", true, "@ada and bring the starter"]]);
});

test("a group message lists everyone else; a muted sender's messages file nothing for the one who muted", async () => {
  await say("cy", "@ada @bob bread club on Friday?");
  await settle();
  expect((await conversations("ada"))[0]).toEqual(["cy,bob", true, "@ada @bob bread club on Friday?"]);
  expect((await conversations("cy"))[0]).toEqual(["ada,bob", false, "@ada @bob bread club on Friday?"]);

  expect((await call("bob", "POST", `/api/v1/accounts/${m("cy").id}/mute`)).status).toBe(200);
  const before = await conversations("bob");
  await say("cy", "@bob just you and me");
  await settle();
  expect(await conversations("bob")).toEqual(before);
  expect((await conversations("cy"))[0]).toEqual(["bob", false, "@bob just you and me"]);
});

test("a direct message from another server opens a conversation; the list pages by its newest message", async () => {
  const far = storeRemoteAccount(t.deps.db, "https://far.example/users/dee");
  receiveRemotePost(
    t.deps,
    remoteNote(far.id, "https://far.example/notes/1", {
      plainText: "hello from afar",
      visibility: "direct",
      mentionedIds: [m("ada").id],
    }),
  );
  await settle();
  const list = await conversations("ada");
  expect(list[0]).toEqual(["dee@far.example", true, "hello from afar"]);

  const firstPage = await call("ada", "GET", "/api/v1/conversations?limit=1");
  expect(firstPage.json).toHaveLength(1);
  const next = new URL(/<([^>]+)>; rel="next"/.exec(firstPage.link ?? "")?.[1] ?? "");
  next.searchParams.set("limit", "40");
  const rest = await call("ada", "GET", next.pathname + next.search);
  expect(rest.json.map((c: { id: string }) => c.id)).not.toContain(firstPage.json[0].id);
  expect([...firstPage.json, ...rest.json]).toHaveLength(list.length);
});

test("an instance upgraded with direct messages files them once, as read", async () => {
  const before = await conversations("ada");
  t.database.sqlite.run("DELETE FROM account_conversations");
  t.database.sqlite.run("DELETE FROM instance_settings WHERE key = 'internal:conversations-filed'");
  expect(fileEarlierConversations(t.deps.db)).toBeGreaterThan(0);
  expect(await conversations("ada")).toEqual(before.map((c) => [c[0] as string, false, c[2] as string]));
  await call("ada", "DELETE", `/api/v1/conversations/${(await call("ada", "GET", "/api/v1/conversations")).json[0].id}`);
  expect(fileEarlierConversations(t.deps.db)).toBe(0); // once: a removed conversation stays removed
  expect(await conversations("ada")).toHaveLength(before.length - 1);
});

test("the Messages page lists the conversations, the newest first, and what was new is read once shown", async () => {
  await say("bob", "@ada one more thing");
  await settle();
  const home = await (await m("ada").browser.get("/")).text();
  expect(home).toMatch(/href="\/messages"[^>]*>\s*<span>Messages<\/span>\s*<span class="badge" aria-label="\d+ unread">/);
  const page = await (await m("ada").browser.get("/messages")).text();
  const first = /<section class="conversation unread">[\s\S]*?<\/section>/.exec(page)?.[0] ?? "";
  expect(first).toContain("With @bob");
  expect(first).toContain("one more thing");
  expect(page).toContain('value="direct" selected'); // a new message is for mentioned people only
  const again = await (await m("ada").browser.get("/messages")).text();
  expect(again).not.toContain('class="conversation unread"');
  expect(again).not.toMatch(/<span>Messages<\/span>\s*<span class="badge"/);
  const visitor = await new WebClient(send).get("/messages");
  expect(visitor.status).toBe(303);
});

test("a message written on the Messages page goes back there, and the next box is for a message again", async () => {
  const browser = m("ada").browser;
  const page = await (await browser.get("/messages")).text();
  expect(page).toContain('<input type="hidden" name="context" value="messages"/>');
  expect(page).toContain("Your message");
  const plain = await browser.post("/statuses", { status: "@bob see you at eight", visibility: "direct", context: "messages" });
  expect(plain.headers.get("location")).toBe("/messages");
  const htmx = await browser.post(
    "/statuses",
    { status: "@bob and bring flour", visibility: "direct", context: "messages" },
    { headers: { "hx-request": "true" } },
  );
  const fragment = await htmx.text();
  expect(fragment).toContain('value="direct" selected');
  expect(fragment).toContain('name="context" value="messages"');
  expect(fragment).toContain('hx-swap-oob="afterbegin:#feed"');
  // From the home page, the box after a post is back to the member's default.
  const home = await browser.post(
    "/statuses",
    { status: "@bob psst", visibility: "direct" },
    { headers: { "hx-request": "true" } },
  );
  expect(await home.text()).not.toContain('value="direct" selected');
});

test("deleting the newest message leaves the conversation, at the message it answered", async () => {
  const first = await say("ada", "@cy are you coming to the market?");
  const reply = await say("cy", "@ada yes, at nine", { in_reply_to_id: first });
  await settle();
  expect((await conversations("ada"))[0]).toEqual(["cy", true, "@ada yes, at nine"]);
  expect((await call("cy", "DELETE", `/api/v1/statuses/${reply}`)).status).toBe(200);
  await settle();
  expect((await conversations("ada"))[0]?.[2]).toBe("@cy are you coming to the market?");
  expect((await conversations("cy"))[0]?.[2]).toBe("@cy are you coming to the market?");
});
