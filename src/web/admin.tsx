/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import {
  AccountAdminPage,
  type AccountAdminView,
  AccountsPage,
  AuditPage,
  DomainBlocksPage,
  InstanceSettingsPage,
  ReportDetailPage,
  type ReportRow,
  ReportsPage,
  SignupsPage,
} from "../../views/admin.tsx";
import type { PageContext } from "../../views/context.ts";
import { audit, listAudit } from "../core/audit.ts";
import { blockDomain, followsCutBy, listDomainBlocks, normalizeDomain, unblockDomain } from "../core/domain-blocks.ts";
import {
  actOnReport,
  addReportNote,
  earlierReports,
  findReport,
  listReports,
  type Report,
  reportNotesOf,
} from "../core/reports.ts";
import { accountActions, moderateAccount, removePost, roleRank, warningsOf } from "../core/moderation.ts";
import { searchAccounts } from "../core/search.ts";
import { accountView, loadAccountViews } from "../core/views.ts";
import { accounts, domainBlockSeverities, posts, reports, users } from "../db/schema.ts";
import { count, desc, eq, inArray } from "drizzle-orm";
import { CoreError, ValidationError } from "../core/errors.ts";
import { getSettings, registrationModes, saveSettings } from "../core/instance.ts";
import { approveSignup, pendingSignups, rejectSignup } from "../core/registrations.ts";
import type { Viewer } from "../core/sessions.ts";
import type { Role } from "../db/schema.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const logger = getLogger(["skein", "admin"]);

/** Every admin route checks the role on the server; a refused attempt is logged. */
function requireRole(viewer: Viewer | null, role: Role, path: string): Viewer {
  if (!viewer) throw new CoreError("Log in first.", 403);
  if (roleRank[viewer.user.role] < roleRank[role]) {
    logger.warning("@{username} ({role}) was refused {path}", {
      username: viewer.account.username,
      role: viewer.user.role,
      path,
    });
    throw new CoreError("This page is for the instance's staff.", 403);
  }
  return viewer;
}

/** The administration pages: reports, sign-ups, instance settings and the audit log. */
export function adminRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const reportRows = (reports: Report[]): ReportRow[] => {
    const accounts = loadAccountViews(
      db,
      deps.baseUrl,
      reports.flatMap((r) => [r.targetAccountId, ...(r.reporterId ? [r.reporterId] : [])]),
    );
    return reports.map((report) => ({
      report,
      target: accounts.get(report.targetAccountId),
      reporter: report.reporterId ? accounts.get(report.reporterId) : undefined,
    }));
  };
  const accountPage = (ctx: PageContext, id: string, error?: string) => {
    const account = db.select().from(accounts).where(eq(accounts.id, id)).get();
    if (!account) throw new CoreError("This account does not exist.", 404);
    const user = db.select().from(users).where(eq(users.accountId, id)).get();
    const view: AccountAdminView = {
      account: accountView(deps.baseUrl, account),
      role: user?.role ?? (account.domain ? "remote account" : "user"),
      email: user?.email ?? null,
      suspended: account.suspendedAt !== null,
      silenced: account.silencedAt !== null,
      sensitized: account.sensitizedAt !== null,
      reports: db.select({ n: count() }).from(reports).where(eq(reports.targetAccountId, id)).get()?.n ?? 0,
      warnings: warningsOf(db, id),
    };
    return <AccountAdminPage ctx={ctx} view={view} error={error} />;
  };
  const reportPage = (ctx: PageContext, id: string, error?: string) => {
    const report = findReport(db, id);
    if (!report) throw new CoreError("This report does not exist.", 404);
    const [row] = reportRows([report]);
    const noteRows = reportNotesOf(db, id);
    const authors = loadAccountViews(
      db,
      deps.baseUrl,
      noteRows.flatMap((n) => (n.authorId ? [n.authorId] : [])),
    );
    const notes = noteRows.map((n) => ({
      text: n.text,
      author: n.authorId ? `@${authors.get(n.authorId)?.acct ?? "deleted"}` : "deleted",
      createdAt: n.createdAt,
    }));
    return (
      <ReportDetailPage
        ctx={ctx}
        row={row as ReportRow}
        notes={notes}
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
  return new Elysia({ name: "admin" })
    .use(page)
    .get("/admin", ({ redirect }) => redirect("/admin/reports", 303))
    .get(
      "/admin/reports",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const state = query.state === "resolved" ? "resolved" : "open";
        return <ReportsPage ctx={ctx} rows={reportRows(listReports(db, state))} state={state} />;
      },
      { query: t.Object({ state: t.Optional(t.UnionEnum(["open", "resolved"])) }) },
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
        params: t.Object({ id: t.String({ maxLength: 64 }), action: t.UnionEnum(["resolve", "reopen", "assign"]) }),
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
          return reportPage(ctx, params.id, error.message);
        }
        return redirect(`/admin/reports/${params.id}`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({ _csrf: t.Optional(t.String()), note: t.String({ maxLength: 6000 }) }),
      },
    )
    .get(
      "/admin/accounts",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const q = (query.q ?? "").trim();
        const found = q ? searchAccounts(db, q, 50) : db.select().from(accounts).orderBy(desc(accounts.id)).limit(50).all();
        const rows = found.map((a) => ({
          account: accountView(deps.baseUrl, a),
          flags: [a.suspendedAt ? "suspended" : "", a.silencedAt ? "limited" : "", a.sensitizedAt ? "sensitive" : ""]
            .filter(Boolean)
            .join(", "),
        }));
        return <AccountsPage ctx={ctx} q={q} rows={rows} />;
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 200 })) }) },
    )
    .get(
      "/admin/accounts/:id",
      ({ viewer, ctx, params, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        return accountPage(ctx, params.id);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .post(
      "/admin/accounts/:id/action",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          moderateAccount(deps, { id: staff.account.id, role: staff.user.role }, params.id, {
            action: body.action,
            reason: body.reason ?? "",
            notify: body.notify === "1",
          });
        } catch (error) {
          if (!(error instanceof CoreError) || error.status === 404) throw error;
          set.status = error.status;
          return accountPage(ctx, params.id, error.message);
        }
        return redirect(`/admin/accounts/${params.id}`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({
          _csrf: t.Optional(t.String()),
          action: t.UnionEnum(accountActions),
          reason: t.Optional(t.String({ maxLength: 6000 })),
          notify: t.Optional(t.String({ maxLength: 5 })),
        }),
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
    )
    .get("/admin/domain-blocks", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return <DomainBlocksPage ctx={ctx} blocks={listDomainBlocks(db)} />;
    })
    .post(
      "/admin/domain-blocks",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const input = {
          domain: body.domain,
          severity: body.severity,
          rejectMedia: body.reject_media === "1",
          rejectReports: body.reject_reports === "1",
          publicComment: body.public_comment ?? "",
          privateComment: body.private_comment ?? "",
          obfuscate: body.obfuscate === "1",
        };
        const domain = normalizeDomain(body.domain);
        // A suspension that cuts follows is shown with its cost first.
        if (domain && body.severity === "suspend" && body.confirm !== "1") {
          const cut = followsCutBy(db, domain);
          if (cut > 0)
            return <DomainBlocksPage ctx={ctx} blocks={listDomainBlocks(db)} values={{ ...body, domain }} confirmCut={cut} />;
        }
        try {
          blockDomain(deps, staff.account.id, input);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <DomainBlocksPage ctx={ctx} blocks={listDomainBlocks(db)} values={body} errors={error.fields} />;
        }
        return redirect("/admin/domain-blocks", 303);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          domain: t.String({ maxLength: 300 }),
          severity: t.UnionEnum(domainBlockSeverities),
          reject_media: t.Optional(t.String({ maxLength: 5 })),
          reject_reports: t.Optional(t.String({ maxLength: 5 })),
          public_comment: t.Optional(t.String({ maxLength: 1000 })),
          private_comment: t.Optional(t.String({ maxLength: 5000 })),
          obfuscate: t.Optional(t.String({ maxLength: 5 })),
          confirm: t.Optional(t.String({ maxLength: 5 })),
        }),
      },
    )
    .post(
      "/admin/domain-blocks/:domain/delete",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        unblockDomain(deps, staff.account.id, decodeURIComponent(params.domain));
        return redirect("/admin/domain-blocks", 303);
      },
      {
        params: t.Object({ domain: t.String({ maxLength: 300 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    )
    .get("/admin/audit", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "moderator", path);
      const rows = listAudit(db);
      const names = loadAccountViews(
        db,
        deps.baseUrl,
        rows.flatMap((r) => (r.actorId ? [r.actorId] : [])),
      );
      const entries = rows.map((r) => ({
        action: r.action,
        actor: r.actorId ? `@${names.get(r.actorId)?.acct ?? "deleted"}` : "the system",
        target: `${r.targetType}${r.targetId ? ` ${r.targetId.slice(0, 13)}` : ""}`,
        detail: r.detail,
        createdAt: r.createdAt,
      }));
      return <AuditPage ctx={ctx} entries={entries} />;
    })
    .get("/admin/signups", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "moderator", path);
      return <SignupsPage ctx={ctx} pending={pendingSignups(db)} />;
    })
    .post(
      "/admin/signups/:id/:decision",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        const done = params.decision === "approve" ? approveSignup(db, params.id) : rejectSignup(db, params.id);
        if (!done) throw new CoreError("This sign-up was already handled.", 404);
        audit(db, { actorId: staff.account.id, action: `signup.${params.decision}`, targetType: "user", targetId: params.id });
        return redirect("/admin/signups", 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), decision: t.UnionEnum(["approve", "reject"]) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    )
    .get(
      "/admin/settings",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "admin", path);
        return <InstanceSettingsPage ctx={ctx} values={getSettings(db)} saved={query.saved === "1"} />;
      },
      { query: t.Object({ saved: t.Optional(t.String()) }) },
    )
    .post(
      "/admin/settings",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const values = {
          name: body.name,
          description: body.description ?? "",
          registrationMode: body.registration_mode,
          maxPostLength: Number(body.max_post_length),
          secureMode: body.secure_mode === "1",
        };
        try {
          saveSettings(db, values);
          audit(db, {
            actorId: staff.account.id,
            action: "settings.update",
            targetType: "settings",
            detail: JSON.stringify(values),
          });
          return redirect("/admin/settings?saved=1", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <InstanceSettingsPage ctx={ctx} values={values} errors={error.fields} />;
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          name: t.String({ maxLength: 200 }),
          description: t.Optional(t.String({ maxLength: 2000 })),
          registration_mode: t.UnionEnum(registrationModes),
          max_post_length: t.String({ maxLength: 10 }),
          secure_mode: t.Optional(t.String({ maxLength: 5 })),
        }),
      },
    );
}
