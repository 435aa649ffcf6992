/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { ErrorPage } from "../../views/errors.tsx";
import { SetupDonePage, SetupPage } from "../../views/setup.tsx";
import { CoreError, ValidationError } from "../core/errors.ts";
import { completeSetup, isValidSetupToken } from "../core/setup.ts";
import { ownerExists } from "../core/accounts.ts";
import type { PageContext } from "../../views/context.ts";
import type { PagePlugin, WebDeps } from "./context.ts";

const setupForm = t.Object({
  _csrf: t.Optional(t.String()),
  token: t.String({ maxLength: 200 }),
  username: t.String({ maxLength: 100 }),
  email: t.String({ maxLength: 320 }),
  password: t.String({ maxLength: 1024 }),
  password_confirmation: t.String({ maxLength: 1024 }),
});

/** The first-start page: the one-time link printed by the server opens a form for the owner. */
export function setupRoutes(deps: WebDeps, page: PagePlugin) {
  const closed = (ctx: PageContext, status: number, message: string) => (
    <ErrorPage ctx={ctx} status={status} title="This setup link does not work" message={message} />
  );

  return new Elysia({ name: "setup" })
    .use(page)
    .get(
      "/setup",
      ({ query, set, ctx }) => {
        if (ownerExists(deps.db)) {
          set.status = 410;
          return closed(ctx, 410, "This instance already has an owner.");
        }
        if (!isValidSetupToken(deps.db, query.token ?? "")) {
          set.status = 403;
          return closed(ctx, 403, "Use the newest setup link that the server printed when it started.");
        }
        return <SetupPage ctx={ctx} token={query.token ?? ""} />;
      },
      { query: t.Object({ token: t.Optional(t.String({ maxLength: 200 })) }) },
    )
    .post(
      "/setup",
      async ({ body, set, ctx }) => {
        const values = { username: body.username, email: body.email };
        const form = (errors: Record<string, string>, message?: string) => (
          <SetupPage ctx={ctx} token={body.token} values={values} errors={errors} message={message} />
        );
        try {
          const { username, email, password, password_confirmation: confirmation } = body;
          await completeSetup(deps, body.token, { username, email, password, confirmation });
        } catch (error) {
          if (error instanceof ValidationError) {
            set.status = 422;
            return form(error.fields);
          }
          if (error instanceof CoreError) {
            set.status = error.status;
            return closed(ctx, error.status, error.message);
          }
          throw error;
        }
        return <SetupDonePage ctx={ctx} handle={`@${body.username.trim()}@${deps.baseUrl.host}`} />;
      },
      { body: setupForm },
    );
}
