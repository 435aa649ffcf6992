import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { testMessageQueue } from "@fedify/testing";
import { openDatabase } from "../src/db/open.ts";
import { SqliteMessageQueue } from "../src/federation/queue.ts";
import { tempDatabase } from "./helpers/db.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const t = tempDatabase();
  cleanups.push(t.cleanup);
  return t;
}

const until = async (predicate: () => boolean, ms = 10_000) => {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await Bun.sleep(20);
  }
};

test("passes @fedify/testing's message queue conformance suite, ordering keys included", async () => {
  const t = setup();
  // Two queue objects over one database, as two processes would share it.
  await testMessageQueue(
    () => new SqliteMessageQueue(openDatabase(t.path).db, { pollIntervalMs: 200 }),
    ({ controller }) => controller.abort(),
    { testOrderingKey: true },
  );
}, 90_000);

test("runs messages in the order they were queued, one ordering key at a time", async () => {
  const t = setup();
  const queue = new SqliteMessageQueue(t.db, { concurrency: 4 });
  const seen: string[] = [];
  for (const n of [1, 2, 3, 4, 5]) await queue.enqueue(`k${n}`, { orderingKey: "k" });
  const controller = new AbortController();
  const listening = queue.listen(
    async (m) => {
      await Bun.sleep(Math.random() * 20);
      seen.push(String(m));
    },
    { signal: controller.signal },
  );
  await until(() => seen.length === 5);
  controller.abort();
  await listening;
  expect(seen).toEqual(["k1", "k2", "k3", "k4", "k5"]);
});

test("a handler that throws leaves the message for a retry", async () => {
  const t = setup();
  const queue = new SqliteMessageQueue(t.db, { pollIntervalMs: 50 });
  await queue.enqueue({ n: 1 });
  const controller = new AbortController();
  let calls = 0;
  const listening = queue.listen(
    () => {
      calls++;
      throw new Error("remote server down");
    },
    { signal: controller.signal },
  );
  await until(() => calls === 1);
  controller.abort();
  await listening;
  const row = t.sqlite.query<{ attempts: number; last_error: string; run_at: number }, []>("SELECT * FROM queue_messages").get();
  expect(row?.attempts).toBe(1);
  expect(row?.last_error).toContain("remote server down");
  expect(row!.run_at).toBeGreaterThan(Date.now()); // backed off, not lost
});

test("a delayed message keeps its due time across a restart", async () => {
  const t = setup();
  const first = new SqliteMessageQueue(t.db);
  const queuedAt = Date.now();
  await first.enqueue("later", { delay: Temporal.Duration.from({ seconds: 1 }) });
  // A new process: a new connection and queue object over the same file.
  const second = new SqliteMessageQueue(openDatabase(t.path).db, { pollIntervalMs: 100 });
  expect(await second.getDepth()).toEqual({ queued: 1, ready: 0, delayed: 1 });
  const controller = new AbortController();
  let ranAt = 0;
  const listening = second.listen(() => void (ranAt = Date.now()), { signal: controller.signal });
  await until(() => ranAt > 0);
  controller.abort();
  await listening;
  expect(ranAt - queuedAt).toBeGreaterThanOrEqual(1000);
});

test("a process killed in the middle of a handler leaves the message for the next start", async () => {
  const t = setup();
  const marker = join(t.dir, "handler-started");
  await new SqliteMessageQueue(t.db).enqueue({ deliver: "to-inbox" });
  // A child process claims the message, signals that its handler started, and is killed -9.
  const child = Bun.spawn(["bun", join(import.meta.dir, "helpers/queue-worker.ts"), t.path, marker], { stdout: "ignore" });
  await until(() => Bun.file(marker).size > 0);
  child.kill("SIGKILL");
  await child.exited;

  const restarted = new SqliteMessageQueue(openDatabase(t.path).db, { pollIntervalMs: 50 });
  expect(restarted.releaseAbandoned()).toBe(1);
  const seen: unknown[] = [];
  const controller = new AbortController();
  const listening = restarted.listen((m) => void seen.push(m), { signal: controller.signal });
  await until(() => seen.length === 1);
  controller.abort();
  await listening;
  expect(seen).toEqual([{ deliver: "to-inbox" }]);
  expect(t.sqlite.query("SELECT count(*) AS n FROM queue_messages").get()).toEqual({ n: 0 });
});

test("a core task goes to the task handler, never to Fedify's; without a handler it waits for a retry", async () => {
  const t = setup();
  const queue = new SqliteMessageQueue(t.db, { pollIntervalMs: 20 });
  const fedify: unknown[] = [];
  const tasks: unknown[] = [];
  await queue.enqueueTask({ type: "import", importId: "one" }, "import:a");
  await queue.enqueue({ type: "outbox", inbox: "https://x.example/inbox" });
  const stop = new AbortController();
  const worker = queue.listen((m) => void fedify.push(m), { signal: stop.signal });
  await until(() => fedify.length === 1);
  await until(() => (t.sqlite.query<{ attempts: number }, []>("SELECT attempts FROM queue_messages").get()?.attempts ?? 0) > 0);
  expect(fedify).toEqual([{ type: "outbox", inbox: "https://x.example/inbox" }]);
  stop.abort();
  await worker;
  // Given a handler (as the app does at start), the retried task runs there.
  t.sqlite.run("UPDATE queue_messages SET run_at = 0");
  queue.handleTasks(async (task) => void tasks.push(task));
  const again = new AbortController();
  const second = queue.listen((m) => void fedify.push(m), { signal: again.signal });
  await until(() => tasks.length === 1);
  again.abort();
  await second;
  expect(tasks).toEqual([{ type: "import", importId: "one" }]);
  expect(fedify).toHaveLength(1);
  expect(t.sqlite.query("SELECT count(*) AS n FROM queue_messages").get()).toEqual({ n: 0 });
});
