// Allowlist mode against a real Skein process: hand-signed deliveries and fetches from two
// servers (test/helpers/sender.ts), one listed and one not, and what Skein sends each of them.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { WebClient } from "./helpers/client.ts";
import { type Instance, startFederatingInstance } from "./helpers/instance.ts";
import { startSenders } from "./helpers/sender.ts";

setDefaultTimeout(60_000);

let skein: Instance;
let url: string;
let db: Database;
let alice: WebClient;
/** The server that will be listed (mallory, trent) and one that never is (olga). */
let friends: Awaited<ReturnType<typeof startSenders>>;
let strangers: Awaited<ReturnType<typeof startSenders>>;
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AS = "https://www.w3.org/ns/activitystreams";

beforeAll(async () => {
  let data: string;
  ({ instance: skein, url, data } = await startFederatingInstance());
  db = new Database(join(data, "skein.db"), { readonly: true });
  friends = await startSenders(["mallory", "trent"]);
  strangers = await startSenders(["olga"]);
  alice = new WebClient((r) => fetch(r), url);
  await alice.login("alice", "correct horse battery");
});
afterAll(async () => {
  friends?.stop();
  strangers?.stop();
  await skein?.stop();
});

const host = (server: { base: string }) => new URL(server.base).host;
const count = (sql: string, ...params: string[]) => (db.query(sql).get(...params) as { n: number }).n;
const settle = () => Bun.sleep(600); // inbound work runs on the queue
const deliveries = (server: { requests: string[] }) => server.requests.filter((r) => /^POST .*\/inbox$/.test(r)).length;
const create = (server: typeof friends, name: string, n: string) => {
  const actor = server.actorId(name);
  return {
    "@context": AS,
    id: `${actor}/activities/${n}`,
    type: "Create",
    actor,
    to: [PUBLIC],
    object: {
      id: `${server.base}/n/${n}`,
      type: "Note",
      attributedTo: actor,
      content: `<p>note ${n}</p>`,
      to: [PUBLIC],
      cc: [`${url}/@alice`], // addressed to a member: a post that concerns nobody here is not kept
      published: new Date().toISOString(),
    },
  };
};
const follow = (server: typeof friends, name: string) => ({
  "@context": AS,
  id: `${server.actorId(name)}/follows/${crypto.randomUUID()}`,
  type: "Follow",
  actor: server.actorId(name),
  object: `${url}/@alice`,
});
const settings = (extra: Record<string, string>) =>
  alice.post("/admin/settings", { name: "Skein", registration_mode: "approval", max_post_length: "500", ...extra });
/** Waits until `check` holds (deliveries leave through the queue), at most `ms`. */
async function eventually(check: () => boolean, ms = 20_000) {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await Bun.sleep(200);
  return check();
}

test("in blocklist mode (the default) both servers follow alice and get their Accept", async () => {
  for (const [server, name] of [
    [friends, "mallory"],
    [strangers, "olga"],
  ] as const) {
    expect((await server.deliver(`${url}/inbox`, follow(server, name), name)).status).toBeLessThan(300);
  }
  expect(await eventually(() => deliveries(friends) >= 1 && deliveries(strangers) >= 1)).toBe(true);
  expect(count("SELECT count(*) AS n FROM follows WHERE state = 'accepted'")).toBe(2);
});

test("switching to allowlist mode asks first (two follows would be cut), then keeps them", async () => {
  const asked = await settings({ federation_mode: "allowlist" });
  expect(await asked.text()).toContain("2 follow relationships between members and accounts on servers not listed");
  expect((await settings({ federation_mode: "allowlist", confirm_federation_mode: "1" })).status).toBe(303);
  expect(count("SELECT count(*) AS n FROM follows")).toBe(2);
});

test("a signed Create from a server not listed is refused before its key is fetched, and stores nothing", async () => {
  const posts = count("SELECT count(*) AS n FROM posts");
  const res = await friends.deliver(`${url}/inbox`, create(friends, "trent", "1"), "trent");
  expect(res.status).toBe(403);
  await settle();
  expect(count("SELECT count(*) AS n FROM posts")).toBe(posts);
  expect(friends.requests).not.toContain("GET /users/trent"); // trent's key was never asked for
});

test("actors, posts and collections refuse unsigned reads and reads signed by a server not listed", async () => {
  const as = { headers: { accept: "application/activity+json" } };
  for (const path of ["/@alice", "/@alice/outbox", "/@alice/followers"]) {
    expect({ path, status: (await fetch(`${url}${path}`, as)).status }).toEqual({ path, status: 401 });
    expect({ path, status: (await friends.signedGet(`${url}${path}`, "mallory")).status }).toEqual({ path, status: 401 });
  }
  // The instance actor, WebFinger and NodeInfo stay open; people still see the HTML page.
  expect((await fetch(`${url}/@skein`, as)).status).toBe(200);
  expect((await fetch(`${url}/.well-known/webfinger?resource=acct:alice@${new URL(url).host}`)).status).toBe(200);
  expect((await fetch(`${url}/.well-known/nodeinfo`)).status).toBe(200);
  expect((await fetch(`${url}/@alice`, { headers: { accept: "text/html" } })).status).toBe(200);
});

test("a search for an account on a server not listed asks that server nothing", async () => {
  const before = strangers.requests.length;
  const page = await (await alice.get(`/search?q=${encodeURIComponent(`@someone@${host(strangers)}`)}`)).text();
  expect(page).toContain("Nothing found for");
  expect(strangers.requests.length).toBe(before);
});

test("once the server is listed, its signed Create is stored and its signed reads answered", async () => {
  expect((await alice.post("/admin/domain-allows", { domain: host(friends), comment: "friends" })).status).toBe(303);
  const res = await friends.deliver(`${url}/inbox`, create(friends, "trent", "2"), "trent");
  expect(res.status).toBeLessThan(300);
  await settle();
  expect(count("SELECT count(*) AS n FROM posts WHERE uri = ?", `${friends.base}/n/2`)).toBe(1);
  expect((await friends.signedGet(`${url}/@alice`, "mallory")).status).toBe(200);
  expect((await fetch(`${url}/@alice`, { headers: { accept: "application/activity+json" } })).status).toBe(401); // unsigned
  // The server not listed is still refused.
  expect((await strangers.deliver(`${url}/inbox`, create(strangers, "olga", "3"), "olga")).status).toBe(403);
});

test("alice's post goes to the listed follower's server, and nothing to the other", async () => {
  const toFriends = deliveries(friends);
  const toStrangers = deliveries(strangers);
  const res = await alice.post("/statuses", { status: "hello, listed servers", visibility: "public" });
  expect(res.status).toBe(303);
  expect(await eventually(() => deliveries(friends) > toFriends)).toBe(true);
  await Bun.sleep(1000); // time for a delivery to the other server, if one were (wrongly) queued
  expect(deliveries(strangers)).toBe(toStrangers);
  // Nor is one waiting in the queue (for a retry, say).
  expect(count("SELECT count(*) AS n FROM queue_messages WHERE message LIKE ?", `%${strangers.base}%`)).toBe(0);
});

test("back in blocklist mode every server is open again, except a suspended one, by the same rule", async () => {
  expect((await settings({ federation_mode: "blocklist" })).status).toBe(303);
  const as = { headers: { accept: "application/activity+json" } };
  expect((await fetch(`${url}/@alice`, as)).status).toBe(200);
  expect((await strangers.signedGet(`${url}/@alice`, "olga")).status).toBe(200);
  await alice.post("/admin/domain-blocks", { domain: host(strangers), severity: "suspend", confirm: "1" });
  expect((await strangers.signedGet(`${url}/@alice`, "olga")).status).toBe(401);
  expect((await strangers.deliver(`${url}/inbox`, create(strangers, "olga", "4"), "olga")).status).toBe(403);
  expect((await fetch(`${url}/@alice`, as)).status).toBe(200); // unsigned reads stay open in this mode
});
