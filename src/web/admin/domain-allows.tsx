/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { DomainAllowsPage } from "../../../views/admin/domain-allows.tsx";
import { allowDomain, disallowDomain, listDomainAllows } from "../../core/domain-allows.ts";
import { blockFor } from "../../core/domain-blocks.ts";
import { ValidationError } from "../../core/errors.ts";
import { getSettings } from "../../core/instance.ts";

/** The allow-list that allowlist mode federates with: list, add (with a comment), remove. Admins only, like domain blocks. */
export function domainAllowRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const render = (
    ctx: Parameters<typeof DomainAllowsPage>[0]["ctx"],
    extra: { errors?: Record<string, string>; values?: { domain?: string; comment?: string } } = {},
  ) => (
    <DomainAllowsPage
      ctx={ctx}
      allowlistMode={getSettings(db).federationMode === "allowlist"}
      // Listed but suspended: shown, since the block wins (federationAllowed says no).
      allows={listDomainAllows(db).map((a) => ({ ...a, suspended: blockFor(db, a.domain)?.severity === "suspend" }))}
      {...extra}
    />
  );

  return new Elysia({ name: "admin/domain-allows" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/domain-allows", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return render(ctx);
    })
    .post(
      "/admin/domain-allows",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          allowDomain(deps, staff.account.id, { domain: body.domain, comment: body.comment ?? "" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(ctx, { errors: error.fields, values: body });
        }
        return redirect("/admin/domain-allows", 303);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          domain: t.String({ maxLength: 300 }),
          // Longer than the core allows, so that the message appears next to the field.
          comment: t.Optional(t.String({ maxLength: 2000 })),
        }),
      },
    )
    .post(
      "/admin/domain-allows/:domain/delete",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        disallowDomain(deps, staff.account.id, decodeURIComponent(params.domain));
        return redirect("/admin/domain-allows", 303);
      },
      {
        params: t.Object({ domain: t.String({ maxLength: 300 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
