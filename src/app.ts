import type { Database } from "bun:sqlite";
import { html } from "@elysiajs/html";
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Elysia } from "elysia";
import type { Config } from "./config.ts";
import type { CoreDeps } from "./core/deps.ts";
import { newLoginLimiter, RateLimited } from "./core/auth.ts";
import { newSignupLimiter } from "./core/registrations.ts";
import { federationAllowed } from "./core/domain-allows.ts";
import { relayActorsOn } from "./core/relays.ts";
import { CoreError, ValidationError } from "./core/errors.ts";
import { storageFault } from "./db/storage-errors.ts";
import type { LiveHub } from "./core/live.ts";
import { federationPlugin } from "./federation/mount.ts";
import { createResolver } from "./federation/resolver.ts";
import { createArchiveDocuments } from "./federation/archive.ts";
import type { SqliteMessageQueue } from "./federation/queue.ts";
import { runTask } from "./core/tasks.ts";
import { type PushSender, queuePushes } from "./core/push.ts";
import { type FetchPage, queueCard } from "./core/cards.ts";
import type { Mailer } from "./core/mail.ts";
import { recordConversation } from "./core/conversations.ts";
import { notifySubscribers } from "./core/notifications.ts";
import { importExportRoutes } from "./web/import-export.tsx";
import type { RemoteMediaCache } from "./media/remote-cache.ts";
import type { MediaStore } from "./media/store.ts";
import { apiRoutes } from "./api/index.ts";
import { RateLimiter } from "./core/rate-limit.ts";
import { newRecipientLimiter } from "./core/email-changes.ts";
import { oauthRoutes } from "./web/oauth.tsx";
import { assetRoutes } from "./web/assets.ts";
import { adminRoutes } from "./web/admin/index.ts";
import { filterRoutes } from "./web/filters.tsx";
import { domainBlockRoutes } from "./web/domain-blocks.tsx";
import { mutedBlockedRoutes } from "./web/muted-blocked.tsx";
import { followedTagRoutes } from "./web/followed-tags.tsx";
import { migrationRoutes } from "./web/migration.tsx";
import { authRoutes } from "./web/auth.tsx";
import { passwordRoutes } from "./web/passwords.tsx";
import { emailAddressRoutes } from "./web/email-address.tsx";
import { unsubscribeRoutes } from "./web/unsubscribe.tsx";
import { preferenceRoutes } from "./web/preferences.tsx";
import { seenLive } from "./core/notification-mail.ts";
import { errorContext, pagePlugin, type WebDeps } from "./web/context.ts";
import { errorResponse } from "./web/errors.tsx";
import { healthRoutes } from "./web/health.ts";
import { aboutRoutes } from "./web/about.tsx";
import { memberInviteRoutes } from "./web/invites.tsx";
import { listRoutes } from "./web/lists.tsx";
import { mediaRoutes } from "./web/media.ts";
import { profileRoutes } from "./web/profiles.tsx";
import { reportRoutes } from "./web/reports.tsx";
import { settingsRoutes } from "./web/settings.tsx";
import { twoFactorRoutes } from "./web/two-factor.tsx";
import { newCodeLimiter } from "./core/two-factor.ts";
import { socialRoutes } from "./web/social.tsx";
import { statusRoutes } from "./web/statuses.tsx";
import { timelineRoutes } from "./web/timelines.tsx";
import { withoutSecrets } from "./log.ts";
import { securityPlugin, withSecurityHeaders } from "./web/security.ts";
import { setupRoutes } from "./web/setup.tsx";
import { warningRoutes } from "./web/warnings.tsx";
import { severanceRoutes } from "./web/severances.tsx";
import { translationRoutes } from "./web/translations.tsx";
import { tellStaffOfAppeal, tellStaffOfReport, tellStaffOfSignup } from "./core/staff-notices.ts";
import { mailAppealDecision, mailWarning } from "./core/moderation-mail.ts";
import { newTranslation, type Translator } from "./core/translations.ts";

export interface AppDeps extends CoreDeps {
  sqlite: Database;
  config: Pick<Config, "url">;
  federation: Federation<void>;
  /** The instance's signing secret (CSRF tokens). */
  secret: string;
  media: MediaStore;
  /** Remote images, fetched on first view and kept in the data folder. */
  remoteMedia: RemoteMediaCache;
  /** Live updates for the streaming API and the web pages. */
  live: LiveHub;
  /** The durable queue: core tasks (CSV imports, Web Push) go there, and its worker runs them here. */
  queue: SqliteMessageQueue;
  /** Sends a Web Push request to an app's push service. */
  push: PushSender;
  /** Reads a linked page for its preview card. */
  fetchPage: FetchPage;
  /** Sends e-mail, when an SMTP server is configured. */
  mailer?: Mailer;
  /** Translates posts, when a translation service is configured. */
  translator?: Translator;
}

const logger = getLogger(["skein", "http"]);
const mailLogger = getLogger(["skein", "mail"]);
/** A request's path for the log, without the token of a password link. */
const loggable = (request: Request) => withoutSecrets(new URL(request.url).pathname);

/** The whole HTTP surface: Fedify's routes first, then web pages (and later API and admin). */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  // The API allows 300 calls per 5 minutes per token (or address), as Mastodon does.
  const limits = {
    login: newLoginLimiter(),
    signup: newSignupLimiter(),
    codes: newCodeLimiter(),
    // Password links asked for from one address: ten an hour, as sign-ups (each may send an e-mail).
    resets: new RateLimiter(10, 3600_000),
    // New e-mail addresses asked for by one member: ten an hour (each may send an e-mail).
    emails: new RateLimiter(10, 3600_000),
    // Links to confirm an address that one address receives: three an hour, whoever asks.
    recipients: newRecipientLimiter(),
    api: new RateLimiter(300, 5 * 60_000),
  };
  const resolver = createResolver(deps.federation, deps);
  const web: WebDeps = {
    db: deps.db,
    events: deps.events,
    baseUrl: config.url,
    secret: deps.secret,
    limits,
    media: deps.media,
    remoteMedia: deps.remoteMedia,
    resolver,
    live: deps.live,
    mailer: deps.mailer,
    translation: deps.translator ? newTranslation(deps.translator) : undefined,
  };
  const page = pagePlugin(web);
  const tasks = deps.queue;
  tasks.handleTasks((task) => runTask({ ...web, tasks, push: deps.push, fetchPage: deps.fetchPage }, task));
  deps.events.on("notification.created", (event) => queuePushes({ db: deps.db, tasks }, event));
  // Shown live in an app: not e-mailed later (core/notification-mail.ts).
  deps.events.on("notification.created", ({ accountId, notificationId }) => {
    if (deps.live.listening(accountId)) seenLive(deps.db, accountId, notificationId);
  });
  const notices = {
    ...web,
    onMailFailure: (error: unknown) => mailLogger.error("Could not send a notice by e-mail: {error}", { error: String(error) }),
  };
  deps.events.on("signup.ready", (event) => tellStaffOfSignup(notices, event));
  deps.events.on("report.filed", ({ reportId }) => tellStaffOfReport(notices, reportId));
  deps.events.on("appeal.filed", ({ appealId }) => tellStaffOfAppeal(notices, appealId));
  deps.events.on("warning.issued", ({ warningId }) => mailWarning(notices, warningId));
  deps.events.on("appeal.decided", (event) => mailAppealDecision(notices, event));
  for (const type of ["post.created", "post.received"] as const) {
    deps.events.on(type, ({ postId }) => recordConversation(deps, postId));
    deps.events.on(type, ({ postId }) => notifySubscribers(deps, postId));
  }
  // An edit may change the link: its card follows.
  for (const type of ["post.created", "post.received", "post.updated"] as const)
    deps.events.on(type, ({ postId }) => queueCard({ db: deps.db, baseUrl: config.url, tasks }, postId));
  const archive = createArchiveDocuments(deps.federation, web);
  // The settings pages as one module (one chain of Elysia types the compiler can still follow).
  const settings = new Elysia({ name: "settings-area" })
    .use(settingsRoutes(web, page).use(preferenceRoutes(web, page)))
    .use(migrationRoutes(web, page))
    .use(twoFactorRoutes(web, page))
    .use(warningRoutes(web, page))
    .use(importExportRoutes({ ...web, tasks, archive }, page).use(severanceRoutes(web, page)));
  return new Elysia()
    .use(securityPlugin)
    .onError(({ code, error, request, set }) => {
      const expected = error instanceof CoreError || error instanceof ValidationError;
      const storage = storageFault(error);
      if (storage) {
        logger.error(`${storage.logLine} ({method} {url}: {error})`, { method: request.method, url: loggable(request), error });
      } else if (code !== "NOT_FOUND" && code !== "VALIDATION" && code !== "PARSE" && !expected) {
        logger.error("{method} {url} failed: {error}", { method: request.method, url: loggable(request), error });
      }
      const response = errorResponse(code, error, request, set.headers, () => errorContext(web, request));
      if (error instanceof RateLimited) response.headers.set("retry-after", String(error.retryAfterSeconds));
      return response;
    })
    .use(
      federationPlugin(deps.federation, config.url, withSecurityHeaders, {
        federates: (host) => federationAllowed(deps.db, host),
        relayActors: (host) => relayActorsOn(deps.db, host),
      }),
    )
    .use(html({ contentType: "text/html; charset=utf-8" }))
    .use(assetRoutes)
    .use(healthRoutes(deps.sqlite))
    .use(apiRoutes({ ...web, apiLimiter: limits.api }))
    .use(page)
    .use(oauthRoutes(web, page))
    .use(aboutRoutes(web, page))
    .use(timelineRoutes(web, page))
    .use(statusRoutes(web, page).use(translationRoutes(web, page)))
    .use(profileRoutes(web, page))
    .use(socialRoutes(web, page))
    .use(listRoutes(web, page))
    .use(settings)
    .use(filterRoutes(web, page))
    .use(followedTagRoutes(web, page))
    .use(domainBlockRoutes(web, page).use(mutedBlockedRoutes(web, page)))
    .use(memberInviteRoutes(web, page))
    .use(adminRoutes(web, page))
    .use(reportRoutes(web, page))
    .use(mediaRoutes(deps.media, { db: deps.db, cache: deps.remoteMedia }))
    .use(setupRoutes(web, page))
    .use(
      authRoutes(web, page).use(passwordRoutes(web, page)).use(emailAddressRoutes(web, page)).use(unsubscribeRoutes(web, page)),
    );
}

export type App = ReturnType<typeof createApp>;
