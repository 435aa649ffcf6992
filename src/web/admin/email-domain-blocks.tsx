/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { EmailDomainBlocksPage } from "../../../views/admin/email-domain-blocks.tsx";
import { blockEmailDomain, listEmailDomainBlocks, unblockEmailDomain } from "../../core/email-domain-blocks.ts";
import { ValidationError } from "../../core/errors.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

/** A path part decoded; a malformed escape is taken as written (no such block: 404). */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** E-mail providers that may not sign up: list, block, unblock. Admins only, like domain blocks. */
export function emailDomainBlockRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const render = (
    ctx: Parameters<typeof EmailDomainBlocksPage>[0]["ctx"],
    extra: { errors?: Record<string, string>; values?: { domain?: string } } = {},
  ) => <EmailDomainBlocksPage ctx={ctx} blocks={listEmailDomainBlocks(db)} {...extra} />;

  return new Elysia({ name: "admin/email-domain-blocks" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/email-domain-blocks", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return render(ctx);
    })
    .post(
      "/admin/email-domain-blocks",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          blockEmailDomain(db, staff.account.id, { domain: body.domain });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(ctx, { errors: error.fields, values: body });
        }
        return redirect("/admin/email-domain-blocks", 303);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), domain: t.String({ maxLength: 300 }) }) },
    )
    .post(
      "/admin/email-domain-blocks/:domain/delete",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        unblockEmailDomain(db, staff.account.id, decoded(params.domain));
        return redirect("/admin/email-domain-blocks", 303);
      },
      {
        params: t.Object({ domain: t.String({ maxLength: 300 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
