import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import { clientIp } from "../client-ip.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { getSettings } from "../core/instance.ts";
import { issueToken } from "../core/oauth.ts";
import { sendSignupLinkAgain, signUp } from "../core/registrations.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { tokenEntity } from "./oauth.ts";
import { flag, tFlag } from "./params.ts";

const logger = getLogger(["skein", "mail"]);
const couldNotSend = (error: unknown) =>
  logger.error("Could not send a sign-up's address link: {error}", { error: String(error) });

/**
 * Mastodon's error codes for a field, from what was sent and our message (apps show the
 * description; some read the code): a field of `sent` left empty is ERR_BLANK whatever the rule it broke.
 */
function errorCode(field: string, message: string, sent: Record<string, unknown>): string {
  if (field === "agreement") return "ERR_ACCEPTED";
  if (field === "date_of_birth" && /years old/.test(message)) return "ERR_BELOW_LIMIT";
  const value = sent[field];
  if (Object.hasOwn(sent, field) && (value === undefined || (typeof value === "string" && value.trim() === "")))
    return "ERR_BLANK";
  if (/taken|already uses|another account uses|belonged to a deleted/i.test(message)) return "ERR_TAKEN";
  if (/reserved/i.test(message)) return "ERR_RESERVED";
  if (/not allowed here|provider/i.test(message)) return "ERR_BLOCKED";
  if (/at least|too short/i.test(message)) return "ERR_TOO_SHORT";
  if (/at most|under \d+/i.test(message)) return "ERR_TOO_LONG";
  return "ERR_INVALID";
}

/** A refused sign-up as Mastodon answers it: one line, and the details by field. */
function validationFailure(error: ValidationError, sent: Record<string, unknown>) {
  const fields = Object.entries(error.fields);
  return {
    error: `Validation failed: ${fields.map(([, message]) => message).join(", ")}`,
    details: Object.fromEntries(
      fields.map(([field, description]) => [field, [{ error: errorCode(field, description, sent), description }]]),
    ),
  };
}

/**
 * Signing up from an app (Mastodon's POST /api/v1/accounts, the official apps' "Create account"),
 * through the same core sign-up as the page: the app gets a token that works once the address is
 * confirmed (and a moderator approved, where they review sign-ups); until then, calls with it get
 * 403 and Mastodon's reason, and the app can have the link sent again.
 */
export function registrationApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, mailer } = deps;
  return new Elysia({ name: "api-registrations" })
    .use(api)
    .post(
      "/api/v1/accounts",
      async ({ authorized, body, request, set }) => {
        const { app } = authorized("write:accounts");
        const mode = getSettings(db).registrationMode;
        // An invite lets its holder in whatever the mode (core/registrations.ts says whether it is valid).
        if ((mode === "closed" || mode === "invite") && !body.invite_code) throw new CoreError("This action is not allowed", 403);
        try {
          const input = {
            username: body.username ?? "",
            email: body.email ?? "",
            password: body.password ?? "",
            confirmation: body.password ?? "",
            reason: body.reason,
            inviteCode: body.invite_code || undefined,
            agreement: flag(body.agreement) === true,
            dateOfBirth: body.date_of_birth,
            ip: clientIp(request),
          };
          const { userId } = await signUp(deps, deps.limits.signup, input, couldNotSend);
          // As Mastodon: the scopes the app registered (its own token may hold only write:accounts).
          set.headers["cache-control"] = "no-store";
          return tokenEntity(issueToken(db, app.id, userId, app.scopes.split(" ")));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const { username, email, password, reason, invite_code, date_of_birth } = body;
          return validationFailure(error, { username, email, password, reason, invite_code, date_of_birth });
        }
      },
      {
        // Missing fields are the core's to report, field by field (Elysia's answer would be a bare 400).
        body: t.Object({
          username: t.Optional(t.String({ maxLength: 100 })),
          email: t.Optional(t.String({ maxLength: 320 })),
          password: t.Optional(t.String({ maxLength: 1024 })),
          invite_code: t.Optional(t.String({ maxLength: 100 })),
          agreement: tFlag,
          locale: t.Optional(t.String({ maxLength: 20 })),
          reason: t.Optional(t.String({ maxLength: 2000 })),
          date_of_birth: t.Optional(t.String({ maxLength: 20 })),
        }),
      },
    )
    .post(
      "/api/v1/emails/confirmations",
      ({ waitingMember, body, request, set }) => {
        const waiting = waitingMember("write:accounts");
        if (waiting.confirmed || !mailer)
          throw new CoreError("This method is only available while the e-mail is awaiting confirmation", 403);
        try {
          const input = { userId: waiting.userId, email: body?.email, ip: clientIp(request) };
          sendSignupLinkAgain({ ...deps, mailer }, deps.limits, input, couldNotSend);
          return {};
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return validationFailure(error, {});
        }
      },
      { body: t.Optional(t.Object({ email: t.Optional(t.String({ maxLength: 320 })) })) },
    )
    .get("/api/v1/emails/check_confirmation", ({ token, waitingMember }) =>
      token?.user ? true : waitingMember("read:accounts").confirmed,
    );
}
