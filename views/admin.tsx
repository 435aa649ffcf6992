/** @jsxImportSource @kitajs/html */
import type { DomainBlock } from "../src/core/domain-blocks.ts";
import type { InstanceSettings } from "../src/core/instance.ts";
import type { Report } from "../src/core/reports.ts";
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { longDate } from "./time.tsx";

export interface PendingSignup {
  userId: string;
  username: string;
  email: string;
  reason: string | null;
  createdAt: Date;
}

function AdminTabs({ ctx }: { ctx: PageContext }) {
  const tabs = [
    ["/admin/reports", "Reports"],
    ["/admin/accounts", "Accounts"],
    ["/admin/signups", "Sign-ups"],
    ["/admin/domain-blocks", "Domain blocks"],
    ["/admin/settings", "Instance settings"],
    ["/admin/audit", "Audit log"],
  ] as const;
  return (
    <nav class="tabs" aria-label="Administration">
      {tabs.map(([href, label]) => (
        <a href={href} aria-current={ctx.path === href ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

export function SignupsPage({ ctx, pending }: { ctx: PageContext; pending: PendingSignup[] }) {
  return (
    <Layout title="Sign-ups" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <h2>Waiting for approval</h2>
      {pending.length === 0 ? <p class="empty">No one is waiting.</p> : ""}
      <ul class="account-list">
        {pending.map((p) => (
          <li class="signup">
            <div class="grow">
              <strong safe>{`@${p.username}`}</strong> <span class="muted" safe>{`${p.email} · ${longDate(p.createdAt)}`}</span>
              <p safe>{p.reason ?? "(no reason given)"}</p>
            </div>
            <PostButton ctx={ctx} action={`/admin/signups/${p.userId}/approve`} label="Approve" />
            <PostButton ctx={ctx} action={`/admin/signups/${p.userId}/reject`} label="Reject" kind="secondary danger" />
          </li>
        ))}
      </ul>
    </Layout>
  );
}

export function InstanceSettingsPage({
  ctx,
  values,
  errors = {},
  saved,
}: {
  ctx: PageContext;
  values: InstanceSettings;
  errors?: Record<string, string>;
  saved?: boolean;
}) {
  const modes = [
    ["open", "Open: anyone can sign up"],
    ["approval", "Approval: a moderator approves each sign-up"],
    ["invite", "Invite only"],
    ["closed", "Closed"],
  ] as const;
  return (
    <Layout title="Instance settings" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <form method="post" action="/admin/settings" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <FormMessage message={saved ? "Saved." : undefined} kind="success" />
        <Field name="name" label="Instance name" value={values.name} maxlength={60} error={errors.name} />
        <Field
          name="description"
          label="Description"
          required={false}
          multiline
          value={values.description}
          error={errors.description}
        />
        <div class="field">
          <label for="registration_mode">Who can join</label>
          <select id="registration_mode" name="registration_mode">
            {modes.map(([value, label]) => (
              <option value={value} selected={values.registrationMode === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field
          name="max_post_length"
          label="Longest post, in characters"
          type="number"
          value={String(values.maxPostLength)}
          error={errors.max_post_length}
        />
        <div class="check">
          <input
            type="checkbox"
            id="secure_mode"
            name="secure_mode"
            value="1"
            checked={values.secureMode}
            aria-describedby="secure_mode-hint"
          />
          <label for="secure_mode">Secure mode (authorized fetch)</label>
          <p class="hint" id="secure_mode-hint">
            Other servers must sign their requests to read profiles and posts. Stricter; a few older servers then see nothing.
          </p>
        </div>
        <button type="submit">Save settings</button>
      </form>
    </Layout>
  );
}

export interface ReportRow {
  report: Report;
  target: AccountView | undefined;
  reporter: AccountView | undefined;
}

function reportedBy({ report, reporter }: ReportRow): string {
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
              <a href={`/admin/reports/${row.report.id}`} safe>{`@${row.target?.acct ?? "unknown"} · ${row.report.category}`}</a>
              <p
                class="muted"
                safe
              >{`Reported by ${reportedBy(row)} · ${longDate(row.report.createdAt)} · ${row.report.postIds.length} posts`}</p>
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
  notes: { text: string; author: string; createdAt: Date }[];
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
          <dd>{report.category}</dd>
          <dt>Reported by</dt>
          <dd safe>{reportedBy(row)}</dd>
          <dt>When</dt>
          <dd safe>{longDate(report.createdAt)}</dd>
          <dt>Status</dt>
          <dd>{report.resolvedAt ? `Resolved ${longDate(report.resolvedAt)}` : "Open"}</dd>
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
        {report.snapshots.map((p) => {
          const safeContent = p.html;
          return (
            <article class="post">
              {p.spoilerText ? (
                <p class="cw" safe>
                  {`CW: ${p.spoilerText}`}
                </p>
              ) : (
                ""
              )}
              <div class="content">{safeContent}</div>
              <p class="muted" safe>
                {longDate(new Date(p.createdAt))}
              </p>
              {props.existing.includes(p.id) ? (
                <form method="post" action={`/admin/posts/${p.id}/delete`}>
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="report_id" value={report.id} />
                  <button type="submit" class="secondary danger">
                    Delete this post
                  </button>
                </form>
              ) : (
                <p class="muted">Deleted since.</p>
              )}
            </article>
          );
        })}
        <div class="row">
          {report.resolvedAt ? action("reopen", "Reopen") : action("resolve", "Mark as resolved")}
          {action("assign", "Assign to me")}
        </div>
      </section>
      <section class="card" aria-labelledby="notes-title">
        <h2 id="notes-title">Moderators' notes</h2>
        <ul class="sessions">
          {props.notes.map((n) => (
            <li>
              <div>
                <p safe>{n.text}</p>
                <p class="muted" safe>{`${n.author} · ${longDate(n.createdAt)}`}</p>
              </div>
            </li>
          ))}
        </ul>
        <form method="post" action={`/admin/reports/${report.id}/notes`}>
          <CsrfField ctx={ctx} />
          <div class="field">
            <label for="note">Add a note</label>
            <textarea id="note" name="note" rows="2" maxlength="5000"></textarea>
          </div>
          <button type="submit" class="secondary">
            Add note
          </button>
        </form>
      </section>
    </Layout>
  );
}

export function AuditPage({
  ctx,
  entries,
}: {
  ctx: PageContext;
  entries: { action: string; actor: string; target: string; detail: string; createdAt: Date }[];
}) {
  return (
    <Layout title="Audit log" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      {entries.length === 0 ? <p class="empty">Nothing done yet.</p> : ""}
      <ul class="sessions">
        {entries.map((e) => (
          <li>
            <div>
              <strong safe>{e.action}</strong> <span safe>{`by ${e.actor} on ${e.target}`}</span>
              <p class="muted" safe>{`${longDate(e.createdAt)}${e.detail ? ` · ${e.detail.slice(0, 200)}` : ""}`}</p>
            </div>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

export interface AccountAdminView {
  account: AccountView;
  role: string;
  email: string | null;
  suspended: boolean;
  silenced: boolean;
  sensitized: boolean;
  reports: number;
  warnings: { action: string; text: string; createdAt: Date }[];
}

export function AccountsPage({ ctx, q, rows }: { ctx: PageContext; q: string; rows: { account: AccountView; flags: string }[] }) {
  return (
    <Layout title="Accounts" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <form method="get" action="/admin/accounts" role="search" class="search-form">
        <label for="q" class="visually-hidden">
          Find an account
        </label>
        <input id="q" name="q" type="search" value={q} placeholder="Name or name@domain" />
        <button type="submit">Find</button>
      </form>
      <ul class="account-list">
        {rows.map(({ account, flags }) => (
          <li>
            <a href={`/admin/accounts/${account.id}`} class="grow" safe>{`@${account.acct}`}</a>
            <span class="muted" safe>
              {flags}
            </span>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

export function AccountAdminPage({ ctx, view, error }: { ctx: PageContext; view: AccountAdminView; error?: string }) {
  const { account } = view;
  const options = [
    ["warn", "Send a warning"],
    view.sensitized ? ["unsensitive", "Stop marking their posts sensitive"] : ["sensitive", "Mark all their posts sensitive"],
    view.silenced ? ["unsilence", "Lift the limit"] : ["silence", "Limit: off public timelines, follows need approval"],
    view.suspended ? ["unsuspend", "Lift the suspension"] : ["suspend", "Suspend: hide everything, stop federation, no login"],
  ];
  return (
    <Layout title={`@${account.acct}`} ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title" safe>{`@${account.acct}`}</h2>
        <FormMessage message={error} />
        <dl class="facts">
          <dt>Role</dt>
          <dd safe>{view.role}</dd>
          {view.email ? (
            <>
              <dt>Email</dt>
              <dd safe>{view.email}</dd>
            </>
          ) : (
            ""
          )}
          <dt>Joined</dt>
          <dd safe>{longDate(account.createdAt)}</dd>
          <dt>Status</dt>
          <dd safe>
            {[view.suspended ? "suspended" : "", view.silenced ? "limited" : "", view.sensitized ? "sensitive" : ""]
              .filter(Boolean)
              .join(", ") || "in good standing"}
          </dd>
          <dt>Reports about it</dt>
          <dd safe>{String(view.reports)}</dd>
        </dl>
        <form method="post" action={`/admin/accounts/${account.id}/action`} class="moderation-form">
          <CsrfField ctx={ctx} />
          <fieldset>
            <legend>Action</legend>
            {options.map(([value, label], i) => (
              <div class="check">
                <input type="radio" id={`action-${value}`} name="action" value={value} checked={i === 0} />
                <label for={`action-${value}`} safe>
                  {label}
                </label>
              </div>
            ))}
          </fieldset>
          <Field name="reason" label="Reason (the member sees it)" multiline required={false} maxlength={5000} />
          <div class="check">
            <input type="checkbox" id="notify" name="notify" value="1" checked />
            <label for="notify">Tell the member</label>
          </div>
          <button type="submit">Apply</button>
        </form>
      </section>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {view.warnings.length === 0 ? <p class="muted">No actions yet.</p> : ""}
        <ul class="sessions">
          {view.warnings.map((w) => (
            <li>
              <div>
                <strong safe>{w.action}</strong>
                <p safe>{w.text || "(no reason given)"}</p>
                <p class="muted" safe>
                  {longDate(w.createdAt)}
                </p>
              </div>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}

const severityLabel = { silence: "Limit", suspend: "Suspend", noop: "No action" } as const;

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
      <form method="post" action="/admin/domain-blocks" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Block a domain</h2>
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
          value={values?.public_comment}
        />
        <Field name="private_comment" label="Private note (staff only)" required={false} value={values?.private_comment} />
        <div class="check">
          <input type="checkbox" id="obfuscate" name="obfuscate" value="1" checked={values?.obfuscate === "1"} />
          <label for="obfuscate">Partly hide the domain on the about page</label>
        </div>
        <button type="submit">{confirmCut !== undefined ? "Suspend it anyway" : "Block"}</button>
      </form>
      <section class="card" aria-labelledby="blocked-title">
        <h2 id="blocked-title">Blocked domains</h2>
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
              <PostButton
                ctx={ctx}
                action={`/admin/domain-blocks/${encodeURIComponent(b.domain)}/delete`}
                label="Lift"
                kind="secondary"
              />
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
