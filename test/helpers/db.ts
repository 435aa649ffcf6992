import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../../src/db/migrate.ts";
import { type OpenDatabase, openDatabase } from "../../src/db/open.ts";

/** Every folder made for this run: removed once all tests are done (tens of thousands piled up on CI machines). */
const made: string[] = [];

/** Called after the last test (cleanup.ts, preloaded by bunfig.toml). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix = "skein-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A migrated database in a fresh temporary folder; `cleanup` closes and removes it. */
export function tempDatabase(): OpenDatabase & { dir: string; cleanup(): void } {
  const dir = tempDir();
  const opened = openDatabase(join(dir, "skein.db"));
  migrate(opened.sqlite, opened.path);
  return {
    ...opened,
    dir,
    cleanup() {
      opened.sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
