import type { Db } from "../db/open.ts";

/**
 * Keeps a result a while, but only where working it out is slow: `big` tells, cheaply, whether
 * the data it reads is large (a big instance, a prolific member). A small instance always gets
 * the fresh answer. (Deciding by the time a computation took made a busy machine's pause keep a
 * small instance's answer for minutes.) Kept per database, since tests run several in one process.
 */
export function slowResultCache<T>(ttlMs: number, big: (db: Db, key: string) => boolean) {
  const byDb = new WeakMap<Db, Map<string, { at: number; value: T }>>();
  return {
    get(db: Db, key: string, compute: () => T): T {
      const entries = byDb.get(db) ?? new Map<string, { at: number; value: T }>();
      byDb.set(db, entries);
      const kept = entries.get(key);
      if (kept && Date.now() - kept.at < ttlMs) return kept.value;
      const value = compute();
      if (big(db, key)) entries.set(key, { at: Date.now(), value });
      return value;
    },
    forget(db: Db, key: string): void {
      byDb.get(db)?.delete(key);
    },
  };
}
