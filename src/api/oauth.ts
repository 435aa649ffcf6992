import { Elysia, t } from "elysia";
import {
  exchangeToken,
  type IssuedToken,
  knownScopes,
  OAuthError,
  type OAuthApp,
  OOB_REDIRECT,
  registerApp,
  revokeToken,
} from "../core/oauth.ts";
import { vapidKeys } from "../core/push.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { list } from "./params.ts";

/** The Application entity; the secret only when the app is registered. */
function appEntity(app: OAuthApp, vapidKey: string, clientSecret?: string) {
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes.split(" "),
    redirect_uri: app.redirectUris.join("\n"),
    redirect_uris: app.redirectUris,
    vapid_key: vapidKey,
    ...(clientSecret ? { client_id: app.clientId, client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
  };
}

/** RFC 6749 error bodies, as clients expect them from the token endpoints. */
function oauthFailure(error: unknown, set: { status?: number | string }) {
  if (!(error instanceof OAuthError)) throw error;
  set.status = error.status;
  return { error: error.code, error_description: error.description };
}

/** Client credentials may come in the body or as HTTP Basic authentication (RFC 6749 2.3.1). */
function basicCredentials(header: string | undefined): { id?: string; secret?: string } {
  const encoded = /^Basic\s+(\S+)$/i.exec(header ?? "")?.[1];
  if (!encoded) return {};
  const [id, secret] = Buffer.from(encoded, "base64").toString().split(":");
  return { id: id ? decodeURIComponent(id) : undefined, secret: secret ? decodeURIComponent(secret) : undefined };
}

const tokenParams = t.Object({
  grant_type: t.Optional(t.String({ maxLength: 50 })),
  client_id: t.Optional(t.String({ maxLength: 200 })),
  client_secret: t.Optional(t.String({ maxLength: 200 })),
  code: t.Optional(t.String({ maxLength: 200 })),
  redirect_uri: t.Optional(t.String({ maxLength: 2000 })),
  code_verifier: t.Optional(t.String({ maxLength: 200 })),
  scope: t.Optional(t.String({ maxLength: 1000 })),
  token: t.Optional(t.String({ maxLength: 200 })),
});

/** App registration, the token and revocation endpoints, and the server metadata (RFC 8414). */
/** Mastodon's Token entity (OAuth 2's token response). */
export const tokenEntity = (issued: IssuedToken) => ({
  access_token: issued.token,
  token_type: "Bearer",
  scope: issued.scopes.join(" "),
  created_at: Math.floor(issued.createdAt.getTime() / 1000),
});

export function oauthApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "api-oauth" })
    .use(api)
    .post(
      "/api/v1/apps",
      ({ body, set }) => {
        try {
          const uris = list(body, "redirect_uris").flatMap((u) => u.split(/\s+/));
          const { app, clientSecret } = registerApp(db, {
            name: body.client_name,
            redirectUris: uris,
            scopes: body.scopes,
            website: body.website,
          });
          return appEntity(app, vapidKeys(deps.db).publicKey, clientSecret);
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          set.status = 422;
          return { error: error.description };
        }
      },
      {
        body: t.Object({
          client_name: t.String({ maxLength: 200 }),
          redirect_uris: t.Optional(
            t.Union([t.String({ maxLength: 20_000 }), t.Array(t.String({ maxLength: 2000 }), { maxItems: 10 })]),
          ),
          "redirect_uris[]": t.Optional(
            t.Union([t.String({ maxLength: 2000 }), t.Array(t.String({ maxLength: 2000 }), { maxItems: 10 })]),
          ),
          scopes: t.Optional(t.String({ maxLength: 1000 })),
          website: t.Optional(t.String({ maxLength: 2000 })),
        }),
      },
    )
    .get("/api/v1/apps/verify_credentials", ({ authorized }) => {
      const { app } = authorized("read");
      return appEntity(app, vapidKeys(deps.db).publicKey);
    })
    .post(
      "/oauth/token",
      ({ body, query, headers, set }) => {
        const p = { ...query, ...body };
        const basic = basicCredentials(headers.authorization);
        set.headers["cache-control"] = "no-store";
        try {
          const clientId = p.client_id ?? basic.id;
          if (!clientId) throw new OAuthError("invalid_client", "client_id is missing.", 401);
          const issued = exchangeToken(db, {
            grantType: p.grant_type ?? "",
            clientId,
            clientSecret: p.client_secret ?? basic.secret,
            code: p.code,
            redirectUri: p.redirect_uri,
            codeVerifier: p.code_verifier,
            scope: p.scope,
          });
          return tokenEntity(issued);
        } catch (error) {
          return oauthFailure(error, set);
        }
      },
      { body: t.Optional(tokenParams), query: tokenParams },
    )
    .post(
      "/oauth/revoke",
      ({ body, headers, set }) => {
        const basic = basicCredentials(headers.authorization);
        try {
          const clientId = body.client_id ?? basic.id;
          if (!clientId || !body.token) throw new OAuthError("invalid_request", "client_id and token are required.");
          revokeToken(db, { clientId, clientSecret: body.client_secret ?? basic.secret, token: body.token });
          return {};
        } catch (error) {
          return oauthFailure(error, set);
        }
      },
      { body: tokenParams },
    )
    .get("/.well-known/oauth-authorization-server", () => ({
      issuer: baseUrl.href,
      service_documentation: "https://docs.joinmastodon.org/",
      authorization_endpoint: new URL("/oauth/authorize", baseUrl).href,
      token_endpoint: new URL("/oauth/token", baseUrl).href,
      revocation_endpoint: new URL("/oauth/revoke", baseUrl).href,
      app_registration_endpoint: new URL("/api/v1/apps", baseUrl).href,
      scopes_supported: [...knownScopes],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      code_challenge_methods_supported: ["S256"],
      oob_redirect_uri: OOB_REDIRECT,
    }));
}
