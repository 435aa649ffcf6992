/** @jsxImportSource @kitajs/html */
import type { PageContext } from "../context.ts";
import { PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { longDate } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

export interface PendingSignup {
  userId: string;
  username: string;
  email: string;
  reason: string | null;
  createdAt: Date;
}

export function SignupsPage({ ctx, pending }: { ctx: PageContext; pending: PendingSignup[] }) {
  return (
    <Layout title="Sign-ups" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <h2>Waiting for approval</h2>
      {pending.length === 0 ? <p class="empty">No one is waiting.</p> : ""}
      <ul class="account-list">
        {pending.map((p) => (
          <li class="signup">
            <div class="grow">
              <strong safe>{`@${p.username}`}</strong> <span class="muted" safe>{`${p.email} · ${longDate(p.createdAt)}`}</span>
              <p safe>{p.reason ?? "(no reason given)"}</p>
            </div>
            <PostButton ctx={ctx} action={`/admin/signups/${p.userId}/approve`} label="Approve" />
            <PostButton ctx={ctx} action={`/admin/signups/${p.userId}/reject`} label="Reject" kind="secondary danger" />
          </li>
        ))}
      </ul>
    </Layout>
  );
}
