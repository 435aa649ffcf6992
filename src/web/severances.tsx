/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { SeverancesPage } from "../../views/severances.tsx";
import { severancesOf, severedCsv } from "../core/severances.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const PATH = "/severed_relationships";

/** The follows moderators' actions ended for the member, and whom, as CSV (Mastodon's paths). */
export function severanceRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  return new Elysia({ name: "severances" })
    .use(page)
    .get(PATH, ({ ctx, viewer, redirect }) => {
      if (!viewer) return redirect(loginFirst(PATH), 303);
      return <SeverancesPage ctx={ctx} events={severancesOf(db, viewer.account.id)} />;
    })
    .get(
      `${PATH}/:id/:file`,
      ({ viewer, params, set, redirect, status }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const direction = params.file === "following.csv" ? "following" : "follower";
        const csv = severedCsv(db, viewer.account.id, params.id, direction);
        const event = severancesOf(db, viewer.account.id, params.id)[0];
        if (csv === null || !event) return status(404, "Not found");
        // As Mastodon names them: what, whose loss, when.
        const name = `${params.file.replace(".csv", "")}-${event.targetName.replace(/[^\w.@-]/g, "_")}-${event.createdAt.toISOString().slice(0, 10)}.csv`;
        set.headers["content-type"] = "text/csv; charset=utf-8";
        set.headers["content-disposition"] = `attachment; filename="${name}"`;
        return csv;
      },
      { params: t.Object({ id: t.String({ maxLength: 100 }), file: t.UnionEnum(["following.csv", "followers.csv"]) }) },
    );
}
