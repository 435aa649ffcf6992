import type { WebClient } from "./client.ts";

export interface RegisteredApp {
  client_id: string;
  client_secret: string;
}

const s256 = (verifier: string) => Buffer.from(new Bun.CryptoHasher("sha256").update(verifier).digest()).toString("base64url");

/**
 * The member's side of the OAuth code flow with PKCE, through the real pages: the authorize page
 * (logged in through `browser`) and the consent form. Returns the code and the PKCE verifier.
 */
export async function authorizeCode(
  browser: WebClient,
  origin: string,
  clientId: string,
  options: { scopes?: string; redirectUri?: string } = {},
): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const redirectUri = options.redirectUri ?? "https://app.example/callback";
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const params = {
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: options.scopes ?? "read write follow",
    state: "s1",
    code_challenge: s256(verifier),
    code_challenge_method: "S256",
  };
  const consent = await browser.get(`/oauth/authorize?${new URLSearchParams(params)}`);
  if (consent.status !== 200) throw new Error(`authorize page: ${consent.status} ${await consent.text()}`);
  const answer = await browser.post("/oauth/authorize", { ...params, decision: "approve" });
  const location = new URL(answer.headers.get("location") ?? "", origin);
  const code = location.searchParams.get("code");
  if (!code || location.searchParams.get("state") !== "s1") throw new Error(`no code: ${answer.status} ${location.href}`);
  return { code, verifier, redirectUri };
}

/** Registers an app and authorizes it for the member; returns the app and an access token. */
export async function authorizeApp(
  send: (request: Request) => Promise<Response>,
  origin: string,
  browser: WebClient,
  options: { scopes?: string; redirectUri?: string } = {},
): Promise<{ app: RegisteredApp; token: string }> {
  const redirectUri = options.redirectUri ?? "https://app.example/callback";
  const scopes = options.scopes ?? "read write follow";
  const app = (await (
    await send(
      new Request(`${origin}/api/v1/apps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "Test App", redirect_uris: redirectUri, scopes, website: "https://app.example" }),
      }),
    )
  ).json()) as RegisteredApp;
  const { code, verifier } = await authorizeCode(browser, origin, app.client_id, { scopes, redirectUri });
  const tokenResponse = await send(
    new Request(`${origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: app.client_id,
        client_secret: app.client_secret,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    }),
  );
  const token = (await tokenResponse.json()) as { access_token?: string };
  if (!token.access_token) throw new Error(`no token: ${JSON.stringify(token)}`);
  return { app, token: token.access_token };
}
