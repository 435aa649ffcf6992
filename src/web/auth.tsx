/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { Elysia, t } from "elysia";
import {
  InviteGonePage,
  LoginPage,
  SignupPage,
  SignupPendingPage,
  type SignupProps,
  TwoFactorLoginPage,
} from "../../views/auth.tsx";
import { findUsableInvite } from "../core/invites.ts";
import type { PageContext } from "../../views/context.ts";
import { CheckEmailPage } from "../../views/email-address.tsx";
import { ownerExists } from "../core/accounts.ts";
import { verifyLogin } from "../core/auth.ts";
import { CHALLENGE_MS, finishLoginChallenge, LoginExpired, startLoginChallenge, twoFactorRequired } from "../core/two-factor.ts";
import { ValidationError } from "../core/errors.ts";
import { getSettings, instanceRules } from "../core/instance.ts";
import { signUp } from "../core/registrations.ts";
import { createSession, revokeSession, suspendedAccountOf } from "../core/sessions.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { clientIp } from "../client-ip.ts";
import { safeNext } from "./redirects.ts";
import { SESSION_COOKIE, sessionCookie } from "./session.ts";
import { suspendedPage } from "./warnings.tsx";

const logger = getLogger(["skein", "mail"]);
const couldNotSend = (error: unknown) =>
  logger.error("Could not send a sign-up's address link: {error}", { error: String(error) });
const csrf = t.Optional(t.String());
/** Holds a login whose password was right until its two-factor code comes (core/two-factor.ts). */
const CHALLENGE_COOKIE = "skein_login";
const next = t.Optional(t.String({ maxLength: 500 }));

export function authRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const secure = deps.baseUrl.protocol === "https:";
  const startSession = (userId: string, request: Request) =>
    createSession(db, userId, { ip: clientIp(request), userAgent: request.headers.get("user-agent") ?? undefined });
  const canMail = deps.mailer !== undefined;
  /** The sign-up form in the instance's current mode, with its rules. */
  const signupPage = (ctx: PageContext, form: Pick<SignupProps, "inviteCode" | "values" | "errors">) => {
    const { registrationMode, minimumAge } = getSettings(db);
    return (
      <SignupPage
        ctx={ctx}
        mode={registrationMode}
        handleDomain={deps.baseUrl.host}
        canMail={canMail}
        rules={instanceRules(db).map((rule) => rule.text)}
        minimumAge={minimumAge}
        setUp={ownerExists(db)}
        {...form}
      />
    );
  };
  return new Elysia({ name: "auth" })
    .use(page)
    .get(
      "/login",
      ({ ctx, query, redirect }) => {
        if (ctx.viewer) return redirect("/", 303);
        const notice =
          query.password === "changed"
            ? "Your password is changed. Log in with it."
            : query.logged_out
              ? "You have logged out."
              : undefined;
        return <LoginPage ctx={ctx} next={query.next} notice={notice} canMail={canMail} />;
      },
      {
        query: t.Object({
          next,
          password: t.Optional(t.String({ maxLength: 20 })),
          logged_out: t.Optional(t.String({ maxLength: 1 })),
        }),
      },
    )
    .post(
      "/login",
      async ({ body, ctx, cookie, set, request, redirect }) => {
        try {
          const credentials = { login: body.username, password: body.password, ip: clientIp(request) };
          const userId = await verifyLogin(db, deps.limits.login, credentials, canMail);
          // A suspended member with two-factor authentication proves both before reading the note.
          if (twoFactorRequired(db, userId)) {
            cookie[CHALLENGE_COOKIE]?.set({
              value: startLoginChallenge(db, userId),
              httpOnly: true,
              sameSite: "lax",
              secure,
              path: "/login",
              maxAge: CHALLENGE_MS / 1000,
            });
            return <TwoFactorLoginPage ctx={ctx} next={body.next} />;
          }
          const accountId = suspendedAccountOf(db, userId);
          if (accountId) {
            set.status = 403;
            return suspendedPage(deps, ctx, { userId, accountId });
          }
          cookie[SESSION_COOKIE]?.set(sessionCookie(startSession(userId, request), secure));
          return redirect(safeNext(body.next), 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <LoginPage ctx={ctx} username={body.username} errors={error.fields} next={body.next} canMail={canMail} />;
        }
      },
      {
        body: t.Object({
          _csrf: csrf,
          username: t.String({ maxLength: 320 }),
          password: t.String({ maxLength: 1024 }),
          next,
        }),
      },
    )
    .get("/login/code", ({ redirect }) => redirect("/login", 303))
    .post(
      "/login/code",
      ({ body, ctx, cookie, set, request, redirect }) => {
        const token = cookie[CHALLENGE_COOKIE]?.value;
        try {
          if (typeof token !== "string") throw new LoginExpired();
          const userId = finishLoginChallenge(db, deps.limits, token, body.code);
          cookie[CHALLENGE_COOKIE]?.remove();
          const accountId = suspendedAccountOf(db, userId);
          if (accountId) {
            set.status = 403;
            return suspendedPage(deps, ctx, { userId, accountId });
          }
          cookie[SESSION_COOKIE]?.set(sessionCookie(startSession(userId, request), secure));
          return redirect(safeNext(body.next), 303);
        } catch (error) {
          if (error instanceof LoginExpired) {
            cookie[CHALLENGE_COOKIE]?.remove();
            set.status = 422;
            return <LoginPage ctx={ctx} message={error.message} next={body.next} />;
          }
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <TwoFactorLoginPage ctx={ctx} next={body.next} error={error.fields.code} />;
        }
      },
      { body: t.Object({ _csrf: csrf, code: t.String({ maxLength: 100 }), next }) },
    )
    .post("/logout", ({ cookie, redirect, viewer }) => {
      if (viewer) revokeSession(db, viewer.user.id, viewer.sessionId);
      cookie[SESSION_COOKIE]?.remove();
      // The login page says it is done, and offers to come back in.
      return redirect("/login?logged_out=1", 303);
    })
    .get(
      "/signup",
      ({ ctx, query, set, redirect }) => {
        if (ctx.viewer) return redirect("/", 303);
        // Said before the form is filled in, not after.
        if (query.invite && !findUsableInvite(db, query.invite)) {
          set.status = 410;
          return <InviteGonePage ctx={ctx} mayJoin={["open", "approval"].includes(getSettings(db).registrationMode)} />;
        }
        return signupPage(ctx, { inviteCode: query.invite });
      },
      { query: t.Object({ invite: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .get("/invite/:code", ({ params, redirect }) => redirect(`/signup?invite=${encodeURIComponent(params.code)}`, 303))
    .post(
      "/signup",
      async ({ body, ctx, cookie, set, request, redirect }) => {
        const ip = clientIp(request);
        try {
          const { userId, pending, confirm } = await signUp(
            deps,
            deps.limits.signup,
            {
              username: body.username,
              email: body.email,
              password: body.password,
              confirmation: body.password_confirmation,
              reason: body.reason,
              inviteCode: body.invite_code || undefined,
              agreement: body.agreement === "1",
              dateOfBirth: body.date_of_birth,
              ip,
            },
            couldNotSend,
          );
          if (confirm) return <CheckEmailPage ctx={ctx} email={confirm} />;
          if (pending) return <SignupPendingPage ctx={ctx} />;
          cookie[SESSION_COOKIE]?.set(sessionCookie(startSession(userId, request), secure));
          return redirect("/", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const { password: _p, password_confirmation: _c, _csrf: _t, ...values } = body;
          return signupPage(ctx, { inviteCode: body.invite_code || undefined, values, errors: error.fields });
        }
      },
      {
        body: t.Object({
          _csrf: csrf,
          username: t.String({ maxLength: 100 }),
          email: t.String({ maxLength: 320 }),
          password: t.String({ maxLength: 1024 }),
          password_confirmation: t.String({ maxLength: 1024 }),
          reason: t.Optional(t.String({ maxLength: 2000 })),
          invite_code: t.Optional(t.String({ maxLength: 100 })),
          agreement: t.Optional(t.String({ maxLength: 5 })),
          date_of_birth: t.Optional(t.String({ maxLength: 20 })),
        }),
      },
    );
}
