/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import { ConfirmEmailPage } from "../../views/email-address.tsx";
import { confirmEmailChange, findEmailChange } from "../core/email-changes.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import type { PagePlugin, WebDeps } from "./context.ts";

const logger = getLogger(["skein", "mail"]);
const params = t.Object({ token: t.String({ maxLength: 100 }) });

/** The link sent to a member's new e-mail address (the change itself is in the settings). */
export function emailAddressRoutes(deps: WebDeps, page: PagePlugin) {
  return new Elysia({ name: "email-address" })
    .use(page)
    .get(
      "/settings/email/confirm/:token",
      ({ ctx, params, set }) => {
        set.headers["cache-control"] = "no-store";
        const change = findEmailChange(deps.db, params.token);
        if (!change) set.status = 410;
        return <ConfirmEmailPage ctx={ctx} token={params.token} change={change} />;
      },
      { params },
    )
    .post(
      "/settings/email/confirm/:token",
      ({ ctx, params, set }) => {
        set.headers["cache-control"] = "no-store";
        try {
          const { email } = confirmEmailChange(deps, params.token, (error) =>
            logger.error("Could not tell the old address of its change: {error}", { error: String(error) }),
          );
          return <ConfirmEmailPage ctx={ctx} token={params.token} done={email} />;
        } catch (error) {
          if (error instanceof CoreError && error.status === 410) set.status = 410;
          else if (error instanceof ValidationError) set.status = 409;
          else throw error;
          return <ConfirmEmailPage ctx={ctx} token={params.token} error={error.message} />;
        }
      },
      { params, body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
