/** @jsxImportSource @kitajs/html */
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { AccountLine } from "./profile.tsx";

export function FollowRequestsPage({ ctx, accounts }: { ctx: PageContext; accounts: AccountView[] }) {
  return (
    <Layout title="Follow requests" ctx={ctx}>
      <h1>Follow requests</h1>
      {accounts.length === 0 ? <p class="empty">No one is waiting for an answer.</p> : ""}
      <ul class="account-list">
        {accounts.map((a) => (
          <li class="request">
            <AccountLine account={a} />
            <form method="post" action={`/accounts/${a.id}/authorize`}>
              <CsrfField ctx={ctx} />
              <button type="submit">Accept</button>
            </form>
            <form method="post" action={`/accounts/${a.id}/reject`}>
              <CsrfField ctx={ctx} />
              <button type="submit" class="secondary">
                Reject
              </button>
            </form>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
