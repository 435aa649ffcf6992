/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { IMPORT_EXPORT_PATH, ImportExportPage, type ImportInput, ImportsSection } from "../../views/settings-data.tsx";
import { type ArchiveDocuments, archiveEntries } from "../core/archive.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { csvExports, exportCounts, exportCsv } from "../core/exports.ts";
import { createImport, recentImports } from "../core/imports.ts";
import { RateLimiter } from "../core/rate-limit.ts";
import type { Viewer } from "../core/sessions.ts";
import type { TaskQueue } from "../core/tasks.ts";
import { zipStream } from "../core/zip.ts";
import { importKinds, importModes } from "../db/schema.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

export interface ImportExportDeps extends WebDeps {
  tasks: TaskQueue;
  archive: ArchiveDocuments;
}

/**
 * Settings › Import and export: the member's archive (streamed as it is made), each CSV alone,
 * and CSV imports worked off in the queue with their progress (polled by htmx while one runs).
 */
export function importExportRoutes(deps: ImportExportDeps, page: PagePlugin) {
  const { db } = deps;
  // An archive reads every post and picture of the member: a few an hour is plenty.
  const archives = new RateLimiter(3, 60 * 60_000);
  const render = (viewer: Viewer, ctx: Parameters<typeof ImportExportPage>[0]["ctx"], extra: object = {}) => (
    <ImportExportPage
      ctx={{ ...ctx, path: IMPORT_EXPORT_PATH }}
      counts={exportCounts(deps, viewer.account.id)}
      imports={recentImports(db, viewer.account.id)}
      {...extra}
    />
  );
  return new Elysia({ name: "import-export" })
    .use(page)
    .get(
      IMPORT_EXPORT_PATH,
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst(IMPORT_EXPORT_PATH), 303);
        return render(viewer, ctx, { message: query.done ? "The file was read; its rows are being imported." : undefined });
      },
      { query: t.Object({ done: t.Optional(t.Literal("import")) }) },
    )
    .get("/settings/export/archive.zip", ({ viewer, redirect, set }) => {
      if (!viewer) return redirect(loginFirst(IMPORT_EXPORT_PATH), 303);
      const key = viewer.account.id;
      const wait = archives.retryAfter(key);
      if (wait > 0) {
        set.headers["retry-after"] = String(Math.ceil(wait / 1000));
        const minutes = Math.ceil(wait / 60_000);
        throw new CoreError(
          `You downloaded your archive three times in the last hour. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
          429,
        );
      }
      archives.hit(key);
      const entries = archiveEntries(deps, viewer.account, deps.archive, deps.media);
      const day = new Date().toISOString().slice(0, 10);
      return new Response(zipStream(entries), {
        headers: {
          "content-type": "application/zip",
          "content-disposition": `attachment; filename="archive-${viewer.account.username}-${day}.zip"`,
          "cache-control": "no-store",
        },
      });
    })
    .get(
      "/settings/export/:file",
      ({ viewer, params, redirect, set }) => {
        if (!viewer) return redirect(loginFirst(IMPORT_EXPORT_PATH), 303);
        const name = params.file.replace(/\.csv$/, "");
        const known = csvExports.find((n) => n === name);
        if (!known || !params.file.endsWith(".csv")) throw new CoreError("There is no such export.", 404);
        set.headers["content-type"] = "text/csv; charset=utf-8";
        set.headers["content-disposition"] = `attachment; filename="${known}.csv"`;
        set.headers["cache-control"] = "no-store";
        return exportCsv(deps, viewer.account.id, known);
      },
      { params: t.Object({ file: t.String({ maxLength: 40 }) }) },
    )
    .post(
      "/settings/imports",
      async ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(IMPORT_EXPORT_PATH), 303);
        const input: ImportInput = { type: body.type, mode: body.mode };
        try {
          if (!body.file || body.file.size === 0) throw new ValidationError({ file: "Choose a CSV file." });
          await createImport(deps, viewer.account, {
            kind: body.type,
            mode: body.mode,
            file: body.file,
            filename: body.file.name ?? "",
          });
          return redirect(`${IMPORT_EXPORT_PATH}?done=import`, 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(viewer, ctx, { errors: error.fields, input });
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          type: t.UnionEnum(importKinds),
          mode: t.UnionEnum(importModes),
          file: t.Optional(t.File()),
        }),
      },
    )
    .get("/settings/imports/progress", ({ viewer, redirect }) => {
      if (!viewer) return redirect(loginFirst(IMPORT_EXPORT_PATH), 303);
      return <ImportsSection imports={recentImports(db, viewer.account.id)} />;
    });
}
