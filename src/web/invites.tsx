/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { InviteRow } from "../../views/invites.tsx";
import { MemberInvitesPage } from "../../views/settings.tsx";
import { CoreError, ValidationError } from "../core/errors.ts";
import { createInviteAs, type InviteActor, inviteRows, mayInvite, revokeInviteAs } from "../core/invites.ts";
import type { Viewer } from "../core/sessions.ts";
import type { Db } from "../db/open.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

export const actorOf = (viewer: Viewer): InviteActor => ({
  userId: viewer.user.id,
  accountId: viewer.account.id,
  role: viewer.user.role,
});

/** Invites as the pages show them, with the full sign-up link to copy. */
export function inviteList(db: Db, baseUrl: URL, userId?: string): InviteRow[] {
  return inviteRows(db, userId).map((i) => ({ ...i, url: new URL(`/invite/${i.code}`, baseUrl).href }));
}

/** The form's choices: "" means no limit / never; anything else must be one of the offered numbers. */
export const inviteFormBody = t.Object({
  _csrf: t.Optional(t.String()),
  max_uses: t.Optional(t.String({ maxLength: 10 })),
  expires_in: t.Optional(t.String({ maxLength: 10 })),
});

export function inviteInput(body: { max_uses?: string; expires_in?: string }) {
  return {
    maxUses: body.max_uses ? Number(body.max_uses) : null,
    expiresIn: body.expires_in ? Number(body.expires_in) : null,
  };
}

/** A member's own invite links, when the instance lets members invite (staff always may). */
export function memberInviteRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const refuse = () => new CoreError("Members cannot make invites on this instance.", 403);
  return new Elysia({ name: "invites" })
    .use(page)
    .get("/invites", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      if (!mayInvite(db, actorOf(viewer))) throw refuse();
      return <MemberInvitesPage ctx={ctx} invites={inviteList(db, deps.baseUrl, viewer.user.id)} />;
    })
    .post(
      "/invites",
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/invites"), 303);
        try {
          createInviteAs(db, actorOf(viewer), inviteInput(body));
          return redirect("/invites", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <MemberInvitesPage ctx={ctx} invites={inviteList(db, deps.baseUrl, viewer.user.id)} errors={error.fields} />;
        }
      },
      { body: inviteFormBody },
    )
    .post(
      "/invites/:id/revoke",
      ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst("/invites"), 303);
        revokeInviteAs(db, actorOf(viewer), params.id);
        return redirect("/invites", 303);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
