/** @jsxImportSource @kitajs/html */
import type { PageContext } from "../context.ts";
import { Layout } from "../layout.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

export function AuditPage({
  ctx,
  entries,
}: {
  ctx: PageContext;
  entries: { action: string; actor: string; target: string; detail: string; createdAt: Date }[];
}) {
  return (
    <Layout title="Audit log" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      {entries.length === 0 ? <p class="empty">Nothing done yet.</p> : ""}
      <ul class="sessions">
        {entries.map((e) => (
          <li>
            <div>
              <strong safe>{e.action}</strong> <span safe>{`by ${e.actor} on ${e.target}`}</span>
              <p class="muted">
                <WithTimes parts={[e.createdAt, e.detail ? ` · ${e.detail.slice(0, 200)}` : ""]} />
              </p>
            </div>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
