/** @jsxImportSource @kitajs/html */
import { Elysia } from "elysia";
import { AboutPage } from "../../views/about.tsx";
import { countLocalUsers, findOwner } from "../core/accounts.ts";
import { listDomainBlocks, publicDomain } from "../core/domain-blocks.ts";
import { VERSION } from "../version.ts";
import { getSettings } from "../core/instance.ts";
import type { PagePlugin, WebDeps } from "./context.ts";

export function aboutRoutes({ db, baseUrl }: WebDeps, page: PagePlugin) {
  return (
    new Elysia({ name: "about" })
      .use(page)
      // host-meta points older clients and servers at WebFinger.
      .get("/.well-known/host-meta", ({ set }) => {
        set.headers["content-type"] = "application/xrd+xml; charset=utf-8";
        return `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="${new URL("/.well-known/webfinger", baseUrl).href}?resource={uri}"/>
</XRD>
`;
      })
      .get("/about", ({ ctx }) => {
        const settings = getSettings(db);
        return (
          <AboutPage
            ctx={ctx}
            name={settings.name}
            description={settings.description}
            members={countLocalUsers(db)}
            mode={settings.registrationMode}
            owner={findOwner(db)?.username ?? null}
            handleDomain={baseUrl.host}
            version={VERSION}
            moderated={listDomainBlocks(db)
              .filter((b) => b.severity !== "noop")
              .map((b) => ({
                domain: publicDomain(b),
                severity: b.severity === "suspend" ? "suspended" : "limited",
                comment: b.publicComment,
              }))}
          />
        );
      })
  );
}
