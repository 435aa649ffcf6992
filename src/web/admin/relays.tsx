/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { RelaysPage } from "../../../views/admin/relays.tsx";
import { ValidationError } from "../../core/errors.ts";
import { addRelay, joinRelay, leaveRelay, listRelays, removeRelay } from "../../core/relays.ts";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";

/** The relays the instance joins: list, join, leave, join again, remove. Admins only, as on Mastodon. */
export function relayRoutes(deps: WebDeps, page: PagePlugin) {
  const render = (
    ctx: Parameters<typeof RelaysPage>[0]["ctx"],
    extra: Pick<Parameters<typeof RelaysPage>[0], "errors" | "values"> = {},
  ) => <RelaysPage ctx={ctx} relays={listRelays(deps.db)} {...extra} />;
  const actions = { join: joinRelay, leave: leaveRelay, delete: removeRelay } as const;

  return new Elysia({ name: "admin/relays" })
    .use(page)
    .onTransform(staffGate)
    .get("/admin/relays", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return render(ctx);
    })
    .post(
      "/admin/relays",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          addRelay(deps, staff.account.id, { inboxUrl: body.inbox_url });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return render(ctx, { errors: error.fields, values: body });
        }
        return redirect("/admin/relays", 303);
      },
      // Longer than the core allows, so that the message appears next to the field.
      { body: t.Object({ _csrf: t.Optional(t.String()), inbox_url: t.String({ maxLength: 4000 }) }) },
    )
    .post(
      "/admin/relays/:id/:action",
      ({ viewer, params, redirect, path }) => {
        actions[params.action](deps, requireRole(viewer, "admin", path).account.id, params.id);
        return redirect("/admin/relays", 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), action: t.UnionEnum(["join", "leave", "delete"]) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
