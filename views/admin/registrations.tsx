/** @jsxImportSource @kitajs/html */
import type { IpBlockSeverity } from "../../src/db/schema.ts";
import type { PageContext } from "../context.ts";
import { CsrfField } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

export interface PendingSignup {
  userId: string;
  username: string;
  email: string;
  reason: string | null;
  /** The address it came from, and the network rule that holds it back, if one does. */
  ip: string | null;
  ipRule?: IpBlockSeverity | null;
  createdAt: Date;
}

/** The sign-up whose decision was refused (its message too long), to show again with the problem. */
export interface FailedDecision {
  userId: string;
  message: string;
  error: string;
}

export function RegistrationsPage({
  ctx,
  pending,
  unconfirmed,
  failed,
}: {
  ctx: PageContext;
  pending: PendingSignup[];
  /** Sign-ups whose address link cannot come (the instance sends no e-mail now). */
  unconfirmed: (PendingSignup & { accountId: string })[];
  failed?: FailedDecision;
}) {
  return (
    <Layout title="Registrations" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <h2>Waiting for approval</h2>
      {pending.length === 0 ? <p class="empty">No one is waiting.</p> : ""}
      <ul class="account-list">
        {pending.map((p) => (
          <Decision ctx={ctx} signup={p} failed={failed?.userId === p.userId ? failed : undefined} />
        ))}
      </ul>
      {unconfirmed.length > 0 ? (
        <section aria-labelledby="unconfirmed-title">
          <h2 id="unconfirmed-title">Waiting for an address link that cannot come</h2>
          <p class="muted">
            They signed up while this server sent e-mail and did not confirm their address; it sends none now. Check each address
            another way, then confirm it. Those left unconfirmed are removed a week after they signed up.
          </p>
          <ul class="account-list">
            {unconfirmed.map((u) => (
              <li class="signup">
                <div class="grow">
                  <p>
                    <strong safe>{`@${u.username}`}</strong>{" "}
                    <span class="muted">
                      <WithTimes parts={[`${u.email} · `, u.createdAt]} />
                    </span>
                  </p>
                  <p safe>{u.reason ?? "(no reason given)"}</p>
                </div>
                <form method="post" action={`/admin/accounts/${u.accountId}/confirm-email`}>
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="back" value="registrations" />
                  <button type="submit">Confirm the address</button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
    </Layout>
  );
}

/** One waiting sign-up: its reason, an optional message, and the two decisions (one form, two buttons). */
function Decision({ ctx, signup, failed }: { ctx: PageContext; signup: PendingSignup; failed?: FailedDecision }) {
  const id = `message-${signup.userId}`;
  return (
    <li class="signup">
      <form method="post" action={`/admin/registrations/${signup.userId}/approve`} class="grow">
        <CsrfField ctx={ctx} />
        <p>
          <strong safe>{`@${signup.username}`}</strong>{" "}
          <span class="muted">
            <WithTimes parts={[`${signup.email} · ${signup.ip ? `from ${signup.ip} · ` : ""}`, signup.createdAt]} />
          </span>
        </p>
        {signup.ipRule === "sign_up_requires_approval" ? (
          <p class="notice" safe>{`Waiting because sign-ups from ${signup.ip} wait for a moderator (IP blocks).`}</p>
        ) : (
          ""
        )}
        <p safe>{signup.reason ?? "(no reason given)"}</p>
        <div class={failed ? "field invalid" : "field"}>
          <label for={id}>Message to the person (optional)</label>
          <textarea
            id={id}
            name="message"
            rows="2"
            maxlength="1000"
            aria-describedby={failed ? `${id}-hint ${id}-error` : `${id}-hint`}
            aria-invalid={failed ? "true" : undefined}
            safe
          >
            {failed?.message ?? ""}
          </textarea>
          <p class="hint" id={`${id}-hint`}>
            If you reject the sign-up, they read this when they try to log in.
          </p>
          {failed ? (
            <p class="error" id={`${id}-error`} safe>
              {failed.error}
            </p>
          ) : (
            ""
          )}
        </div>
        <div class="actions">
          <button type="submit">Approve</button>
          <button type="submit" class="secondary danger" formaction={`/admin/registrations/${signup.userId}/reject`}>
            Reject
          </button>
        </div>
      </form>
    </li>
  );
}
