/** @jsxImportSource @kitajs/html */
import { type DomainBlock, MAX_PRIVATE_COMMENT, MAX_PUBLIC_COMMENT } from "../../src/core/domain-blocks.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

export const severityLabel = { silence: "Limit", suspend: "Suspend", noop: "No action" } as const;

export function DomainBlocksPage({
  ctx,
  blocks,
  errors = {},
  values,
  confirmCut,
}: {
  ctx: PageContext;
  blocks: DomainBlock[];
  errors?: Record<string, string>;
  values?: Partial<Record<string, string>>;
  confirmCut?: number;
}) {
  return (
    <Layout title="Domain blocks" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p class="muted">
        To federate only with chosen servers, fill the <a href="/admin/domain-allows">allow-list</a> and switch to allowlist mode
        under <a href="/admin/settings">Instance settings</a>. Suspensions apply in both modes.
      </p>
      <DomainBlockForm ctx={ctx} errors={errors} values={values} confirmCut={confirmCut} />
      <section class="card" aria-labelledby="blocked-title">
        <h2 id="blocked-title">Blocked domains</h2>
        <p class="row">
          <a class="button secondary" href="/admin/domain-blocks/export" download="domain_blocks.csv">
            Export as CSV
          </a>
          <a class="button secondary" href="/admin/domain-blocks/import">
            Import from CSV
          </a>
        </p>
        {blocks.length === 0 ? <p class="muted">None.</p> : ""}
        <ul class="sessions">
          {blocks.map((b) => (
            <li>
              <div>
                <strong safe>{b.domain}</strong> <span class="tag-label">{severityLabel[b.severity]}</span>
                {b.rejectMedia ? <span class="tag-label">no media</span> : ""}
                {b.rejectReports ? <span class="tag-label">no reports</span> : ""}
                <p class="muted" safe>
                  {[b.publicComment, b.privateComment].filter(Boolean).join(" · ")}
                </p>
              </div>
              <div class="row">
                <a class="button secondary" href={`/admin/domain-blocks?change=${encodeURIComponent(b.domain)}#block-form`}>
                  Change<span class="visually-hidden" safe>{` the block on ${b.domain}`}</span>
                </a>
                <PostButton
                  ctx={ctx}
                  action={`/admin/domain-blocks/${encodeURIComponent(b.domain)}/delete`}
                  label="Lift"
                  kind="secondary"
                  confirm={`Lift the block on ${b.domain}? Follows cut by a suspension do not come back.`}
                />
              </div>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}

/**
 * The form that blocks a domain (or changes its block), posted to /admin/domain-blocks. The
 * instance pages use it too, with `back` set so the answer returns there.
 */
export function DomainBlockForm({
  ctx,
  errors = {},
  values,
  confirmCut,
  heading = "Block a domain",
  back = values?.back,
  bare = false,
}: {
  ctx: PageContext;
  errors?: Record<string, string>;
  values?: Partial<Record<string, string>>;
  confirmCut?: number;
  /** Empty when the surrounding page names the form already. */
  heading?: string;
  back?: string;
  /** Without its own card, inside another one. */
  bare?: boolean;
}) {
  return (
    <form method="post" action="/admin/domain-blocks" class={bare ? undefined : "card"} id="block-form" novalidate>
      <CsrfField ctx={ctx} />
      {back ? <input type="hidden" name="back" value={back} /> : ""}
      {values?.change ? <input type="hidden" name="change" value={values.change} /> : ""}
      {heading ? <h2 safe>{values?.change ? `Change the block on ${values.change}` : heading}</h2> : ""}
      {confirmCut !== undefined ? (
        <>
          <p
            class="error"
            role="alert"
            safe
          >{`Suspending ${values?.domain ?? ""} cuts ${confirmCut} follow relationships between members and its accounts.`}</p>
          <input type="hidden" name="confirm" value="1" />
        </>
      ) : (
        ""
      )}
      <Field
        name="domain"
        label="Domain"
        value={values?.domain}
        readonly={values?.change !== undefined && values.change !== ""}
        hint="Covers its subdomains. Add :port if the server uses one."
        error={errors.domain}
      />
      <div class="field">
        <label for="severity">Severity</label>
        <select id="severity" name="severity">
          {(["silence", "suspend", "noop"] as const).map((v) => (
            <option value={v} selected={(values?.severity ?? "silence") === v} safe>
              {
                {
                  silence: "Limit: its accounts leave public timelines",
                  suspend: "Suspend: refuse everything, cut follows, hide content",
                  noop: "No action (only the options below)",
                }[v]
              }
            </option>
          ))}
        </select>
      </div>
      <div class="check">
        <input type="checkbox" id="reject_media" name="reject_media" value="1" checked={values?.reject_media === "1"} />
        <label for="reject_media">Reject media (show its posts without images)</label>
      </div>
      <div class="check">
        <input type="checkbox" id="reject_reports" name="reject_reports" value="1" checked={values?.reject_reports === "1"} />
        <label for="reject_reports">Reject reports from it</label>
      </div>
      <Field
        name="public_comment"
        label="Public comment (shown on the about page)"
        required={false}
        maxlength={MAX_PUBLIC_COMMENT}
        value={values?.public_comment}
        error={errors.public_comment}
      />
      <Field
        name="private_comment"
        label="Private note (staff only)"
        required={false}
        maxlength={MAX_PRIVATE_COMMENT}
        value={values?.private_comment}
        error={errors.private_comment}
      />
      <div class="check">
        <input type="checkbox" id="obfuscate" name="obfuscate" value="1" checked={values?.obfuscate === "1"} />
        <label for="obfuscate">Partly hide the domain on the about page</label>
      </div>
      <button type="submit">{confirmCut !== undefined ? "Suspend it anyway" : values?.change ? "Save" : "Block"}</button>
    </form>
  );
}
