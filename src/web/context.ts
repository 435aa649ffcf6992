import { Elysia } from "elysia";
import type { PageContext } from "../../views/context.ts";
import type { CoreDeps } from "../core/deps.ts";
import { localEmojiViews } from "../core/custom-emojis.ts";
import { getSettings } from "../core/instance.ts";
import { staffQueue } from "../core/overview.ts";
import { ownerExists } from "../core/accounts.ts";
import { countUnread } from "../core/notifications.ts";
import { unreadConversations } from "../core/conversations.ts";
import type { LiveHub } from "../core/live.ts";
import type { Mailer } from "../core/mail.ts";
import { readerLanguage, type Translation } from "../core/translations.ts";
import type { RateLimiter } from "../core/rate-limit.ts";
import type { Resolver } from "../core/resolver.ts";
import type { RemoteMediaCache } from "../media/remote-cache.ts";
import type { MediaStore } from "../media/store.ts";
import { sessionPlugin, viewerOf } from "./session.ts";
import type { Viewer } from "../core/sessions.ts";
import { preferencesFrom } from "../core/preferences.ts";

export interface WebDeps extends CoreDeps {
  secret: string;
  resolver: Resolver; // required on the web: mentions and search reach other servers
  media: MediaStore;
  /** Cached remote images; the retention page runs their pruning job. */
  remoteMedia?: RemoteMediaCache;
  limits: {
    login: RateLimiter;
    signup: RateLimiter;
    codes: RateLimiter;
    resets: RateLimiter;
    emails: RateLimiter;
    recipients: RateLimiter;
  };
  live: LiveHub;
  /** Sends e-mail (password links); absent when the instance has no SMTP server configured. */
  mailer?: Mailer;
  /** Translates posts; absent when no translation service is configured. */
  translation?: Translation;
}

/**
 * The session, CSRF token and page frame data for every web route. Made once per app and
 * `.use`d by each route module (Elysia runs a named plugin once), so their handlers are typed.
 */
export function pagePlugin(deps: WebDeps) {
  const { db } = deps;
  return new Elysia({ name: "page" })
    .use(sessionPlugin({ db, secret: deps.secret, baseUrl: deps.baseUrl }))
    .derive({ as: "global" }, ({ viewer, csrf, request }) => ({ ctx: pageContext(deps, viewer, csrf, request) }));
}

/** The frame of a page for whoever is asking. */
function pageContext(deps: WebDeps, viewer: Viewer | null, csrf: string, request: Request): PageContext {
  const { db } = deps;
  const settings = getSettings(db);
  return {
    instanceName: settings.name,
    viewer: viewer
      ? {
          username: viewer.account.username,
          displayName: viewer.account.displayName,
          avatarUrl: viewer.account.avatarUrl,
          role: viewer.user.role,
          canInvite: viewer.user.role !== "user" || settings.membersMayInvite,
          preferences: preferencesFrom(viewer.user),
          // Read only by the compose box, when a page has one.
          pickerEmojis: () => localEmojiViews(db).filter((e) => e.local?.visibleInPicker),
          staffQueue: viewer.user.role === "user" ? undefined : () => staffQueue(db, viewer.user.role),
          translateTo: deps.translation ? readerLanguage(undefined, request.headers.get("accept-language")) : undefined,
        }
      : null,
    csrf,
    ...(viewer ? badgeCounts(deps, viewer.account.id) : { unread: 0, unreadMessages: 0 }),
    path: new URL(request.url).pathname,
    signUps: !viewer && settings.registrationMode !== "closed" && ownerExists(db),
  };
}

/** The navigation's badges: unread notifications and conversations (each page, and /notifications/badges). */
export function badgeCounts(deps: Pick<WebDeps, "db" | "baseUrl">, accountId: string) {
  return { unread: countUnread(deps.db, deps.baseUrl, accountId), unreadMessages: unreadConversations(deps.db, accountId) };
}

/**
 * The frame of an error page: the member signed in keeps their navigation (a 404 must not look
 * like a logged-out site). Routes never ran, so the cookie is read here; a database that fails
 * gives the bare frame.
 */
export function errorContext(deps: WebDeps, request: Request): PageContext {
  const path = new URL(request.url).pathname;
  try {
    const signedIn = viewerOf(deps.db, deps.secret, request);
    if (signedIn) return pageContext(deps, signedIn.viewer, signedIn.csrf, request);
    return bareContext(getSettings(deps.db).name, path);
  } catch {
    return bareContext("Skein", path);
  }
}

export type PagePlugin = ReturnType<typeof pagePlugin>;

/** A request htmx sent for a part of a page (answered with that part, not a whole page or a redirect). */
export const isHtmx = (request: Request) => request.headers.get("hx-request") === "true";

/** A frame for pages drawn before or without a session (errors). */
export function bareContext(instanceName: string, path = "/"): PageContext {
  return { instanceName, viewer: null, csrf: "", unread: 0, unreadMessages: 0, path };
}
