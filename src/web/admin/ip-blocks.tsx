/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { IpBlocksPage } from "../../../views/admin/ip-blocks.tsx";
import { ValidationError } from "../../core/errors.ts";
import { addIpBlock, listIpBlocks, removeIpBlock } from "../../core/ip-blocks.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

/** Addresses and networks whose sign-ups wait or are refused: list, block, unblock. Admins only, like domain blocks. */
export function ipBlockRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const render = (
    ctx: Parameters<typeof IpBlocksPage>[0]["ctx"],
    extra: Pick<Parameters<typeof IpBlocksPage>[0], "errors" | "values"> = {},
  ) => <IpBlocksPage ctx={ctx} blocks={listIpBlocks(db)} now={new Date()} {...extra} />;

  return new Elysia({ name: "admin/ip-blocks" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/ip-blocks", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return render(ctx);
    })
    .post(
      "/admin/ip-blocks",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          const expiresIn = body.expires_in ? Number(body.expires_in) : null;
          addIpBlock(db, staff.account.id, { ip: body.ip, severity: body.severity, comment: body.comment, expiresIn });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(ctx, { errors: error.fields, values: body });
        }
        return redirect("/admin/ip-blocks", 303);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          ip: t.String({ maxLength: 100 }),
          severity: t.String({ maxLength: 40 }),
          expires_in: t.Optional(t.String({ maxLength: 12 })),
          // Longer than the core allows, so that the message appears next to the field.
          comment: t.Optional(t.String({ maxLength: 2000 })),
        }),
      },
    )
    .post(
      "/admin/ip-blocks/:id/delete",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        removeIpBlock(db, staff.account.id, params.id);
        return redirect("/admin/ip-blocks", 303);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
