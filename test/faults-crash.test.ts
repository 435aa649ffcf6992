// kill -9 in the middle of a burst: a member with followers on another server posts while signed
// activities arrive at the inbox. After a restart on the same folder nothing accepted is lost,
// every delivery arrives at least once, and the database is sound.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { WebClient } from "./helpers/client.ts";
import { tempDir } from "./helpers/db.ts";
import { type FaultPeer, startFaultPeer } from "./helpers/fault-peer.ts";
import { freePort, type Instance, runCli, startInstance } from "./helpers/instance.ts";

setDefaultTimeout(180_000);

/** Temporary folders of this file, removed at the end (after any mount on them is gone). */
const scratchDirs: string[] = [];
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const FOLLOWERS = Array.from({ length: 10 }, (_, i) => `f${i}`);
const SENDERS = ["s0", "s1", "s2"];
let peer: FaultPeer | undefined;
let skein: Instance | undefined;
afterAll(async () => {
  peer?.stop();
  if (skein && skein.proc.exitCode === null) await skein.stop();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

const scalar = (db: Database, sql: string) => Object.values(db.query(sql).get() as object)[0] as number;

async function waitFor(what: string, check: () => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

test("kill -9 mid-burst: accepted activities are kept, every delivery arrives at least once, the queue drains", async () => {
  const cwd = scratch("skein-faults-crash-");
  const data = join(cwd, "data");
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const created = await runCli(["user", "create", "alice", "--email", "a@example.com", "--role", "owner", "--data", data], {
    cwd,
    stdin: "correct horse battery\n",
  });
  expect(created.code).toBe(0);
  // Each follower has its own inbox; each answers after 150 ms, so deliveries are in flight at the kill.
  peer = await startFaultPeer({ actors: [...FOLLOWERS, ...SENDERS], inbox: "slow", delayMs: 150 });
  const remote = peer;
  const args = ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--allow-private-addresses"];
  skein = await startInstance({ cwd, port, args });
  const db = new Database(join(data, "skein.db"), { readonly: true });

  for (const name of FOLLOWERS) {
    const actor = remote.actorId(name);
    const follow = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${actor}/follows/1`,
      type: "Follow",
      actor,
      object: `${url}/@alice`,
    };
    expect((await remote.deliver(`${url}/@alice/inbox`, follow, name)).status).toBeLessThan(300);
  }
  await waitFor("the follows", () => scalar(db, "SELECT count(*) FROM follows WHERE state = 'accepted'") === FOLLOWERS.length);
  const browser = new WebClient((r) => fetch(r), url);
  await browser.login("alice", "correct horse battery");
  const csrf = await browser.csrf();

  // The burst: alice posts while three servers deliver posts; the kill comes once some of each got through.
  let posted = 0;
  const accepted: string[] = [];
  let killed = false;
  const posting = (async () => {
    for (let i = 0; i < 8 && !killed; i++) {
      const res = await browser
        .post("/statuses", { status: `burst ${i}`, visibility: "public", _csrf: csrf }, { csrf: false })
        .catch(() => undefined);
      if (res?.status === 303) posted++;
      await Bun.sleep(40);
    }
  })();
  const inbound = SENDERS.map(async (name) => {
    const actor = remote.actorId(name);
    for (let i = 0; i < 40 && !killed; i++) {
      const id = `${remote.base}/objects/${name}-${i}`;
      const activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: `${id}/activity`,
        type: "Create",
        actor,
        to: [PUBLIC],
        object: {
          id,
          type: "Note",
          attributedTo: actor,
          content: `<p>${name} ${i}</p>`,
          to: [PUBLIC],
          cc: [`${url}/@alice`], // a post that concerns nobody here is not kept
          published: new Date().toISOString(),
        },
      };
      const res = await remote.deliver(`${url}/inbox`, activity, name).catch(() => undefined);
      if (res && res.status < 300) accepted.push(id);
    }
  });
  await waitFor("the burst to get going", () => posted >= 3 && accepted.length >= 20, 60_000);
  skein.proc.kill("SIGKILL");
  killed = true;
  await skein.proc.exited;
  await Promise.all([posting, ...inbound]);
  const deliveredBeforeKill = remote.received.filter((r) => r.body.type === "Create").length;
  db.close();

  // The folder as the crash left it: SQLite recovers the WAL and finds nothing broken.
  const after = new Database(join(data, "skein.db"));
  expect(after.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  const queuedAtKill = scalar(after, "SELECT count(*) FROM queue_messages");
  const journaledAtKill = scalar(after, "SELECT count(*) FROM outbox_journal");
  // As if the kill had come between a post's commit and its fan-out (it sometimes does by itself).
  const first = after.query("SELECT id FROM posts WHERE uri IS NULL ORDER BY id LIMIT 1").get() as { id: string };
  after.run("INSERT INTO outbox_journal (id, type, event) VALUES (?, 'post.created', ?)", [
    Bun.randomUUIDv7(),
    JSON.stringify({ postId: first.id }),
  ]);
  after.close();

  skein = await startInstance({ cwd, port, args });
  const reopened = new Database(join(data, "skein.db"), { readonly: true });
  const restarted = Date.now();
  await waitFor("the queue to drain", () => scalar(reopened, "SELECT count(*) FROM queue_messages") === 0, 90_000);
  const drainMs = Date.now() - restarted;

  // Every activity answered 2xx is stored.
  const stored = new Set(
    (reopened.query("SELECT uri FROM posts WHERE uri IS NOT NULL").all() as { uri: string }[]).map((r) => r.uri),
  );
  expect(accepted.filter((id) => !stored.has(id))).toEqual([]);

  // Every post alice has (answered or not) reached every follower at least once.
  const mine = (
    reopened
      .query("SELECT p.id FROM posts p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'alice' AND a.domain IS NULL")
      .all() as { id: string }[]
  ).map((r) => r.id);
  expect(mine.length).toBeGreaterThanOrEqual(posted);
  const arrivals = new Map<string, number>();
  for (const r of remote.received) {
    const object = r.body.object as { id?: string } | undefined;
    if (r.body.type !== "Create" || !object?.id) continue;
    const key = `${object.id.split("/").at(-1)} ${r.path}`;
    arrivals.set(key, (arrivals.get(key) ?? 0) + 1);
  }
  const missing = mine.flatMap((id) => FOLLOWERS.map((f) => `${id} /users/${f}/inbox`).filter((key) => !arrivals.has(key)));
  const duplicates = [...arrivals.values()].reduce((sum, n) => sum + n - 1, 0);
  console.log(
    `crash: ${posted} posts answered, ${mine.length} stored; ${accepted.length} inbound accepted; ` +
      `${deliveredBeforeKill} deliveries before the kill, ${queuedAtKill} queued and ${journaledAtKill} journaled at the kill; ` +
      `drained ${drainMs} ms after the restart; ` +
      `${arrivals.size} distinct deliveries after restart, ${duplicates} duplicates`,
  );
  expect(missing).toEqual([]);
  expect(skein.output()).toContain("Sent again");
  expect(scalar(reopened, "SELECT count(*) FROM outbox_journal")).toBe(0);
  expect(reopened.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  reopened.close();
  expect(await skein.stop()).toBe(0);
});
