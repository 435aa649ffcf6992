/** @jsxImportSource @kitajs/html */
import { type Appeal, appealState, type Warning } from "../../src/core/appeals.ts";
import { staffActionNames } from "../../src/core/moderation.ts";
import type { AccountView } from "../../src/core/views.ts";
import type { PageContext } from "../context.ts";
import { FormMessage, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";
import { RemovedPosts } from "../warnings.tsx";

export interface AppealRow {
  appeal: Appeal;
  warning: Warning;
  member: AccountView | undefined;
  /** Who took the action appealed, and who answered the appeal (handles, or "someone since deleted"). */
  actor: string;
  decidedBy?: string;
}

function AppealItem({ ctx, row }: { ctx: PageContext; row: AppealRow }) {
  const { appeal, warning, member } = row;
  const state = appealState(appeal);
  const who = member ? `@${member.acct}` : "a deleted account";
  return (
    <li class="card warning" id={`appeal-${appeal.id}`}>
      <h2>
        <a href={`/admin/accounts/${appeal.accountId}`} safe>
          {who}
        </a>{" "}
        <span safe>{`appeals: ${staffActionNames[warning.action] ?? warning.action}`}</span>
      </h2>
      <p class="muted">
        <WithTimes parts={[`${row.actor} on `, warning.createdAt, " wrote:"]} />
      </p>
      <blockquote safe>{warning.text || "(no reason given)"}</blockquote>
      <RemovedPosts warning={warning} />
      <p class="muted">
        <WithTimes parts={["The appeal, on ", appeal.createdAt, ":"]} />
      </p>
      <blockquote safe>{appeal.text}</blockquote>
      {state === "waiting" ? (
        <div class="actions">
          <PostButton ctx={ctx} action={`/admin/appeals/${appeal.id}/approve`} label="Approve: overrule and undo" />
          <PostButton ctx={ctx} action={`/admin/appeals/${appeal.id}/reject`} label="Reject" kind="secondary" />
        </div>
      ) : (
        <p>
          <strong>
            <WithTimes
              parts={[
                `${state === "approved" ? "Approved" : "Rejected"} by ${row.decidedBy ?? "someone since deleted"} on `,
                appeal.decidedAt ?? appeal.createdAt,
              ]}
            />
          </strong>
        </p>
      )}
    </li>
  );
}

/** Members' appeals of moderation actions: those waiting, oldest first, and those answered. */
export function AppealsPage({
  ctx,
  rows,
  state,
  error,
}: {
  ctx: PageContext;
  rows: AppealRow[];
  state: "waiting" | "decided";
  error?: string;
}) {
  return (
    <Layout title="Appeals" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p>
        {state === "waiting" ? <strong>Waiting</strong> : <a href="/admin/appeals">Waiting</a>} ·{" "}
        {state === "decided" ? <strong>Answered</strong> : <a href="/admin/appeals?state=decided">Answered</a>}
      </p>
      <p class="muted">
        Approving overrules the action and undoes it where it can: a suspension, a limit or the sensitive mark is lifted; a
        removed post stays removed. The member is told by e-mail and on their page of notes from moderators.
      </p>
      <FormMessage message={error} />
      {rows.length === 0 ? <p class="empty">{state === "waiting" ? "No appeals waiting." : "No appeals answered yet."}</p> : ""}
      <ul class="sessions">
        {rows.map((row) => (
          <AppealItem ctx={ctx} row={row} />
        ))}
      </ul>
    </Layout>
  );
}
