/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { LoginPage, SignupPage, SignupPendingPage } from "../../views/auth.tsx";
import { clientAddress } from "../client-address.ts";
import { verifyLogin } from "../core/auth.ts";
import { ValidationError } from "../core/errors.ts";
import { getSettings } from "../core/instance.ts";
import { signUp } from "../core/registrations.ts";
import { createSession, revokeSession } from "../core/sessions.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { safeNext } from "./redirects.ts";
import { SESSION_COOKIE, sessionCookie } from "./session.ts";

const csrf = t.Optional(t.String());

export function authRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const secure = deps.baseUrl.protocol === "https:";
  return new Elysia({ name: "auth" })
    .use(page)
    .get("/login", ({ ctx, query, redirect }) => (ctx.viewer ? redirect("/", 303) : <LoginPage ctx={ctx} next={query.next} />), {
      query: t.Object({ next: t.Optional(t.String({ maxLength: 500 })) }),
    })
    .post(
      "/login",
      async ({ body, ctx, cookie, set, request, redirect }) => {
        try {
          const userId = await verifyLogin(db, deps.limits.login, body.username, body.password, clientAddress(request));
          const token = createSession(db, userId, {
            ip: clientAddress(request),
            userAgent: request.headers.get("user-agent") ?? undefined,
          });
          cookie[SESSION_COOKIE]?.set(sessionCookie(token, secure));
          return redirect(safeNext(body.next), 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <LoginPage ctx={ctx} username={body.username} errors={error.fields} next={body.next} />;
        }
      },
      {
        body: t.Object({
          _csrf: csrf,
          username: t.String({ maxLength: 320 }),
          password: t.String({ maxLength: 1024 }),
          next: t.Optional(t.String({ maxLength: 500 })),
        }),
      },
    )
    .post("/logout", ({ cookie, redirect, viewer }) => {
      if (viewer) revokeSession(db, viewer.user.id, viewer.sessionId);
      cookie[SESSION_COOKIE]?.remove();
      return redirect("/", 303);
    })
    .get(
      "/signup",
      ({ ctx, query, redirect }) => {
        if (ctx.viewer) return redirect("/", 303);
        const mode = getSettings(db).registrationMode;
        return <SignupPage ctx={ctx} mode={mode} inviteCode={query.invite} handleDomain={deps.baseUrl.host} />;
      },
      { query: t.Object({ invite: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .get("/invite/:code", ({ params, redirect }) => redirect(`/signup?invite=${encodeURIComponent(params.code)}`, 303))
    .post(
      "/signup",
      async ({ body, ctx, cookie, set, request, redirect }) => {
        const mode = getSettings(db).registrationMode;
        const ip = clientAddress(request);
        try {
          const { userId, pending } = await signUp(deps, deps.limits.signup, {
            username: body.username,
            email: body.email,
            password: body.password,
            confirmation: body.password_confirmation,
            reason: body.reason,
            inviteCode: body.invite_code || undefined,
            ip,
          });
          if (pending) return <SignupPendingPage ctx={ctx} />;
          const token = createSession(db, userId, { ip, userAgent: request.headers.get("user-agent") ?? undefined });
          cookie[SESSION_COOKIE]?.set(sessionCookie(token, secure));
          return redirect("/", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const { password: _p, password_confirmation: _c, _csrf: _t, ...values } = body;
          return (
            <SignupPage
              ctx={ctx}
              mode={mode}
              inviteCode={body.invite_code || undefined}
              values={values}
              errors={error.fields}
              handleDomain={deps.baseUrl.host}
            />
          );
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
        }),
      },
    );
}
