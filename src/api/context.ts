import { Elysia } from "elysia";
import { clientIp } from "../client-ip.ts";
import type { CoreDeps } from "../core/deps.ts";
import { CoreError } from "../core/errors.ts";
import type { Mailer } from "../core/mail.ts";
import type { Translation } from "../core/translations.ts";
import { covers, findToken, type TokenOwner, waitingToken } from "../core/oauth.ts";
import type { SignupLinkLimits } from "../core/registrations.ts";
import type { RateLimiter } from "../core/rate-limit.ts";
import type { Resolver } from "../core/resolver.ts";
import type { MediaStore } from "../media/store.ts";

export interface ApiDeps extends CoreDeps {
  resolver: Resolver;
  media: MediaStore;
  /** Requests per token (or per address without one) in a sliding window. */
  apiLimiter: RateLimiter;
  /** Sign-ups per address, and the links a sign-up may have mailed (shared with the web pages). */
  limits: SignupLinkLimits & { signup: RateLimiter };
  /** Sends e-mail, when an SMTP server is configured. */
  mailer?: Mailer;
  /** Translates posts, when a translation service is configured. */
  translation?: Translation;
}

/** The member a token acts for, with the row shapes core functions take. */
export type ApiMember = TokenOwner & {
  user: NonNullable<TokenOwner["user"]>;
  account: NonNullable<TokenOwner["account"]>;
};

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Idempotency-Key",
  "access-control-expose-headers": "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset",
  "access-control-max-age": "86400",
};

const isApiPath = (path: string) =>
  path.startsWith("/api/") || path === "/oauth/token" || path === "/oauth/revoke" || path.startsWith("/.well-known/oauth");

/**
 * What every Mastodon API route gets: the bearer token (from the Authorization header or an
 * `access_token` parameter, never from the web session's cookie), checks of the scope a call
 * needs, CORS for browser clients, and rate limits reported in X-RateLimit-* headers.
 */
export function apiPlugin(deps: ApiDeps) {
  return new Elysia({ name: "api-context" })
    .onRequest(({ request, set }) => {
      if (!isApiPath(new URL(request.url).pathname)) return;
      Object.assign(set.headers, CORS);
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
    })
    .derive({ as: "scoped" }, ({ headers, query, request, set }) => {
      const bearer =
        /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1] ?? (query as { access_token?: string }).access_token;
      const token = bearer ? findToken(deps.db, bearer) : undefined;
      limitRate(deps.apiLimiter, token?.tokenId ?? `ip:${clientIp(request)}`, set.headers);
      /** The token, which must allow `scope`: 401 without a valid token, 403 outside its scopes. */
      const authorized = (scope: string): TokenOwner => {
        if (!bearer || !token) throw new CoreError("The access token is invalid", 401);
        if (!covers(token.scopes, scope)) throw new CoreError("This action is outside the authorized scopes", 403);
        return token;
      };
      return {
        token,
        /** The token as the client sent it (a Web Push payload carries it back to the app). */
        bearer,
        authorized,
        /**
         * A call that acts as a member: the token must belong to one, whose sign-up is complete
         * (while it waits for the e-mail or a moderator: 403 with Mastodon's words, which apps show).
         */
        member(scope: string): ApiMember {
          const waiting = bearer && !token ? waitingToken(deps.db, bearer) : undefined;
          if (waiting) throw new CoreError(waiting.why, 403);
          const owner = authorized(scope);
          if (!owner.user || !owner.account) throw new CoreError("This method requires an authenticated user", 422);
          return owner as ApiMember;
        },
        /** The member of a token whose sign-up still waits (the e-mail confirmation calls), else 403 or 401. */
        waitingMember(scope: string): { userId: string; confirmed: boolean } {
          if (token?.user) throw new CoreError("This method is only available while the e-mail is awaiting confirmation", 403);
          const waiting = bearer ? waitingToken(deps.db, bearer) : undefined;
          if (!waiting) throw new CoreError("The access token is invalid", 401);
          if (!covers(waiting.scopes, scope)) throw new CoreError("This action is outside the authorized scopes", 403);
          return waiting;
        },
        /** The member, if the request carries a valid token for one (public reads work without). */
        viewerId: token?.account?.id ?? null,
      };
    });
}

export type ApiPlugin = ReturnType<typeof apiPlugin>;

/** Counts the request; over the limit, a 429 with the time the window frees up. */
function limitRate(limiter: RateLimiter, key: string, headers: Record<string, string | number>) {
  const now = Date.now();
  const wait = limiter.retryAfter(key, now);
  const reset = new Date(now + (wait || limiter.windowMs)).toISOString();
  headers["x-ratelimit-limit"] = String(limiter.limit);
  headers["x-ratelimit-reset"] = reset;
  if (wait > 0) {
    headers["x-ratelimit-remaining"] = "0";
    headers["retry-after"] = String(Math.ceil(wait / 1000));
    throw new CoreError("Too many requests", 429);
  }
  limiter.hit(key, now);
  headers["x-ratelimit-remaining"] = String(Math.max(0, limiter.limit - limiter.count(key, now)));
}
