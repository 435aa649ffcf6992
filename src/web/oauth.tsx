/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { ConsentPage, OAuthErrorPage, OobCodePage } from "../../views/oauth.tsx";
import { type AuthorizationRequest, checkAuthorization, issueCode, OAuthError, OOB_REDIRECT } from "../core/oauth.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";
import { policyWithFormTarget } from "./security.ts";

const request = t.Object({
  client_id: t.String({ maxLength: 200 }),
  redirect_uri: t.String({ maxLength: 2000 }),
  response_type: t.String({ maxLength: 20 }),
  scope: t.Optional(t.String({ maxLength: 1000 })),
  state: t.Optional(t.String({ maxLength: 2000 })),
  code_challenge: t.Optional(t.String({ maxLength: 200 })),
  code_challenge_method: t.Optional(t.String({ maxLength: 10 })),
  // Mastodon's own parameters, accepted and ignored.
  force_login: t.Optional(t.String({ maxLength: 10 })),
  lang: t.Optional(t.String({ maxLength: 20 })),
});

type RequestParams = typeof request.static;

const check = (deps: WebDeps, q: RequestParams) =>
  checkAuthorization(deps.db, {
    clientId: q.client_id,
    redirectUri: q.redirect_uri,
    responseType: q.response_type,
    scope: q.scope,
    state: q.state,
    codeChallenge: q.code_challenge,
    codeChallengeMethod: q.code_challenge_method,
  });

/** Where the app is sent back to, with the code or the refusal (and its state). */
function backToApp(auth: AuthorizationRequest, params: Record<string, string>): string {
  const url = new URL(auth.redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (auth.state !== undefined) url.searchParams.set("state", auth.state);
  return url.href;
}

/**
 * GET /oauth/authorize: after logging in (if needed), the member sees what the app asks for;
 * POST: their answer. A request that names an unknown app or an unregistered redirect URI is
 * never sent back to that URI (it could be anyone's): it gets a page saying why.
 */
export function oauthRoutes(deps: WebDeps, page: PagePlugin) {
  return new Elysia({ name: "oauth-authorize" })
    .use(page)
    .get(
      "/oauth/authorize",
      ({ query, viewer, ctx, redirect, request: req, set }) => {
        let auth: AuthorizationRequest;
        try {
          auth = check(deps, query);
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          set.status = 400;
          return <OAuthErrorPage ctx={ctx} message={error.description} />;
        }
        if (!viewer) return redirect(loginFirst(new URL(req.url).pathname + new URL(req.url).search), 303);
        if (auth.redirectUri !== OOB_REDIRECT) set.headers["content-security-policy"] = policyWithFormTarget(auth.redirectUri);
        const hidden = Object.fromEntries(Object.entries(query).filter(([, v]) => typeof v === "string")) as Record<
          string,
          string
        >;
        return <ConsentPage ctx={ctx} appName={auth.app.name} website={auth.app.website} scopes={auth.scopes} hidden={hidden} />;
      },
      { query: request },
    )
    .post(
      "/oauth/authorize",
      ({ body, viewer, ctx, redirect, set }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        let auth: AuthorizationRequest;
        try {
          auth = check(deps, body);
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          set.status = 400;
          return <OAuthErrorPage ctx={ctx} message={error.description} />;
        }
        if (body.decision !== "approve") {
          if (auth.redirectUri === OOB_REDIRECT) return redirect("/", 303);
          return redirect(backToApp(auth, { error: "access_denied", error_description: "The member refused." }), 303);
        }
        const code = issueCode(deps.db, viewer.user.id, auth);
        if (auth.redirectUri === OOB_REDIRECT) return <OobCodePage ctx={ctx} appName={auth.app.name} code={code} />;
        return redirect(backToApp(auth, { code }), 303);
      },
      { body: t.Composite([request, t.Object({ _csrf: t.Optional(t.String()), decision: t.UnionEnum(["approve", "deny"]) })]) },
    );
}
