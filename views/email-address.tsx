/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, FormMessage } from "./form.tsx";
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
  /** The address that is now the member's. */
  done?: string;
  error?: string;
}) {
  return (
    <Layout title="Confirm your e-mail address" ctx={ctx}>
      <section class="card narrow" aria-labelledby="confirm-title">
        <h1 id="confirm-title">Confirm your e-mail address</h1>
        {done ? (
          <FormMessage kind="success" message={`${done} is now your e-mail address.`} />
        ) : error || !change ? (
          <FormMessage message={error ?? "This link has expired or was used already."} />
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
