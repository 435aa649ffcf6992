import type { Db } from "../db/open.ts";

/** What takes longer than this to work out is worth keeping. */
const SLOW_MS = 5;

/**
 * Keeps a result a while, but only when working it out was slow (a big instance): a small
 * instance always gets the fresh answer. Kept per database, since tests run several in one process.
 */
export function slowResultCache<T>(ttlMs: number) {
  const byDb = new WeakMap<Db, Map<string, { at: number; value: T }>>();
  return {
    get(db: Db, key: string, compute: () => T): T {
      const entries = byDb.get(db) ?? new Map<string, { at: number; value: T }>();
      byDb.set(db, entries);
      const kept = entries.get(key);
      if (kept && Date.now() - kept.at < ttlMs) return kept.value;
      const started = performance.now();
      const value = compute();
      if (performance.now() - started > SLOW_MS) entries.set(key, { at: Date.now(), value });
      return value;
    },
    forget(db: Db, key: string): void {
      byDb.get(db)?.delete(key);
    },
  };
}
