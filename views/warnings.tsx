/** @jsxImportSource @kitajs/html */
import { APPEAL_DAYS, APPEAL_MAX_LENGTH, appealState, type Warning, type WarningRecord } from "../src/core/appeals.ts";
import { warningTitles } from "../src/core/moderation.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { SnapshotPost } from "./post-snapshot.tsx";
import { SettingsFrame } from "./settings.tsx";
import { LongTime, WithTimes } from "./time.tsx";

/** An appeal that was refused by a rule, to show next to its form with the words typed. */
export interface AppealError {
  warningId: string;
  message: string;
  text: string;
}

/** What became of the member's appeal, in their words then the moderators' answer. */
function AppealStatus({ record }: { record: WarningRecord }) {
  const { appeal } = record;
  if (!appeal) return "";
  const decided = appeal.decidedAt ?? appeal.createdAt;
  const answer = {
    waiting: ["The moderators have not answered yet."],
    approved: ["The moderators approved it on ", decided, ": the action is overruled."],
    rejected: ["The moderators rejected it on ", decided, "."],
  }[appealState(appeal)];
  return (
    <div class="appeal">
      <p class="muted">
        <WithTimes parts={["You appealed on ", appeal.createdAt, ":"]} />
      </p>
      <blockquote safe>{appeal.text}</blockquote>
      <p>
        <strong>
          <WithTimes parts={answer} />
        </strong>
      </p>
    </div>
  );
}

/** The posts a removal took, as they were. */
export function RemovedPosts({ warning }: { warning: Warning }) {
  if (warning.posts.length === 0) return "";
  return (
    <div class="removed-posts">
      <p class="muted">{warning.posts.length === 1 ? "The post removed:" : "The posts removed:"}</p>
      {warning.posts.map((post) => (
        <SnapshotPost post={post} />
      ))}
    </div>
  );
}

/** One note from the moderators, with its appeal or the form to make one. */
export function WarningCard({
  ctx,
  record,
  action,
  hidden = {},
  error,
}: {
  ctx: PageContext;
  record: WarningRecord;
  /** Where the appeal form posts. */
  action: string;
  /** Fields the form carries besides the appeal (the suspended member's ticket). */
  hidden?: Record<string, string>;
  error?: AppealError;
}) {
  const { warning } = record;
  const mine = error?.warningId === warning.id ? error : undefined;
  return (
    <li class="card warning" id={`warning-${warning.id}`}>
      <strong safe>{warningTitles[warning.action] ?? warning.action}</strong>
      <p safe>{warning.text || "No reason was given."}</p>
      <p class="muted">
        <LongTime date={warning.createdAt} />
      </p>
      <RemovedPosts warning={warning} />
      <AppealStatus record={record} />
      {record.canAppeal ? (
        <details class="block-details" open={mine !== undefined}>
          <summary>Appeal</summary>
          <form method="post" action={action} novalidate>
            <CsrfField ctx={ctx} />
            {Object.entries(hidden).map(([name, value]) => (
              <input type="hidden" name={name} value={value} />
            ))}
            <Field
              name="text"
              id={`appeal-${warning.id}`}
              label="Why should the moderators undo this?"
              hint={`You can appeal once, within ${APPEAL_DAYS} days. The moderators answer by e-mail and on this page.`}
              multiline
              rows={4}
              maxlength={APPEAL_MAX_LENGTH}
              value={mine?.text}
              error={mine?.message}
            />
            <button type="submit">Send the appeal</button>
          </form>
        </details>
      ) : mine ? (
        <p class="error" role="alert" safe>
          {mine.message}
        </p>
      ) : (
        ""
      )}
    </li>
  );
}

/** A member's notes from the moderators, each with its appeal. */
export function WarningsPage({
  ctx,
  records,
  error,
  notice,
}: {
  ctx: PageContext;
  records: WarningRecord[];
  error?: AppealError;
  notice?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Notes from moderators">
      <FormMessage kind="success" message={notice} />
      {records.length === 0 ? <p class="empty">The moderators have not written to you.</p> : ""}
      <ul class="sessions">
        {records.map((record) => (
          <WarningCard ctx={ctx} record={record} action={`/settings/warnings/${record.warning.id}/appeal`} error={error} />
        ))}
      </ul>
    </SettingsFrame>
  );
}

/**
 * What a suspended member sees after typing their password: no session, the moderators' note and
 * a form to appeal it, tied to the password by a signed ticket.
 */
export function SuspendedPage({
  ctx,
  records,
  ticket,
  error,
  notice,
}: {
  ctx: PageContext;
  records: WarningRecord[];
  ticket: string;
  error?: AppealError;
  notice?: string;
}) {
  return (
    <Layout title="Your account is suspended" ctx={ctx}>
      <section class="card narrow" aria-labelledby="suspended-title">
        <h1 id="suspended-title">Your account is suspended</h1>
        <p>While it lasts, you cannot log in and your profile and posts are hidden. Here are the moderators' notes to you.</p>
        <FormMessage kind="success" message={notice} />
        {records.length > 0 ? (
          <ul class="sessions">
            {records.map((record) => (
              <WarningCard
                ctx={ctx}
                record={record}
                action="/login/appeal"
                hidden={{ ticket, warning_id: record.warning.id }}
                error={error}
              />
            ))}
          </ul>
        ) : (
          <p class="muted">The moderators left no note. Ask them about it on another account or by e-mail.</p>
        )}
        <p class="muted">
          <a href="/login">Back to the login</a>
        </p>
      </section>
    </Layout>
  );
}
