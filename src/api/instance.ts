import { MAX_FEATURED_TAGS } from "../core/featured-tags.ts";
import { POLL_LIMITS } from "../core/polls.ts";
import { MISSING_IMAGES } from "../core/views.ts";
import { and, count, isNotNull, isNull, sql } from "drizzle-orm";
import { Elysia } from "elysia";
import { countLocalUsers, findOwner } from "../core/accounts.ts";
import { defaultPrivacyPolicy } from "../core/default-privacy-policy.ts";
import { publicDomainBlocks } from "../core/domain-blocks.ts";
import { CoreError } from "../core/errors.ts";
import { weeklyActivity } from "../core/overview.ts";
import { paragraphsHtml } from "../core/text.ts";
import { localEmojiViews } from "../core/custom-emojis.ts";
import { contactAccount, getSettings, instanceRules, settingUpdatedAt } from "../core/instance.ts";
import { languageChoices } from "../core/languages.ts";
import { MAX_MEDIA, MAX_PLAYABLE_BYTES, MAX_UPLOAD_BYTES, MAX_VIDEO_PIXELS, UPLOAD_TYPES } from "../core/media.ts";
import { vapidKeys } from "../core/push.ts";
import { instanceStats } from "../core/stats.ts";
import { accounts } from "../db/schema.ts";
import { VERSION } from "../version.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, emojiEntity } from "./entities.ts";
import { TranslationFailed } from "../core/translations.ts";

/** The Mastodon version whose API this one follows, so clients know which features to expect. */
export const MASTODON_VERSION = `4.5.0 (compatible; Skein ${VERSION})`;

/** The instance as clients see it: v2 and v1 entities, peers, rules, and features Skein does not have. */
export function instanceApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const streaming = new URL(baseUrl.href);
  streaming.protocol = baseUrl.protocol === "https:" ? "wss:" : "ws:";
  const streamingUrl = streaming.origin;

  const configuration = (maxCharacters: number, trends: boolean) => {
    const linkFeeds = trends ? { local: "public", remote: "public" } : { local: "disabled", remote: "disabled" };
    return {
      urls: { streaming: streamingUrl, status: null },
      vapid: { public_key: vapidKeys(db).publicKey },
      accounts: { max_featured_tags: MAX_FEATURED_TAGS, max_pinned_statuses: 5 },
      statuses: { max_characters: maxCharacters, max_media_attachments: MAX_MEDIA, characters_reserved_per_url: 23 },
      media_attachments: {
        supported_mime_types: UPLOAD_TYPES,
        description_limit: 1500,
        image_size_limit: MAX_UPLOAD_BYTES,
        image_matrix_limit: 16_777_216,
        video_size_limit: MAX_PLAYABLE_BYTES,
        // Not checked (nothing is re-encoded; browsers play any rate): Mastodon's figure, for apps that resize first.
        video_frame_rate_limit: 120,
        video_matrix_limit: MAX_VIDEO_PIXELS,
      },
      polls: {
        max_options: POLL_LIMITS.maxOptions,
        max_characters_per_option: POLL_LIMITS.maxCharactersPerOption,
        min_expiration: POLL_LIMITS.minExpiration,
        max_expiration: POLL_LIMITS.maxExpiration,
      },
      translation: { enabled: deps.translation !== undefined },
      // Mastodon 4.5: who may read the public timelines (here anyone, as the pages), and a trending link's posts.
      timelines_access: {
        live_feeds: { local: "public", remote: "public" },
        hashtag_feeds: { local: "public", remote: "public" },
        trending_link_feeds: linkFeeds,
      },
    };
  };
  const contactEntity = () => {
    const row = contactAccount(db);
    return row ? (accountEntities(db, baseUrl, [row.id]).get(row.id) ?? null) : null;
  };
  const rules = () => instanceRules(db).map((rule) => ({ ...rule, hint: "" }));
  const registrations = () => {
    const mode = getSettings(db).registrationMode;
    return { enabled: mode !== "closed", approval_required: mode === "approval", invites: mode === "invite" };
  };
  const thumbnail = new URL(MISSING_IMAGES.avatar, baseUrl).href;
  /** A setting's last change; one never changed dates from the instance's start (its owner's sign-up). */
  const updatedAt = (key: Parameters<typeof settingUpdatedAt>[1]) =>
    (settingUpdatedAt(db, key) ?? findOwner(db)?.createdAt ?? new Date()).toISOString();

  return (
    new Elysia({ name: "api-instance" })
      .use(api)
      .get("/api/v2/instance", () => {
        const settings = getSettings(db);
        const reg = registrations();
        return {
          domain: baseUrl.host,
          title: settings.name,
          version: MASTODON_VERSION,
          source_url: new URL("/about", baseUrl).href,
          description: settings.description,
          usage: { users: { active_month: instanceStats(db).activeMonth } },
          thumbnail: { url: thumbnail, blurhash: null, versions: {} },
          icon: [],
          languages: settings.defaultLanguage ? [settings.defaultLanguage] : ["en"],
          configuration: configuration(settings.maxPostLength, settings.trendsEnabled),
          registrations: {
            enabled: reg.enabled && !reg.invites,
            approval_required: reg.approval_required,
            // Mastodon 4.4: the sign-up asks why (our approval mode always does).
            reason_required: reg.approval_required,
            // Mastodon 4.4: sign-ups give a date of birth at least this many years ago.
            min_age: settings.minimumAge > 0 ? settings.minimumAge : null,
            message: null,
            url: null,
          },
          // Mastodon 4.5's API (quote posts); see README for what of it Skein leaves out.
          api_versions: { mastodon: 7 },
          contact: { email: settings.contactEmail, account: contactEntity() },
          rules: rules(),
        };
      })
      .get("/api/v1/instance", () => {
        const settings = getSettings(db);
        const reg = registrations();
        return {
          uri: baseUrl.host,
          title: settings.name,
          short_description: settings.description,
          description: settings.description,
          email: settings.contactEmail,
          version: MASTODON_VERSION,
          urls: { streaming_api: streamingUrl },
          stats: { user_count: countLocalUsers(db), status_count: instanceStats(db).localPosts, domain_count: peers().length },
          thumbnail,
          languages: settings.defaultLanguage ? [settings.defaultLanguage] : ["en"],
          registrations: reg.enabled && !reg.invites,
          approval_required: reg.approval_required,
          invites_enabled: reg.invites || settings.membersMayInvite,
          configuration: configuration(settings.maxPostLength, settings.trendsEnabled),
          contact_account: contactEntity(),
          rules: rules(),
        };
      })
      .get("/api/v1/instance/peers", () => peers())
      .get("/api/v1/instance/rules", () => rules())
      // The languages a post may be tagged with, for apps' language pickers (Mastodon 4.0).
      .get("/api/v1/instance/languages", () => languageChoices())
      .get("/api/v1/instance/extended_description", () => ({
        updated_at: updatedAt("description"),
        content: paragraphsHtml(getSettings(db).description),
      }))
      .get("/api/v1/instance/privacy_policy", () => ({
        updated_at: updatedAt("privacyPolicy"),
        content: paragraphsHtml(getSettings(db).privacyPolicy || defaultPrivacyPolicy),
      }))
      // Mastodon 4.4's: one version of the terms, in force since it was saved; none written, none served.
      .get("/api/v1/instance/terms_of_service", () => {
        const text = getSettings(db).termsOfService;
        if (!text) throw new CoreError("Record not found", 404);
        return {
          effective_date: updatedAt("termsOfService").slice(0, 10),
          effective: true,
          content: paragraphsHtml(text),
          succeeded_by: null,
        };
      })
      // The servers the moderators limited or suspended, as the about page lists them.
      .get("/api/v1/instance/domain_blocks", () => publicDomainBlocks(db).map((b) => ({ ...b, comment: b.comment || null })))
      .get("/api/v1/instance/activity", () => {
        if (!getSettings(db).activityApiEnabled) throw new CoreError("Record not found", 404);
        return weeklyActivity(db).map((w) => ({
          week: String(w.week.getTime() / 1000),
          statuses: String(w.statuses),
          logins: String(w.logins),
          registrations: String(w.registrations),
        }));
      })
      .get("/api/v1/instance/translation_languages", async ({ set }) => {
        if (!deps.translation) return {};
        try {
          return await deps.translation.translator.languages();
        } catch (error) {
          if (!(error instanceof TranslationFailed)) throw error;
          set.status = 503;
          return { error: error.message };
        }
      })
      // As Mastodon: the emoji the picker offers (the others still show where a text names them).
      .get("/api/v1/custom_emojis", () =>
        localEmojiViews(db)
          .filter((e) => e.local?.visibleInPicker)
          .map((e) => emojiEntity(e, baseUrl)),
      )
  );

  /** The servers whose accounts this instance knows (Mastodon lists those it federates with). */
  function peers(): string[] {
    return db
      .select({ domain: accounts.domain, n: count() })
      .from(accounts)
      .where(and(isNotNull(accounts.domain), isNull(accounts.suspendedAt)))
      .groupBy(accounts.domain)
      .orderBy(sql`${accounts.domain}`)
      .limit(10_000)
      .all()
      .flatMap((r) => (r.domain ? [r.domain] : []));
  }
}
