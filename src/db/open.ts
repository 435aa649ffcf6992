import { Database } from "bun:sqlite";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { FatalError } from "../fatal.ts";
import * as schema from "./schema.ts";

export type Db = BunSQLiteDatabase<typeof schema>;
/** The handle inside `db.transaction(tx => …)`; helpers that write take either. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface OpenDatabase {
  db: Db;
  sqlite: Database;
  path: string;
}

/** Opens (or creates) the SQLite database with the pragmas every connection needs. */
export function openDatabase(path: string, options: { create?: boolean } = {}): OpenDatabase {
  let sqlite: Database;
  try {
    sqlite = new Database(path, { create: options.create ?? true, strict: true });
  } catch (error) {
    throw new FatalError(`cannot open the database ${path}: ${errorText(error)}; check the data folder's permissions`);
  }
  try {
    // Reading the header fails fast on a file that is not an SQLite database.
    sqlite.query("PRAGMA schema_version").get();
    // A new database frees pages incrementally (core/retention.ts); only possible before its first table.
    if (pageCount(sqlite) === 0) sqlite.run("PRAGMA auto_vacuum = INCREMENTAL");
    sqlite.run("PRAGMA journal_mode = WAL");
    sqlite.run("PRAGMA busy_timeout = 5000");
    sqlite.run("PRAGMA foreign_keys = ON");
    sqlite.run("PRAGMA synchronous = NORMAL");
  } catch (error) {
    sqlite.close();
    throw new FatalError(
      `the database ${path} cannot be read (${errorText(error)}); restore it from a backup or move it away to start afresh`,
    );
  }
  return { db: drizzle({ client: withStatementCache(sqlite), schema }), sqlite, path };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * drizzle compiles every query's SQL afresh; compiling was an eighth of the inbox's CPU time.
 * This keeps the most recently used compiled statements (keyed by their SQL text, so only the
 * shapes of queries, never their values, fill it).
 */
function withStatementCache(sqlite: Database): Database {
  const cache = new Map<string, ReturnType<Database["prepare"]>>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) cache.delete(sql);
    else statement = sqlite.prepare(sql);
    cache.set(sql, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, key) {
      if (key === "prepare") return prepare;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function pageCount(sqlite: Database): number {
  return sqlite.query<{ page_count: number }, []>("PRAGMA page_count").get()?.page_count ?? 0;
}

const INCREMENTAL = 2;

/**
 * Databases made before Skein set auto_vacuum are switched to INCREMENTAL once, at start before
 * serving: the mode only changes with a VACUUM, which rewrites the whole file (it needs as much
 * free disk space again, and cannot run inside a transaction, so not in a migration). If it
 * fails (a full disk), the database stays as it was and the next start tries again. Returns
 * what happened, for the log; undefined when there was nothing to do.
 */
export function enableIncrementalVacuum(sqlite: Database): string | undefined {
  const mode = sqlite.query<{ auto_vacuum: number }, []>("PRAGMA auto_vacuum").get()?.auto_vacuum;
  if (mode === INCREMENTAL) return undefined;
  const started = performance.now();
  const before = pageCount(sqlite);
  try {
    sqlite.run("PRAGMA auto_vacuum = INCREMENTAL");
    sqlite.run("VACUUM");
  } catch (error) {
    return `could not switch the database to incremental vacuum (${errorText(error)}); the next start tries again`;
  }
  const ms = Math.round(performance.now() - started);
  return `switched the database to incremental vacuum (once) in ${ms} ms: ${before} → ${pageCount(sqlite)} pages`;
}

/** Closes cleanly: folds the WAL back into the database file. */
export function closeDatabase({ sqlite }: OpenDatabase): void {
  try {
    sqlite.run("PRAGMA optimize");
    sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    sqlite.close();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
