import { getLogger } from "@logtape/logtape";
import { asc, eq } from "drizzle-orm";
import type { DomainEventMap, DomainEvents } from "../core/events.ts";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { outboxJournal } from "../db/schema.ts";

const logger = getLogger(["skein", "federation", "outbox"]);

type Handler = (event: never) => Promise<void>;

/**
 * Makes the outbox's event handlers survive a crash. Between a core transaction's commit and
 * Fedify putting the activity in queue_messages the handler awaits (keys, signatures, the
 * followers list): a kill -9 there lost the delivery of a post already shown to its author.
 * Each handled event is written to outbox_journal first — in the microtask right after the
 * commit, before the process does any I/O — and removed when its handler has finished; what a
 * crash leaves there is handled again at the next start (at least once: a follower may get an
 * activity twice, never not at all).
 */
export class OutboxJournal {
  readonly #handlers = new Map<string, Handler>();

  constructor(
    private readonly db: Db,
    private readonly events: DomainEvents,
  ) {}

  /** Like events.on, journaled. `handler` must not throw (the outbox logs its own errors). */
  on<K extends keyof DomainEventMap>(type: K, handler: (event: DomainEventMap[K]) => Promise<void>): void {
    this.#handlers.set(type, handler as Handler);
    this.events.on(type, (event) => this.#run(type, event, this.#record(type, event)));
  }

  /** Handles, oldest first, the events a crash left unfinished. Call once at start. */
  async replay(): Promise<number> {
    const rows = this.db.select().from(outboxJournal).orderBy(asc(outboxJournal.id)).all();
    for (const row of rows) await this.#run(row.type, row.event, row.id);
    if (rows.length > 0) logger.info("Sent again {count} activities a crash interrupted", { count: rows.length });
    return rows.length;
  }

  #record(type: string, event: unknown): string | undefined {
    try {
      const id = newId();
      this.db.insert(outboxJournal).values({ id, type, event }).run();
      return id;
    } catch (error) {
      // A full disk: the activity is still sent now, it just would not survive a crash.
      logger.warning("Could not journal {type}: {error}", { type, error });
      return undefined;
    }
  }

  async #run(type: string, event: unknown, id: string | undefined): Promise<void> {
    const handler = this.#handlers.get(type);
    try {
      if (handler) await handler(event as never);
    } finally {
      if (id) this.#forget(id);
    }
  }

  #forget(id: string): void {
    try {
      this.db.delete(outboxJournal).where(eq(outboxJournal.id, id)).run();
    } catch (error) {
      logger.warning("Could not clear the outbox journal entry {id}: {error}", { id, error });
    }
  }
}
