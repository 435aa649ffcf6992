/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import type { PageContext } from "../../../views/context.ts";
import { ReportDetailPage, type ReportRow, ReportsPage } from "../../../views/admin/reports.tsx";
import { inArray } from "drizzle-orm";
import { CoreError, ValidationError } from "../../core/errors.ts";
import { removePost } from "../../core/moderation.ts";
import {
  actOnReport,
  addReportNote,
  earlierReports,
  findReport,
  listReports,
  type Report,
  reportNotesOf,
} from "../../core/reports.ts";
import { loadAccountViews } from "../../core/views.ts";
import { staffNoteViews } from "./staff-notes.ts";
import { posts } from "../../db/schema.ts";
import { optionalOneOf } from "../../schemas.ts";

/** Reports: the queue, one report with its notes and actions, and removing a reported post. */
export function reportRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const reportRows = (reports: Report[]): ReportRow[] => {
    const accounts = loadAccountViews(
      db,
      deps.baseUrl,
      reports.flatMap((r) => [r.targetAccountId, r.reporterId, r.assignedToId, r.resolvedById].filter((id) => id !== null)),
    );
    const view = (id: string | null) => (id ? accounts.get(id) : undefined);
    return reports.map((report) => ({
      report,
      target: accounts.get(report.targetAccountId),
      reporter: view(report.reporterId),
      assignee: view(report.assignedToId),
      resolver: view(report.resolvedById),
    }));
  };
  const reportPage = (ctx: PageContext, id: string, error?: string, note?: { value: string; error: string }) => {
    const report = findReport(db, id);
    if (!report) throw new CoreError("This report does not exist.", 404);
    const [row] = reportRows([report]);
    const notes = staffNoteViews(db, deps.baseUrl, reportNotesOf(db, id));
    return (
      <ReportDetailPage
        ctx={ctx}
        row={row as ReportRow}
        notes={notes}
        note={note}
        earlier={earlierReports(db, report).length}
        existing={
          report.postIds.length > 0
            ? db
                .select({ id: posts.id })
                .from(posts)
                .where(inArray(posts.id, report.postIds))
                .all()
                .map((p) => p.id)
            : []
        }
        error={error}
      />
    );
  };
  return new Elysia({ name: "admin/reports" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/reports",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const state = query.state === "resolved" ? "resolved" : "open";
        return <ReportsPage ctx={ctx} rows={reportRows(listReports(db, state))} state={state} />;
      },
      { query: t.Object({ state: optionalOneOf(["open", "resolved"]) }) },
    )
    .get(
      "/admin/reports/:id",
      ({ viewer, ctx, params, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        return reportPage(ctx, params.id);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .post(
      "/admin/reports/:id/:action",
      ({ viewer, ctx, params, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          actOnReport(db, staff.account.id, params.id, params.action);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 409) throw error;
          set.status = 409;
          return reportPage(ctx, params.id, error.message);
        }
        return redirect(`/admin/reports/${params.id}`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), action: t.UnionEnum(["resolve", "reopen", "assign", "unassign"]) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    )
    .post(
      "/admin/reports/:id/notes",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          addReportNote(db, staff.account.id, params.id, body.note);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return reportPage(ctx, params.id, undefined, { value: body.note, error: error.message });
        }
        return redirect(`/admin/reports/${params.id}`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({ _csrf: t.Optional(t.String()), note: t.String({ maxLength: 6000 }) }),
      },
    )
    .post(
      "/admin/posts/:id/delete",
      ({ viewer, params, body, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        removePost(deps, { id: staff.account.id, role: staff.user.role }, params.id, body.reason ?? "", true);
        return redirect(body.report_id ? `/admin/reports/${body.report_id}` : "/admin/reports", 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({
          _csrf: t.Optional(t.String()),
          report_id: t.Optional(t.String({ maxLength: 64 })),
          reason: t.Optional(t.String({ maxLength: 5000 })),
        }),
      },
    );
}
