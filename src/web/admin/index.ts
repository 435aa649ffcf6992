import { Elysia } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { accountRoutes } from "./accounts.tsx";
import { appealRoutes } from "./appeals.tsx";
import { domainAllowRoutes } from "./domain-allows.tsx";
import { domainBlockRoutes } from "./domain-blocks.tsx";
import { emailDomainBlockRoutes } from "./email-domain-blocks.tsx";
import { ipBlockRoutes } from "./ip-blocks.tsx";
import { relayRoutes } from "./relays.tsx";
import { announcementAdminRoutes } from "./announcements.tsx";
import { emojiRoutes } from "./emojis.tsx";
import { trendAdminRoutes } from "./trends.tsx";
import { instanceRoutes } from "./instance.tsx";
import { instancesRoutes } from "./instances.tsx";
import { overviewRoutes } from "./overview.tsx";
import { adminInviteRoutes } from "./invites.tsx";
import { registrationRoutes } from "./registrations.tsx";
import { reportRoutes } from "./reports.tsx";
import { retentionRoutes } from "./retention.tsx";

/** The administration pages, one module per area; each route checks the viewer's role itself. */
export function adminRoutes(deps: WebDeps, page: PagePlugin) {
  return (
    new Elysia({ name: "admin" })
      // The sign-ups page's old address (outside the staff gate: a redirect shows nothing).
      .get("/admin/signups", ({ redirect }) => redirect("/admin/registrations", 301))
      .use(overviewRoutes(deps, page))
      .use(reportRoutes(deps, page).use(appealRoutes(deps, page)))
      .use(accountRoutes(deps, page))
      .use(domainBlockRoutes(deps, page))
      .use(domainAllowRoutes(deps, page).use(emailDomainBlockRoutes(deps, page)).use(ipBlockRoutes(deps, page)))
      .use(instancesRoutes(deps, page).use(relayRoutes(deps, page)))
      .use(registrationRoutes(deps, page))
      .use(adminInviteRoutes(deps, page))
      .use(instanceRoutes(deps, page))
      .use(emojiRoutes(deps, page).use(announcementAdminRoutes(deps, page)).use(trendAdminRoutes(deps, page)))
      .use(retentionRoutes(deps, page))
  );
}
