/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PageContext } from "../../../views/context.ts";
import { type AppealRow, AppealsPage } from "../../../views/admin/appeals.tsx";
import { decideAppeal, listAppeals } from "../../core/appeals.ts";
import { CoreError } from "../../core/errors.ts";
import type { Viewer } from "../../core/sessions.ts";
import { loadAccountViews } from "../../core/views.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

/** Members' appeals of moderation actions, and the moderators' answers. */
export function appealRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const appealsPage = (ctx: PageContext, viewer: Viewer, state: "waiting" | "decided", error?: string) => {
    const found = listAppeals(db, viewer.user.role, state);
    const ids = found.flatMap(({ appeal, warning }) => [
      appeal.accountId,
      ...(warning.actorId ? [warning.actorId] : []),
      ...(appeal.decidedById ? [appeal.decidedById] : []),
    ]);
    const views = loadAccountViews(db, deps.baseUrl, ids);
    const handle = (id: string | null) => (id && views.get(id) ? `@${views.get(id)?.acct}` : "someone since deleted");
    const rows: AppealRow[] = found.map(({ appeal, warning }) => ({
      appeal,
      warning,
      member: views.get(appeal.accountId),
      actor: handle(warning.actorId),
      decidedBy: appeal.decidedAt ? handle(appeal.decidedById) : undefined,
    }));
    return <AppealsPage ctx={ctx} rows={rows} state={state} error={error} />;
  };
  return new Elysia({ name: "admin/appeals" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/appeals",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        return appealsPage(ctx, viewer, query.state === "decided" ? "decided" : "waiting");
      },
      { query: t.Object({ state: t.Optional(t.String({ maxLength: 10 })) }) },
    )
    .post(
      "/admin/appeals/:id/:action",
      ({ viewer, ctx, params, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          decideAppeal(deps, { id: staff.account.id, role: staff.user.role }, params.id, params.action === "approve");
        } catch (error) {
          if (!(error instanceof CoreError) || error.status === 404) throw error;
          set.status = error.status;
          return appealsPage(ctx, staff, "waiting", error.message);
        }
        return redirect("/admin/appeals", 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), action: t.UnionEnum(["approve", "reject"]) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
