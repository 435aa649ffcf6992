/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { MutedOrBlockedPage } from "../../views/settings-muted-blocked.tsx";
import { blockedOrMuted } from "../core/accounts-read.ts";
import { accountViews } from "../core/views.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const PAGE = 40;
const paths = { mutes: "/settings/mutes", blocks: "/settings/blocks" } as const;

/**
 * The accounts a member mutes and blocks, in settings. Their buttons post to the profile's
 * `/accounts/:id/unmute|unblock`, which come back here.
 */
export function mutedBlockedRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const query = { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) };
  const routes = new Elysia({ name: "muted-blocked" }).use(page);
  for (const kind of ["mutes", "blocks"] as const) {
    routes.get(
      paths[kind],
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst(paths[kind]), 303);
        const rows = blockedOrMuted(db, viewer.account.id, kind, query.max_id, PAGE);
        const views = accountViews(
          db,
          baseUrl,
          rows.map((r) => r.account),
        );
        const last = rows.at(-1);
        return (
          <MutedOrBlockedPage
            ctx={ctx}
            kind={kind}
            listed={rows.map((r, i) => ({ ...r, account: views[i]! }))}
            more={rows.length === PAGE && last ? `${paths[kind]}?max_id=${last.id}` : undefined}
          />
        );
      },
      query,
    );
  }
  return routes;
}
