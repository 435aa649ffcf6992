// The load run of issue 7 (`bun test/bench/load.ts`, not part of `bun run bench`: it takes a few
// minutes). A Skein process over 200,000 posts and 2,000 accounts takes 200 signed activities a
// second at its shared inbox, from 20 servers, for 60 s, while 20 members page through their home
// timelines and post (their posts go out to those servers). Then one server floods on its own.
// Reports the inbox acceptance, page times, queue lag (post → arrival at a follower's inbox) and
// peak resident memory.
import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../../src/db/ids.ts";
import { WebClient } from "../helpers/client.ts";
import { tempDir } from "../helpers/db.ts";
import { freePort, mainScript, repoRoot, runCli, startInstance } from "../helpers/instance.ts";
import { startSenders } from "../helpers/sender.ts";
import { ACCOUNTS, POSTS, percentile, seedInstance } from "./seed.ts";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const RATE = Number(process.env.LOAD_RATE ?? 200); // activities per second, all servers together
const SERVERS = 20;
const MEMBERS = 20;
const FLOOD_SECONDS = Number(process.env.FLOOD_SECONDS ?? 20);
const PASSWORD = "correct horse battery";
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** A remote server with one actor, whose deliveries to Skein are signed beforehand. */
async function startServer(received: (body: string) => void) {
  const sender = await startSenders(["sender"], { received });
  const actor = sender.actorId("sender");
  let n = 0;
  /** A signed Create(Note) for Skein's shared inbox. */
  const note = (inbox: string) => {
    const id = `${sender.base}/notes/${n++}`;
    const activity = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${id}/activity`,
      type: "Create",
      actor,
      to: [PUBLIC],
      cc: [`${actor}/followers`],
      object: {
        id,
        type: "Note",
        attributedTo: actor,
        content: `<p>note ${n} about #bread</p>`,
        to: [PUBLIC],
        published: new Date().toISOString(),
      },
    };
    return sender.sign(inbox, activity, "sender");
  };
  return { actorId: actor, note, stop: sender.stop };
}

/** Resident memory now and at its peak, in MB, of a process. */
function memory(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
  // RssAnon is the process's own memory; RssFile the executable's pages and other mapped files,
  // which the kernel can drop and read again.
  return { rss: kb("VmRSS"), peak: kb("VmHWM"), anon: kb("RssAnon"), file: kb("RssFile") };
}

/** Timings of one kind of request, and a table row of them. */
class Timings {
  readonly ms: number[] = [];
  errors = 0;
  /** Times a request to the end of its body; returns its status and body. */
  async time(call: () => Promise<Response>) {
    const began = performance.now();
    const res = await call();
    const body = await res.text();
    if (res.status >= 400) this.errors++;
    else this.ms.push(performance.now() - began);
    return { status: res.status, body };
  }
  row() {
    const sorted = this.ms.toSorted((a, b) => a - b);
    return {
      requests: sorted.length,
      errors: this.errors,
      "p50 ms": percentile(sorted, 50)?.toFixed(1),
      "p99 ms": percentile(sorted, 99)?.toFixed(1),
    };
  }
}

/** The executable people run (built if missing): memory is measured on it, not on the sources. */
const binary = join(repoRoot, "dist/skein");

async function setUp() {
  if (!existsSync(binary)) Bun.spawnSync(["bun", "run", "build"], { cwd: repoRoot });
  const cwd = tempDir("skein-load-");
  const data = join(cwd, "data");
  const names = Array.from({ length: MEMBERS }, (_, i) => `member${i}`);
  for (const [i, name] of names.entries())
    await runCli(
      ["user", "create", name, "--email", `${name}@example.com`, "--role", i === 0 ? "owner" : "user", "--data", data],
      {
        cwd,
        stdin: `${PASSWORD}\n`,
      },
    );
  const db = new Database(join(data, "skein.db"));
  const members = db.query<{ id: string }, []>("SELECT account_id AS id FROM users ORDER BY created_at").all();
  const fillMs = seedInstance(db, members[0]?.id as string);
  // Every member follows what the first one follows, so every home timeline is full.
  db.run(
    `INSERT INTO follows (id, follower_id, following_id, state)
     SELECT lower(hex(randomblob(16))), u.account_id, f.following_id, 'accepted'
     FROM users u, follows f WHERE f.follower_id = ? AND u.account_id != ?`,
    [members[0]?.id as string, members[0]?.id as string],
  );
  db.run("ANALYZE");
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const skein = await startInstance({
    cwd,
    port,
    args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--allow-private-addresses", "--log-level", "warning"],
    // BENCH_PROFILE=DIR writes a CPU profile of the Skein process (markdown) into DIR.
    command: process.env.BENCH_PROFILE
      ? ["bun", "--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, mainScript]
      : [binary],
  });
  return { skein, url, db, names, members, fillMs };
}

async function loadRun() {
  const { skein, url, db, names, members, fillMs } = await setUp();
  const pid = skein.proc.pid;
  const postedAt = new Map<string, number>();
  const lags: number[] = [];
  const arrived = (body: string) => {
    const said = /member \d+ says hello, round \d+/.exec(body)?.[0];
    const at = said ? postedAt.get(said) : undefined;
    if (at !== undefined) {
      lags.push(performance.now() - at);
      postedAt.delete(said as string); // the first of the servers it goes to counts
    }
  };
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startServer(arrived)));
  // Each server is heard once (Skein stores its actor); then it and every member follow each
  // other, as on a real instance: its posts are for members' home timelines (a post nobody here
  // follows is not kept), and members' posts go out to it.
  for (const s of servers) await fetch(await s.note(`${url}/inbox`));
  const follow = db.prepare("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')");
  for (const s of servers) {
    const remote = db.query<{ id: string }, [string]>("SELECT id FROM accounts WHERE uri = ?").get(s.actorId);
    if (!remote) throw new Error(`${s.actorId} was not stored`);
    for (const m of members) {
      follow.run(newId(), remote.id, m.id);
      follow.run(newId(), m.id, remote.id);
    }
  }

  // Each member's signing keys are made on first use (a second or so of CPU for twenty): made
  // here, by fetching their actors, so the run measures an instance whose members have posted before.
  for (const name of names) await fetch(`${url}/@${name}`, { headers: { accept: "application/activity+json" } });
  const clients = await Promise.all(
    names.map(async (name) => {
      const browser = new WebClient(fetch, url);
      await browser.login(name, PASSWORD);
      return browser;
    }),
  );
  // Signed beforehand, so the sender's work does not slow the run (a Date stays valid for an hour).
  const total = RATE * SECONDS;
  const deliveries = await Promise.all(
    Array.from({ length: total }, (_, i) => (servers[i % SERVERS] as (typeof servers)[0]).note(`${url}/inbox`)),
  );

  const pages = new Timings();
  const posts = new Timings();
  const inbox = new Timings();
  const statuses: Record<number, number> = {};
  const before = memory(pid);
  let running = true;
  const memberLoop = async (browser: WebClient, i: number) => {
    for (let round = 0; running; round++) {
      const home = await pages.time(() => browser.get("/"));
      const next = /href="(\/\?max_id=[^"]+)"/.exec(home.body)?.[1];
      if (next) await pages.time(() => browser.get(next.replaceAll("&amp;", "&")));
      if (home.status === 200 && round % 5 === i % 5) {
        const said = `member ${i} says hello, round ${round}`;
        postedAt.set(said, performance.now());
        const res = await posts.time(() => browser.post("/statuses", { status: `${said} #bread`, visibility: "public" }));
        if (res.status >= 400) postedAt.delete(said);
      }
      await Bun.sleep(500 + Math.random() * 1000); // a person reads a little between pages
    }
  };
  const membersDone = clients.map(memberLoop);

  // Resident memory sampled through the run (the process's own peak also counts its start-up
  // and the members' logins).
  let floodPeak = 0;
  let peakParts = { anon: 0, file: 0 };
  const sampler = setInterval(() => {
    const now = memory(pid);
    if (now.rss > floodPeak) [floodPeak, peakParts] = [now.rss, now];
  }, 250);
  // Open loop: deliveries leave on a schedule whatever the answers' pace (at most 512 waiting).
  const began = performance.now();
  let inFlight = 0;
  let dropped = 0;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (inFlight >= 512) {
      dropped++;
      continue;
    }
    inFlight++;
    const request = deliveries[i] as Request;
    sends.push(
      inbox
        .time(() => fetch(request))
        .then(
          ({ status }) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
          },
          () => {
            statuses[0] = (statuses[0] ?? 0) + 1;
          },
        )
        .finally(() => inFlight--),
    );
  }
  await Promise.all(sends);
  const floodMs = performance.now() - began;
  clearInterval(sampler);
  const during = memory(pid);
  running = false;
  await Promise.all(membersDone);
  // Deliveries of the members' last posts: wait for the queue to drain (at most 60 s).
  const drainBegan = performance.now();
  while (postedAt.size > 0 && performance.now() - drainBegan < 60_000) await Bun.sleep(100);
  const accepted = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
    .reduce((n, [, c]) => n + c, 0);
  const sortedLags = lags.toSorted((a, b) => a - b);

  console.log(
    `\nLoad run: ${RATE} signed Create(Note)/s from ${SERVERS} servers for ${SECONDS} s, ${MEMBERS} members paging and posting (${ACCOUNTS} accounts, ${POSTS} posts; filled in ${(fillMs / 1000).toFixed(1)} s)`,
  );
  console.table({
    "deliveries sent": { value: total - dropped, note: dropped ? `${dropped} not sent: 512 were waiting` : "" },
    "accepted (2xx)": { value: accepted, note: JSON.stringify(statuses) },
    "accepted per second": { value: Math.round((accepted / floodMs) * 1000), note: `over ${(floodMs / 1000).toFixed(1)} s` },
    "inbox answer p99 (ms)": { value: inbox.row()["p99 ms"], note: `p50 ${inbox.row()["p50 ms"]}` },
  });
  console.table({ "home pages (two per round)": pages.row(), "posts from the page": posts.row() });
  console.table({
    "queue lag, post → follower inbox (ms)": {
      p50: percentile(sortedLags, 50)?.toFixed(0),
      p99: percentile(sortedLags, 99)?.toFixed(0),
      max: sortedLags.at(-1)?.toFixed(0),
      deliveries: sortedLags.length,
      "never arrived": postedAt.size,
    },
  });
  console.table({
    "resident memory (MB)": {
      before: before.rss.toFixed(0),
      "at the end of the flood": during.rss.toFixed(0),
      "peak during the flood": floodPeak.toFixed(0),
      "peak of the process": memory(pid).peak.toFixed(0),
      target: "≤ 200",
    },
    "of it anonymous (MB)": { before: before.anon.toFixed(0), "peak during the flood": peakParts.anon.toFixed(0) },
    "of it file-backed (MB)": { before: before.file.toFixed(0), "peak during the flood": peakParts.file.toFixed(0) },
  });

  await floodFromOne(url, clients);
  for (const s of servers) s.stop();
  await skein.stop();
  db.close();
}

/**
 * One server sends as fast as it can (16 at a time); the members' pages are timed before and
 * during. The server's limit (20/s after a burst of 600) should turn most away cheaply.
 */
async function floodFromOne(url: string, clients: WebClient[]) {
  const flooder = await startServer(() => {});
  const signed = await Promise.all(Array.from({ length: 8000 }, () => flooder.note(`${url}/inbox`)));
  const timePages = async (seconds: number) => {
    const timings = new Timings();
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      clients.slice(0, 10).map(async (browser) => {
        while (performance.now() < end) {
          await timings.time(() => browser.get("/"));
          await Bun.sleep(200);
        }
      }),
    );
    return timings;
  };
  const quiet = await timePages(10);
  const statuses: Record<number, number> = {};
  let next = 0;
  let flooding = true;
  const flood = Array.from({ length: 16 }, async () => {
    while (flooding && next < signed.length) {
      const res = await fetch(signed[next++] as Request);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  });
  const loud = await timePages(FLOOD_SECONDS);
  flooding = false;
  await Promise.all(flood);
  flooder.stop();
  console.log(
    `\nOne server flooding the inbox (16 at a time) for ${FLOOD_SECONDS} s; 10 members load their home page every 200 ms`,
  );
  console.table({
    "pages, no flood": quiet.row(),
    "pages, during the flood": loud.row(),
  });
  console.table({ "the flood's answers": { sent: next, ...statuses } });
}

if (import.meta.main) await loadRun();
