// The delivery queue facing a server that never answers: it holds at most `perHost` workers,
// and deliveries to other servers go on meanwhile.
import { expect, test } from "bun:test";
import { SqliteMessageQueue } from "../src/federation/queue.ts";
import { tempDatabase } from "./helpers/db.ts";

test("deliveries to a hanging server hold at most two workers; another server's go through", async () => {
  const t = tempDatabase();
  const queue = new SqliteMessageQueue(t.db, { concurrency: 4, pollIntervalMs: 50 });
  const outbox = (host: string, n: number) => ({ type: "outbox", inbox: `https://${host}/users/u${n}/inbox`, n });
  // More than any batch the queue looks at: the working server's message comes after all of them.
  await queue.enqueueMany(Array.from({ length: 100 }, (_, n) => outbox("hangs.example", n)));
  await queue.enqueue(outbox("works.example", 0));
  let hanging = 0;
  let maxHanging = 0;
  const delivered: string[] = [];
  const release: (() => void)[] = [];
  const controller = new AbortController();
  const listening = queue.listen(
    async (message) => {
      const { inbox } = message as { inbox: string };
      if (inbox.includes("hangs.example")) {
        maxHanging = Math.max(maxHanging, ++hanging);
        await new Promise<void>((resolve) => release.push(resolve));
        hanging--;
      }
      delivered.push(inbox);
    },
    { signal: controller.signal },
  );
  const started = Date.now();
  while (!delivered.some((i) => i.includes("works.example"))) {
    if (Date.now() - started > 5_000) throw new Error("the working server's delivery waited behind the hanging one");
    await Bun.sleep(20);
  }
  expect(maxHanging).toBe(2);
  // As each hanging delivery ends (at its deadline), the next one for that server starts.
  while (delivered.length < 101) {
    release.shift()?.();
    await Bun.sleep(5);
  }
  expect(maxHanging).toBe(2);
  controller.abort();
  for (const r of release) r();
  await listening;
  t.cleanup();
});

test("a queue that cannot write its bookkeeping keeps working once it can, and runs the message again", async () => {
  const t = tempDatabase();
  const queue = new SqliteMessageQueue(t.db, { concurrency: 1, pollIntervalMs: 50, leaseMs: 300 });
  const seen: string[] = [];
  const controller = new AbortController();
  const listening = queue.listen(
    (message) => {
      seen.push(String(message));
      // As a disk fills up: the handler did its work, deleting the message then fails (SQLITE_READONLY).
      if (message === "a" && seen.length === 1) t.sqlite.run("PRAGMA query_only = ON");
    },
    { signal: controller.signal },
  );
  await queue.enqueue("a");
  const until = async (check: () => boolean) => {
    const started = Date.now();
    while (!check()) {
      if (Date.now() - started > 5_000) throw new Error(`timed out; seen ${seen.join(",")}`);
      await Bun.sleep(20);
    }
  };
  await until(() => seen.length === 1);
  await Bun.sleep(100);
  t.sqlite.run("PRAGMA query_only = OFF");
  await queue.enqueue("b");
  // The only worker survived: b runs, and a runs again after its lease (at least once).
  await until(() => seen.includes("b") && seen.filter((m) => m === "a").length === 2);
  controller.abort();
  await listening;
  expect((t.sqlite.query("SELECT count(*) AS n FROM queue_messages").get() as { n: number }).n).toBe(0);
  t.cleanup();
});

test("tasks that reach out (Web Push, link previews) are held to the same two workers per server", async () => {
  const t = tempDatabase();
  const queue = new SqliteMessageQueue(t.db, { concurrency: 4, pollIntervalMs: 50 });
  for (let n = 0; n < 20; n++)
    await queue.enqueueTask({
      type: "push",
      subscriptionId: `s${n}`,
      notificationId: "n",
      target: `https://hangs.example/push/${n}`,
    });
  await queue.enqueueTask({ type: "card", postId: "p", target: "https://works.example/article" });
  let hanging = 0;
  let maxHanging = 0;
  const done: string[] = [];
  const release: (() => void)[] = [];
  queue.handleTasks(async (task) => {
    if (task.type === "push") {
      maxHanging = Math.max(maxHanging, ++hanging);
      await new Promise<void>((resolve) => release.push(resolve));
      hanging--;
    }
    done.push(task.type);
  });
  const controller = new AbortController();
  const listening = queue.listen(() => {}, { signal: controller.signal });
  const started = Date.now();
  while (!done.includes("card")) {
    if (Date.now() - started > 5_000) throw new Error("the link preview waited behind the hanging push service");
    await Bun.sleep(20);
  }
  expect(maxHanging).toBe(2);
  controller.abort();
  for (const r of release) r();
  await listening;
  t.cleanup();
});
