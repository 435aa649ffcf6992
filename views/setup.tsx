/** @jsxImportSource @kitajs/html */
import { Layout } from "./layout.tsx";

export interface SetupFormProps {
  instanceName: string;
  token: string;
  values?: { username?: string; email?: string };
  errors?: Record<string, string>;
  message?: string;
}

/** One labelled input with its error message tied to it for screen readers. */
function Field(props: {
  name: string;
  label: string;
  type: string;
  autocomplete: string;
  value?: string;
  hint?: string;
  error?: string;
  pattern?: string;
  minlength?: number;
  maxlength?: number;
}) {
  const described = [props.hint ? `${props.name}-hint` : "", props.error ? `${props.name}-error` : ""].filter(Boolean);
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={props.name} safe>
        {props.label}
      </label>
      <input
        id={props.name}
        name={props.name}
        type={props.type}
        autocomplete={props.autocomplete}
        value={props.value}
        required
        pattern={props.pattern}
        minlength={props.minlength}
        maxlength={props.maxlength}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={described.length > 0 ? described.join(" ") : undefined}
      />
      {props.hint ? (
        <p class="hint" id={`${props.name}-hint`} safe>
          {props.hint}
        </p>
      ) : (
        ""
      )}
      {props.error ? (
        <p class="error" id={`${props.name}-error`} safe>
          {props.error}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

/** The first-start page that creates the owner account. */
export function SetupPage({ instanceName, token, values = {}, errors = {}, message }: SetupFormProps) {
  return (
    <Layout title="Set up your instance" instanceName={instanceName}>
      <section class="card" aria-labelledby="setup-title">
        <h1 id="setup-title">Set up your instance</h1>
        <p>Create the owner account. The owner has every right on this instance and can name moderators later.</p>
        {message ? (
          <p class="error" role="alert" safe>
            {message}
          </p>
        ) : (
          ""
        )}
        <form method="post" action="/setup" novalidate>
          <input type="hidden" name="token" value={token} />
          <Field
            name="username"
            label="Username"
            type="text"
            autocomplete="username"
            value={values.username}
            hint="1 to 30 lowercase letters, digits or underscores. It cannot be changed later."
            pattern="[a-z0-9_]{1,30}"
            maxlength={30}
            error={errors.username}
          />
          <Field name="email" label="Email" type="email" autocomplete="email" value={values.email} error={errors.email} />
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            hint="At least 8 characters."
            minlength={8}
            error={errors.password}
          />
          <Field
            name="password_confirmation"
            label="Confirm password"
            type="password"
            autocomplete="new-password"
            error={errors.password_confirmation}
          />
          <button type="submit">Create the owner account</button>
        </form>
      </section>
    </Layout>
  );
}

export function SetupDonePage({ instanceName, handle }: { instanceName: string; handle: string }) {
  return (
    <Layout title="Your instance is ready" instanceName={instanceName}>
      <section class="card" aria-labelledby="done-title">
        <h1 id="done-title">Your instance is ready</h1>
        <p>
          The owner account <strong safe>{handle}</strong> was created. The setup link no longer works.
        </p>
        <p>
          <a href="/">Go to the home page</a>
        </p>
      </section>
    </Layout>
  );
}
