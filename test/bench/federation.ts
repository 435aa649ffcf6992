// Federation figures (`bun run bench`): signed Create(Note) accepted per second at the shared
// inbox, and the time to deliver one post to 500 followers on 100 inboxes. Everything runs on
// loopback: a Skein process, and in this process a signing sender and 100 small inbox servers.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { tempDir } from "../helpers/db.ts";
import { WebClient } from "../helpers/client.ts";
import { freePort, mainScript, runCli, startInstance } from "../helpers/instance.ts";
import { startSenders } from "../helpers/sender.ts";

const PASSWORD = "correct horse battery";
const NOTES = Number(process.env.NOTES ?? 1000);
const CONCURRENCY = 16;
const SENDERS = 4;

async function startSkein() {
  const cwd = tempDir("skein-fed-bench-");
  await runCli(["user", "create", "target", "--email", "t@example.com", "--role", "owner", "--data", join(cwd, "data")], {
    cwd,
    stdin: `${PASSWORD}\n`,
  });
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  // BENCH_PROFILE=DIR writes a CPU profile of the Skein process (markdown) into DIR.
  const profile = process.env.BENCH_PROFILE;
  const instance = await startInstance({
    cwd,
    port,
    command: profile ? ["bun", "--cpu-prof-md", `--cpu-prof-dir=${profile}`, mainScript] : undefined,
    args: [
      "--data",
      join(cwd, "data"),
      "--listen",
      `127.0.0.1:${port}`,
      "--url",
      url,
      "--allow-private-addresses",
      "--log-level",
      "warning",
    ],
  });
  return { instance, url, db: new Database(join(cwd, "data", "skein.db")) };
}

async function inboxThroughput() {
  const { instance, url, db } = await startSkein();
  // Four servers: one alone would be held at its limit (INBOX_LIMITS.perDomain, a burst of 600).
  const senders = await Promise.all(Array.from({ length: SENDERS }, () => startSenders(["sender"])));
  const sign = async (i: number) => {
    const sender = senders[(i + SENDERS) % SENDERS] as (typeof senders)[0];
    const actor = sender.actorId("sender");
    const note = `${sender.base}/notes/${i}`;
    const activity = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${note}/activity`,
      type: "Create",
      actor,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      object: {
        id: note,
        type: "Note",
        attributedTo: actor,
        content: `<p>note ${i}</p>`,
        to: ["https://www.w3.org/ns/activitystreams#Public"],
        published: new Date().toISOString(),
      },
    };
    return sender.sign(`${url}/inbox`, activity, "sender");
  };
  // Skein fetches and caches each sender's key and stores its actor, whom the member then
  // follows (a post that concerns nobody here is not kept).
  for (let i = -SENDERS; i < 0; i++) await fetch(await sign(i));
  db.run(
    `INSERT INTO follows (id, follower_id, following_id, state)
     SELECT lower(hex(randomblob(16))), u.account_id, a.id, 'accepted' FROM users u, accounts a WHERE a.domain IS NOT NULL`,
  );
  // Signed beforehand, so the figure is Skein's work and not this process's signing.
  const requests = await Promise.all(Array.from({ length: NOTES }, (_, i) => sign(i)));
  const started = performance.now();
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < NOTES) {
        const request = requests[next++];
        if (request) statuses.push((await fetch(request)).status);
      }
    }),
  );
  const acceptedMs = performance.now() - started;
  const stored = () => (db.query("SELECT count(*) AS n FROM posts").get() as { n: number }).n;
  while (stored() < NOTES && performance.now() - started < 120_000) await Bun.sleep(20);
  const storedMs = performance.now() - started;
  const accepted = statuses.filter((s) => s >= 200 && s < 300).length;
  console.log(`\nShared inbox: ${NOTES} signed Create(Note) from ${SENDERS} servers, ${CONCURRENCY} at a time`);
  console.table({
    "accepted (2xx)": { value: accepted },
    "accepted per second": { value: Math.round((accepted / acceptedMs) * 1000), target: "≥ 300" },
    "stored per second (processing kept up)": { value: Math.round(stored() / (storedMs / 1000)) },
  });
  for (const sender of senders) sender.stop();
  await instance.stop();
}

async function fanOut() {
  const INBOXES = 100;
  const FOLLOWERS = 500;
  const { instance, url, db } = await startSkein();
  const arrivals = new Map<number, number>();
  let postedAt = 0;
  const servers = Array.from({ length: INBOXES }, (_, i) =>
    Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (r) => {
        await r.text();
        if (!arrivals.has(i)) arrivals.set(i, performance.now() - postedAt);
        return new Response("", { status: 202 });
      },
    }),
  );
  const target = (db.query("SELECT id FROM accounts WHERE username = 'target'").get() as { id: string }).id;
  db.transaction(() => {
    for (let f = 0; f < FOLLOWERS; f++) {
      const server = servers[f % INBOXES];
      const host = `127.0.0.1:${server?.port}`;
      const id = Bun.randomUUIDv7();
      db.run("INSERT INTO accounts (id, username, domain, uri, inbox_url, shared_inbox_url) VALUES (?, ?, ?, ?, ?, ?)", [
        id,
        `f${f}`,
        host,
        `http://${host}/users/f${f}`,
        `http://${host}/users/f${f}/inbox`,
        `http://${host}/inbox`,
      ]);
      db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')", [
        Bun.randomUUIDv7(),
        id,
        target,
      ]);
    }
  })();
  const browser = new WebClient((r) => fetch(r), url);
  await browser.login("target", PASSWORD);
  postedAt = performance.now();
  await browser.post("/statuses", { status: "to all my followers", visibility: "public" });
  while (arrivals.size < INBOXES && performance.now() - postedAt < 120_000) await Bun.sleep(10);
  const times = [...arrivals.values()].sort((a, b) => a - b);
  console.log(`\nDelivery of one post to ${FOLLOWERS} followers on ${INBOXES} loopback inboxes (shared inboxes)`);
  console.table({
    "inboxes reached": { value: `${arrivals.size} of ${INBOXES}` },
    "first inbox (ms)": { value: Math.round(times[0] ?? 0) },
    "all inboxes (ms)": { value: Math.round(times.at(-1) ?? 0) },
  });
  for (const s of servers) s.stop(true);
  await instance.stop();
}

export async function federationBench(only?: "inbox" | "fan-out") {
  if (only !== "fan-out") await inboxThroughput();
  if (only !== "inbox") await fanOut();
}

if (import.meta.main)
  await federationBench(process.argv[2] === "inbox" || process.argv[2] === "fan-out" ? process.argv[2] : undefined);
