/** @jsxImportSource @kitajs/html */
import { categoryNames } from "../report.tsx";
import type { Report } from "../../src/core/reports.ts";
import type { AccountView } from "../../src/core/views.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, FormMessage, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { LongTime, WithTimes } from "../time.tsx";
import { plural } from "../words.ts";
import { instancePath } from "./instances.tsx";
import { AdminTabs } from "./tabs.tsx";
import { type StaffNoteView, StaffNotes } from "./staff-notes.tsx";
import { SnapshotPost } from "../post-snapshot.tsx";

export interface ReportRow {
  report: Report;
  target: AccountView | undefined;
  reporter: AccountView | undefined;
  /** The moderator who took it on, and who resolved it. */
  assignee: AccountView | undefined;
  resolver: AccountView | undefined;
}

function reportedBy({ report, reporter }: ReportRow): string {
  // Another server's report: its moderators, through the account that sent it (its instance actor, on Mastodon).
  if (report.reporterDomain) return `the moderators of ${report.reporterDomain}${reporter ? ` (@${reporter.acct})` : ""}`;
  return reporter
    ? `@${reporter.acct}`
    : report.reporterDomain
      ? `the moderators of ${report.reporterDomain}`
      : "someone since deleted";
}

export function ReportsPage({ ctx, rows, state }: { ctx: PageContext; rows: ReportRow[]; state: "open" | "resolved" }) {
  return (
    <Layout title="Reports" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p>
        {state === "open" ? <strong>Open</strong> : <a href="/admin/reports">Open</a>} ·{" "}
        {state === "resolved" ? <strong>Resolved</strong> : <a href="/admin/reports?state=resolved">Resolved</a>}
      </p>
      {rows.length === 0 ? (
        <p class="empty">{state === "open" ? "No open reports. All calm." : "No resolved reports yet."}</p>
      ) : (
        ""
      )}
      <ul class="account-list">
        {rows.map((row) => (
          <li>
            <div class="grow">
              <a
                href={`/admin/reports/${row.report.id}`}
                safe
              >{`@${row.target?.acct ?? "unknown"} · ${categoryNames[row.report.category]}`}</a>
              <p class="muted">
                <WithTimes
                  parts={[
                    `Reported by ${reportedBy(row)} · `,
                    row.report.createdAt,
                    ` · ${plural(row.report.postIds.length, "post")}`,
                    row.assignee ? ` · assigned to @${row.assignee.acct}` : "",
                  ]}
                />
              </p>
            </div>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

export function ReportDetailPage(props: {
  ctx: PageContext;
  row: ReportRow;
  notes: StaffNoteView[];
  /** A note refused, with why. */
  note?: { value: string; error: string };
  earlier: number;
  /** Reported posts that still exist (the others show only their snapshot). */
  existing: string[];
  error?: string;
}) {
  const { ctx, row } = props;
  const { report } = row;
  const action = (name: string, label: string) => (
    <PostButton
      ctx={ctx}
      action={`/admin/reports/${report.id}/${name}`}
      label={label}
      kind={name === "resolve" ? undefined : "secondary"}
    />
  );
  return (
    <Layout title="Report" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <section class="card" aria-labelledby="report-title">
        <h2 id="report-title" safe>{`Report about @${row.target?.acct ?? "unknown"}`}</h2>
        <FormMessage message={props.error} />
        <dl class="facts">
          <dt>Reason</dt>
          <dd safe>{categoryNames[report.category]}</dd>
          {report.rules.length > 0 ? (
            <>
              <dt>Rules broken</dt>
              <dd>
                <ul class="plain">
                  {report.rules.map((rule) => (
                    <li safe>{rule.text}</li>
                  ))}
                </ul>
              </dd>
            </>
          ) : (
            ""
          )}
          {row.target?.domain ? (
            <>
              <dt>Their server</dt>
              <dd>
                <a href={instancePath(row.target.domain)} safe>
                  {row.target.domain}
                </a>
              </dd>
            </>
          ) : (
            ""
          )}
          <dt>Reported by</dt>
          <dd safe>{reportedBy(row)}</dd>
          <dt>When</dt>
          <dd>
            <LongTime date={report.createdAt} />
          </dd>
          <dt>Status</dt>
          <dd>
            {report.resolvedAt ? (
              <WithTimes parts={[`Resolved${row.resolver ? ` by @${row.resolver.acct}` : ""} on `, report.resolvedAt]} />
            ) : (
              "Open"
            )}
          </dd>
          <dt>Assigned to</dt>
          <dd>{row.assignee ? <span safe>{`@${row.assignee.acct}`}</span> : "Nobody yet"}</dd>
          <dt>Earlier reports</dt>
          <dd safe>{String(props.earlier)}</dd>
        </dl>
        {report.comment ? <blockquote safe>{report.comment}</blockquote> : ""}
        {row.target ? (
          <p>
            <a href={row.target.localUrl}>See the account</a> · <a href={`/admin/accounts/${row.target.id}`}>Moderate it</a>
          </p>
        ) : (
          ""
        )}
        <h3>Reported posts (as they were when reported)</h3>
        {report.snapshots.length === 0 ? <p class="muted">None chosen.</p> : ""}
        {report.snapshots.map((p) => (
          <SnapshotPost post={p}>
            {props.existing.includes(p.id) ? (
              <form
                method="post"
                action={`/admin/posts/${p.id}/delete`}
                data-confirm="Delete this post for good? Its author is told."
              >
                <CsrfField ctx={ctx} />
                <input type="hidden" name="report_id" value={report.id} />
                <button type="submit" class="secondary danger">
                  Delete this post
                </button>
              </form>
            ) : (
              <p class="muted">Deleted since.</p>
            )}
          </SnapshotPost>
        ))}
        <div class="row">
          {report.resolvedAt ? action("reopen", "Reopen") : action("resolve", "Mark as resolved")}
          {row.assignee?.acct === ctx.viewer?.username ? action("unassign", "Unassign") : action("assign", "Assign to me")}
        </div>
      </section>
      <StaffNotes
        ctx={ctx}
        notes={props.notes}
        action={`/admin/reports/${report.id}/notes`}
        hint="For the other moderators: the reporter and the reported account never see it."
        value={props.note?.value}
        error={props.note?.error}
      />
    </Layout>
  );
}
