/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage } from "./form.tsx";
import { Layout } from "./layout.tsx";

/**
 * The page the link sent to a new address opens: a button confirms it (a mail scanner opening the
 * link changes nothing), then what came of it.
 */
export function ConfirmEmailPage({
  ctx,
  token,
  change,
  done,
  error,
}: {
  ctx: PageContext;
  token: string;
  /** The change waiting, absent when the link no longer works. */
  change?: { username: string; email: string };
  /** The address that is now the member's, and for a sign-up what comes next. */
  done?: { email: string; signup?: "ready" | "pending" };
  error?: string;
}) {
  return (
    <Layout title="Confirm your e-mail address" ctx={ctx}>
      <section class="card narrow" aria-labelledby="confirm-title">
        <h1 id="confirm-title">Confirm your e-mail address</h1>
        {done ? (
          <>
            <FormMessage kind="success" message={`${done.email} is now your e-mail address.`} />
            {done.signup === "pending" ? (
              <p>A moderator will look at your sign-up soon. You can log in once it is approved.</p>
            ) : done.signup === "ready" ? (
              <p>
                <a href="/login">Log in</a> to start.
              </p>
            ) : (
              ""
            )}
          </>
        ) : error || !change ? (
          <>
            <FormMessage message={error ?? "This link has expired or was used already."} />
            <p class="muted">
              Signing up? <a href="/signup/confirmation">Ask for a new link</a>.
            </p>
          </>
        ) : (
          <form method="post" action={`/settings/email/confirm/${token}`}>
            <CsrfField ctx={ctx} />
            <p safe>{`Use ${change.email} as the e-mail address of @${change.username}?`}</p>
            <button type="submit">Confirm</button>
          </form>
        )}
      </section>
    </Layout>
  );
}

/** After signing up on an instance that sends e-mail: the link to open before the first login. */
export function CheckEmailPage({ ctx, email }: { ctx: PageContext; email: string }) {
  return (
    <Layout title="Check your e-mail" ctx={ctx}>
      <section class="card narrow" aria-labelledby="check-title">
        <h1 id="check-title">Check your e-mail</h1>
        <p safe>{`We sent a link to ${email}. Open it within a day to confirm your address and finish signing up.`}</p>
        <p class="muted">
          Nothing came, or the address is wrong? <a href="/signup/confirmation">Ask for a new link</a>.
        </p>
      </section>
    </Layout>
  );
}

/**
 * "Lost the link?": the account's username and password, and the address to send a new link to
 * (a mistyped one can be corrected here).
 */
export function ResendConfirmationPage({
  ctx,
  values = {},
  errors = {},
  sent,
}: {
  ctx: PageContext;
  values?: { username?: string; email?: string };
  errors?: Record<string, string>;
  /** Where the new link went. */
  sent?: string;
}) {
  return (
    <Layout title="Confirm your e-mail address" ctx={ctx}>
      <section class="card narrow" aria-labelledby="resend-title">
        <h1 id="resend-title">Confirm your e-mail address</h1>
        {sent ? (
          <FormMessage kind="success" message={`A new link is on its way to ${sent}. It works for a day.`} />
        ) : (
          <form method="post" action="/signup/confirmation" novalidate>
            <CsrfField ctx={ctx} />
            <p>Lost the link, or gave a wrong address when signing up? Log in here and we'll send a new one.</p>
            <Field
              name="username"
              label="Username or email"
              autocomplete="username"
              value={values.username}
              error={errors.username}
            />
            <Field name="password" label="Password" type="password" autocomplete="current-password" error={errors.password} />
            <Field
              name="email"
              label="Send the link to"
              type="email"
              autocomplete="email"
              required={false}
              value={values.email}
              hint="Leave it empty to use the address you signed up with."
              error={errors.email}
            />
            <button type="submit">Send a new link</button>
          </form>
        )}
        <p class="muted">
          <a href="/login">Back to log in</a>
        </p>
      </section>
    </Layout>
  );
}
