import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { eq, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { queueMessages } from "../db/schema.ts";
import type { Task, TaskQueue } from "../core/tasks.ts";

const logger = getLogger(["skein", "queue"]);

export interface QueueOptions {
  /** How often an idle worker looks for work another process may have queued. */
  pollIntervalMs?: number;
  /** Messages handled at once by one listen() call. */
  concurrency?: number;
  /** How long a claimed message stays reserved if its worker dies without a word. */
  leaseMs?: number;
  /** Deliveries to one server handled at once: a server that hangs holds no more workers than this. */
  perHost?: number;
}

/** The server a delivery (Fedify's outbox messages name their inbox) or a task (its target) goes to, or null. */
function deliveryHost(inbox: unknown): string | null {
  return typeof inbox === "string" && URL.canParse(inbox) ? new URL(inbox).host : null;
}

type Handler = (message: unknown) => Promise<void> | void;
type Job = { id: string; message: unknown; attempts: number; host: string | null };

/** How a core task is wrapped in the queue, so Fedify's handler never sees it. */
const TASK = "skein:task";

function taskOf(message: unknown): Task | undefined {
  const m = message as { type?: unknown; task?: Task } | null;
  return m?.type === TASK ? m.task : undefined;
}

/**
 * Fedify's message queue on our SQLite database. A message is deleted only after its handler
 * returns; a handler that throws leaves it for a retry with backoff, and a process killed while
 * handling leaves it locked until the next start calls releaseAbandoned(). Delays are stored as
 * an absolute run time, so they hold across restarts. Messages that share an ordering key run
 * one at a time, in the order they were queued.
 */
export class SqliteMessageQueue implements MessageQueue, TaskQueue {
  // Fedify retries failed deliveries itself, by queueing them again with a delay.
  readonly nativeRetrial = false;
  /** Idle workers' wake-up calls: each new message wakes one worker, not all of them. */
  readonly #sleepers = new Set<() => void>();
  readonly #poll: number;
  readonly #concurrency: number;
  readonly #lease: number;
  #taskHandler?: (task: Task) => Promise<void>;
  readonly #perHost: number;
  /** Deliveries in flight per server, in this process. */
  readonly #busy = new Map<string, number>();

  constructor(
    private readonly db: Db,
    options: QueueOptions = {},
  ) {
    this.#poll = options.pollIntervalMs ?? 1000;
    this.#concurrency = options.concurrency ?? 8;
    this.#lease = options.leaseMs ?? 10 * 60_000;
    this.#perHost = options.perHost ?? 2;
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    await this.enqueueMany([message], options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return;
    const delay = options?.delay ? Math.max(0, options.delay.total("millisecond")) : 0;
    const runAt = new Date(Date.now() + delay);
    const orderingKey = options?.orderingKey ?? null;
    this.db
      .insert(queueMessages)
      .values(messages.map((message) => ({ id: newId(), message, orderingKey, runAt })))
      .run();
    this.#wakeUp(messages.length);
  }

  /** Queues core work (core/tasks.ts); the worker runs it with the handler given to handleTasks. */
  async enqueueTask(task: Task, orderingKey?: string): Promise<void> {
    // A task that reaches out names its server where deliveries do, for the per-server limit.
    const inbox = "target" in task ? { inbox: task.target } : {};
    await this.enqueue({ type: TASK, task, ...inbox }, orderingKey ? { orderingKey } : undefined);
  }

  handleTasks(handler: (task: Task) => Promise<void>): void {
    this.#taskHandler = handler;
  }

  #wakeUp(count: number): void {
    for (const wake of this.#sleepers) {
      if (count-- <= 0) break;
      wake();
    }
  }

  async listen(handler: Handler, options: MessageQueueListenOptions = {}): Promise<void> {
    const workers = Array.from({ length: this.#concurrency }, () => this.#work(handler, options.signal));
    await Promise.all(workers);
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const now = Date.now();
    const row = this.db
      .select({
        queued: sql<number>`count(*)`,
        ready: sql<number>`coalesce(sum(${queueMessages.runAt} <= ${now}), 0)`,
      })
      .from(queueMessages)
      .where(sql`${queueMessages.lockedUntil} IS NULL OR ${queueMessages.lockedUntil} < ${now}`)
      .get() ?? { queued: 0, ready: 0 };
    return { queued: row.queued, ready: row.ready, delayed: row.queued - row.ready };
  }

  /**
   * Frees messages whose worker died (kill -9, power loss). Call once at start, when no other
   * process serves this data folder. Returns how many were freed.
   */
  releaseAbandoned(): number {
    return this.db
      .update(queueMessages)
      .set({ lockedUntil: null })
      .where(sql`${queueMessages.lockedUntil} IS NOT NULL`)
      .returning({ id: queueMessages.id })
      .all().length;
  }

  async #work(handler: Handler, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      let job: Job | undefined;
      try {
        job = this.#claim();
      } catch (error) {
        logger.error("Cannot read the queue: {error}", { error });
      }
      if (!job) {
        await this.#idle(signal);
        continue;
      }
      try {
        await this.#handle(job, handler);
      } catch (error) {
        // A full disk or a read-only folder: the worker lives on (it used to die here, and the
        // queue stopped for good); the message stays reserved and runs again when its lease ends.
        logger.error("Could not record the outcome of queued message {id}: {error}", { id: job.id, error });
      } finally {
        if (job.host) this.#done(job.host);
      }
      // A message that waited behind this one's ordering key may run now.
      this.#wakeUp(1);
    }
  }

  /** Runs one message; deletes it when handled, or schedules its retry. Throws when the database cannot be written. */
  async #handle(job: Job, handler: Handler): Promise<void> {
    try {
      const task = taskOf(job.message);
      if (!task) await handler(job.message);
      else if (this.#taskHandler) await this.#taskHandler(task);
      else throw new Error("No task handler yet");
    } catch (error) {
      const retryIn = Math.min(5_000 * 2 ** job.attempts, 3_600_000);
      logger.warning("Queued message {id} failed (attempt {attempt}); retrying in {retryIn} ms: {error}", {
        id: job.id,
        attempt: job.attempts + 1,
        retryIn,
        error,
      });
      this.#release(job.id, retryIn, error);
      return;
    }
    this.db.delete(queueMessages).where(eq(queueMessages.id, job.id)).run();
  }

  /**
   * Reserves the oldest ready message whose ordering key is not held by an earlier one and whose
   * server does not already have `perHost` deliveries in flight. Picking and reserving run with no
   * await in between, so this process's workers never take the same message; the reservation
   * checks the lock again for another process.
   */
  #claim(): Job | undefined {
    const now = Date.now();
    const q = queueMessages;
    // Servers at their limit are left out in SQL, so a long run of messages to one of them
    // cannot hide the others' behind it.
    const inbox = sql`json_extract(c.message, '$.inbox')`;
    const saturated = [...this.#busy].filter(([, n]) => n >= this.#perHost).map(([host]) => host);
    const elsewhere = saturated.flatMap((host) =>
      [`https://${host}/`, `http://${host}/`].map((prefix) => sql` AND substr(${inbox}, 1, ${prefix.length}) IS NOT ${prefix}`),
    );
    const candidates = this.db.all<{ id: string; inbox: unknown }>(sql`
      SELECT c.id, ${inbox} AS inbox FROM queue_messages c
      WHERE c.run_at <= ${now} AND (c.locked_until IS NULL OR c.locked_until < ${now})
        AND (c.ordering_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM queue_messages o
          WHERE o.ordering_key = c.ordering_key AND o.id <> c.id
            AND (o.id < c.id OR o.locked_until >= ${now})))
        ${sql.join(elsewhere)}
      ORDER BY c.run_at, c.id LIMIT 8`);
    for (const candidate of candidates) {
      const host = deliveryHost(candidate.inbox);
      if (host && (this.#busy.get(host) ?? 0) >= this.#perHost) continue;
      const claimed = this.db
        .update(q)
        .set({ lockedUntil: new Date(now + this.#lease) })
        .where(sql`${q.id} = ${candidate.id} AND (${q.lockedUntil} IS NULL OR ${q.lockedUntil} < ${now})`)
        .returning({ id: q.id, message: q.message, attempts: q.attempts })
        .get();
      if (!claimed) continue;
      if (host) this.#busy.set(host, (this.#busy.get(host) ?? 0) + 1);
      return { ...claimed, host };
    }
    return undefined;
  }

  #done(host: string): void {
    const left = (this.#busy.get(host) ?? 1) - 1;
    if (left > 0) this.#busy.set(host, left);
    else this.#busy.delete(host);
  }

  #release(id: string, retryIn: number, error: unknown): void {
    this.db
      .update(queueMessages)
      .set({
        lockedUntil: null,
        runAt: new Date(Date.now() + retryIn),
        attempts: sql`${queueMessages.attempts} + 1`,
        lastError: String(error).slice(0, 1000),
      })
      .where(eq(queueMessages.id, id))
      .run();
  }

  /** Sleeps until the next delayed message is due, a wake-up, the poll interval or abort. */
  #idle(signal?: AbortSignal): Promise<void> {
    const next = this.db
      .select({ runAt: sql<number | null>`min(${queueMessages.runAt})` })
      .from(queueMessages)
      .where(sql`${queueMessages.lockedUntil} IS NULL`)
      .get()?.runAt;
    // A due message we could not claim waits behind its ordering key: the wake-up comes then.
    const untilNext = next == null ? 0 : next - Date.now();
    const wait = untilNext > 0 ? Math.min(this.#poll, untilNext) : this.#poll;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.#sleepers.add(done);
      signal?.addEventListener("abort", done);
    });
  }
}
