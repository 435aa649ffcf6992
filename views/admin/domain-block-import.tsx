/** @jsxImportSource @kitajs/html */
import { plural } from "../words.ts";
import { SkippedRowsTable } from "../skipped-rows.tsx";
import type { PropsWithChildren } from "@kitajs/html";
import type { BlockValues, ImportPlan, ImportSummary, PlannedRow, SkippedRow } from "../../src/core/domain-block-csv.ts";
import { IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from "../../src/core/domain-block-csv.ts";
import type { PageContext } from "../context.ts";
import { CsrfField } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

const SKIPPED_SHOWN = 50;
const severityLabel = { silence: "Limit", suspend: "Suspend", noop: "No action" } as const;

function Frame({ ctx, title, children }: PropsWithChildren<{ ctx: PageContext; title: string }>) {
  return (
    <Layout title={title} ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p>
        <a href="/admin/domain-blocks">← Domain blocks</a>
      </p>
      {children}
    </Layout>
  );
}

/** The upload form, with what the file may hold. */
export function ImportPage({ ctx, error }: { ctx: PageContext; error?: string }) {
  return (
    <Frame ctx={ctx} title="Import domain blocks">
      <section class="card" aria-labelledby="import-title">
        <h2 id="import-title">Import domain blocks</h2>
        <p>
          Choose a CSV file of domain blocks as Mastodon exports them (Moderation › Federation › Export), or as this instance
          exports them. Nothing changes yet: the next page shows what the file would do, and you confirm it there.
        </p>
        <ul class="hint">
          <li>
            A header row names the columns, in any order: <code>#domain</code>, <code>#severity</code> (silence, suspend or noop),{" "}
            <code>#reject_media</code>, <code>#reject_reports</code>, <code>#public_comment</code>, <code>#obfuscate</code> (true
            or false). Other columns are ignored.
          </li>
          <li>A file without a header is read as one domain per line, each to be suspended.</li>
          <li>A domain already blocked takes the file's values; columns the file lacks keep their current values.</li>
          <li
            safe
          >{`At most ${IMPORT_MAX_ROWS.toLocaleString("en")} rows and ${IMPORT_MAX_BYTES / 1024 / 1024} MB are read.`}</li>
        </ul>
        <form method="post" action="/admin/domain-blocks/import" enctype="multipart/form-data" novalidate>
          <CsrfField ctx={ctx} />
          <div class={error ? "field invalid" : "field"}>
            <label for="file">CSV file</label>
            <input
              id="file"
              name="file"
              type="file"
              accept=".csv,.txt,text/csv,text/plain"
              required
              aria-invalid={error ? "true" : undefined}
              aria-describedby={error ? "file-error" : undefined}
            />
            {error ? (
              <p class="error" id="file-error" role="alert" safe>
                {error}
              </p>
            ) : (
              ""
            )}
          </div>
          <button type="submit">Preview the import</button>
        </form>
      </section>
    </Frame>
  );
}

function Options({ target }: { target: BlockValues }) {
  return (
    <>
      <span class="tag-label">{severityLabel[target.severity]}</span>
      {target.rejectMedia ? <span class="tag-label">no media</span> : ""}
      {target.rejectReports ? <span class="tag-label">no reports</span> : ""}
      {target.obfuscate ? <span class="tag-label">partly hidden</span> : ""}
      {target.publicComment ? (
        <p class="muted" safe>
          {target.publicComment.slice(0, 200)}
        </p>
      ) : (
        ""
      )}
    </>
  );
}

function ChangeTable({ rows }: { rows: PlannedRow[] }) {
  return (
    <div class="table-wrap">
      <table class="data">
        <caption class="visually-hidden">Blocks the import adds or changes</caption>
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">What happens</th>
            <th scope="col">Block after the import</th>
            <th scope="col" class="number">
              Follows cut
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td class="domain">
                <strong safe>{r.domain}</strong>
                <p class="muted" safe>{`line ${r.line}`}</p>
              </td>
              <td safe>{r.action === "new" ? "New block" : `Changes ${r.changes.join(", ")}`}</td>
              <td>
                <Options target={r.target} />
              </td>
              <td class={r.cut > 0 ? "number danger" : "number"}>{r.cut > 0 ? String(r.cut) : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The first SKIPPED_SHOWN skipped rows, and how many more there are. */
function SkippedTable({ skipped }: { skipped: SkippedRow[] }) {
  if (skipped.length === 0) return "";
  return (
    <section class="card" aria-labelledby="skipped-title">
      <h2 id="skipped-title" safe>
        {`Skipped: ${plural(skipped.length, "row")}`}
      </h2>
      <div class="table-wrap">
        <SkippedRowsTable rows={skipped.slice(0, SKIPPED_SHOWN).map((s) => ({ line: s.line, row: s.text, why: s.reason }))} />
      </div>
      {skipped.length > SKIPPED_SHOWN ? (
        <p class="muted" safe>{`…and ${plural(skipped.length - SKIPPED_SHOWN, "more skipped row")} not listed.`}</p>
      ) : (
        ""
      )}
    </section>
  );
}

/** Notes about the file as a whole: where reading stopped, ignored columns, the old format. */
function FileNotes({ plan }: { plan: Pick<ImportPlan, "notRead" | "ignoredColumns" | "headerless"> }) {
  return (
    <>
      {plan.notRead ? (
        <p class="notice" role="alert" safe>
          {plan.notRead}
        </p>
      ) : (
        ""
      )}
      {plan.ignoredColumns.length > 0 ? (
        <p
          class="notice"
          safe
        >{`Ignored columns (not part of Mastodon's format): ${plan.ignoredColumns.map((c) => c || "(unnamed)").join(", ")}.`}</p>
      ) : (
        ""
      )}
      {plan.headerless ? (
        <p class="notice">
          This file has no header row: each line is read as a domain, then Mastodon's columns in their order (severity, reject
          media, reject reports, public comment, hide); a line with only a domain is a suspension.
        </p>
      ) : (
        ""
      )}
    </>
  );
}

/** What the file would do, row by row, with a button to do it. */
export function ImportPreviewPage({
  ctx,
  plan,
  filename,
  payload,
}: {
  ctx: PageContext;
  plan: ImportPlan;
  filename: string;
  payload: string;
}) {
  const { totals } = plan;
  const changing = plan.rows.filter((r) => r.action !== "unchanged");
  const unchanged = plan.rows.filter((r) => r.action === "unchanged");
  return (
    <Frame ctx={ctx} title="Import preview">
      <section class="card" aria-labelledby="preview-title">
        <h2 id="preview-title" safe>{`Preview of ${filename || "the file"}`}</h2>
        <p>Nothing has changed yet. This is what the import will do:</p>
        <ul class="totals">
          <li safe>{plural(totals.new, "new block")}</li>
          <li safe>{plural(totals.change, "changed block")}</li>
          <li safe>{`${plural(totals.unchanged, "block")} already as in the file`}</li>
          <li safe>{plural(totals.skipped, "skipped row")}</li>
          <li class={totals.cut > 0 ? "danger" : undefined} safe>
            {`${plural(totals.cut, "follow relationship")} between members and suspended domains cut`}
          </li>
        </ul>
        <FileNotes plan={plan} />
        {changing.length > 0 ? <ChangeTable rows={changing} /> : <p class="empty">Nothing to change.</p>}
        {unchanged.length > 0 ? (
          <details>
            <summary safe>{`${plural(unchanged.length, "domain")} already blocked as in the file`}</summary>
            <p class="muted domain" safe>
              {unchanged.map((r) => r.domain).join(", ")}
            </p>
          </details>
        ) : (
          ""
        )}
      </section>
      <SkippedTable skipped={plan.skipped} />
      {changing.length > 0 ? (
        <form method="post" action="/admin/domain-blocks/import/apply" class="row">
          <CsrfField ctx={ctx} />
          <input type="hidden" name="csv" value={payload} />
          <input type="hidden" name="filename" value={filename.slice(0, 200)} />
          <button type="submit" safe>{`Apply ${plural(changing.length, "change")}`}</button>
          <a class="button secondary" href="/admin/domain-blocks/import">
            Cancel
          </a>
        </form>
      ) : (
        <p>
          <a href="/admin/domain-blocks/import">Choose another file</a>
        </p>
      )}
    </Frame>
  );
}

/** What the import did. */
export function ImportDonePage({ ctx, summary, notRead }: { ctx: PageContext; summary: ImportSummary; notRead?: string }) {
  return (
    <Frame ctx={ctx} title="Import done">
      <section class="card" aria-labelledby="done-title">
        <h2 id="done-title">Import done</h2>
        <ul class="totals" role="status">
          <li safe>{`${plural(summary.created.length, "new block")} added`}</li>
          <li safe>{`${plural(summary.changed.length, "block")} changed`}</li>
          <li safe>{`${plural(summary.unchanged, "block")} already as in the file`}</li>
          <li safe>{`${plural(summary.cut, "follow relationship")} cut`}</li>
        </ul>
        {notRead ? (
          <p class="notice" role="alert" safe>
            {notRead}
          </p>
        ) : (
          ""
        )}
        <p>
          Each block is in the <a href="/admin/audit">audit log</a>.
        </p>
      </section>
      <SkippedTable skipped={summary.failed} />
    </Frame>
  );
}
