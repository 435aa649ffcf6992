/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import { ForgotPasswordPage, ResetPasswordPage } from "../../views/passwords.tsx";
import { clientIp } from "../client-ip.ts";
import { checkLimit } from "../core/auth.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { chosenContact, contactAccount, getSettings } from "../core/instance.ts";
import { completePasswordReset, findPasswordReset, requestPasswordReset } from "../core/password-resets.ts";
import type { PagePlugin, WebDeps } from "./context.ts";

const logger = getLogger(["skein", "mail"]);
const csrf = t.Optional(t.String());
const token = t.Object({ token: t.String({ maxLength: 100 }) });

/** Whom the "Forgot your password?" page names when the instance sends no e-mail. */
function contactOf(deps: WebDeps): string | undefined {
  // The contact the owner chose (an account, else an address), else the owner.
  const email = getSettings(deps.db).contactEmail;
  const account = chosenContact(deps.db) ?? (email ? undefined : contactAccount(deps.db));
  return account ? `@${account.username}` : email || undefined;
}

/** "Forgot your password?" and the page its link opens. */
export function passwordRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, mailer } = deps;
  const forgot = (
    ctx: Parameters<typeof ForgotPasswordPage>[0]["ctx"],
    extra: { sent?: boolean; email?: string; error?: string } = {},
  ) => <ForgotPasswordPage ctx={ctx} canMail={mailer !== undefined} contact={contactOf(deps)} {...extra} />;
  return new Elysia({ name: "passwords" })
    .use(page)
    .get("/password/forgot", ({ ctx }) => forgot(ctx))
    .post(
      "/password/forgot",
      ({ ctx, body, set, request }) => {
        if (!mailer) return forgot(ctx);
        const key = clientIp(request);
        checkLimit(deps.limits.resets, [key]);
        try {
          requestPasswordReset({ ...deps, mailer }, body.email, (error) =>
            logger.error("Could not send a password link: {error}", { error: String(error) }),
          );
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return forgot(ctx, { email: body.email, error: error.fields.email });
        }
        deps.limits.resets.hit(key);
        return forgot(ctx, { sent: true });
      },
      { body: t.Object({ _csrf: csrf, email: t.String({ maxLength: 1000 }) }) },
    )
    .get(
      "/password/reset/:token",
      ({ ctx, params, set }) => {
        set.headers["cache-control"] = "no-store";
        const reset = findPasswordReset(db, params.token);
        if (!reset) set.status = 410;
        return <ResetPasswordPage ctx={ctx} token={params.token} username={reset?.username} />;
      },
      { params: token },
    )
    .post(
      "/password/reset/:token",
      async ({ ctx, params, body, set, redirect }) => {
        set.headers["cache-control"] = "no-store";
        try {
          await completePasswordReset(db, params.token, { password: body.password, confirmation: body.password_confirmation });
        } catch (error) {
          if (error instanceof CoreError && error.status === 410) {
            set.status = 410;
            return <ResetPasswordPage ctx={ctx} token={params.token} />;
          }
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const username = findPasswordReset(db, params.token)?.username;
          return <ResetPasswordPage ctx={ctx} token={params.token} username={username} errors={error.fields} />;
        }
        return redirect("/login?password=changed", 303);
      },
      {
        params: token,
        body: t.Object({
          _csrf: csrf,
          password: t.String({ maxLength: 1024 }),
          password_confirmation: t.String({ maxLength: 1024 }),
        }),
      },
    );
}
