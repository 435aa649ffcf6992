/** @jsxImportSource @kitajs/html */
import { stat } from "node:fs/promises";
import { Elysia } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { OverviewPage, type StorageFigures } from "../../../views/admin/overview.tsx";
import { adminOverview } from "../../core/overview.ts";

// Walking the media folder costs a stat per file: measure it at most this often.
const MEDIA_EVERY_MS = 10 * 60_000;

/** The admin home: activity charts, what waits for the staff, delivery, storage and jobs. */
export function overviewRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  let media: { at: number; usage: ReturnType<WebDeps["media"]["usage"]> } | undefined;
  const mediaUsage = () => {
    if (!media || Date.now() - media.at > MEDIA_EVERY_MS) media = { at: Date.now(), usage: deps.media.usage() };
    return media.usage;
  };

  return new Elysia({ name: "admin/overview" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin", async ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "moderator", path);
      const data = adminOverview(db, viewer.user.role);
      // The write-ahead log sits beside the database file (absent in memory or after a checkpoint).
      const wal = data.database.file
        ? await stat(`${data.database.file}-wal`).then(
            (s) => s.size,
            () => 0,
          )
        : 0;
      const storage: StorageFigures = {
        databaseBytes: data.database.bytes,
        freeBytes: data.database.freeBytes,
        walBytes: wal,
        media: await mediaUsage(),
      };
      return <OverviewPage ctx={ctx} data={data} storage={storage} />;
    });
}
