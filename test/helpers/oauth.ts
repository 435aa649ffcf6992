import type { WebClient } from "./client.ts";

export interface RegisteredApp {
  client_id: string;
  client_secret: string;
}

const s256 = (verifier: string) => Buffer.from(new Bun.CryptoHasher("sha256").update(verifier).digest()).toString("base64url");

/**
 * Registers an app and goes through the OAuth code flow with PKCE as a member would: the
 * authorize page (logged in through `browser`), the consent form, then the token exchange.
 */
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
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const params = {
    client_id: app.client_id,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: scopes,
    state: "s1",
    code_challenge: s256(verifier),
    code_challenge_method: "S256",
  };
  const consent = await browser.get(`/oauth/authorize?${new URLSearchParams(params)}`);
  if (consent.status !== 200) throw new Error(`authorize page: ${consent.status} ${await consent.text()}`);
  const answer = await browser.post("/oauth/authorize", { ...params, decision: "approve" });
  const location = new URL(answer.headers.get("location") ?? "", origin);
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code: ${answer.status} ${location.href}`);
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
