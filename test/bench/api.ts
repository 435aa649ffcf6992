// The Mastodon API under 16 concurrent clients, over real HTTP to a Skein process: requests per
// second and p99 for GET /api/v1/timelines/home (40 statuses) and POST /api/v1/statuses, on the
// big instance of seed.ts. Run with `bun run bench` or `bun test/bench/api.ts`.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { newId } from "../../src/db/ids.ts";
import { sha256Hex } from "../../src/core/tokens.ts";
import { tempDir } from "../helpers/db.ts";
import { freePort, mainScript, runCli, startInstance } from "../helpers/instance.ts";
import { ACCOUNTS, POSTS, percentile, seedInstance } from "./seed.ts";

const CLIENTS = 16;
const READS = Number(process.env.API_READS ?? 2000);
const WRITES = Number(process.env.API_WRITES ?? 300);

/** Runs `total` calls from `CLIENTS` clients in parallel; returns the rate and per-call times. */
async function load(total: number, call: (i: number, client: number) => Promise<Response>) {
  const times: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (next < total) {
        const i = next++;
        const started = performance.now();
        const res = await call(i, client);
        await res.arrayBuffer();
        times.push(performance.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const wall = performance.now() - began;
  times.sort((a, b) => a - b);
  return { rps: Math.round((total / wall) * 1000), p50: percentile(times, 50), p99: percentile(times, 99), statuses };
}

export async function apiBench() {
  const cwd = tempDir("skein-api-bench-");
  const data = join(cwd, "data");
  await runCli(["user", "create", "viewer", "--email", "v@example.com", "--role", "owner", "--data", data], {
    cwd,
    stdin: "correct horse battery\n",
  });
  const db = new Database(join(data, "skein.db"));
  const viewer = db.query<{ account_id: string; id: string }, []>("SELECT account_id, id FROM users").get();
  if (!viewer) throw new Error("no user");
  const fillMs = seedInstance(db, viewer.account_id);
  // One token per client (each within the API's 300 calls per 5 minutes), stored as the OAuth
  // flow stores them (hashed), with the scopes a client asks for.
  const tokens = Array.from({ length: CLIENTS }, (_, i) => `bench-token-${i}`);
  const appId = newId();
  db.run("INSERT INTO oauth_apps (id, client_id, client_secret_hash, name, redirect_uris, scopes) VALUES (?, ?, ?, ?, ?, ?)", [
    appId,
    "bench",
    sha256Hex("secret"),
    "bench",
    '["urn:ietf:wg:oauth:2.0:oob"]',
    "read write follow",
  ]);
  for (const token of tokens)
    db.run("INSERT INTO oauth_tokens (id, token_hash, app_id, user_id, scopes) VALUES (?, ?, ?, ?, ?)", [
      newId(),
      sha256Hex(token),
      appId,
      viewer.id,
      "read write follow",
    ]);
  db.close();

  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const instance = await startInstance({
    cwd,
    port,
    args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--log-level", "warning"],
    // BENCH_PROFILE=DIR writes a CPU profile of the Skein process (markdown) into DIR.
    command: process.env.BENCH_PROFILE
      ? ["bun", "--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, mainScript]
      : undefined,
  });
  const auth = (client: number) => ({ authorization: `Bearer ${tokens[client]}` });
  // Warm up the JIT and SQLite's cache.
  for (let i = 0; i < CLIENTS; i++)
    await (await fetch(`${url}/api/v1/timelines/home?limit=40`, { headers: auth(i) })).arrayBuffer();

  const reads = await load(READS, (_, client) => fetch(`${url}/api/v1/timelines/home?limit=40`, { headers: auth(client) }));
  const writes = await load(WRITES, (i, client) =>
    fetch(`${url}/api/v1/statuses`, {
      method: "POST",
      headers: { ...auth(client), "content-type": "application/json" },
      body: JSON.stringify({ status: `Benchmark post ${i}: a few words about #bread and the weather.` }),
    }),
  );
  await instance.stop();
  console.log(
    `\nMastodon API, ${CLIENTS} concurrent clients over HTTP (${ACCOUNTS} accounts, ${POSTS} posts; filled in ${(fillMs / 1000).toFixed(1)} s)`,
  );
  const row = (r: Awaited<ReturnType<typeof load>>) => ({
    "requests/s": r.rps,
    "p50 (ms)": r.p50.toFixed(1),
    "p99 (ms)": r.p99.toFixed(1),
    statuses: JSON.stringify(Object.fromEntries(r.statuses)),
  });
  console.table({
    [`GET /api/v1/timelines/home (40), ${READS} calls`]: row(reads),
    [`POST /api/v1/statuses, ${WRITES} calls`]: row(writes),
  });
}

if (import.meta.main) await apiBench();
