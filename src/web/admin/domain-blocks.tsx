/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst, safeNext } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { DomainBlocksPage } from "../../../views/admin/domain-blocks.tsx";
import { ImportDonePage, ImportPage, ImportPreviewPage } from "../../../views/admin/domain-block-import.tsx";
import {
  applyImport,
  CONFIRM_MAX_BYTES,
  confirmationPayload,
  confirmImportFile,
  exportDomainBlocksCsv,
  planImportFile,
} from "../../core/domain-block-csv.ts";
import {
  blockDomain,
  type DomainBlock,
  followsCutBy,
  listDomainBlocks,
  normalizeDomain,
  unblockDomain,
} from "../../core/domain-blocks.ts";
import { CoreError, ValidationError } from "../../core/errors.ts";
import { domainBlockSeverities } from "../../db/schema.ts";

/**
 * Domain blocks: list, add (with the cost of a suspension shown first), remove, export and
 * import. An import is previewed first (POST …/import changes nothing); the preview's
 * confirmation carries its changes as CSV, read and checked again like an upload (…/import/apply).
 */
export function domainBlockRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;

  return new Elysia({ name: "admin/domain-blocks" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/domain-blocks",
      ({ viewer, ctx, redirect, path, query }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "admin", path);
        const blocks = listDomainBlocks(db);
        // "Change": the form starts from the block as it is.
        const block = query.change ? blocks.find((b) => b.domain === query.change) : undefined;
        if (query.change && !block) throw new CoreError("This domain is not blocked.", 404);
        return <DomainBlocksPage ctx={ctx} blocks={blocks} values={block && blockValues(block)} />;
      },
      { query: t.Object({ change: t.Optional(t.String({ maxLength: 300 })) }) },
    )
    .get("/admin/domain-blocks/export", ({ viewer, redirect, path, set }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      set.headers["content-type"] = "text/csv; charset=utf-8";
      set.headers["content-disposition"] = 'attachment; filename="domain_blocks.csv"';
      return exportDomainBlocksCsv(db);
    })
    .get("/admin/domain-blocks/import", ({ viewer, ctx, redirect, path }) => {
      if (!viewer) return redirect(loginFirst(path), 303);
      requireRole(viewer, "admin", path);
      return <ImportPage ctx={ctx} />;
    })
    .post(
      "/admin/domain-blocks/import",
      async ({ viewer, ctx, body, set, path }) => {
        requireRole(viewer, "admin", path);
        try {
          if (!body.file || body.file.size === 0) throw new ValidationError({ file: "Choose a CSV file." });
          const plan = await planImportFile(deps, body.file);
          const payload = confirmationPayload(plan);
          return <ImportPreviewPage ctx={ctx} plan={plan} filename={body.file.name} payload={payload} />;
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <ImportPage ctx={ctx} error={error.fields.file ?? error.message} />;
        }
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), file: t.Optional(t.File()) }) },
    )
    .post(
      "/admin/domain-blocks/import/apply",
      async ({ viewer, ctx, body, set, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          const plan = await confirmImportFile(deps, body.csv);
          const summary = applyImport(deps, staff.account.id, plan, body.filename || "a CSV file");
          return <ImportDonePage ctx={ctx} summary={summary} notRead={plan.notRead} />;
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <ImportPage ctx={ctx} error={error.fields.file ?? error.message} />;
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          csv: t.String({ maxLength: Math.ceil(CONFIRM_MAX_BYTES / 3) * 4 }), // base64
          filename: t.String({ maxLength: 200 }),
        }),
      },
    )
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
          blockDomain(deps, staff.account.id, input, { change: domain !== null && body.change === domain });
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
          // Generous limits: the core's checks give the message next to the field.
          public_comment: t.Optional(t.String({ maxLength: 20_000 })),
          private_comment: t.Optional(t.String({ maxLength: 20_000 })),
          obfuscate: t.Optional(t.String({ maxLength: 5 })),
          confirm: t.Optional(t.String({ maxLength: 5 })),
          change: t.Optional(t.String({ maxLength: 300 })),
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

/** A block as the form's fields, to change it. */
function blockValues(block: DomainBlock): Record<string, string> {
  const box = (on: boolean) => (on ? "1" : "");
  return {
    domain: block.domain,
    change: block.domain,
    severity: block.severity,
    reject_media: box(block.rejectMedia),
    reject_reports: box(block.rejectReports),
    public_comment: block.publicComment,
    private_comment: block.privateComment,
    obfuscate: box(block.obfuscate),
  };
}
