/** @jsxImportSource @kitajs/html */
import type { PageContext } from "../context.ts";

export function AdminTabs({ ctx }: { ctx: PageContext }) {
  const tabs = [
    ["/admin", "Overview"],
    ["/admin/reports", "Reports"],
    ["/admin/appeals", "Appeals"],
    ["/admin/accounts", "Accounts"],
    ["/admin/registrations", "Registrations"],
    ["/admin/invites", "Invites"],
    ["/admin/instances", "Instances"],
    ["/admin/relays", "Relays"],
    ["/admin/domain-blocks", "Domain blocks"],
    // Always shown: the list is best filled before allowlist mode is switched on.
    ["/admin/domain-allows", "Allowed domains"],
    ["/admin/email-domain-blocks", "E-mail domain blocks"],
    ["/admin/ip-blocks", "IP blocks"],
    ["/admin/settings", "Instance settings"],
    ["/admin/announcements", "Announcements"],
    ["/admin/trends", "Trends"],
    ["/admin/emojis", "Custom emoji"],
    ["/admin/retention", "Retention"],
    ["/admin/audit", "Audit log"],
  ] as const;
  // Every admin path starts with /admin/: the overview is current on its own path only.
  const current = (href: string) => ctx.path === href || (href !== "/admin" && ctx.path.startsWith(`${href}/`));
  return (
    <nav class="tabs" aria-label="Administration">
      {tabs.map(([href, label]) => (
        <a href={href} aria-current={current(href) ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}
