/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, NewPasswordFields } from "./form.tsx";
import { Layout } from "./layout.tsx";

/**
 * "Forgot your password?": the address to send a link to, or, when the instance sends no e-mail,
 * whom to ask (an admin can make a link to hand over).
 */
export function ForgotPasswordPage({
  ctx,
  canMail,
  contact,
  sent = false,
  email = "",
  error,
}: {
  ctx: PageContext;
  canMail: boolean;
  /** The contact member's handle or the contact address from /about, if set. */
  contact?: string;
  sent?: boolean;
  email?: string;
  error?: string;
}) {
  return (
    <Layout title="Forgot your password?" ctx={ctx}>
      <section class="card narrow" aria-labelledby="forgot-title">
        <h1 id="forgot-title">Forgot your password?</h1>
        {!canMail ? (
          <p safe>
            {`This server sends no e-mail. Ask its admins${contact ? ` (${contact})` : ""} for a link to choose a new password: they can make one for you.`}
          </p>
        ) : sent ? (
          <FormMessage
            kind="success"
            message="If an account here uses this address, a link to choose a new password is on its way. It works for an hour."
          />
        ) : (
          <form method="post" action="/password/forgot" novalidate>
            <CsrfField ctx={ctx} />
            <p>Give the e-mail address of your account: we send it a link to choose a new password.</p>
            <Field name="email" label="Email" type="email" autocomplete="email" value={email} error={error} />
            <button type="submit">Send the link</button>
          </form>
        )}
        <p class="muted">
          <a href="/login">Back to log in</a>
        </p>
      </section>
    </Layout>
  );
}

/** The page a password link opens: the new password, twice; or why the link no longer works. */
export function ResetPasswordPage({
  ctx,
  token,
  username,
  errors = {},
}: {
  ctx: PageContext;
  token: string;
  /** Absent when the link has expired or was used. */
  username?: string;
  errors?: Record<string, string>;
}) {
  return (
    <Layout title="Choose a new password" ctx={ctx}>
      <section class="card narrow" aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        {username === undefined ? (
          <>
            <FormMessage message="This link has expired or was used already. Ask for a new one." />
            <p>
              <a href="/password/forgot">Ask for a new link</a>
            </p>
          </>
        ) : (
          <form method="post" action={`/password/reset/${token}`} novalidate>
            <CsrfField ctx={ctx} />
            <p safe>{`For @${username}. You are logged out everywhere once it is changed.`}</p>
            <NewPasswordFields errors={errors} label="New password" />
            <button type="submit">Change the password</button>
          </form>
        )}
      </section>
    </Layout>
  );
}
