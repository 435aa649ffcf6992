// Muting a conversation (Mastodon's POST /statuses/:id/mute, and "Mute conversation" on the
// page): no notifications from anywhere in that thread, others as before, and undone by unmute.
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);
const ORIGIN = "https://social.example";

test("a muted thread notifies nothing, from any of its posts, until it is unmuted", async () => {
  const c = await community(["ada", "bob"]);
  const send = (r: Request) => c.app.handle(r);
  const { token } = await authorizeApp(send, ORIGIN, c.member("ada").browser);
  const call = async (method: string, path: string, bearer: string | null = token) => {
    const res = await send(
      new Request(`${ORIGIN}${path}`, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }),
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const bob = c.member("bob").browser;
  const notifications = () =>
    c.database.sqlite
      .query<{ type: string }, [string]>("SELECT type FROM notifications WHERE account_id = ? ORDER BY id")
      .all(c.member("ada").accountId)
      .map((n) => n.type);

  const root = await c.post("ada", { status: "What bread do you bake?" });
  const reply = await c.post("bob", { status: "@ada sourdough", in_reply_to_id: root });
  expect(notifications()).toEqual(["mention"]);

  // Muted from a reply: the whole thread, its first post included.
  const muted = await call("POST", `/api/v1/statuses/${reply}/mute`);
  expect(muted.status).toBe(200);
  expect(muted.json.muted).toBe(true);
  expect((await call("GET", `/api/v1/statuses/${root}`)).json.muted).toBe(true);
  expect((await call("POST", `/api/v1/statuses/${root}/mute`)).json.muted).toBe(true); // twice is once

  await c.post("bob", { status: "@ada and rye", in_reply_to_id: reply });
  await bob.post(`/statuses/${root}/favourite`, {});
  expect(notifications()).toEqual(["mention"]);
  // Elsewhere, bob is heard as before.
  const other = await c.post("ada", { status: "Another thought" });
  await bob.post(`/statuses/${other}/favourite`, {});
  expect(notifications()).toEqual(["mention", "favourite"]);

  // The page offers to unmute; unmuting there lets the thread notify again.
  const page = await (await c.member("ada").browser.get(`/@ada/${root}`)).text();
  expect(page).toContain("Unmute conversation");
  expect((await c.member("ada").browser.post(`/statuses/${root}/unmute`, {})).status).toBe(303);
  expect((await call("GET", `/api/v1/statuses/${reply}`)).json.muted).toBe(false);
  expect(await (await c.member("ada").browser.get(`/@ada/${root}`)).text()).toContain("Mute conversation");
  await c.post("bob", { status: "@ada and spelt", in_reply_to_id: root });
  expect(notifications()).toEqual(["mention", "favourite", "mention"]);

  // Bad input: an unknown post, and no token.
  const unknown = await call("POST", "/api/v1/statuses/0190a000-0000-7000-8000-000000000000/mute");
  expect(unknown.status).toBe(404);
  expect(unknown.json.error).toBeString();
  expect((await call("POST", `/api/v1/statuses/${root}/mute`, null)).status).toBe(401);
});
