/** @jsxImportSource @kitajs/html */
import { plural } from "./words.ts";
import { SkippedRowsTable } from "./skipped-rows.tsx";
import type { CsvExport } from "../src/core/exports.ts";
import { type ImportProgress, IMPORT_MAX_ROWS, kindNames } from "../src/core/imports.ts";
import type { ImportKind, ImportMode } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, FormMessage } from "./form.tsx";
import { SettingsFrame } from "./settings.tsx";
import { WithTimes } from "./time.tsx";

export const IMPORT_EXPORT_PATH = "/settings/import-export";

const csvRows: { name: CsvExport; label: string; unit: string }[] = [
  { name: "following_accounts", label: "Follows", unit: "account" },
  { name: "blocked_accounts", label: "Blocked accounts", unit: "account" },
  { name: "muted_accounts", label: "Muted accounts", unit: "account" },
  { name: "blocked_domains", label: "Blocked domains", unit: "domain" },
  { name: "bookmarks", label: "Bookmarks", unit: "post" },
  { name: "lists", label: "Lists", unit: "list" },
];

export interface ImportInput {
  type: ImportKind;
  mode: ImportMode;
}

export function ImportExportPage({
  ctx,
  counts,
  imports,
  errors = {},
  input = { type: "following", mode: "merge" },
  message,
}: {
  ctx: PageContext;
  counts: Record<CsvExport, number>;
  imports: ImportProgress[];
  errors?: Record<string, string>;
  input?: ImportInput;
  message?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Import and export">
      <FormMessage message={message} kind="success" />
      <section class="card" aria-labelledby="archive-title">
        <h2 id="archive-title">Your archive</h2>
        <p>
          A ZIP file with your posts (<code>outbox.json</code>, ActivityStreams, as Mastodon's archive has them), your profile (
          <code>actor.json</code>), the pictures of your posts and profile, and the CSV files below. It is made as it downloads.
        </p>
        <p>
          <a class="button secondary" href="/settings/export/archive.zip" download="">
            Download your archive
          </a>
        </p>
      </section>
      <section class="card" aria-labelledby="csv-title">
        <h2 id="csv-title">Export as CSV</h2>
        <p class="hint">The files Mastodon's Import and export writes: they import into Mastodon and other servers, and here.</p>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col" class="number">
                How many
              </th>
              <th scope="col">File</th>
            </tr>
          </thead>
          <tbody>
            {csvRows.map((r) => (
              <tr>
                <th scope="row" safe>
                  {r.label}
                </th>
                <td class="number" safe>
                  {plural(counts[r.name], r.unit)}
                </td>
                <td>
                  <a href={`/settings/export/${r.name}.csv`} download="" safe>
                    {`${r.name}.csv`}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ImportForm ctx={ctx} errors={errors} input={input} />
      <ImportsSection imports={imports} />
      <p class="muted">
        Follows that ended when a server or an account was suspended or blocked, and whom they were with:{" "}
        <a href="/severed_relationships">Lost connections</a>.
      </p>
    </SettingsFrame>
  );
}

function ImportForm({ ctx, errors, input }: { ctx: PageContext; errors: Record<string, string>; input: ImportInput }) {
  const kinds = Object.entries(kindNames) as [ImportKind, string][];
  return (
    <section class="card" aria-labelledby="import-title">
      <h2 id="import-title">Import</h2>
      <p>
        A CSV file from Mastodon's (or this server's) export. Accounts on other servers are looked up and followed one by one in
        the background; this page shows how far it got.
      </p>
      <form method="post" action="/settings/imports" enctype="multipart/form-data" novalidate>
        <CsrfField ctx={ctx} />
        <div class={errors.type ? "field invalid" : "field"}>
          <label for="type">What to import</label>
          <select id="type" name="type">
            {kinds.map(([value, label]) => (
              <option value={value} selected={input.type === value} safe>
                {label}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="field">
          <legend>Mode</legend>
          <div class="check">
            <input type="radio" id="mode-merge" name="mode" value="merge" checked={input.mode === "merge"} />
            <label for="mode-merge">Merge: keep what you have and add the accounts or posts in the file</label>
          </div>
          <div class="check">
            <input type="radio" id="mode-overwrite" name="mode" value="overwrite" checked={input.mode === "overwrite"} />
            <label for="mode-overwrite">Overwrite: also remove what is not in the file</label>
          </div>
        </fieldset>
        <div class={errors.file ? "field invalid" : "field"}>
          <label for="file">CSV file</label>
          <input
            id="file"
            name="file"
            type="file"
            accept=".csv,.txt,text/csv,text/plain"
            required
            aria-invalid={errors.file ? "true" : undefined}
            aria-describedby={errors.file ? "file-hint file-error" : "file-hint"}
          />
          <p class="hint" id="file-hint" safe>
            {`At most 2 MB and ${IMPORT_MAX_ROWS.toLocaleString("en")} rows.`}
          </p>
          {errors.file ? (
            <p class="error" id="file-error" role="alert" safe>
              {errors.file}
            </p>
          ) : (
            ""
          )}
        </div>
        <button type="submit">Import</button>
      </form>
    </section>
  );
}

/** The recent imports; while one is running, htmx fetches this section again every two seconds. */
export function ImportsSection({ imports }: { imports: ImportProgress[] }) {
  const running = imports.some((i) => !i.import.finishedAt);
  const poll = running
    ? { "hx-get": "/settings/imports/progress", "hx-trigger": "every 2s", "hx-target": "this", "hx-swap": "outerHTML" }
    : {};
  return (
    <section class="card" id="imports" aria-labelledby="imports-title" {...poll}>
      <h2 id="imports-title">Recent imports</h2>
      {imports.length === 0 ? <p class="hint">None yet.</p> : imports.map((p, i) => <ImportItem progress={p} latest={i === 0} />)}
    </section>
  );
}

function ImportItem({ progress: p, latest }: { progress: ImportProgress; latest: boolean }) {
  const finished = p.import.finishedAt;
  const handled = p.done + p.failed + p.skipped;
  const title = `${kindNames[p.import.kind]} (${p.import.mode}), ${p.import.filename || "a CSV file"}`;
  const status = finished ? ["Finished ", finished] : [`Working: ${handled} of ${p.total} rows done`];
  const problems = p.failed + p.skipped;
  return (
    <div class="import">
      <h3 safe>{title}</h3>
      <p role="status">
        <WithTimes parts={status} />
      </p>
      <progress max={String(p.total)} value={String(handled)} aria-label={`${handled} of ${p.total} rows`} />
      <p safe>{`${plural(p.done, "row")} imported, ${p.failed} failed, ${p.skipped} skipped.`}</p>
      {problems > 0 ? (
        <details open={latest || undefined}>
          <summary safe>{`Rows not imported (${problems})`}</summary>
          <SkippedRowsTable rows={p.problems.map((r) => ({ line: r.line, row: r.target, why: r.error }))} />
          {problems > p.problems.length ? <p class="hint" safe>{`The first ${p.problems.length} are shown.`}</p> : ""}
        </details>
      ) : (
        ""
      )}
    </div>
  );
}
