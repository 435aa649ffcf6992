/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { FormMessage } from "./form.tsx";
import { Layout } from "./layout.tsx";

/**
 * The page an e-mail's "Stop these e-mails" link opens: a button, not the click itself (mail
 * scanners open links), then what was done. Mail programs' one-click unsubscribe posts directly.
 */
export function UnsubscribePage({
  ctx,
  action,
  email,
  state,
}: {
  ctx: PageContext;
  /** The link itself, which the button posts back to. */
  action: string;
  email?: string;
  state: "ask" | "done" | "invalid";
}) {
  return (
    <Layout title="E-mail notifications" ctx={ctx}>
      <section class="card narrow" aria-labelledby="unsubscribe-title">
        <h1 id="unsubscribe-title">E-mail notifications</h1>
        {state === "invalid" ? (
          <p>This link does not work (it was cut short, or is over a year old). Choose your e-mails in Settings → Account.</p>
        ) : state === "done" ? (
          <FormMessage
            kind="success"
            message={`${email} gets no more e-mails about notifications. Turn them on again in Settings → Account.`}
          />
        ) : (
          <>
            <p safe>{`Stop e-mails about notifications (mentions, follows, quotes…) to ${email}?`}</p>
            <p class="muted">E-mails about your account, such as password links, still come.</p>
            <form method="post" action={action}>
              <button type="submit">Stop these e-mails</button>
            </form>
          </>
        )}
        <p class="muted">
          <a href="/settings/account">Settings → Account</a>
        </p>
      </section>
    </Layout>
  );
}
