/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { AdminTrendsPage } from "../../../views/admin/trends.tsx";
import { roleRank } from "../../core/moderation.ts";
import { audit } from "../../core/audit.ts";
import { CoreError } from "../../core/errors.ts";
import { jobInProgress, runJob } from "../../core/jobs.ts";
import {
  hiddenTrendList,
  hideTrend,
  lastRanked,
  setTrendsEnabled,
  TRENDS_JOB,
  trendsEnabled,
  trendsJob,
  unhideTrend,
} from "../../core/trends.ts";
import { trendKinds } from "../../db/schema.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { back, loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

const item = t.Object({ _csrf: t.Optional(t.String()), kind: t.UnionEnum(trendKinds), id: t.String({ maxLength: 64 }) });

/** Trends: admins switch them on or off; moderators hide items and let them trend again (audited). */
export function trendAdminRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  return new Elysia({ name: "admin/trends" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/trends",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        const staff = requireRole(viewer, "moderator", path);
        return (
          <AdminTrendsPage
            ctx={ctx}
            enabled={trendsEnabled(db)}
            hidden={hiddenTrendList(db)}
            lastRanked={lastRanked(db)}
            mayChange={roleRank[staff.user.role] >= roleRank.admin}
            saved={query.saved === "1"}
          />
        );
      },
      { query: t.Object({ saved: t.Optional(t.String({ maxLength: 2 })) }) },
    )
    .post(
      "/admin/trends",
      ({ viewer, body, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        setTrendsEnabled(db, staff.account.id, body.enabled === "1");
        return redirect("/admin/trends?saved=1", 303);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), enabled: t.Optional(t.String({ maxLength: 5 })) }) },
    )
    .post(
      "/admin/trends/rank",
      async ({ viewer, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        if (jobInProgress(TRENDS_JOB)) throw new CoreError("The trends are being ranked right now.", 409);
        audit(db, { actorId: staff.account.id, action: "job.run", targetType: "job", targetId: TRENDS_JOB });
        await runJob(db, trendsJob(db));
        return redirect("/trending", 303);
      },
      { body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    )
    .post(
      "/admin/trends/hide",
      ({ viewer, body, request, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        hideTrend(db, staff.account.id, body.kind, body.id);
        return redirect(back(request, "/trending"), 303);
      },
      { body: item },
    )
    .post(
      "/admin/trends/unhide",
      ({ viewer, body, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        unhideTrend(db, staff.account.id, body.kind, body.id);
        return redirect("/admin/trends", 303);
      },
      { body: item },
    );
}
