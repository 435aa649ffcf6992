/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole } from "./guard.ts";
import { AuditPage } from "../../../views/admin/audit.tsx";
import { InstanceSettingsPage } from "../../../views/admin/settings.tsx";
import { SignupsPage } from "../../../views/admin/signups.tsx";
import { audit, listAudit } from "../../core/audit.ts";
import { CoreError, ValidationError } from "../../core/errors.ts";
import { getSettings, registrationModes, saveSettings } from "../../core/instance.ts";
import { approveSignup, pendingSignups, rejectSignup } from "../../core/registrations.ts";
import { loadAccountViews } from "../../core/views.ts";

/** The instance itself: settings, pending sign-ups and the audit log. */
export function instanceRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;

  return new Elysia({ name: "admin/instance" })
    .use(page)
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
