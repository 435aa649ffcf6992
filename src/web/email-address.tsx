/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import { ConfirmEmailPage, ResendConfirmationPage } from "../../views/email-address.tsx";
import { clientIp } from "../client-ip.ts";
import { confirmEmailChange, findEmailChange } from "../core/email-changes.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { resendSignupLink } from "../core/registrations.ts";
import type { PagePlugin, WebDeps } from "./context.ts";

const logger = getLogger(["skein", "mail"]);
const params = t.Object({ token: t.String({ maxLength: 100 }) });
const couldNotSend = (error: unknown) => logger.error("Could not send an address link: {error}", { error: String(error) });

/**
 * The link that confirms an e-mail address (a sign-up's, or a member's new one: the change itself
 * is in the settings), and a new link for a sign-up that lost theirs.
 */
export function emailAddressRoutes(deps: WebDeps, page: PagePlugin) {
  const { mailer } = deps;
  return new Elysia({ name: "email-address" })
    .use(page)
    .get("/signup/confirmation", ({ ctx, redirect }) => (mailer ? <ResendConfirmationPage ctx={ctx} /> : redirect("/login", 303)))
    .post(
      "/signup/confirmation",
      async ({ ctx, body, set, request, redirect }) => {
        if (!mailer) return redirect("/login", 303);
        try {
          const input = { login: body.username, password: body.password, email: body.email, ip: clientIp(request) };
          const sent = await resendSignupLink({ ...deps, mailer }, deps.limits, input, couldNotSend);
          return <ResendConfirmationPage ctx={ctx} sent={sent} />;
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return (
            <ResendConfirmationPage ctx={ctx} values={{ username: body.username, email: body.email }} errors={error.fields} />
          );
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          username: t.String({ maxLength: 320 }),
          password: t.String({ maxLength: 1024 }),
          email: t.Optional(t.String({ maxLength: 320 })),
        }),
      },
    )
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
          const done = confirmEmailChange(deps, params.token, (error) =>
            logger.error("Could not tell the old address of its change: {error}", { error: String(error) }),
          );
          return <ConfirmEmailPage ctx={ctx} token={params.token} done={done} />;
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
