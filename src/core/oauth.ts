import { joined } from "./accounts.ts";
import { and, desc, eq, isNull } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, oauthApps, oauthCodes, oauthTokens, pushSubscriptions, users } from "../db/schema.ts";
import { randomToken, sha256Hex } from "./tokens.ts";

/**
 * OAuth 2 for Mastodon clients: apps register, a member authorizes an app for some scopes
 * (authorization code, PKCE S256), and the app gets a token; or an app gets a token of its own
 * (client credentials). Secrets, codes and tokens are random and stored only as hashes.
 */

export const OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob";
const CODE_TTL_MS = 10 * 60_000;

const readScopes = [
  "accounts",
  "blocks",
  "bookmarks",
  "favourites",
  "filters",
  "follows",
  "lists",
  "mutes",
  "notifications",
  "search",
  "statuses",
];
const writeScopes = [
  "accounts",
  "blocks",
  "bookmarks",
  "conversations",
  "favourites",
  "filters",
  "follows",
  "lists",
  "media",
  "mutes",
  "notifications",
  "reports",
  "statuses",
];
/**
 * Mastodon's moderation API scopes (`admin:read` covers `admin:read:accounts`, and so on). Only
 * staff can use them: a token holding them acts with its member's role, no more.
 */
const adminScopes = [
  "accounts",
  "reports",
  "domain_allows",
  "domain_blocks",
  "ip_blocks",
  "email_domain_blocks",
  "canonical_email_blocks",
];
/** The legacy `follow` scope stands for these. */
const followScopes = ["read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"];

export const knownScopes = new Set([
  "read",
  "write",
  "follow",
  "push",
  "profile",
  ...readScopes.map((s) => `read:${s}`),
  ...writeScopes.map((s) => `write:${s}`),
  "admin:read",
  "admin:write",
  ...adminScopes.flatMap((s) => [`admin:read:${s}`, `admin:write:${s}`]),
]);

/** An OAuth error, named as RFC 6749 names them, with the HTTP status it is answered with. */
export class OAuthError extends Error {
  constructor(
    readonly code:
      | "invalid_request"
      | "invalid_client"
      | "invalid_grant"
      | "unauthorized_client"
      | "unsupported_grant_type"
      | "invalid_scope"
      | "access_denied",
    readonly description: string,
    readonly status: 400 | 401 | 403 = 400,
  ) {
    super(description);
  }
}

/** Splits a scope string ("read write:media", or with `+` or commas as some clients send them). */
export function parseScopes(text: string | undefined, fallback = "read"): string[] {
  const scopes = [...new Set((text?.trim() || fallback).split(/[\s+,]+/).filter(Boolean))];
  const unknown = scopes.filter((s) => !knownScopes.has(s));
  if (unknown.length > 0) throw new OAuthError("invalid_scope", `Unknown scope: ${unknown.join(", ")}.`);
  return scopes;
}

/**
 * Whether granted scopes allow what a call needs: a scope covers those below it (`read` covers
 * `read:statuses`, `admin:read` covers `admin:read:reports`), and `follow` its old set.
 */
export function covers(granted: readonly string[], needed: string): boolean {
  const parts = needed.split(":");
  for (let n = parts.length; n > 0; n--) {
    const scope = parts.slice(0, n).join(":");
    // "admin" alone is no scope: `admin:read` does not cover `admin:write:…`.
    if (scope !== "admin" && granted.includes(scope)) return true;
  }
  return granted.includes("follow") && followScopes.includes(needed);
}

/** A redirect URI an app may register: absolute, and never a script or data URL. */
function validRedirect(uri: string): boolean {
  if (uri === OOB_REDIRECT) return true;
  try {
    const url = new URL(uri);
    return !["javascript:", "data:", "vbscript:", "file:", "blob:"].includes(url.protocol) && !url.hash;
  } catch {
    return false;
  }
}

export type OAuthApp = typeof oauthApps.$inferSelect;

export function registerApp(
  db: Db,
  input: { name: string; redirectUris: string[]; scopes?: string; website?: string | null },
): { app: OAuthApp; clientSecret: string } {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new OAuthError("invalid_request", "client_name must be 1 to 200 characters.");
  const redirectUris = [...new Set(input.redirectUris.map((u) => u.trim()).filter(Boolean))];
  if (redirectUris.length === 0) redirectUris.push(OOB_REDIRECT);
  if (redirectUris.length > 10 || !redirectUris.every((u) => u.length <= 2000 && validRedirect(u)))
    throw new OAuthError("invalid_request", "redirect_uris must be absolute URIs (at most 10), or urn:ietf:wg:oauth:2.0:oob.");
  const website = input.website?.trim() || null;
  if (website && !/^https?:\/\//.test(website)) throw new OAuthError("invalid_request", "website must be an http(s) URL.");
  const scopes = parseScopes(input.scopes).join(" ");
  const clientSecret = randomToken();
  const app = db
    .insert(oauthApps)
    .values({
      id: newId(),
      clientId: randomToken(),
      clientSecretHash: sha256Hex(clientSecret),
      name,
      website,
      redirectUris,
      scopes,
    })
    .returning()
    .get();
  return { app, clientSecret };
}

export function findApp(db: Db, clientId: string): OAuthApp | undefined {
  return db.select().from(oauthApps).where(eq(oauthApps.clientId, clientId)).get();
}

/** The app a client authenticates as; the secret is checked when given (PKCE clients may omit it). */
function authenticateClient(db: Db, clientId: string, clientSecret: string | undefined, secretRequired: boolean): OAuthApp {
  const app = findApp(db, clientId);
  // Comparing SHA-256 hashes with === is not a timing oracle worth having: what leaks is how much
  // of the hash matches, which says nothing usable about the secret itself.
  const secretOk = clientSecret !== undefined && app !== undefined && sha256Hex(clientSecret) === app.clientSecretHash;
  if (!app || (clientSecret !== undefined && !secretOk) || (secretRequired && !secretOk))
    throw new OAuthError("invalid_client", "Client authentication failed.", 401);
  return app;
}

export interface AuthorizationRequest {
  app: OAuthApp;
  redirectUri: string;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
}

/** Checks what /oauth/authorize was asked before the consent page is shown. */
export function checkAuthorization(
  db: Db,
  input: {
    clientId: string;
    redirectUri: string;
    responseType: string;
    scope?: string;
    state?: string;
    codeChallenge?: string;
    codeChallengeMethod?: string;
  },
): AuthorizationRequest {
  const app = findApp(db, input.clientId);
  if (!app) throw new OAuthError("invalid_client", "This app is not registered here.", 401);
  if (!app.redirectUris.includes(input.redirectUri))
    throw new OAuthError("invalid_request", "This redirect URI is not registered for the app.");
  if (input.responseType !== "code") throw new OAuthError("invalid_request", "Only response_type=code is supported.");
  const scopes = parseScopes(input.scope, app.scopes);
  const allowed = app.scopes.split(" ");
  if (!scopes.every((s) => covers(allowed, s))) throw new OAuthError("invalid_scope", "The app did not register these scopes.");
  if (input.codeChallenge !== undefined) {
    if ((input.codeChallengeMethod ?? "plain") !== "S256")
      throw new OAuthError("invalid_request", "Only code_challenge_method=S256 is supported.");
    if (!/^[A-Za-z0-9_-]{43,128}$/.test(input.codeChallenge))
      throw new OAuthError("invalid_request", "Malformed code_challenge.");
  }
  return { app, redirectUri: input.redirectUri, scopes, state: input.state, codeChallenge: input.codeChallenge };
}

/** The member agreed: a single-use code for the app to exchange. */
export function issueCode(db: Db, userId: string, request: AuthorizationRequest): string {
  const code = randomToken();
  db.insert(oauthCodes)
    .values({
      codeHash: sha256Hex(code),
      appId: request.app.id,
      userId,
      redirectUri: request.redirectUri,
      scopes: request.scopes.join(" "),
      codeChallenge: request.codeChallenge ?? null,
      expiresAt: new Date(Date.now() + CODE_TTL_MS),
    })
    .run();
  return code;
}

const s256 = (verifier: string) => Buffer.from(new Bun.CryptoHasher("sha256").update(verifier).digest()).toString("base64url");

export interface IssuedToken {
  token: string;
  scopes: string[];
  createdAt: Date;
}

/** A new token (also for a member who just signed up from an app: Mastodon's POST /api/v1/accounts). */
export function issueToken(db: DbOrTx, appId: string, userId: string | null, scopes: string[]): IssuedToken {
  const token = randomToken();
  const row = db
    .insert(oauthTokens)
    .values({ id: newId(), tokenHash: sha256Hex(token), appId, userId, scopes: scopes.join(" ") })
    .returning()
    .get();
  return { token, scopes, createdAt: row.createdAt };
}

/** POST /oauth/token: trades a code (grant authorization_code) or the app's credentials for a token. */
export function exchangeToken(
  db: Db,
  input: {
    grantType: string;
    clientId: string;
    clientSecret?: string;
    code?: string;
    redirectUri?: string;
    codeVerifier?: string;
    scope?: string;
  },
): IssuedToken {
  if (input.grantType === "client_credentials") {
    const app = authenticateClient(db, input.clientId, input.clientSecret, true);
    const scopes = parseScopes(input.scope, app.scopes);
    if (!scopes.every((s) => covers(app.scopes.split(" "), s)))
      throw new OAuthError("invalid_scope", "The app did not register these scopes.");
    return issueToken(db, app.id, null, scopes);
  }
  if (input.grantType !== "authorization_code")
    throw new OAuthError("unsupported_grant_type", "Use authorization_code or client_credentials.");
  // A wrong secret is refused here; a missing one only once we know whether the code has PKCE.
  const app = authenticateClient(db, input.clientId, input.clientSecret, false);
  if (!input.code) throw new OAuthError("invalid_request", "code is missing.");
  const row = db
    .select()
    .from(oauthCodes)
    .where(eq(oauthCodes.codeHash, sha256Hex(input.code)))
    .get();
  const invalid = (why: string) => new OAuthError("invalid_grant", why);
  if (!row || row.appId !== app.id) throw invalid("The code is not valid.");
  // A code issued without a PKCE challenge is exchanged only with the client secret: sending any
  // code_verifier must not stand in for it (whoever intercepts such a code could redeem it).
  if (!row.codeChallenge && input.clientSecret === undefined)
    throw new OAuthError("invalid_client", "Client authentication failed.", 401);
  if (row.usedAt) {
    // A code used twice may have been stolen: the tokens it gave are revoked too (RFC 6749 4.1.2).
    db.update(oauthTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(oauthTokens.appId, app.id), eq(oauthTokens.userId, row.userId), isNull(oauthTokens.revokedAt)))
      .run();
    throw invalid("The code was already used.");
  }
  if (row.expiresAt.getTime() < Date.now()) throw invalid("The code has expired.");
  if (input.redirectUri !== row.redirectUri) throw invalid("The redirect URI differs from the one authorized.");
  if (row.codeChallenge && (!input.codeVerifier || s256(input.codeVerifier) !== row.codeChallenge))
    throw invalid("The PKCE code verifier does not match.");
  return db.transaction((tx) => {
    // Marked used in the same transaction as the token is made: two racing exchanges get one token.
    const claimed = tx
      .update(oauthCodes)
      .set({ usedAt: new Date() })
      .where(and(eq(oauthCodes.codeHash, row.codeHash), isNull(oauthCodes.usedAt)))
      .returning({ hash: oauthCodes.codeHash })
      .all();
    if (claimed.length === 0) throw invalid("The code was already used.");
    return issueToken(tx, app.id, row.userId, row.scopes.split(" "));
  });
}

/** POST /oauth/revoke: the app gives up a token (unknown tokens are not an error, per RFC 7009). */
export function revokeToken(db: Db, input: { clientId: string; clientSecret?: string; token: string }): void {
  const app = authenticateClient(db, input.clientId, input.clientSecret, false);
  db.update(oauthTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(oauthTokens.tokenHash, sha256Hex(input.token)), eq(oauthTokens.appId, app.id)))
    .run();
}

export interface TokenOwner {
  tokenId: string;
  app: OAuthApp;
  scopes: string[];
  /** The member the token acts for; null for an app's own token (client credentials). */
  user: typeof users.$inferSelect | null;
  account: typeof accounts.$inferSelect | null;
}

/** The unrevoked token behind a bearer string, with its app and member (whatever the member's state). */
function liveToken(db: Db, bearer: string) {
  return db
    .select({ token: oauthTokens, app: oauthApps, user: users, account: accounts })
    .from(oauthTokens)
    .innerJoin(oauthApps, eq(oauthApps.id, oauthTokens.appId))
    .leftJoin(users, eq(users.id, oauthTokens.userId))
    .leftJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(oauthTokens.tokenHash, sha256Hex(bearer)), isNull(oauthTokens.revokedAt)))
    .get();
}

/**
 * The live token behind a bearer string. Revoked tokens, and tokens of members who are disabled,
 * suspended or not yet approved, have none.
 */
export function findToken(db: Db, bearer: string): TokenOwner | undefined {
  const row = liveToken(db, bearer);
  if (!row) return undefined;
  const { user, account } = row;
  if (row.token.userId && (!user || !account || user.disabledAt || !joined(user) || account.suspendedAt)) return undefined;
  const now = new Date();
  // Written at most once a minute: a busy client must not turn every read into a write.
  // Only bookkeeping: on a full disk or a read-only data folder the API's reads must go on.
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > 60_000) {
    try {
      db.transaction((tx) => {
        tx.update(oauthTokens).set({ lastUsedAt: now }).where(eq(oauthTokens.id, row.token.id)).run();
        // NodeInfo's active users count from here, for app users as for the web's.
        if (user) tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id)).run();
      });
    } catch {
      // Tried again at the next request.
    }
  }
  return { tokenId: row.token.id, app: row.app, scopes: row.token.scopes.split(" "), user, account };
}

/**
 * A live token whose member's sign-up is not complete yet: whose it is, and why it cannot act
 * (Mastodon's words, which apps show while they wait for the e-mail to be confirmed).
 */
export function waitingToken(
  db: Db,
  bearer: string,
): { userId: string; scopes: string[]; confirmed: boolean; why: string } | undefined {
  const row = liveToken(db, bearer);
  const { user, account } = row ?? {};
  if (!row || !user || !account || user.disabledAt || account.suspendedAt || joined(user)) return undefined;
  const confirmed = user.emailConfirmedAt !== null;
  const why = confirmed ? "Your login is currently pending approval" : "Your login is missing a confirmed e-mail address";
  return { userId: user.id, scopes: row.token.scopes.split(" "), confirmed, why };
}

/**
 * The apps a member has authorized (live tokens, one entry per app), for the settings page,
 * with whether any of its tokens has a Web Push subscription.
 */
export function authorizedApps(db: Db, userId: string) {
  const rows = db
    .select({
      app: oauthApps,
      scopes: oauthTokens.scopes,
      createdAt: oauthTokens.createdAt,
      lastUsedAt: oauthTokens.lastUsedAt,
      push: pushSubscriptions.id,
    })
    .from(oauthTokens)
    .innerJoin(oauthApps, eq(oauthApps.id, oauthTokens.appId))
    .leftJoin(pushSubscriptions, eq(pushSubscriptions.tokenId, oauthTokens.id))
    .where(and(eq(oauthTokens.userId, userId), isNull(oauthTokens.revokedAt)))
    .orderBy(desc(oauthTokens.createdAt))
    .all();
  const byApp = new Map<string, Omit<(typeof rows)[number], "push"> & { pushes: boolean }>();
  for (const { push, ...row } of rows) {
    const seen = byApp.get(row.app.id);
    if (seen) seen.pushes ||= push !== null;
    else byApp.set(row.app.id, { ...row, pushes: push !== null });
  }
  return [...byApp.values()];
}

/** Every app token a member holds ends (a password reset). */
export function revokeUserTokens(db: DbOrTx, userId: string): void {
  db.update(oauthTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(oauthTokens.userId, userId), isNull(oauthTokens.revokedAt)))
    .run();
}

/** A member revokes every token an app holds for them. */
export function revokeAppForUser(db: Db, userId: string, appId: string): void {
  db.update(oauthTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(oauthTokens.userId, userId), eq(oauthTokens.appId, appId), isNull(oauthTokens.revokedAt)))
    .run();
}
