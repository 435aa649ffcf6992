/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst, safeNext } from "../redirects.ts";
import { requireRole } from "./guard.ts";
import { DomainBlocksPage } from "../../../views/admin/domain-blocks.tsx";
import { blockDomain, followsCutBy, listDomainBlocks, normalizeDomain, unblockDomain } from "../../core/domain-blocks.ts";
import { ValidationError } from "../../core/errors.ts";
import { domainBlockSeverities } from "../../db/schema.ts";

/** Domain blocks: list, add (with the cost of a suspension shown first), remove. */
export function domainBlockRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;

  return new Elysia({ name: "admin/domain-blocks" })
    .use(page)
    .get("/admin/domain-blocks", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return <DomainBlocksPage ctx={ctx} blocks={listDomainBlocks(db)} />;
    })
    .post(
      "/admin/domain-blocks",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const input = {
          domain: body.domain,
          severity: body.severity,
          rejectMedia: body.reject_media === "1",
          rejectReports: body.reject_reports === "1",
          publicComment: body.public_comment ?? "",
          privateComment: body.private_comment ?? "",
          obfuscate: body.obfuscate === "1",
        };
        const domain = normalizeDomain(body.domain);
        // A suspension that cuts follows is shown with its cost first.
        if (domain && body.severity === "suspend" && body.confirm !== "1") {
          const cut = followsCutBy(db, domain);
          if (cut > 0)
            return <DomainBlocksPage ctx={ctx} blocks={listDomainBlocks(db)} values={{ ...body, domain }} confirmCut={cut} />;
        }
        try {
          blockDomain(deps, staff.account.id, input);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <DomainBlocksPage ctx={ctx} blocks={listDomainBlocks(db)} values={body} errors={error.fields} />;
        }
        // A block made from a server's page returns there.
        return redirect(body.back?.startsWith("/admin/instances/") ? safeNext(body.back) : "/admin/domain-blocks", 303);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          domain: t.String({ maxLength: 300 }),
          severity: t.UnionEnum(domainBlockSeverities),
          reject_media: t.Optional(t.String({ maxLength: 5 })),
          reject_reports: t.Optional(t.String({ maxLength: 5 })),
          public_comment: t.Optional(t.String({ maxLength: 1000 })),
          private_comment: t.Optional(t.String({ maxLength: 5000 })),
          obfuscate: t.Optional(t.String({ maxLength: 5 })),
          confirm: t.Optional(t.String({ maxLength: 5 })),
          back: t.Optional(t.String({ maxLength: 400 })),
        }),
      },
    )
    .post(
      "/admin/domain-blocks/:domain/delete",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        unblockDomain(deps, staff.account.id, decodeURIComponent(params.domain));
        return redirect("/admin/domain-blocks", 303);
      },
      {
        params: t.Object({ domain: t.String({ maxLength: 300 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
