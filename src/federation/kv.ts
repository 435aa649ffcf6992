import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { fedifyKv } from "../db/schema.ts";

/** Fedify's key-value store on our SQLite database. Keys are stored as JSON arrays. */
export class SqliteKvStore implements KvStore {
  constructor(private readonly db: Db) {}

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    return this.#read(JSON.stringify(key)) as T | undefined;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    this.#write(JSON.stringify(key), value, options);
  }

  async delete(key: KvKey): Promise<void> {
    this.db
      .delete(fedifyKv)
      .where(eq(fedifyKv.key, JSON.stringify(key)))
      .run();
  }

  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const encoded = JSON.stringify(key);
    // bun:sqlite is synchronous, so read-compare-write inside one transaction is atomic.
    return this.db.transaction(() => {
      if (!Bun.deepEquals(this.#read(encoded), expectedValue)) return false;
      this.#write(encoded, newValue, options);
      return true;
    });
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const rows = this.db
      .select()
      .from(fedifyKv)
      .where(and(notExpired(), prefix ? underPrefix(prefix) : undefined))
      .orderBy(fedifyKv.key)
      .all();
    for (const row of rows) yield { key: JSON.parse(row.key) as KvKey, value: row.value };
  }

  /** Removes expired entries; the retention job calls this. Returns how many went. */
  prune(): number {
    return this.db.delete(fedifyKv).where(sql`${fedifyKv.expiresAt} <= ${Date.now()}`).returning({ key: fedifyKv.key }).all()
      .length;
  }

  #read(encoded: string): unknown {
    const row = this.db
      .select()
      .from(fedifyKv)
      .where(and(eq(fedifyKv.key, encoded), notExpired()))
      .get();
    return row?.value;
  }

  #write(encoded: string, value: unknown, options?: KvStoreSetOptions): void {
    if (value === undefined) {
      this.db.delete(fedifyKv).where(eq(fedifyKv.key, encoded)).run();
      return;
    }
    const expiresAt = options?.ttl
      ? new Date(Temporal.Now.instant().add(options.ttl.round({ largestUnit: "hour" })).epochMilliseconds)
      : null;
    // null is a value (Fedify caches "this key cannot be had" as null): kept as the JSON text
    // null, which reads back as null, not as SQL NULL, which the column refuses.
    const stored = value === null ? sql`'null'` : value;
    this.db
      .insert(fedifyKv)
      .values({ key: encoded, value: stored, expiresAt })
      .onConflictDoUpdate({ target: fedifyKv.key, set: { value: stored, expiresAt } })
      .run();
  }
}

function notExpired() {
  return or(isNull(fedifyKv.expiresAt), gt(fedifyKv.expiresAt, new Date()));
}

/** The key itself, or any longer key that starts with the same parts. */
function underPrefix(prefix: KvKey) {
  const exact = JSON.stringify(prefix);
  const longer = `${exact.slice(0, -1)},`;
  return or(eq(fedifyKv.key, exact), sql`substr(${fedifyKv.key}, 1, ${longer.length}) = ${longer}`);
}
