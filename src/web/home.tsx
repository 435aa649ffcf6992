/** @jsxImportSource @kitajs/html */
import { Elysia } from "elysia";
import { HomePage } from "../../views/home.tsx";
import { countLocalUsers, ownerExists } from "../core/accounts.ts";
import type { CoreDeps } from "../core/deps.ts";
import { getSettings } from "../core/instance.ts";

export function homeRoutes({ db }: CoreDeps, baseUrl: URL) {
  return new Elysia({ name: "home" }).get("/", () => {
    const settings = getSettings(db);
    return (
      <HomePage
        name={settings.name}
        description={settings.description}
        members={countLocalUsers(db)}
        needsSetup={!ownerExists(db)}
        handleDomain={baseUrl.host}
      />
    );
  });
}
