/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, NewPasswordFields } from "./form.tsx";
import { Layout } from "./layout.tsx";

type Errors = Record<string, string>;

export function LoginPage({
  ctx,
  username = "",
  errors = {},
  message,
  notice,
  next,
  canMail = false,
}: {
  ctx: PageContext;
  /** Whether the instance sends e-mail: then a sign-up can ask for its address link again. */
  canMail?: boolean;
  username?: string;
  errors?: Errors;
  message?: string;
  /** Good news about the account, like a password just changed. */
  notice?: string;
  next?: string;
}) {
  return (
    <Layout title="Log in" ctx={ctx}>
      <section class="card narrow" aria-labelledby="login-title">
        <h1 id="login-title">Log in</h1>
        <FormMessage message={message} />
        <FormMessage kind="success" message={notice} />
        <form method="post" action="/login" novalidate>
          <CsrfField ctx={ctx} />
          {next ? <input type="hidden" name="next" value={next} /> : ""}
          <Field name="username" label="Username or email" autocomplete="username" value={username} error={errors.username} />
          <Field name="password" label="Password" type="password" autocomplete="current-password" error={errors.password} />
          <button type="submit">Log in</button>
        </form>
        <p class="muted">
          <a href="/password/forgot">Forgot your password?</a> · New here? <a href="/signup">Create an account</a>
        </p>
        {canMail ? (
          <p class="muted">
            Signed up but lost the e-mail? <a href="/signup/confirmation">Ask for a new link</a>
          </p>
        ) : (
          ""
        )}
      </section>
    </Layout>
  );
}

/** The login's second step, for a member with two-factor authentication. */
export function TwoFactorLoginPage({ ctx, next, error }: { ctx: PageContext; next?: string; error?: string }) {
  return (
    <Layout title="Two-factor code" ctx={ctx}>
      <section class="card narrow" aria-labelledby="code-title">
        <h1 id="code-title">Two-factor code</h1>
        <p>Type the six-digit code your authenticator app shows for this account, or one of your recovery codes.</p>
        <form method="post" action="/login/code" novalidate>
          <CsrfField ctx={ctx} />
          {next ? <input type="hidden" name="next" value={next} /> : ""}
          <Field name="code" label="Code" autocomplete="one-time-code" maxlength={20} error={error} />
          <button type="submit">Log in</button>
        </form>
        <p class="muted">
          <a href="/login">Start again</a>
        </p>
      </section>
    </Layout>
  );
}

export interface SignupProps {
  ctx: PageContext;
  mode: "closed" | "approval" | "invite" | "open";
  inviteCode?: string;
  values?: Record<string, string>;
  errors?: Errors;
  message?: string;
  handleDomain: string;
  /** Whether the instance sends e-mail: then the address is confirmed before the first login. */
  canMail?: boolean;
  /** The instance's rules, which the person agrees to before joining. */
  rules?: string[];
  /** The youngest age allowed to join (0: none; the date of birth is not asked). */
  minimumAge?: number;
  /** Whether the owner exists: before, nobody joins. */
  setUp?: boolean;
}

export function SignupPage({
  ctx,
  mode,
  inviteCode,
  values = {},
  errors = {},
  message,
  handleDomain,
  canMail,
  rules = [],
  minimumAge = 0,
  setUp = true,
}: SignupProps) {
  if (!setUp) {
    return (
      <Layout title="Sign up" ctx={ctx}>
        <section class="card narrow" aria-labelledby="signup-title">
          <h1 id="signup-title">Not open yet</h1>
          <p>This instance is not set up yet: its owner has to create their account first.</p>
        </section>
      </Layout>
    );
  }
  if (mode === "closed" && !inviteCode) {
    return (
      <Layout title="Sign up" ctx={ctx}>
        <section class="card narrow" aria-labelledby="signup-title">
          <h1 id="signup-title">Sign-ups are closed</h1>
          <p>This instance is not taking new members right now. If someone gave you an invite link, open it to join.</p>
        </section>
      </Layout>
    );
  }
  const needsReason = mode === "approval" && !inviteCode;
  return (
    <Layout title="Sign up" ctx={ctx}>
      <section class="card narrow" aria-labelledby="signup-title">
        <h1 id="signup-title" safe>{`Join ${ctx.instanceName}`}</h1>
        {needsReason ? (
          <p>
            A moderator reviews each sign-up{canMail ? " once you have confirmed your e-mail address" : ""}. You can log in once
            your account is approved.
          </p>
        ) : (
          ""
        )}
        <FormMessage message={message} />
        <form method="post" action="/signup" novalidate>
          <CsrfField ctx={ctx} />
          <Field
            name="username"
            label="Username"
            autocomplete="username"
            value={values.username}
            hint={`Your handle will be @username@${handleDomain}. Lowercase letters, digits and underscores.`}
            pattern="[a-z0-9_]{1,30}"
            maxlength={30}
            error={errors.username}
          />
          <Field
            name="email"
            label="Email"
            type="email"
            autocomplete="email"
            value={values.email}
            hint={canMail ? "We send a link to this address: open it to finish signing up." : undefined}
            error={errors.email}
          />
          <NewPasswordFields errors={errors} />
          {minimumAge > 0 ? (
            <Field
              name="date_of_birth"
              label="Date of birth"
              type="date"
              autocomplete="bday"
              value={values.date_of_birth}
              hint={`You must be at least ${minimumAge} to join. It is checked, not kept.`}
              error={errors.date_of_birth}
            />
          ) : (
            ""
          )}
          {needsReason ? (
            <Field
              name="reason"
              label="Why do you want to join?"
              multiline
              maxlength={1000}
              value={values.reason}
              error={errors.reason}
            />
          ) : (
            ""
          )}
          {mode === "invite" || inviteCode ? (
            <Field
              name="invite_code"
              label="Invite code"
              value={inviteCode ?? values.invite_code}
              error={errors.invite_code}
              autocomplete="off"
            />
          ) : (
            ""
          )}
          {rules.length > 0 ? (
            <section aria-labelledby="signup-rules-title">
              <h2 id="signup-rules-title">The rules here</h2>
              <ol class="rules">
                {rules.map((rule) => (
                  <li safe>{rule}</li>
                ))}
              </ol>
            </section>
          ) : (
            ""
          )}
          <div class={errors.agreement ? "check invalid" : "check"}>
            <input
              type="checkbox"
              id="agreement"
              name="agreement"
              value="1"
              required
              checked={values.agreement === "1"}
              aria-invalid={errors.agreement ? "true" : undefined}
              aria-describedby={errors.agreement ? "agreement-error" : undefined}
            />
            <label for="agreement">
              I agree to {rules.length > 0 ? "the rules above, " : ""}the <a href="/terms">terms of service</a> and the{" "}
              <a href="/privacy-policy">privacy policy</a>.
            </label>
            {errors.agreement ? (
              <p class="error" id="agreement-error" safe>
                {errors.agreement}
              </p>
            ) : (
              ""
            )}
          </div>
          <button type="submit">Sign up</button>
        </form>
        <p class="muted">
          Already a member? <a href="/login">Log in</a>
        </p>
      </section>
    </Layout>
  );
}

export function SignupPendingPage({ ctx }: { ctx: PageContext }) {
  return (
    <Layout title="Thanks for signing up" ctx={ctx}>
      <section class="card narrow" aria-labelledby="pending-title">
        <h1 id="pending-title">Thanks for signing up</h1>
        <p>A moderator will look at your request soon. You can log in once it is approved.</p>
      </section>
    </Layout>
  );
}

/** An invite link used up, expired or withdrawn: said when it is opened, before the form. */
export function InviteGonePage({ ctx, mayJoin }: { ctx: PageContext; mayJoin: boolean }) {
  return (
    <Layout title="Sign up" ctx={ctx}>
      <section class="card narrow" aria-labelledby="signup-title">
        <h1 id="signup-title">This invite link no longer works</h1>
        <p>It was used as many times as it allowed, it expired, or it was withdrawn. Ask whoever gave it to you for a new one.</p>
        {mayJoin ? (
          <p>
            <a href="/signup">Sign up without an invite</a>
          </p>
        ) : (
          ""
        )}
      </section>
    </Layout>
  );
}
