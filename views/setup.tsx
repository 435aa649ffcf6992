/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, NewPasswordFields } from "./form.tsx";
import { Layout } from "./layout.tsx";

export interface SetupFormProps {
  ctx: PageContext;
  token: string;
  values?: { username?: string; email?: string };
  errors?: Record<string, string>;
  message?: string;
}

/** The first-start page that creates the owner account. */
export function SetupPage({ ctx, token, values = {}, errors = {}, message }: SetupFormProps) {
  return (
    <Layout title="Set up your instance" ctx={ctx}>
      <section class="card" aria-labelledby="setup-title">
        <h1 id="setup-title">Set up your instance</h1>
        <p>Create the owner account. The owner has every right on this instance and can name moderators later.</p>
        <FormMessage message={message} />
        <form method="post" action="/setup" novalidate>
          <CsrfField ctx={ctx} />
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
          <NewPasswordFields errors={errors} />
          <button type="submit">Create the owner account</button>
        </form>
      </section>
    </Layout>
  );
}

export function SetupDonePage({ ctx, handle }: { ctx: PageContext; handle: string }) {
  return (
    <Layout title="Your instance is ready" ctx={ctx}>
      <section class="card" aria-labelledby="done-title">
        <h1 id="done-title">Your instance is ready</h1>
        <p>
          The owner account <strong safe>{handle}</strong> was created. The setup link no longer works.
        </p>
        <p>
          <a href="/login">Log in</a>
        </p>
      </section>
    </Layout>
  );
}
