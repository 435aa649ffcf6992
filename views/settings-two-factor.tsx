/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, ErrorSummary, Field, FormMessage } from "./form.tsx";
import { SettingsFrame } from "./settings.tsx";
import { WithTimes } from "./time.tsx";

type Errors = Record<string, string>;

/** Two-factor authentication is off: the QR code and secret of a new setup, and the form that turns it on. */
export function TwoFactorSetupPage({
  ctx,
  secret,
  safeQrSvg,
  errors = {},
  message,
}: {
  ctx: PageContext;
  secret: string;
  /** Made by uqr from the otpauth address: only rectangles, no text from anyone. */
  safeQrSvg: string;
  errors?: Errors;
  message?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Two-factor authentication">
      <FormMessage message={message} kind="success" />
      <ErrorSummary errors={errors} />
      <section class="card" aria-labelledby="setup-title">
        <h2 id="setup-title">Set up two-factor authentication</h2>
        <p>
          With it on, logging in takes your password and a six-digit code from an app on your phone (Aegis, FreeOTP, Google
          Authenticator, 1Password, Bitwarden…), so a stolen password alone does not open your account. Apps you already
          authorized stay signed in.
        </p>
        <ol class="steps">
          <li>In the app, add an account by scanning this QR code.</li>
          <li>
            Or type this key into it:{" "}
            <code class="secret-key" safe>
              {secret.replace(/(.{4})/g, "$1 ").trim()}
            </code>
          </li>
          <li>Type the code the app now shows, and your password.</li>
        </ol>
        <div class="qr-code" role="img" aria-label="QR code of the key above">
          {safeQrSvg}
        </div>
        <form method="post" action="/settings/two-factor/enable" novalidate>
          <CsrfField ctx={ctx} />
          <Field name="code" label="Code from the app" autocomplete="one-time-code" maxlength={20} error={errors.code} />
          <Field name="password" label="Your password" type="password" autocomplete="current-password" error={errors.password} />
          <button type="submit">Turn on</button>
        </form>
      </section>
    </SettingsFrame>
  );
}

/** Two-factor authentication is on: new recovery codes, or turning it off. */
export function TwoFactorOnPage({
  ctx,
  enabledAt,
  codesLeft,
  errors = {},
}: {
  ctx: PageContext;
  enabledAt: Date;
  codesLeft: number;
  errors?: Errors;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Two-factor authentication">
      <ErrorSummary errors={errors} />
      <section class="card" aria-labelledby="status-title">
        <h2 id="status-title">Two-factor authentication is on</h2>
        <p>
          <WithTimes
            parts={["Since ", enabledAt, ". Logging in asks for a code from your authenticator app after your password."]}
          />
        </p>
      </section>
      <form method="post" action="/settings/two-factor/recovery-codes" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Recovery codes</h2>
        <p safe>
          {`${codesLeft === 0 ? "No" : codesLeft} recovery code${codesLeft === 1 ? "" : "s"} left. Each one logs you in once in place of the app's code, if you lose your phone. New codes replace the ones you have.`}
        </p>
        <Field
          name="codes_code"
          label="Code from the app"
          autocomplete="one-time-code"
          maxlength={20}
          error={errors.codes_code}
        />
        <Field
          name="codes_password"
          label="Your password"
          type="password"
          autocomplete="current-password"
          error={errors.codes_password}
        />
        <button type="submit" class="secondary">
          Make new recovery codes
        </button>
      </form>
      <form method="post" action="/settings/two-factor/disable" class="card danger-zone" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Turn off</h2>
        <p>Logging in will take your password only.</p>
        <Field
          name="code"
          label="Code from the app, or a recovery code"
          autocomplete="one-time-code"
          maxlength={20}
          error={errors.code}
        />
        <Field name="password" label="Your password" type="password" autocomplete="current-password" error={errors.password} />
        <button type="submit" class="danger">
          Turn off two-factor authentication
        </button>
      </form>
    </SettingsFrame>
  );
}

/** The recovery codes, shown once. */
export function RecoveryCodesPage({ ctx, codes, justEnabled }: { ctx: PageContext; codes: string[]; justEnabled: boolean }) {
  return (
    <SettingsFrame ctx={ctx} title="Recovery codes">
      <FormMessage message={justEnabled ? "Two-factor authentication is on." : "New recovery codes were made."} kind="success" />
      <section class="card" aria-labelledby="codes-title">
        <h2 id="codes-title">Your recovery codes</h2>
        <p>
          Keep them somewhere safe, away from your phone: print them or store them in a password manager. Each logs you in once in
          place of the app's code. This page shows them only this once.
        </p>
        <ul class="recovery-codes">
          {codes.map((code) => (
            <li>
              <code safe>{code}</code>
            </li>
          ))}
        </ul>
        <p>
          <a href="/settings/two-factor">Done</a>
        </p>
      </section>
    </SettingsFrame>
  );
}
