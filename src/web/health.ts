import type { Database } from "bun:sqlite";
import { Elysia } from "elysia";
import { VERSION } from "../version.ts";

/** GET /healthz: 200 once the database is migrated and answers; 503 when it does not. */
export function healthRoutes(sqlite: Database) {
  return new Elysia({ name: "health" }).get("/healthz", ({ set }) => {
    try {
      sqlite.query("SELECT 1").get();
      return { status: "ok", version: VERSION };
    } catch {
      set.status = 503;
      return { status: "unavailable", version: VERSION, error: "The database does not answer." };
    }
  });
}
