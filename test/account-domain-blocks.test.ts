// A member blocks a whole domain for themselves (Mastodon's POST /api/v1/domain_blocks, the
// profile button and Settings → Blocked domains): its posts and notifications go from their
// view only, their follows there end both ways and cannot start again, and unblocking undoes it.
import { expect, setDefaultTimeout, test } from "bun:test";
import { followAccepted, receiveFollow } from "../src/core/follows.ts";
import { receiveRemotePost } from "../src/core/remote.ts";
import { community } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

setDefaultTimeout(60_000);
const ORIGIN = "https://social.example";

test("a member's domain block hides the domain from them alone and cuts their follows there", async () => {
  const c = await community(["ada", "bob"]);
  const db = c.deps.db;
  const ada = c.member("ada");
  const send = (r: Request) => c.app.handle(r);
  const tokens = {
    ada: (await authorizeApp(send, ORIGIN, ada.browser)).token,
    bob: (await authorizeApp(send, ORIGIN, c.member("bob").browser)).token,
  };
  const call = async (method: string, path: string, body?: unknown, who: "ada" | "bob" = "ada") => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[who]}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await send(
      new Request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const carol = storeRemoteAccount(db, "https://far.example/users/carol");
  const dan = storeRemoteAccount(db, "https://far.example/users/dan");
  const erin = storeRemoteAccount(db, "https://near.example/users/erin");
  let n = 0;
  const remotePost = (author: { id: string; uri: string | null }, plainText: string, mentionedIds: string[] = []) =>
    receiveRemotePost(c.deps, remoteNote(author.id, `${author.uri}/notes/${n++}`, { plainText, mentionedIds }));
  const publicTexts = async (who: "ada" | "bob") =>
    ((await call("GET", "/api/v1/timelines/public", undefined, who)).json as { content: string }[]).map((s) => s.content);
  const notificationsOf = () =>
    c.database.sqlite.query("SELECT count(*) AS n FROM notifications WHERE account_id = ?").get(ada.accountId);
  const follows = (sql: string) => c.database.sqlite.query(`SELECT count(*) AS n FROM follows WHERE ${sql}`).get();

  // Ada follows carol, dan follows ada and mentions her; erin is on another server.
  expect((await call("POST", `/api/v1/accounts/${carol.id}/follow`)).status).toBe(200);
  followAccepted(db, ada.accountId, carol.id);
  expect(receiveFollow(c.deps, dan.id, ada.accountId, "https://far.example/follows/1")).toBe("accepted");
  remotePost(carol, "far away bread");
  remotePost(dan, "@ada hello from far", [ada.accountId]);
  remotePost(erin, "near bread");
  expect(notificationsOf()).toEqual({ n: 2 }); // dan's follow and mention

  // Bad input changes nothing.
  for (const domain of ["not a domain!", "social.example", ""]) {
    const refused = await call("POST", "/api/v1/domain_blocks", { domain });
    expect(refused.status).toBe(422);
    expect((refused.json as { error: string }).error).toBeString();
  }
  expect((await call("GET", "/api/v1/domain_blocks")).json).toEqual([]);

  expect(await call("POST", "/api/v1/domain_blocks", { domain: "https://FAR.example/" })).toEqual({ status: 200, json: {} });
  expect((await call("GET", "/api/v1/domain_blocks")).json).toEqual(["far.example"]);
  expect(await publicTexts("ada")).toEqual(["<p>near bread</p>"]);
  expect((await publicTexts("bob")).length).toBe(3); // only ada's view changes
  expect(follows(`follower_id = '${ada.accountId}' OR following_id = '${ada.accountId}'`)).toEqual({ n: 0 });
  // Its notifications go; one says whom she lost, as Mastodon's user_domain_block event.
  expect(notificationsOf()).toEqual({ n: 1 });
  const [severed] = (await call("GET", "/api/v1/notifications")).json as { type: string; event: Record<string, unknown> }[];
  expect(severed).toMatchObject({
    type: "severed_relationships",
    event: { type: "user_domain_block", target_name: "far.example", followers_count: 1, following_count: 1 },
  });
  expect(await c.page(ada.browser, "/severed_relationships")).toContain(
    "You blocked far.example: you lost 1 follower and 1 account you followed.",
  );
  const relation = await call("GET", `/api/v1/accounts/relationships?id[]=${carol.id}`);
  expect((relation.json as { domain_blocking: boolean }[])[0]?.domain_blocking).toBe(true);

  // Nothing new crosses: mentions, follows from there, follows to there.
  remotePost(dan, "@ada again", [ada.accountId]);
  expect(notificationsOf()).toEqual({ n: 1 });
  expect(receiveFollow(c.deps, dan.id, ada.accountId, "https://far.example/follows/2")).toBe("rejected");
  const follow = await call("POST", `/api/v1/accounts/${carol.id}/follow`);
  expect(follow.status).toBe(403);
  expect((follow.json as { error: string }).error).toContain("far.example");

  // Settings lists it; unblocking there brings the domain back.
  expect(await c.page(ada.browser, "/settings/domain-blocks")).toContain("Unblock far.example");
  const wrong = await ada.browser.post("/settings/domain-blocks", { domain: "no way" });
  expect(wrong.status).toBe(422);
  expect(await wrong.text()).toContain("Enter a domain name");
  expect((await ada.browser.post("/settings/domain-blocks/far.example/unblock", {})).status).toBe(303);
  expect((await call("GET", "/api/v1/domain_blocks")).json).toEqual([]);
  expect((await publicTexts("ada")).length).toBe(4);

  // The button on a remote profile blocks its server.
  expect(await c.page(ada.browser, "/@carol@far.example")).toContain("Block far.example");
  expect((await ada.browser.post(`/accounts/${carol.id}/block_domain`, {})).status).toBe(303);
  expect(await c.page(ada.browser, "/@carol@far.example")).toContain("Unblock far.example");
  expect(await call("DELETE", "/api/v1/domain_blocks?domain=far.example")).toEqual({ status: 200, json: {} });
  expect((await call("GET", "/api/v1/domain_blocks")).json).toEqual([]);
});
