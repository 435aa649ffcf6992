// Inbound limits: deliveries per server and per address at the inbox, posts and follows per
// member, and how much of a received object is read.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { createLocalUser } from "../src/core/accounts.ts";
import { follow } from "../src/core/follows.ts";
import { createPost } from "../src/core/posts.ts";
import { TokenBuckets } from "../src/core/rate-limit.ts";
import { Gate, INBOX_LIMITS } from "../src/federation/mount.ts";
import { testApp } from "./helpers/app.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";
import { WebClient } from "./helpers/client.ts";
import { type Instance, startFederatingInstance } from "./helpers/instance.ts";
import { startSenders } from "./helpers/sender.ts";

setDefaultTimeout(120_000);

test("a token bucket lets a burst through, then the rate, and names the wait", () => {
  const buckets = new TokenBuckets(2, 3);
  const t0 = 1_000_000;
  expect([1, 2, 3].map(() => buckets.take("a", t0))).toEqual([0, 0, 0]);
  expect(buckets.take("a", t0)).toBe(500);
  expect(buckets.take("b", t0)).toBe(0); // keys are counted apart
  expect(buckets.take("a", t0 + 500)).toBe(0); // one token back after half a second
  expect(buckets.take("a", t0 + 500)).toBeGreaterThan(0);
  expect(buckets.take("a", t0 + 10_000)).toBe(0); // refilled, never beyond the burst
});

test("the inbox's gate lets a few through at once, lines up some more, and turns the rest away", async () => {
  const gate = new Gate(2, 1);
  expect(await gate.enter()).toBe(true);
  expect(await gate.enter()).toBe(true);
  let third = false;
  const waiting = gate.enter().then((ok) => {
    third = ok;
  });
  expect(await gate.enter()).toBe(false); // two running, one waiting: full
  await Bun.sleep(1);
  expect(third).toBe(false);
  gate.leave(); // the one in line takes the turn
  await waiting;
  expect(third).toBe(true);
  gate.leave();
  gate.leave();
  expect(await gate.enter()).toBe(true); // all free again
});

describe("the inbox", () => {
  let skein: Instance;
  let url: string;
  let db: Database;
  const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

  beforeAll(async () => {
    let data: string;
    ({ instance: skein, url, data } = await startFederatingInstance("alice", ["--log-level", "error"]));
    db = new Database(join(data, "skein.db"), { readonly: true });
  });
  afterAll(async () => {
    db?.close();
    await skein?.stop();
  });

  /**
   * Sends sixteen at a time until one is refused for its rate; sixteen at a time outrun any
   * refill here, so this ends once the burst is used up. Returns the statuses before that and
   * the refusal.
   */
  async function untilLimited(send: (i: number) => Promise<Response>, most: number) {
    const statuses: Record<number, number> = {};
    for (let i = 0; i < most; i += 16) {
      const batch = await Promise.all(Array.from({ length: 16 }, (_, j) => send(i + j)));
      const refused = batch.find((r) => r.status === 429);
      if (refused) return { statuses, refused };
      for (const r of batch) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
    throw new Error(`no 429 after ${most} requests`);
  }

  test("one server past its burst gets 429 with Retry-After; another server is still heard", async () => {
    const flood = await startSenders(["flood"]);
    const other = await startSenders(["calm"]);
    try {
      const like = (i: number) => ({
        "@context": "https://www.w3.org/ns/activitystreams",
        id: `${flood.base}/likes/${i}`,
        type: "Like",
        actor: flood.actorId("flood"),
        object: `${url}/nothing/${i}`,
        to: [PUBLIC],
      });
      const { burst } = INBOX_LIMITS.perDomain;
      const { statuses: before, refused } = await untilLimited(
        (i) => flood.deliver(`${url}/inbox`, like(i), "flood"),
        10 * burst,
      );
      expect(before[202] ?? 0).toBeGreaterThanOrEqual(burst - 16);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

      const note = {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: `${other.base}/activities/1`,
        type: "Create",
        actor: other.actorId("calm"),
        to: [PUBLIC],
        object: {
          id: `${other.base}/notes/1`,
          type: "Note",
          attributedTo: other.actorId("calm"),
          content: "<p>still heard</p>",
          to: [PUBLIC],
          cc: [`${url}/@alice`], // a post that concerns nobody here is not kept
          published: new Date().toISOString(),
        },
      };
      expect((await other.deliver(`${url}/inbox`, note, "calm")).status).toBe(202);
      expect(db.query("SELECT count(*) AS n FROM posts WHERE uri = ?").get(`${other.base}/notes/1`)).toEqual({ n: 1 });
    } finally {
      flood.stop();
      other.stop();
    }
  });

  test("of a received post, 4 attachments, 100 tags and 500 addressees are read (30 tags kept); the rest is ignored", async () => {
    const sender = await startSenders(["wide"]);
    try {
      const actor = sender.actorId("wide");
      const note = {
        id: `${sender.base}/notes/wide`,
        type: "Note",
        attributedTo: actor,
        content: "<p>a very wide post</p>",
        to: [PUBLIC],
        // alice first (a post that concerns nobody here is not kept), then thousands more.
        cc: [`${url}/@alice`, ...Array.from({ length: 5000 }, (_, i) => `https://x${i}.example/users/u${i}`)],
        published: new Date().toISOString(),
        attachment: Array.from({ length: 12 }, (_, i) => ({
          type: "Document",
          mediaType: "image/png",
          url: `${sender.base}/m/${i}.png`,
        })),
        tag: Array.from({ length: 1000 }, (_, i) => ({ type: "Hashtag", name: `#tag${i}`, href: `${sender.base}/tags/tag${i}` })),
      };
      const activity = {
        "@context": ["https://www.w3.org/ns/activitystreams", { Hashtag: "as:Hashtag" }],
        id: `${sender.base}/activities/wide`,
        type: "Create",
        actor,
        to: [PUBLIC],
        object: note,
      };
      expect((await sender.deliver(`${url}/inbox`, activity, "wide")).status).toBe(202);
      const post = db.query<{ id: string }, [string]>("SELECT id FROM posts WHERE uri = ?").get(note.id);
      if (!post) throw new Error("not stored");
      const count = (table: string) =>
        (db.query(`SELECT count(*) AS n FROM ${table} WHERE post_id = ?`).get(post.id) as { n: number }).n;
      expect(count("media_attachments")).toBe(4);
      expect(count("post_tags")).toBe(30); // of the 100 read, a post keeps 30 (core/remote.ts)
    } finally {
      sender.stop();
    }
  });

  test("behind a proxy on this machine, failed logins count against the client's address, not everyone's", async () => {
    const from = (ip: string) => {
      const browser = new WebClient(fetch, url);
      return (username: string, password: string) =>
        browser.post("/login", { username, password }, { headers: { "x-forwarded-for": `10.9.9.9, ${ip}` } });
    };
    const guesser = from("203.0.113.50");
    for (let i = 0; i < 5; i++) expect((await guesser(`nobody${i}`, "wrong")).status).toBe(422);
    expect((await guesser("nobody9", "wrong")).status).toBe(429);
    expect((await from("198.51.100.60")("alice", "correct horse battery")).status).toBe(303);
  });

  test("one address past its burst gets 429 before anything is read; another address is not held up", async () => {
    const { burst } = INBOX_LIMITS.perAddress;
    // Junk: each is refused (400) until the address runs out, then 429.
    const junk = (from: string) =>
      fetch(`${url}/inbox`, {
        method: "POST",
        headers: { "content-type": "application/activity+json", "x-forwarded-for": from },
        body: "{}",
      });
    const { statuses: before } = await untilLimited(() => junk("203.0.113.7"), 10 * burst);
    expect(before).toEqual({ 400: expect.any(Number) });
    expect(before[400]).toBeGreaterThanOrEqual(burst - 16);
    expect((await junk("198.51.100.8")).status).toBe(400);
  });
});

describe("per member", () => {
  test("a member may post 300 times in three hours; the next gets 429 and nothing is stored", async () => {
    const t = testApp();
    const { accountId } = await createLocalUser(t.deps, {
      username: "prolific",
      email: "p@example.com",
      password: "correct horse battery",
      role: "user",
    });
    const author = { id: accountId, username: "prolific" };
    for (let i = 0; i < 300; i++) await createPost(t.deps, author, { status: `post ${i}` });
    expect(createPost(t.deps, author, { status: "one too many" })).rejects.toMatchObject({ status: 429 });
    const count = t.database.sqlite.query("SELECT count(*) AS n FROM posts WHERE account_id = ?").get(accountId);
    expect(count).toEqual({ n: 300 });
    t.database.cleanup();
  });

  test("a member may follow 400 accounts a day; the next gets 429 and no follow is made", async () => {
    const t = testApp();
    const { accountId } = await createLocalUser(t.deps, {
      username: "eager",
      email: "e@example.com",
      password: "correct horse battery",
      role: "user",
    });
    const remote = (i: number) => storeRemoteAccount(t.deps.db, `https://far${i % 7}.example/users/u${i}`).id;
    for (let i = 0; i < 400; i++) follow(t.deps, { id: accountId }, remote(i));
    expect(() => follow(t.deps, { id: accountId }, remote(400))).toThrow("400 accounts");
    const count = t.database.sqlite.query("SELECT count(*) AS n FROM follows WHERE follower_id = ?").get(accountId);
    expect(count).toEqual({ n: 400 });
    t.database.cleanup();
  });
});
