import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { CoreError } from "../core/errors.ts";
import { findViewer, type Viewer } from "../core/sessions.ts";
import { randomToken } from "../core/tokens.ts";
import type { Db } from "../db/open.ts";

export const SESSION_COOKIE = "skein_session";
const sessionInCookieHeader = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`);
const ANON_COOKIE = "skein_anon";
const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface SessionOptions {
  db: Db;
  secret: string;
  /** The instance's address: cookies get `Secure` when it is https. */
  baseUrl: URL;
}

/**
 * Who is asking (the session cookie) and the CSRF token for them. The token is an HMAC of the
 * session, or of an anonymous cookie before sign-in, so it needs no storage; every state-changing
 * request must carry it in the `_csrf` field or the `X-CSRF-Token` header (htmx sends the header).
 */
export function sessionPlugin({ db, secret, baseUrl }: SessionOptions) {
  const sign = (binding: string) => csrfToken(secret, binding);
  const secure = baseUrl.protocol === "https:";
  return new Elysia({ name: "session" }).derive({ as: "global" }, ({ cookie, request, body }) => {
    const token = cookie[SESSION_COOKIE]?.value;
    const viewer: Viewer | null = typeof token === "string" ? findViewer(db, token) : null;
    let binding = viewer ? `session:${viewer.sessionId}` : "";
    if (!binding) {
      let anon = cookie[ANON_COOKIE]?.value;
      if (typeof anon !== "string" || !/^[\w-]{32}$/.test(anon)) {
        anon = randomToken(24);
        cookie[ANON_COOKIE]?.set({ value: anon, httpOnly: true, sameSite: "lax", secure, path: "/" });
      }
      binding = `anon:${anon}`;
    }
    const csrf = sign(binding);
    if (unsafeMethods.has(request.method) && !isApiRequest(request) && !signedLink(request)) {
      const given = request.headers.get("x-csrf-token") ?? fieldOf(body, "_csrf");
      if (!given || !sameText(given, csrf)) {
        // No cookie came back at all: a browser keeps Secure cookies from a page opened over http
        // (before the proxy, or at another address), and reloading would never help.
        const cookieless = secure && !request.headers.get("cookie")?.includes(`${ANON_COOKIE}=`) && !viewer;
        throw new CsrfError(fieldOf(body, "status"), cookieless ? baseUrl.origin : undefined);
      }
    }
    return { viewer, csrf };
  });
}

/** The CSRF token for a session (`session:ID`) or an anonymous cookie (`anon:VALUE`). */
export function csrfToken(secret: string, binding: string): string {
  return new Bun.CryptoHasher("sha256", secret).update(binding).digest("base64url");
}

/**
 * Who is signed in, read from the request's cookie as the plugin reads it, with their CSRF token:
 * for pages drawn outside a route (errors). A visitor gets no token (their error page has no form).
 * The header itself: for an address no route matches, Elysia's error hook has no cookie jar filled.
 */
export function viewerOf(db: Db, secret: string, request: Request): { viewer: Viewer; csrf: string } | null {
  const token = sessionInCookieHeader.exec(request.headers.get("cookie") ?? "")?.[1];
  const viewer = token ? findViewer(db, token) : null;
  return viewer ? { viewer, csrf: csrfToken(secret, `session:${viewer.sessionId}`) } : null;
}

/** A state-changing request without a valid token; what the person typed is handed back. */
export class CsrfError extends CoreError {
  constructor(
    readonly keptText?: string,
    /** The instance's https address, when the browser sent no cookie: the page was opened elsewhere. */
    origin?: string,
  ) {
    super(
      origin
        ? `This form did not come from this site: the browser sent none of its cookies. Open ${origin} and try there (its cookies work over HTTPS only).`
        : "This form has expired or did not come from this site. Reload the page and try again.",
      403,
    );
  }
}

/** Sets the session cookie after sign-in. */
export function sessionCookie(token: string, secure: boolean) {
  return { value: token, httpOnly: true, sameSite: "lax" as const, secure, path: "/", maxAge: 30 * 24 * 3600 };
}

// The Mastodon API authenticates with bearer tokens, not cookies, so CSRF does not apply there.
// Only the two OAuth endpoints apps call are exempt, by exact path: a rule like "all of /oauth/
// but the consent form" let `/oauth/authorize/` (the router ignores a trailing slash) through.
const apiOAuthPaths = new Set(["/oauth/token", "/oauth/revoke"]);

/** Calls authenticated by a bearer token, never by the cookie. The consent form is a page: it needs the token. */
function isApiRequest(request: Request): boolean {
  const path = new URL(request.url).pathname;
  return path.startsWith("/api/") || apiOAuthPaths.has(path);
}

/**
 * An e-mail's unsubscribe link: the signed token in it is the authority, and mail programs'
 * one-click unsubscribe (RFC 8058) posts to it without any token of ours.
 */
const signedLink = (request: Request) => new URL(request.url).pathname === "/unsubscribe";

function fieldOf(body: unknown, name: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
