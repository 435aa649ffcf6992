/** @jsxImportSource @kitajs/html */
import { LoadMore } from "../load-more.tsx";
import { SUSPENSION_GRACE_DAYS } from "../../src/core/account-deletion.ts";
import { appealState, type WarningRecord } from "../../src/core/appeals.ts";
import { RemovedPosts } from "../warnings.tsx";
import type { AccountView } from "../../src/core/views.ts";
import type { Role } from "../../src/db/schema.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, FormMessage, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { dayDate, LongTime, WithTimes } from "../time.tsx";
import { instancePath } from "./instances.tsx";
import { AdminTabs } from "./tabs.tsx";
import { type StaffNoteView, StaffNotes } from "./staff-notes.tsx";

export interface AccountAdminView {
  account: AccountView;
  notes: StaffNoteView[];
  role: string;
  email: string | null;
  /** Whether the member opened the link sent to their address (members made before that was asked count as confirmed). */
  emailConfirmed: boolean;
  /** For a member: whether logging in also takes a code from an app (null for remote accounts). */
  twoFactor: boolean | null;
  /** For a member: where they signed up from, and their latest session's address. */
  addresses: { signUp: string | null; lastSeen: string | null } | null;
  suspended: boolean;
  /** A suspended member's account and everything in it go on this day (or once their appeal is answered), unless it is lifted. */
  deletedOn: Date | "after the appeal" | null;
  silenced: boolean;
  sensitized: boolean;
  reports: number;
  warnings: WarningRecord[];
  /** Why the viewer may not moderate this account (their own, or a higher role's), or null. */
  actionRefusal: string | null;
  /** The roles the viewer may choose for this account, or none and why. */
  roleForm: { choices: Role[]; reason: string | null };
  /** Whether the viewer may make a link for this member to choose a new password. */
  passwordLink: boolean;
}

/** The role form after a post: the role asked for and what went wrong, or that it was saved. */
export interface RoleFormState {
  role?: Role;
  message?: string;
  errors?: Record<string, string>;
  saved?: boolean;
}

export interface StaffAccountLine {
  account: AccountView;
  member: { email: string; role: string; lastSignInAt: Date | null } | null;
  flags: string;
}

type Origin = "" | "local" | "remote";
type State = "" | "active" | "limited" | "suspended";

/** The moderators' list of accounts: who, where from, in what state, since when and last seen. */
export function AccountsPage({
  ctx,
  q,
  origin,
  state,
  rows,
  more,
}: {
  ctx: PageContext;
  q: string;
  origin: Origin;
  state: State;
  rows: StaffAccountLine[];
  more?: string;
}) {
  const link = (next: { origin?: Origin; state?: State }) => {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    const o = next.origin ?? origin;
    const st = next.state ?? state;
    if (o) params.set("origin", o);
    if (st) params.set("state", st);
    const query = params.toString();
    return `/admin/accounts${query ? `?${query}` : ""}`;
  };
  const origins: [Origin, string][] = [
    ["", "Everywhere"],
    ["local", "This instance"],
    ["remote", "Other servers"],
  ];
  const states: [State, string][] = [
    ["", "Any state"],
    ["active", "Active"],
    ["limited", "Limited"],
    ["suspended", "Suspended"],
  ];
  return (
    <Layout title="Accounts" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <form method="get" action="/admin/accounts" role="search" class="search-form">
        <label for="q" class="visually-hidden">
          Find an account
        </label>
        <input id="q" name="q" type="search" value={q} placeholder="Name, name@domain or e-mail" />
        {origin ? <input type="hidden" name="origin" value={origin} /> : ""}
        {state ? <input type="hidden" name="state" value={state} /> : ""}
        <button type="submit">Find</button>
      </form>
      <nav class="filters" aria-label="Where from">
        {origins.map(([value, label]) => (
          <a href={link({ origin: value })} aria-current={value === origin ? "true" : undefined} safe>
            {label}
          </a>
        ))}
      </nav>
      <nav class="filters" aria-label="State">
        {states.map(([value, label]) => (
          <a href={link({ state: value })} aria-current={value === state ? "true" : undefined} safe>
            {label}
          </a>
        ))}
      </nav>
      {rows.length === 0 ? <p class="empty">No accounts here.</p> : ""}
      {rows.length > 0 ? (
        <div class="table-scroll">
          <table class="admin-table">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Role or server</th>
                <th scope="col">Joined</th>
                <th scope="col">Last signed in</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ account, member, flags }) => (
                <tr>
                  <th scope="row">
                    <a href={`/admin/accounts/${account.id}`} safe>{`@${account.acct}`}</a>
                    {account.displayName && account.displayName !== account.username ? (
                      <p class="muted" safe>
                        {account.displayName}
                      </p>
                    ) : (
                      ""
                    )}
                    {flags ? (
                      <p>
                        <span class="tag-label" safe>
                          {flags}
                        </span>
                      </p>
                    ) : (
                      ""
                    )}
                  </th>
                  <td>
                    {member ? (
                      <>
                        <span safe>{member.role}</span>
                        <p class="muted" safe>
                          {member.email}
                        </p>
                      </>
                    ) : (
                      <span safe>{account.domain ?? ""}</span>
                    )}
                  </td>
                  <td safe>{dayDate(account.createdAt)}</td>
                  <td>{member?.lastSignInAt ? dayDate(member.lastSignInAt) : member ? "never" : "-"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        ""
      )}
      <LoadMore href={more} />
    </Layout>
  );
}

/** An account's admin page, and what the last form left to show on it. */
export interface AccountAdminPageProps {
  ctx: PageContext;
  view: AccountAdminView;
  error?: string;
  /** The moderation form as sent, when it was refused: shown again as typed. */
  typed?: { action: string; reason: string };
  /** The moderation form was just applied. */
  applied?: boolean;
  roleForm?: RoleFormState;
  /** A password link just made, shown this once. */
  passwordLink?: string;
  /** A note refused, with why. */
  note?: { value: string; error: string };
}

export function AccountAdminPage({ ctx, view, error, typed, applied, roleForm, passwordLink, note }: AccountAdminPageProps) {
  const { account } = view;
  const options = [
    ["warn", "Send a warning"],
    view.sensitized ? ["unsensitive", "Stop marking their posts sensitive"] : ["sensitive", "Mark all their posts sensitive"],
    view.silenced ? ["unsilence", "Lift the limit"] : ["silence", "Limit: off public timelines, follows need approval"],
    view.suspended
      ? ["unsuspend", "Lift the suspension"]
      : [
          "suspend",
          `Suspend: hide everything, stop federation, no login, end follows${account.domain ? "" : `; deleted after ${SUSPENSION_GRACE_DAYS} days unless lifted`}`,
        ],
  ];
  return (
    <Layout title={`@${account.acct}`} ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title" safe>{`@${account.acct}`}</h2>
        <FormMessage message={error} />
        <FormMessage message={applied ? "Applied: the history below lists it." : undefined} kind="success" />
        <dl class="facts">
          <dt>Role</dt>
          <dd safe>{view.role}</dd>
          {account.domain ? (
            <>
              <dt>Server</dt>
              <dd>
                <a href={instancePath(account.domain)} safe>
                  {account.domain}
                </a>
              </dd>
            </>
          ) : (
            ""
          )}
          {view.email ? (
            <>
              <dt>Email</dt>
              <dd>
                <span safe>{view.email}</span>
                {view.emailConfirmed ? (
                  ""
                ) : (
                  <>
                    {" "}
                    <span class="muted">(not confirmed: this sign-up cannot log in yet)</span>
                    <PostButton
                      ctx={ctx}
                      action={`/admin/accounts/${account.id}/confirm-email`}
                      label="Confirm the address"
                      kind="secondary"
                    />
                  </>
                )}
              </dd>
            </>
          ) : (
            ""
          )}
          {view.twoFactor === null ? (
            ""
          ) : (
            <>
              <dt>Two-factor authentication</dt>
              <dd>{view.twoFactor ? "on" : "off"}</dd>
            </>
          )}
          {view.addresses ? (
            <>
              <dt>IP addresses</dt>
              <dd
                safe
              >{`signed up from ${view.addresses.signUp ?? "an address not recorded"} · last seen from ${view.addresses.lastSeen ?? "nowhere yet"}`}</dd>
            </>
          ) : (
            ""
          )}
          <dt>Joined</dt>
          <dd>
            <LongTime date={account.createdAt} />
          </dd>
          <dt>Status</dt>
          <dd>
            <span safe>
              {[view.suspended ? "suspended" : "", view.silenced ? "limited" : "", view.sensitized ? "sensitive" : ""]
                .filter(Boolean)
                .join(", ") || "in good standing"}
            </span>
            {view.deletedOn instanceof Date ? (
              <>
                {" "}
                (the account and everything in it are deleted on <LongTime date={view.deletedOn} /> unless the suspension is
                lifted)
              </>
            ) : view.deletedOn ? (
              " (kept while their appeal waits; deleted once it is refused, unless the suspension is lifted)"
            ) : (
              ""
            )}
          </dd>
          <dt>Reports about it</dt>
          <dd safe>{String(view.reports)}</dd>
        </dl>
        {view.actionRefusal ? (
          <p class="muted" safe>
            {view.actionRefusal}
          </p>
        ) : (
          <form method="post" action={`/admin/accounts/${account.id}/action`} class="moderation-form">
            <CsrfField ctx={ctx} />
            <fieldset>
              <legend>Action</legend>
              {options.map(([value, label], i) => (
                <div class="check">
                  <input
                    type="radio"
                    id={`action-${value}`}
                    name="action"
                    value={value}
                    checked={typed ? typed.action === value : i === 0}
                    data-confirm={
                      value === "suspend"
                        ? `Suspend @${view.account.acct}? Their posts are hidden, they cannot log in, and their follows end for good.${view.account.domain ? "" : ` Unless it is lifted, the account and everything in it are deleted after ${SUSPENSION_GRACE_DAYS} days.`}`
                        : undefined
                    }
                  />
                  <label for={`action-${value}`} safe>
                    {label}
                  </label>
                </div>
              ))}
            </fieldset>
            <Field
              name="reason"
              label="Reason (the member sees it)"
              multiline
              required={false}
              maxlength={5000}
              value={typed?.reason}
            />
            <div class="check">
              <input type="checkbox" id="notify" name="notify" value="1" checked />
              <label for="notify">Tell the member</label>
            </div>
            <button type="submit">Apply</button>
          </form>
        )}
      </section>
      <StaffNotes
        ctx={ctx}
        notes={view.notes}
        action={`/admin/accounts/${account.id}/notes`}
        hint="For the other moderators: the account never sees it."
        value={note?.value}
        error={note?.error}
      />
      <RoleSection ctx={ctx} view={view} state={roleForm ?? {}} />
      {view.passwordLink ? <PasswordLinkSection ctx={ctx} view={view} link={passwordLink} /> : ""}
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {view.warnings.length === 0 ? <p class="muted">No actions yet.</p> : ""}
        <ul class="sessions">
          {view.warnings.map(({ warning, appeal }) => (
            <li>
              <div>
                <strong safe>{warning.overruledAt ? `${warning.action} (overruled)` : warning.action}</strong>
                <p safe>{warning.text || "(no reason given)"}</p>
                <RemovedPosts warning={warning} />
                <p class="muted">
                  <LongTime date={warning.createdAt} />
                </p>
                {appeal ? (
                  <p class="muted">
                    <WithTimes
                      parts={[
                        "Appealed on ",
                        appeal.createdAt,
                        `: ${{ waiting: "waiting for an answer", approved: "approved", rejected: "rejected" }[appealState(appeal)]}`,
                      ]}
                    />
                  </p>
                ) : (
                  ""
                )}
              </div>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}

/** For a member who lost their password and gets no e-mail: a link to hand over another way. */
function PasswordLinkSection({ ctx, view, link }: { ctx: PageContext; view: AccountAdminView; link?: string }) {
  return (
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      {link ? (
        <>
          <p class="success" role="status">
            Give this link to the member some other way than this site. It works once, for a day; their password stays as it is
            until they use it.
          </p>
          <div class="field">
            <label for="password_link">Password link</label>
            <input id="password_link" type="text" value={link} readonly />
          </div>
        </>
      ) : (
        <p>
          A member who lost their password and cannot get the e-mail to choose a new one can be given a link to do it. It works
          once, for a day.
        </p>
      )}
      <PostButton
        ctx={ctx}
        action={`/admin/accounts/${view.account.id}/password-link`}
        label="Make a password link"
        kind="secondary"
      />
    </section>
  );
}

const roleLabels: Record<Role, string> = {
  user: "User",
  moderator: "Moderator: reports, accounts and posts",
  admin: "Admin: also instance settings, federation and the roles below admin",
  owner: "Owner: pass ownership on to this member (you become an admin)",
};

/** Who runs the instance: the role form, or why there is none for this viewer and account. */
function RoleSection({ ctx, view, state }: { ctx: PageContext; view: AccountAdminView; state: RoleFormState }) {
  const { choices, reason } = view.roleForm;
  const chosen = state.role ?? view.role;
  return (
    <section class="card" aria-labelledby="role-title">
      <h2 id="role-title">Role</h2>
      <FormMessage message={state.message} />
      <FormMessage message={state.saved ? "The role is changed." : undefined} kind="success" />
      {choices.length === 0 ? (
        <p class="muted" safe>
          {state.message ? "" : (reason ?? "")}
        </p>
      ) : (
        <form method="post" action={`/admin/accounts/${view.account.id}/role`} class="role-form">
          <CsrfField ctx={ctx} />
          <fieldset>
            <legend>New role</legend>
            {choices.map((role) => (
              <div class="check">
                <input type="radio" id={`role-${role}`} name="role" value={role} checked={role === chosen} />
                <label for={`role-${role}`} safe>
                  {role === view.role ? `${roleLabels[role]} (now)` : roleLabels[role]}
                </label>
              </div>
            ))}
          </fieldset>
          {choices.includes("owner") ? (
            <Field
              name="password"
              label="Your password"
              type="password"
              autocomplete="current-password"
              hint="Needed only to pass ownership on."
              required={false}
              error={state.errors?.password}
            />
          ) : (
            ""
          )}
          <button type="submit">Change role</button>
        </form>
      )}
    </section>
  );
}
