/** @jsxImportSource @kitajs/html */
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { PostButton } from "./form.tsx";
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
            <PostButton ctx={ctx} action={`/accounts/${a.id}/authorize`} label="Accept" fullLabel={`Accept @${a.acct}`} />
            <PostButton
              ctx={ctx}
              action={`/accounts/${a.id}/reject`}
              label="Reject"
              kind="secondary"
              fullLabel={`Reject @${a.acct}`}
            />
          </li>
        ))}
      </ul>
    </Layout>
  );
}
