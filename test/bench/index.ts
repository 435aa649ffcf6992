// Benchmarks: `bun run bench`. They print tables; nothing here asserts a time.
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { SqliteKvStore } from "../../src/federation/kv.ts";
import { SqliteMessageQueue } from "../../src/federation/queue.ts";
import { tempDatabase, tempDir } from "../helpers/db.ts";
import { freePort, repoRoot } from "../helpers/instance.ts";
import { apiBench } from "./api.ts";
import { federationBench } from "./federation.ts";
import { timelineBench } from "./timeline.ts";

const binary = join(repoRoot, "dist/skein");

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function rssMb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(text)?.[1]) / 1024;
}

async function startup(runs: number) {
  if (!existsSync(binary)) Bun.spawnSync(["bun", "run", "build"], { cwd: repoRoot });
  const starts: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cwd = tempDir("skein-bench-");
    const port = freePort();
    const began = performance.now();
    const proc = Bun.spawn([binary, "--listen", `127.0.0.1:${port}`, "--log-level", "warning"], {
      cwd,
      stdout: "ignore",
      stderr: "ignore",
    });
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await Bun.sleep(2);
    }
    starts.push(performance.now() - began);
    await fetch(`http://127.0.0.1:${port}/`); // render a page once, as a visitor would
    await Bun.sleep(3000);
    idle.push(rssMb(proc.pid));
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(cwd, { recursive: true, force: true });
  }
  console.log(`\nThe executable (${runs} starts, each from an empty folder)`);
  console.table({
    "binary size (MB)": { value: (statSync(binary).size / 1e6).toFixed(1), target: "≤ 120" },
    "start to first /healthz 200 (ms, median)": { value: median(starts).toFixed(0), target: "≤ 500" },
    "start (ms, slowest)": { value: Math.max(...starts).toFixed(0), target: "" },
    "idle resident memory (MB, median)": { value: median(idle).toFixed(1), target: "≤ 80" },
  });
}

async function queue(count: number) {
  const t = tempDatabase();
  const q = new SqliteMessageQueue(t.db, { pollIntervalMs: 50 });
  let began = performance.now();
  for (let i = 0; i < count; i++) await q.enqueue({ n: i });
  const enqueueMs = performance.now() - began;
  let done = 0;
  const controller = new AbortController();
  began = performance.now();
  const listening = q.listen(() => void done++, { signal: controller.signal });
  while (done < count) await Bun.sleep(5);
  const drainMs = performance.now() - began;
  controller.abort();
  await listening;

  const kv = new SqliteKvStore(t.db);
  began = performance.now();
  for (let i = 0; i < count; i++) await kv.set(["doc", `https://remote.example/${i}`], { id: i, type: "Note" });
  const setMs = performance.now() - began;
  began = performance.now();
  for (let i = 0; i < count; i++) await kv.get(["doc", `https://remote.example/${i}`]);
  const getMs = performance.now() - began;
  t.cleanup();
  const rate = (ms: number) => Math.round((count / ms) * 1000);
  console.log(`\nQueue and key-value store on SQLite (${count} operations each)`);
  console.table({
    "queue: enqueue (msg/s)": { value: rate(enqueueMs) },
    "queue: claim, handle, delete (msg/s)": { value: rate(drainMs) },
    "kv: set (op/s)": { value: rate(setMs) },
    "kv: get (op/s)": { value: rate(getMs) },
  });
}

await startup(Number(process.env.RUNS ?? 5));
await queue(Number(process.env.OPS ?? 5000));
await timelineBench();
await federationBench();
await apiBench();
