/** @jsxImportSource @kitajs/html */
import { Elysia } from "elysia";
import { AboutPage } from "../../views/about.tsx";
import { countLocalUsers, findOwner } from "../core/accounts.ts";
import { VERSION } from "../version.ts";
import { getSettings } from "../core/instance.ts";
import type { PagePlugin, WebDeps } from "./context.ts";

export function aboutRoutes({ db, baseUrl }: WebDeps, page: PagePlugin) {
  return new Elysia({ name: "about" })
    .use(page)
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
        />
      );
    });
}
