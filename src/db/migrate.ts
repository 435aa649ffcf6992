import type { Database } from "bun:sqlite";
import { dirname, join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { FatalError } from "../fatal.ts";
import { type Migration, readMigrations } from "./read-migrations.ts" with { type: "macro" };

export type { Migration } from "./read-migrations.ts";

/** The migrations in drizzle/, inlined at build time so the executable needs no folder. */
export const embeddedMigrations: Migration[] = readMigrations();

const logger = getLogger(["skein", "db"]);

export interface MigrateResult {
  applied: string[];
  backup?: string;
}

/**
 * Brings the database to the newest schema. Refuses, before writing anything, a database
 * that is not Skein's or that a newer Skein has migrated. Backs up a non-empty database
 * (VACUUM INTO, beside it) before applying anything to it. Each migration is one transaction.
 */
export function migrate(sqlite: Database, dbPath: string, migrations = embeddedMigrations): MigrateResult {
  const applied = appliedMigrations(sqlite, dbPath, migrations);
  const done = new Set(applied);
  const pending = migrations.filter((m) => !done.has(m.tag));
  if (pending.length === 0) return { applied: [] };

  let backup: string | undefined;
  if (applied.length > 0 && dbPath !== ":memory:") {
    backup = join(dirname(dbPath), `skein-before-${pending[0]?.tag}-${Date.now()}.db`);
    sqlite.run("VACUUM INTO ?", [backup]);
    logger.info("Backed up the database to {backup} before migrating", { backup });
  }
  sqlite.run(
    "CREATE TABLE IF NOT EXISTS schema_migrations (tag TEXT PRIMARY KEY, hash TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  for (const migration of pending) {
    sqlite.transaction(() => {
      for (const statement of migration.statements) sqlite.run(statement);
      sqlite.run("INSERT INTO schema_migrations (tag, hash, applied_at) VALUES (?, ?, ?)", [
        migration.tag,
        migration.hash,
        Date.now(),
      ]);
    })();
    // A new database takes them all at once: one line says so, not one a migration.
    if (applied.length > 0) logger.info("Applied migration {tag}", { tag: migration.tag });
    else logger.debug("Applied migration {tag}", { tag: migration.tag });
  }
  if (applied.length === 0) logger.info("Created the database with {count} migrations", { count: pending.length });
  return { applied: pending.map((m) => m.tag), backup };
}

/**
 * The migrations a database has had. Refuses (FatalError) a database that is not Skein's or that
 * a newer Skein has migrated: nothing may be written to either.
 */
export function appliedMigrations(sqlite: Database, dbPath: string, migrations = embeddedMigrations): string[] {
  const tables = sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((r) => r.name);
  const hasLedger = tables.includes("schema_migrations");
  if (tables.length > 0 && !hasLedger) {
    throw new FatalError(
      `${dbPath} is not a Skein database (it has tables but no schema_migrations); point --data at another folder`,
    );
  }
  const applied = hasLedger
    ? sqlite
        .query<{ tag: string }, []>("SELECT tag FROM schema_migrations ORDER BY tag")
        .all()
        .map((r) => r.tag)
    : [];
  const known = new Set(migrations.map((m) => m.tag));
  const unknown = applied.filter((tag) => !known.has(tag));
  if (unknown.length > 0) {
    throw new FatalError(
      `${dbPath} has schema ${unknown.at(-1)}, newer than this Skein knows (up to ${migrations.at(-1)?.tag}); run a newer Skein or restore a backup`,
    );
  }
  return applied;
}
