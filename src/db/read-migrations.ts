// Runs at bundle time as a Bun macro (imported `with { type: "macro" }`): it reads the SQL
// migrations that drizzle-kit wrote into drizzle/ and inlines them into the code, so the
// compiled executable carries its migrations and never looks for a folder on disk.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Migration {
  tag: string; // e.g. "0000_init"
  hash: string; // SHA-256 of the SQL, to notice an edited migration
  statements: string[];
}

export function readMigrations(): Migration[] {
  const folder = join(import.meta.dir, "../../drizzle");
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    entries: { idx: number; tag: string }[];
  };
  return journal.entries
    .toSorted((a, b) => a.idx - b.idx)
    .map(({ tag }) => {
      const sql = readFileSync(join(folder, `${tag}.sql`), "utf8");
      return {
        tag,
        hash: createHash("sha256").update(sql).digest("hex"),
        statements: sql
          .split("--> statement-breakpoint")
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
    });
}
