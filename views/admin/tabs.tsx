/** @jsxImportSource @kitajs/html */
import type { PageContext } from "../context.ts";

export function AdminTabs({ ctx }: { ctx: PageContext }) {
  const tabs = [
    ["/admin/reports", "Reports"],
    ["/admin/accounts", "Accounts"],
    ["/admin/registrations", "Registrations"],
    ["/admin/invites", "Invites"],
    ["/admin/domain-blocks", "Domain blocks"],
    ["/admin/settings", "Instance settings"],
    ["/admin/audit", "Audit log"],
  ] as const;
  return (
    <nav class="tabs" aria-label="Administration">
      {tabs.map(([href, label]) => (
        <a href={href} aria-current={ctx.path === href ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}
