/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import { InstanceSettingsPage, SignupsPage } from "../../views/admin.tsx";
import { CoreError, ValidationError } from "../core/errors.ts";
import { getSettings, registrationModes, saveSettings } from "../core/instance.ts";
import { approveSignup, pendingSignups, rejectSignup } from "../core/registrations.ts";
import type { Viewer } from "../core/sessions.ts";
import type { Role } from "../db/schema.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const logger = getLogger(["skein", "admin"]);
const rank: Record<Role, number> = { owner: 3, admin: 2, moderator: 1, user: 0 };

/** Every admin route checks the role on the server; a refused attempt is logged. */
function requireRole(viewer: Viewer | null, role: Role, path: string): Viewer {
  if (!viewer) throw new CoreError("Log in first.", 403);
  if (rank[viewer.user.role] < rank[role]) {
    logger.warning("@{username} ({role}) was refused {path}", {
      username: viewer.account.username,
      role: viewer.user.role,
      path,
    });
    throw new CoreError("This page is for the instance's staff.", 403);
  }
  return viewer;
}

/** The first administration pages: sign-up approval and instance settings. */
export function adminRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  return new Elysia({ name: "admin" })
    .use(page)
    .get("/admin", ({ redirect }) => redirect("/admin/signups", 303))
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
        logger.info("@{moderator} {decision}d a sign-up", { moderator: staff.account.username, decision: params.decision });
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
        requireRole(viewer, "admin", path);
        const values = {
          name: body.name,
          description: body.description ?? "",
          registrationMode: body.registration_mode,
          maxPostLength: Number(body.max_post_length),
          secureMode: body.secure_mode === "1",
        };
        try {
          saveSettings(db, values);
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
