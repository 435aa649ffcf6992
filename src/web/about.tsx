/** @jsxImportSource @kitajs/html */
import { Elysia } from "elysia";
import { AboutPage } from "../../views/about.tsx";
import { PolicyPage } from "../../views/policy.tsx";
import { countLocalUsers, findOwner } from "../core/accounts.ts";
import { defaultPrivacyPolicy } from "../core/default-privacy-policy.ts";
import { publicDomainBlocks } from "../core/domain-blocks.ts";
import { VERSION } from "../version.ts";
import { chosenContact, getSettings } from "../core/instance.ts";
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
            rules={settings.rules}
            contact={{
              // The contact account may have been deleted since it was chosen.
              username: chosenContact(db)?.username ?? null,
              email: settings.contactEmail,
            }}
            moderated={publicDomainBlocks(db).map((b) => ({
              ...b,
              severity: b.severity === "suspend" ? "suspended" : "limited",
            }))}
          />
        );
      })
      .get("/privacy-policy", ({ ctx }) => {
        const text = getSettings(db).privacyPolicy;
        return <PolicyPage ctx={ctx} title="Privacy policy" text={text || defaultPrivacyPolicy} />;
      })
      .get("/terms", ({ ctx }) => {
        const text = getSettings(db).termsOfService;
        return text ? (
          <PolicyPage ctx={ctx} title="Terms of service" text={text} />
        ) : (
          <PolicyPage
            ctx={ctx}
            title="Terms of service"
            text="This server has no terms of service of its own. The rules on the about page apply, and the privacy policy says what happens to your data."
          />
        );
      })
  );
}
