/** @jsxImportSource @kitajs/html */
import { roleRank } from "../../src/db/schema.ts";
import type { PageContext } from "../context.ts";

/** The administration's pages; `admins` marks those moderators may not open (the routes check it). */
const tabs: [href: string, label: string, admins?: "admins"][] = [
  ["/admin", "Overview"],
  ["/admin/reports", "Reports"],
  ["/admin/appeals", "Appeals"],
  ["/admin/accounts", "Accounts"],
  ["/admin/registrations", "Registrations"],
  ["/admin/invites", "Invites"],
  ["/admin/instances", "Instances"],
  ["/admin/relays", "Relays", "admins"],
  ["/admin/domain-blocks", "Domain blocks", "admins"],
  // Always shown: the list is best filled before allowlist mode is switched on.
  ["/admin/domain-allows", "Allowed domains", "admins"],
  ["/admin/email-domain-blocks", "E-mail domain blocks", "admins"],
  ["/admin/ip-blocks", "IP blocks", "admins"],
  ["/admin/settings", "Instance settings", "admins"],
  ["/admin/announcements", "Announcements", "admins"],
  ["/admin/trends", "Trends"],
  ["/admin/emojis", "Custom emoji", "admins"],
  ["/admin/retention", "Retention", "admins"],
  ["/admin/audit", "Audit log"],
];

export function AdminTabs({ ctx }: { ctx: PageContext }) {
  const isAdmin = ctx.viewer !== null && roleRank[ctx.viewer.role] >= roleRank.admin;
  // Every admin path starts with /admin/: the overview is current on its own path only.
  const current = (href: string) => ctx.path === href || (href !== "/admin" && ctx.path.startsWith(`${href}/`));
  // What waits, as a badge on its tab (as Mastodon's admin menu counts them).
  const queue = ctx.viewer?.staffQueue?.();
  const waiting: Record<string, [number, string]> | undefined = queue && {
    "/admin/reports": [queue.reports, "open"],
    "/admin/appeals": [queue.appeals, "waiting"],
    "/admin/registrations": [queue.signups, "waiting"],
  };
  return (
    <nav class="tabs" aria-label="Administration">
      {tabs
        .filter(([, , admins]) => isAdmin || !admins)
        .map(([href, label]) => {
          const [n, state] = waiting?.[href] ?? [0, ""];
          return (
            <a href={href} aria-current={current(href) ? "page" : undefined}>
              <span safe>{label}</span>
              {n > 0 ? (
                <span class="badge" aria-label={`${n} ${state}`} safe>
                  {String(n)}
                </span>
              ) : (
                ""
              )}
            </a>
          );
        })}
    </nav>
  );
}
