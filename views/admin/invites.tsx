/** @jsxImportSource @kitajs/html */
import type { PageContext } from "../context.ts";
import { InviteForm, InviteList, type InviteRow } from "../invites.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

export function AdminInvitesPage({
  ctx,
  invites,
  errors,
}: {
  ctx: PageContext;
  invites: InviteRow[];
  errors?: Record<string, string>;
}) {
  return (
    <Layout title="Invites" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <InviteForm ctx={ctx} action="/admin/invites" errors={errors} />
      <InviteList ctx={ctx} invites={invites} revokeBase="/admin/invites" showCreator />
    </Layout>
  );
}
