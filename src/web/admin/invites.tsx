/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { AdminInvitesPage } from "../../../views/admin/invites.tsx";
import { ValidationError } from "../../core/errors.ts";
import { createInviteAs, revokeInviteAs } from "../../core/invites.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { actorOf, inviteFormBody, inviteInput, inviteList } from "../invites.tsx";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

/** Every invite link of the instance, for moderators and up; what they make and revoke is audited. */
export function adminInviteRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  return new Elysia({ name: "admin/invites" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/invites", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "moderator", path);
      return <AdminInvitesPage ctx={ctx} invites={inviteList(db, deps.baseUrl)} />;
    })
    .post(
      "/admin/invites",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          createInviteAs(db, actorOf(staff), inviteInput(body));
          return redirect("/admin/invites", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <AdminInvitesPage ctx={ctx} invites={inviteList(db, deps.baseUrl)} errors={error.fields} />;
        }
      },
      { body: inviteFormBody },
    )
    .post(
      "/admin/invites/:id/revoke",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        revokeInviteAs(db, actorOf(staff), params.id);
        return redirect("/admin/invites", 303);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
