/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { RegistrationsPage } from "../../../views/admin/registrations.tsx";
import { ValidationError } from "../../core/errors.ts";
import { decideSignup, pendingSignups, unconfirmedSignups } from "../../core/registrations.ts";
import { ipBlockFor } from "../../core/ip-blocks.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

/** Sign-ups waiting for a moderator: approve, or reject with a message the person reads at login. */
export function registrationRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  // Without e-mail, sign-ups made while there was some wait for a link that cannot come.
  const stuck = () => (deps.mailer ? [] : unconfirmedSignups(db));
  // Each with the network rule that holds it back, so the moderator knows why it waits.
  const pending = () => pendingSignups(db).map((s) => ({ ...s, ipRule: s.ip ? ipBlockFor(db, s.ip) : null }));
  return new Elysia({ name: "admin/registrations" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/registrations", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "moderator", path);
      return <RegistrationsPage ctx={ctx} pending={pending()} unconfirmed={stuck()} />;
    })
    .post(
      "/admin/registrations/:id/:decision",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          decideSignup(db, staff.account.id, params.id, params.decision, body?.message ?? "");
          return redirect("/admin/registrations", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const failed = { userId: params.id, message: body?.message ?? "", error: error.fields.message ?? error.message };
          return <RegistrationsPage ctx={ctx} pending={pending()} unconfirmed={stuck()} failed={failed} />;
        }
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), decision: t.UnionEnum(["approve", "reject"]) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()), message: t.Optional(t.String({ maxLength: 5000 })) })),
      },
    );
}
