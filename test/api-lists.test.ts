// The Mastodon API for lists in-process: lists, their accounts, the list timeline, bad input.
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);

const ORIGIN = "https://social.example";

async function setup() {
  const c = await community(["ada", "bob", "cy", "dee"]);
  const send = (r: Request) => c.app.handle(r);
  const tokenFor = async (name: string, scopes?: string) =>
    (await authorizeApp(send, ORIGIN, c.member(name).browser, scopes ? { scopes } : {})).token;
  const token = await tokenFor("ada");
  const call = async (method: string, path: string, body?: unknown, bearer: string = token, type = "application/json") => {
    const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
    if (body !== undefined) headers["content-type"] = type;
    const payload = body === undefined ? undefined : type === "application/json" ? JSON.stringify(body) : String(body);
    const res = await send(new Request(`${ORIGIN}${path}`, { method, headers, body: payload }));
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
  const id = (name: string) => c.member(name).accountId;
  // ada follows bob and cy (local, open accounts: accepted at once), not dee.
  for (const name of ["bob", "cy"]) expect((await call("POST", `/api/v1/accounts/${id(name)}/follow`)).status).toBe(200);
  return { c, call, id, tokenFor };
}

test("create, read, update and delete a list; its accounts; the lists an account is in", async () => {
  const { call, id } = await setup();
  const created = await call("POST", "/api/v1/lists", { title: "Bakers", replies_policy: "followed" });
  expect(created.status).toBe(200);
  expect(created.json).toEqual({ id: expect.any(String), title: "Bakers", replies_policy: "followed", exclusive: false });
  const listId = created.json.id;
  // Form-encoded, as some clients send it.
  const second = await call("POST", "/api/v1/lists", "title=Art&exclusive=true", undefined, "application/x-www-form-urlencoded");
  expect(second.json).toMatchObject({ title: "Art", replies_policy: "list", exclusive: true });

  expect((await call("GET", "/api/v1/lists")).json.map((l: { title: string }) => l.title)).toEqual(["Art", "Bakers"]);
  expect((await call("GET", `/api/v1/lists/${listId}`)).json.title).toBe("Bakers");
  const renamed = await call("PUT", `/api/v1/lists/${listId}`, { title: "Bread", exclusive: true });
  expect(renamed.json).toEqual({ id: listId, title: "Bread", replies_policy: "followed", exclusive: true });

  const added = await call("POST", `/api/v1/lists/${listId}/accounts`, { account_ids: [id("bob"), id("cy")] });
  expect(added).toMatchObject({ status: 200, json: {} });
  const members = await call("GET", `/api/v1/lists/${listId}/accounts?limit=1`);
  expect(members.json.map((a: { acct: string }) => a.acct)).toEqual(["cy"]);
  const next = /<([^>]+)>; rel="next"/.exec(members.headers.get("link") ?? "")?.[1] ?? "";
  expect((await call("GET", new URL(next).pathname + new URL(next).search)).json.map((a: { acct: string }) => a.acct)).toEqual([
    "bob",
  ]);
  expect((await call("GET", `/api/v1/lists/${listId}/accounts?limit=0`)).json).toHaveLength(2);
  expect((await call("GET", `/api/v1/accounts/${id("bob")}/lists`)).json).toEqual([renamed.json]);

  // Removal with the ids in the query string (as some clients send a DELETE).
  expect((await call("DELETE", `/api/v1/lists/${listId}/accounts?account_ids[]=${id("bob")}`)).status).toBe(200);
  expect((await call("GET", `/api/v1/accounts/${id("bob")}/lists`)).json).toEqual([]);
  expect((await call("DELETE", `/api/v1/lists/${listId}/accounts`, { account_ids: [id("cy")] })).status).toBe(200);
  expect((await call("GET", `/api/v1/lists/${listId}/accounts`)).json).toEqual([]);

  expect(await call("DELETE", `/api/v1/lists/${listId}`)).toMatchObject({ status: 200, json: {} });
  expect((await call("GET", `/api/v1/lists/${listId}`)).status).toBe(404);
});

test("the list timeline: members' posts, paged with a Link header; exclusive lists leave home", async () => {
  const { c, call, id } = await setup();
  const listId = (await call("POST", "/api/v1/lists", { title: "Bob", exclusive: true })).json.id;
  await call("POST", `/api/v1/lists/${listId}/accounts`, { account_ids: [id("bob")] });
  const posts = [];
  for (const n of [1, 2, 3]) posts.push(await c.post("bob", { status: `bob ${n}` }));
  const cyPost = await c.post("cy", { status: "cy here" });

  const first = await call("GET", `/api/v1/timelines/list/${listId}?limit=2`);
  expect(first.json.map((s: { id: string }) => s.id)).toEqual([posts[2], posts[1]]);
  expect(first.json[0]).toMatchObject({ account: { acct: "bob" }, content: expect.stringContaining("bob 3") });
  const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
  expect(next).toContain(`max_id=${posts[1]}`);
  const rest = await call("GET", new URL(next).pathname + new URL(next).search);
  expect(rest.json.map((s: { id: string }) => s.id)).toEqual([posts[0]]);

  const home = (await call("GET", "/api/v1/timelines/home")).json.map((s: { id: string }) => s.id);
  expect(home).toContain(cyPost);
  expect(home).not.toContain(posts[2]);
});

test("bad input: others' lists 404, not following 422, bad titles and policies 422, wrong scope 403", async () => {
  const { call, id, tokenFor } = await setup();
  const listId = (await call("POST", "/api/v1/lists", { title: "Mine" })).json.id;
  const bobs = await tokenFor("bob");
  for (const [method, path] of [
    ["GET", `/api/v1/lists/${listId}`],
    ["PUT", `/api/v1/lists/${listId}`],
    ["DELETE", `/api/v1/lists/${listId}`],
    ["GET", `/api/v1/lists/${listId}/accounts`],
    ["GET", `/api/v1/timelines/list/${listId}`],
  ] as const) {
    const res = await call(method, path, method === "PUT" ? { title: "Stolen" } : undefined, bobs);
    expect([method, path, res.status, res.json]).toEqual([method, path, 404, { error: "Record not found" }]);
  }
  expect((await call("POST", `/api/v1/lists/${listId}/accounts`, { account_ids: [id("ada")] }, bobs)).status).toBe(404);
  expect((await call("GET", `/api/v1/lists/${listId}`)).json.title).toBe("Mine");

  const notFollowing = await call("POST", `/api/v1/lists/${listId}/accounts`, { account_ids: [id("dee")] });
  expect(notFollowing).toMatchObject({ status: 422, json: { error: "Validation failed: You must be following this account" } });
  const unknown = await call("POST", `/api/v1/lists/${listId}/accounts`, {
    account_ids: ["0190b9f0-0000-7000-8000-000000000000"],
  });
  expect(unknown.status).toBe(404);
  expect((await call("GET", "/api/v1/accounts/0190b9f0-0000-7000-8000-000000000000/lists")).status).toBe(404);

  const long = await call("POST", "/api/v1/lists", { title: "x".repeat(101) });
  expect(long.status).toBe(422);
  expect(long.json.error).toStartWith("Validation failed: ");
  expect((await call("POST", "/api/v1/lists", { title: "" })).status).toBe(422);
  expect((await call("POST", "/api/v1/lists", {})).status).toBe(422);
  expect((await call("PUT", `/api/v1/lists/${listId}`, { replies_policy: "everyone" })).status).toBe(422);
  expect((await call("GET", "/api/v1/lists")).json).toHaveLength(1);

  const readOnly = await tokenFor("ada", "read");
  expect((await call("GET", "/api/v1/lists", undefined, readOnly)).status).toBe(200);
  const refused = await call("POST", "/api/v1/lists", { title: "Nope" }, readOnly);
  expect(refused).toMatchObject({ status: 403, json: { error: "This action is outside the authorized scopes" } });
  const statusesOnly = await tokenFor("ada", "read:statuses write:statuses");
  expect((await call("GET", "/api/v1/lists", undefined, statusesOnly)).status).toBe(403);
  expect((await call("GET", `/api/v1/timelines/list/${listId}`, undefined, statusesOnly)).status).toBe(403);
  const listsOnly = await tokenFor("ada", "read:lists write:lists");
  expect((await call("PUT", `/api/v1/lists/${listId}`, { title: "Renamed" }, listsOnly)).json.title).toBe("Renamed");
  expect((await call("GET", "/api/v1/lists", undefined, "nonsense")).status).toBe(401);
});
