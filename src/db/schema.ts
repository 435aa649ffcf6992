// The database schema. Migrations in drizzle/ are generated from this file with
// `bun run db:generate`; never edit a committed migration, add a new one.
import { sql } from "drizzle-orm";
import { type AnySQLiteColumn, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;
const createdAt = () => integer("created_at", { mode: "timestamp_ms" }).notNull().default(now);

export const roles = ["owner", "admin", "moderator", "user"] as const;
export type Role = (typeof roles)[number];
/** Who outranks whom: staff act on roles below their own. */
export const roleRank: Record<Role, number> = { owner: 3, admin: 2, moderator: 1, user: 0 };

/** Who may quote a member's post: anyone, their followers, or only they themselves. */
export const quotePolicies = ["public", "followers", "nobody"] as const;
export type QuotePolicy = (typeof quotePolicies)[number];

/** A column pointing at an account; the row goes when the account goes. */
const accountRef = (name: string) =>
  text(name)
    .notNull()
    .references((): AnySQLiteColumn => accounts.id, { onDelete: "cascade" });

/** A column pointing at a post; the row goes when the post goes. */
const postRef = (name: string) =>
  text(name)
    .notNull()
    .references((): AnySQLiteColumn => posts.id, { onDelete: "cascade" });

export interface ProfileField {
  name: string;
  value: string;
  /** When the linked page was seen linking back with rel="me". */
  verifiedAt?: string;
}

/** Every actor we know: local members (domain null) and remote accounts alike. */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(), // UUIDv7
    username: text("username").notNull(),
    domain: text("domain"), // null for local accounts
    displayName: text("display_name").notNull().default(""),
    note: text("note").notNull().default(""), // bio: plain text for local, sanitized HTML for remote
    // ActivityPub identity of remote accounts; local ones derive theirs from the instance URL.
    uri: text("uri").unique(),
    url: text("url"),
    inboxUrl: text("inbox_url"),
    sharedInboxUrl: text("shared_inbox_url"),
    locked: integer("locked", { mode: "boolean" }).notNull().default(false),
    bot: integer("bot", { mode: "boolean" }).notNull().default(false),
    discoverable: integer("discoverable", { mode: "boolean" }).notNull().default(true),
    hideCollections: integer("hide_collections", { mode: "boolean" }).notNull().default(false),
    avatarUrl: text("avatar_url"), // a local media path (/media/…) or a remote URL
    headerUrl: text("header_url"),
    fields: text("fields", { mode: "json" }).$type<ProfileField[]>().notNull().default(sql`'[]'`),
    followersUrl: text("followers_url"),
    outboxUrl: text("outbox_url"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
    fetchedAt: integer("fetched_at", { mode: "timestamp_ms" }), // last refresh of a remote actor
    // Moderation: suspended accounts vanish, silenced ones leave public timelines, sensitized
    // ones have every post behind a warning.
    suspendedAt: integer("suspended_at", { mode: "timestamp_ms" }),
    silencedAt: integer("silenced_at", { mode: "timestamp_ms" }),
    sensitizedAt: integer("sensitized_at", { mode: "timestamp_ms" }),
    // Account moves: the ids (actor URIs) this account also goes by, and where it moved to.
    alsoKnownAs: text("also_known_as", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    movedToId: text("moved_to_id").references((): AnySQLiteColumn => accounts.id, { onDelete: "set null" }),
    movedAt: integer("moved_at", { mode: "timestamp_ms" }),
    // Websites allowed to credit this account as an author of their pages (Mastodon's author
    // attribution: a page's `fediverse:creator` counts only from these domains or their subdomains).
    attributionDomains: text("attribution_domains", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  },
  (t) => [
    // One account per handle, regardless of case (two partial indexes, since NULL domains never collide).
    uniqueIndex("accounts_local_username_unique").on(sql`lower(${t.username})`).where(sql`${t.domain} IS NULL`),
    uniqueIndex("accounts_remote_handle_unique").on(sql`lower(${t.username})`, t.domain),
    index("accounts_domain_idx").on(t.domain),
  ],
);

/** Mastodon's reading:expand:media: media marked sensitive hidden (default), everything shown, or all media hidden. */
export const mediaDisplays = ["default", "show_all", "hide_all"] as const;
export type MediaDisplay = (typeof mediaDisplays)[number];
/** The pages' colours: as the device is set ("auto"), or always light or dark. */
export const themes = ["auto", "light", "dark"] as const;
export type Theme = (typeof themes)[number];

/** Credentials and role of a local account. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: text("account_id")
      .notNull()
      .unique()
      .references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(), // argon2id via Bun.password
    role: text("role", { enum: roles }).notNull().default("user"),
    createdAt: createdAt(),
    disabledAt: integer("disabled_at", { mode: "timestamp_ms" }),
    // Sign-ups in approval mode wait with their reason until a moderator approves them.
    approvedAt: integer("approved_at", { mode: "timestamp_ms" }),
    signupReason: text("signup_reason"),
    // When the member opened the link sent to their address (core/email-changes.ts). Sign-ups
    // wait for it when the instance sends e-mail; members made otherwise count as confirmed.
    emailConfirmedAt: integer("email_confirmed_at", { mode: "timestamp_ms" }),
    // Staff e-mail about new reports and about sign-ups waiting for approval (Mastodon's defaults: on).
    mailReports: integer("mail_reports", { mode: "boolean" }).notNull().default(true),
    mailSignups: integer("mail_signups", { mode: "boolean" }).notNull().default(true),
    mailAppeals: integer("mail_appeals", { mode: "boolean" }).notNull().default(true),
    // Which notifications are e-mailed while the member is away (core/notification-mail.ts;
    // Mastodon's defaults), and how far that went: the newest notification looked at, and when
    // the last such e-mail left.
    mailNotifications: text("mail_notifications", { mode: "json" })
      .$type<MailedNotification[]>()
      .notNull()
      .default(sql`'["mention","follow","follow_request","quote"]'`),
    notificationsMailedId: text("notifications_mailed_id"),
    notificationsMailedAt: integer("notifications_mailed_at", { mode: "timestamp_ms" }),
    inviteId: text("invite_id"),
    defaultVisibility: text("default_visibility", { enum: ["public", "unlisted", "private", "direct"] })
      .notNull()
      .default("public"),
    defaultQuotePolicy: text("default_quote_policy", { enum: quotePolicies }).notNull().default("public"),
    // Preferences (core/preferences.ts): posting defaults beside the two above, and how posts read.
    defaultSensitive: integer("default_sensitive", { mode: "boolean" }).notNull().default(false),
    defaultLanguage: text("default_language"),
    expandSpoilers: integer("expand_spoilers", { mode: "boolean" }).notNull().default(false),
    mediaDisplay: text("media_display", { enum: mediaDisplays }).notNull().default("default"),
    // Single-key shortcuts on the pages (j, k, n, ?); a member may turn them off (WCAG 2.1.4).
    keyboardShortcuts: integer("keyboard_shortcuts", { mode: "boolean" }).notNull().default(true),
    theme: text("theme", { enum: themes }).notNull().default("auto"),
    // Languages public timelines show them (Mastodon's chosen_languages); null: all.
    chosenLanguages: text("chosen_languages", { mode: "json" }).$type<string[]>(),
    lastSignInAt: integer("last_sign_in_at", { mode: "timestamp_ms" }),
    notificationsReadId: text("notifications_read_id"), // the newest notification seen
    notificationsReadAt: integer("notifications_read_at", { mode: "timestamp_ms" }),
    // Where the member stopped reading home, as an app saves it (Mastodon's markers).
    homeReadId: text("home_read_id"),
    homeReadAt: integer("home_read_at", { mode: "timestamp_ms" }),
    // The address a sign-up came from, for the moderators (network rules, spam waves).
    signUpIp: text("sign_up_ip"),
    // Two-factor authentication (core/two-factor.ts): the TOTP secret (base32), set when setup
    // starts and in force once otpEnabledAt is set; the last 30-second step a code was taken for,
    // so one code cannot be used twice.
    otpSecret: text("otp_secret"),
    otpEnabledAt: integer("otp_enabled_at", { mode: "timestamp_ms" }),
    otpLastStep: integer("otp_last_step"),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    // An instance has exactly one owner.
    uniqueIndex("users_one_owner").on(t.role).where(sql`${t.role} = 'owner'`),
  ],
);

/** Browser sessions; the cookie holds a random token, we keep only its SHA-256. */
/** One-time recovery codes for a member with two-factor authentication; each is deleted as it is used. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(), // hex SHA-256 of the code
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

/** A login whose password was right, waiting for its two-factor code (five minutes at most). */
export const loginChallenges = sqliteTable("login_challenges", {
  id: text("id").primaryKey(), // hex SHA-256 of the cookie token
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Links to choose a new password: asked for by e-mail (an hour), or made by an admin to hand over
 * (a day). Only the token's hash is kept; a link works once.
 */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(), // hex SHA-256 of the token in the link
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // An admin's link goes with its maker's account (null is a link the member asked for by e-mail).
    createdBy: text("created_by").references(() => accounts.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("password_resets_user_idx").on(t.userId)],
);

/** A member's new e-mail address, waiting for the link sent to it to be opened (a day). */
export const emailChanges = sqliteTable("email_changes", {
  id: text("id").primaryKey(), // hex SHA-256 of the token in the link
  userId: text("user_id")
    .notNull()
    .unique() // one change waits at a time: asking again replaces it
    .references(() => users.id, { onDelete: "cascade" }),
  email: text("email").notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(), // hex SHA-256 of the cookie token
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull().default(now),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** Instance-wide settings the owner edits (name, description, …), as JSON values. */
export const instanceSettings = sqliteTable("instance_settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
});

export const keyAlgorithms = ["RSASSA-PKCS1-v1_5", "Ed25519"] as const;

/**
 * Local accounts that were deleted. The name stays taken (nobody may pose as the old account),
 * the actor answers 410 Gone, and the kept keys sign the Delete sent to the recipients listed;
 * once that is queued the keys are cleared.
 */
export const deletedAccounts = sqliteTable("deleted_accounts", {
  username: text("username").primaryKey(), // lower case
  deletedAt: integer("deleted_at", { mode: "timestamp_ms" }).notNull().default(now),
  /** Actor ids and the (shared, else personal) inbox to reach each. */
  recipients: text("recipients", { mode: "json" }).$type<{ id: string; inbox: string }[]>().notNull().default(sql`'[]'`),
  keys: text("keys", { mode: "json" }).$type<{ algorithm: (typeof keyAlgorithms)[number]; privateKey: object }[]>(),
});

/** Periodic maintenance jobs and how their last run went (shown to admins). */
export const jobRuns = sqliteTable("job_runs", {
  name: text("name").primaryKey(),
  lastStartedAt: integer("last_started_at", { mode: "timestamp_ms" }),
  lastFinishedAt: integer("last_finished_at", { mode: "timestamp_ms" }),
  lastResult: text("last_result"),
  lastError: text("last_error"),
  runs: integer("runs").notNull().default(0),
});

/** Key pairs of local actors, as JWK; losing them means losing the actor's identity. */
export const actorKeys = sqliteTable(
  "actor_keys",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: accountRef("account_id"),
    algorithm: text("algorithm", { enum: keyAlgorithms }).notNull(),
    publicKey: text("public_key", { mode: "json" }).notNull(),
    privateKey: text("private_key", { mode: "json" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("actor_keys_account_algorithm").on(t.accountId, t.algorithm)],
);

/** Fedify's key-value cache (documents, keys, idempotence records). */
export const fedifyKv = sqliteTable(
  "fedify_kv",
  {
    key: text("key").primaryKey(), // JSON array of the key's parts
    value: text("value", { mode: "json" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("fedify_kv_expires_idx").on(t.expiresAt)],
);

/** Fedify's message queue: outgoing deliveries and inbound work, durable across crashes. */
export const queueMessages = sqliteTable(
  "queue_messages",
  {
    id: text("id").primaryKey(), // UUIDv7: ties in run_at keep enqueue order
    message: text("message", { mode: "json" }).notNull(),
    orderingKey: text("ordering_key"),
    runAt: integer("run_at", { mode: "timestamp_ms" }).notNull(),
    lockedUntil: integer("locked_until", { mode: "timestamp_ms" }),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  (t) => [index("queue_messages_run_at_idx").on(t.runAt), index("queue_messages_ordering_idx").on(t.orderingKey)],
);

/**
 * Domain events the outbox has not finished turning into queued deliveries. A row is written
 * right after the event's transaction commits (before any I/O) and removed once the activity is
 * in queue_messages; rows left by a crash are sent again at the next start.
 */
export const outboxJournal = sqliteTable("outbox_journal", {
  id: text("id").primaryKey(), // UUIDv7: replayed in order
  type: text("type").notNull(),
  event: text("event", { mode: "json" }).notNull(),
  createdAt: createdAt(),
});

export const visibilities = ["public", "unlisted", "private", "direct"] as const;
export type Visibility = (typeof visibilities)[number];

/** Posts, local and remote. A boost is a post whose reblogOfId points at the boosted one. */
export const posts = sqliteTable(
  "posts",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: accountRef("account_id"),
    uri: text("uri").unique(), // ActivityPub id of remote posts; local ones derive theirs
    url: text("url"),
    text: text("text"), // what a local author typed (null for remote posts)
    contentHtml: text("content_html").notNull().default(""), // rendered (local) or sanitized (remote)
    spoilerText: text("spoiler_text").notNull().default(""),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull().default(false),
    visibility: text("visibility", { enum: visibilities }).notNull().default("public"),
    language: text("language"),
    inReplyToId: text("in_reply_to_id"),
    inReplyToAccountId: text("in_reply_to_account_id"),
    inReplyToUri: text("in_reply_to_uri"), // a remote parent we have not fetched (yet)
    reblogOfId: text("reblog_of_id").references((): AnySQLiteColumn => posts.id, { onDelete: "cascade" }),
    // The post it quotes, once the quote is known to be allowed (core/quotes.ts).
    quoteOfId: text("quote_of_id").references((): AnySQLiteColumn => posts.id, { onDelete: "set null" }),
    // A member's quote of another server's post: waiting for its author's approval, then the
    // QuoteAuthorization they gave (FEP-044f).
    quotePending: integer("quote_pending", { mode: "boolean" }).notNull().default(false),
    // Who may quote it (Mastodon's quote_approval_policy); another server's post as its canQuote says.
    quotePolicy: text("quote_policy", { enum: quotePolicies }).notNull().default("public"),
    // Another server's post whose author approves quotes by hand (or whose policy is not known).
    quoteManual: integer("quote_manual", { mode: "boolean" }).notNull().default(false),
    quoteAuthorization: text("quote_authorization"),
    // What became of a quote no longer shown (Mastodon's Quote states); "deleted" is set by the
    // posts_quoted_deleted trigger (migration 0036) when the quoted post goes, by whatever path.
    quoteState: text("quote_state", { enum: ["rejected", "revoked", "deleted"] }),
    pinnedAt: integer("pinned_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    editedAt: integer("edited_at", { mode: "timestamp_ms" }),
    searchRowid: integer("search_rowid"), // its row in posts_search (core/search-index.ts)
    // The Mastodon app a member posted it with (shown to them alone, as on Mastodon 4.3). No
    // foreign key: removing an app would then scan every post; a removed app's name is just gone.
    applicationId: text("application_id"),
  },
  (t) => [
    index("posts_account_idx").on(t.accountId, t.id),
    // Counting an account's own posts (boosts aside) reads this index alone.
    index("posts_account_originals_idx").on(t.accountId).where(sql`${t.reblogOfId} IS NULL`),
    index("posts_reply_idx").on(t.inReplyToId),
    index("posts_reply_uri_idx").on(t.inReplyToUri),
    index("posts_reblog_idx").on(t.reblogOfId),
    // Deleting a post clears the quotes of it: without it, a scan of every post.
    index("posts_quote_idx").on(t.quoteOfId).where(sql`${t.quoteOfId} IS NOT NULL`),
    // A withdrawn stamp (a Delete of it) finds the member's quote it approved.
    index("posts_quote_authorization_idx").on(t.quoteAuthorization).where(sql`${t.quoteAuthorization} IS NOT NULL`),
    index("posts_visibility_idx").on(t.visibility, t.id),
    uniqueIndex("posts_one_boost_each").on(t.accountId, t.reblogOfId).where(sql`${t.reblogOfId} IS NOT NULL`),
  ],
);

export interface PollOption {
  title: string;
  /** Votes for it: counted from poll_votes for a local poll, as its server last said for a remote one. */
  votes: number;
}

/** A post's poll (Mastodon's Poll, ActivityPub's Question), one per post. */
export const polls = sqliteTable(
  "polls",
  {
    postId: postRef("post_id").primaryKey(),
    options: text("options", { mode: "json" }).$type<PollOption[]>().notNull(),
    multiple: integer("multiple", { mode: "boolean" }).notNull().default(false),
    // Counts hidden from everyone but the author until the poll ends.
    hideTotals: integer("hide_totals", { mode: "boolean" }).notNull().default(false),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    votersCount: integer("voters_count").notNull().default(0),
    // When its end was handled (voters notified, the final count sent); null while open.
    endedAt: integer("ended_at", { mode: "timestamp_ms" }),
    // A local poll's counts changed since other servers were last sent them (sendPollCounts).
    countsUnsent: integer("counts_unsent", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("polls_open_idx").on(t.expiresAt).where(sql`${t.endedAt} IS NULL`)],
);

/**
 * A post translated for members (core/translations.ts), kept so that a second reader does not
 * ask the service again; a change to its words makes it stale.
 */
export const postTranslations = sqliteTable(
  "post_translations",
  {
    postId: postRef("post_id"),
    language: text("language").notNull(),
    // A hash of the words sent (text, warning, choices, descriptions): any change makes it stale.
    sourceHash: text("source_hash").notNull().default(""),
    contentHtml: text("content_html").notNull(),
    spoilerText: text("spoiler_text").notNull().default(""),
    pollOptions: text("poll_options", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    media: text("media", { mode: "json" }).$type<{ id: string; description: string }[]>().notNull().default(sql`'[]'`),
    detectedLanguage: text("detected_language"),
    provider: text("provider").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.language] })],
);

/** One choice of one voter: a member in any poll, or another server's account in a local poll. */
export const pollVotes = sqliteTable(
  "poll_votes",
  {
    id: text("id").primaryKey(),
    postId: postRef("post_id"),
    accountId: accountRef("account_id"),
    choice: integer("choice").notNull(),
    uri: text("uri"), // the Note a remote voter sent
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("poll_votes_once").on(t.postId, t.accountId, t.choice), index("poll_votes_account_idx").on(t.accountId)],
);

/**
 * Quotes of members' posts this instance approved (FEP-044f): each is served as a
 * QuoteAuthorization that the quoting server shows with its quote.
 */
export const quoteApprovals = sqliteTable(
  "quote_approvals",
  {
    id: text("id").primaryKey(),
    postId: postRef("post_id"), // the member's post that is quoted
    accountId: accountRef("account_id"), // who quotes it
    quoteUri: text("quote_uri").notNull(), // the quoting post
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("quote_approvals_quote").on(t.quoteUri, t.postId)],
);

/** Earlier versions of an edited post, newest last. */
export const postEdits = sqliteTable(
  "post_edits",
  {
    id: text("id").primaryKey(),
    postId: postRef("post_id"),
    text: text("text"),
    contentHtml: text("content_html").notNull(),
    spoilerText: text("spoiler_text").notNull().default(""),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(), // when this version was written
  },
  (t) => [index("post_edits_post_idx").on(t.postId, t.id)],
);

export const mentions = sqliteTable(
  "mentions",
  {
    postId: postRef("post_id"),
    accountId: accountRef("account_id"),
  },
  (t) => [primaryKey({ columns: [t.postId, t.accountId] }), index("mentions_account_idx").on(t.accountId)],
);

export const tags = sqliteTable("tags", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(), // normalized (NFKC, lowercase)
  display: text("display").notNull(), // as first typed
  createdAt: createdAt(),
});

export const postTags = sqliteTable(
  "post_tags",
  {
    postId: postRef("post_id"),
    tagId: text("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.tagId, t.postId] }), index("post_tags_post_idx").on(t.postId)],
);

/** Images (and later other media), uploaded before the post that carries them. */
export const mediaAttachments = sqliteTable(
  "media_attachments",
  {
    id: text("id").primaryKey(),
    accountId: accountRef("account_id"),
    postId: text("post_id").references(() => posts.id, { onDelete: "cascade" }),
    position: integer("position").notNull().default(0),
    mime: text("mime").notNull(),
    path: text("path"), // under the data folder's media/, for local or cached files
    thumbnailPath: text("thumbnail_path"),
    remoteUrl: text("remote_url"),
    /** A remote video's or audio file's cover on its server (the Document's `icon`), shown from the cache. */
    thumbnailRemoteUrl: text("thumbnail_remote_url"),
    width: integer("width"),
    height: integer("height"),
    blurhash: text("blurhash"),
    /** Seconds, for video and audio whose length could be read. */
    duration: real("duration"),
    description: text("description").notNull().default(""), // alt text
    /** A picture's focal point as Mastodon's `focus`: x and y from -1 to 1 (0,0 the centre, y up); null: the centre. */
    focus: text("focus", { mode: "json" }).$type<{ x: number; y: number }>(),
    /** Kept for a scheduled post (core/scheduled-posts.ts): not free for another post, not pruned as unattached. */
    scheduledPostId: text("scheduled_post_id").references((): AnySQLiteColumn => scheduledPosts.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("media_post_idx").on(t.postId, t.position), index("media_account_idx").on(t.accountId)],
);

/**
 * A member's private conversations (Mastodon's AccountConversation): one row per thread of direct
 * messages they take part in, with its newest message and the others in it (core/conversations.ts).
 */
export const accountConversations = sqliteTable(
  "account_conversations",
  {
    id: text("id").primaryKey(), // UUIDv7: the Conversation's id in the API
    accountId: accountRef("account_id"),
    /** The thread's first known post (core/conversation-mutes.ts threadRoot). */
    rootId: text("root_id").notNull(),
    lastPostId: text("last_post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    participantIds: text("participant_ids", { mode: "json" }).$type<string[]>().notNull(),
    unread: integer("unread", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("account_conversations_root").on(t.accountId, t.rootId),
    index("account_conversations_last").on(t.accountId, t.lastPostId),
  ],
);

/**
 * Other servers' custom emoji (`:blobcat:`), by server and shortcode as their posts and profiles
 * name them; their images are shown through the remote media cache (core/custom-emojis.ts).
 */
export const customEmojis = sqliteTable(
  "custom_emojis",
  {
    id: text("id").primaryKey(), // UUIDv7
    domain: text("domain").notNull(),
    shortcode: text("shortcode").notNull(),
    url: text("url").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
  },
  (t) => [uniqueIndex("custom_emojis_domain_shortcode").on(t.domain, t.shortcode)],
);

/** Accounts a member features on their profile (Mastodon's endorsements): only ones they follow. */
export const endorsements = sqliteTable(
  "endorsements",
  {
    id: text("id").primaryKey(), // UUIDv7: the order they were featured, and the paging cursor
    accountId: accountRef("account_id"),
    targetAccountId: accountRef("target_account_id"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("endorsements_pair").on(t.accountId, t.targetAccountId),
    index("endorsements_target_idx").on(t.targetAccountId),
  ],
);

/**
 * This instance's own custom emoji, uploaded by its admins (core/local-emojis.ts): members name
 * them as `:shortcode:` in posts and profiles; other servers get them as Emoji tags.
 */
export const localEmojis = sqliteTable(
  "local_emojis",
  {
    id: text("id").primaryKey(), // UUIDv7: the Emoji object's address, /emojis/:id
    shortcode: text("shortcode").notNull(),
    mime: text("mime").notNull(),
    path: text("path").notNull(), // under the data folder's media/
    staticPath: text("static_path").notNull(), // a still picture (the first frame of a GIF)
    category: text("category"),
    visibleInPicker: integer("visible_in_picker", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
  },
  // One emoji per shortcode whatever its case, so :Blob: and :blob: cannot look alike.
  (t) => [uniqueIndex("local_emojis_shortcode").on(sql`${t.shortcode} COLLATE NOCASE`)],
);

/**
 * A link's preview (Mastodon's PreviewCard): what the linked page says of itself in its
 * OpenGraph tags or title, fetched once per URL through the queue (core/cards.ts).
 */
export const previewCards = sqliteTable("preview_cards", {
  id: text("id").primaryKey(), // UUIDv7
  url: text("url").notNull().unique(),
  title: text("title").notNull(),
  description: text("description").notNull().default(""),
  /** The page's image, as it gives it; shown through the remote media cache. */
  imageUrl: text("image_url"),
  providerName: text("provider_name").notNull().default(""),
  /** The author the page names (`<meta name="author">`), as text. */
  authorName: text("author_name").notNull().default(""),
  /**
   * The fediverse account the page names as its author (`fediverse:creator`), and the site it was
   * read from (the host after redirects): the card credits the account while it allows that site.
   */
  authorAccountId: text("author_account_id").references((): AnySQLiteColumn => accounts.id, { onDelete: "set null" }),
  authorSite: text("author_site"),
  fetchedAt: integer("fetched_at", { mode: "timestamp_ms" }).notNull().default(now),
});

/** The card shown under a post (its first link's). */
export const postCards = sqliteTable(
  "post_cards",
  {
    postId: text("post_id")
      .primaryKey()
      .references(() => posts.id, { onDelete: "cascade" }),
    cardId: text("card_id")
      .notNull()
      .references(() => previewCards.id, { onDelete: "cascade" }),
  },
  (t) => [index("post_cards_card_idx").on(t.cardId)],
);

/**
 * Remote images (attachments, avatars, headers) fetched on first view and kept in the data
 * folder's media-cache/ under a random name; pruned by age and total size, fetched again after.
 */
export const remoteMedia = sqliteTable(
  "remote_media",
  {
    url: text("url").primaryKey(),
    path: text("path").notNull(),
    mime: text("mime").notNull(),
    bytes: integer("bytes").notNull(),
    fetchedAt: integer("fetched_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("remote_media_fetched_idx").on(t.fetchedAt)],
);

export const followStates = ["pending", "accepted"] as const;

export const follows = sqliteTable(
  "follows",
  {
    id: text("id").primaryKey(),
    followerId: accountRef("follower_id"),
    followingId: accountRef("following_id"),
    state: text("state", { enum: followStates }).notNull(),
    uri: text("uri"), // the Follow activity's id
    showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
    notify: integer("notify", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("follows_pair_unique").on(t.followerId, t.followingId),
    index("follows_following_idx").on(t.followingId, t.state),
    // Who rang the bell for an account: read at each of its posts, among however many followers.
    index("follows_notify_idx").on(t.followingId, t.state).where(sql`${t.notify} = 1`),
  ],
);

/** Likes, called favourites in the Mastodon API. */
export const favourites = sqliteTable(
  "favourites",
  {
    id: text("id").primaryKey(),
    accountId: accountRef("account_id"),
    postId: postRef("post_id"),
    uri: text("uri"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("favourites_pair_unique").on(t.accountId, t.postId), index("favourites_post_idx").on(t.postId)],
);

export const bookmarks = sqliteTable(
  "bookmarks",
  {
    id: text("id").primaryKey(),
    accountId: accountRef("account_id"),
    postId: postRef("post_id"),
    createdAt: createdAt(),
  },
  // The post index serves the cascade when a post is deleted (retention deletes them by the hundred).
  (t) => [uniqueIndex("bookmarks_pair_unique").on(t.accountId, t.postId), index("bookmarks_post_idx").on(t.postId)],
);

const relationColumns = () => ({
  id: text("id").primaryKey(),
  accountId: accountRef("account_id"),
  targetAccountId: accountRef("target_account_id"),
  uri: text("uri"),
  createdAt: createdAt(),
});
const relation = (name: string) =>
  sqliteTable(name, relationColumns(), (t) => [
    uniqueIndex(`${name}_pair_unique`).on(t.accountId, t.targetAccountId),
    index(`${name}_target_idx`).on(t.targetAccountId),
  ]);

export const blocks = relation("blocks");
/**
 * A member muted an account: its posts leave their timelines and, unless they keep them
 * (`notifications` false), its notifications stop; until `expiresAt` if they chose a duration
 * (the scheduler lifts it), as Mastodon's mute.
 */
export const mutes = sqliteTable(
  "mutes",
  {
    ...relationColumns(),
    notifications: integer("notifications", { mode: "boolean" }).notNull().default(true),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("mutes_pair_unique").on(t.accountId, t.targetAccountId),
    index("mutes_target_idx").on(t.targetAccountId),
    index("mutes_expiry_idx").on(t.expiresAt).where(sql`${t.expiresAt} IS NOT NULL`),
  ],
);

/**
 * A member blocked a whole domain for themselves (Mastodon's user domain block): its accounts'
 * posts and notifications are hidden from them, and no follows cross it (core/account-domain-blocks.ts).
 */
export const accountDomainBlocks = sqliteTable(
  "account_domain_blocks",
  {
    accountId: accountRef("account_id"),
    domain: text("domain").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.domain] })],
);

/**
 * A member muted a thread (Mastodon's "mute conversation"): no notifications from it. The post
 * is the thread's first one as known when muted; core/conversation-mutes.ts matches any post below it.
 */
export const conversationMutes = sqliteTable(
  "conversation_mutes",
  {
    accountId: accountRef("account_id"),
    postId: text("post_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.postId] })],
);

/** A member's private note on an account (Mastodon's relationship note): only they see it. */
export const accountNotes = sqliteTable(
  "account_notes",
  {
    accountId: accountRef("account_id"),
    targetAccountId: accountRef("target_account_id"),
    comment: text("comment").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.targetAccountId] }), index("account_notes_target_idx").on(t.targetAccountId)],
);

export const notificationTypes = [
  "mention",
  "reply",
  "favourite",
  "reblog",
  "follow",
  "follow_request",
  "status",
  "moderation_warning",
  "poll",
  "quote",
  // A post one boosted (update) or quoted (quoted_update; the notice carries one's quote) was edited.
  "update",
  "quoted_update",
  // For staff (Mastodon's names): someone joined (from_account), a report came in (report_id).
  "admin.sign_up",
  "admin.report",
  // Follows a moderator's action cut (severance_event_id): Mastodon's severed relationships.
  "severed_relationships",
] as const;
export type NotificationType = (typeof notificationTypes)[number];

/** The notifications a member may have e-mailed (Mastodon's notification_emails); `mention` covers replies. */
export const mailedNotifications = ["mention", "follow", "follow_request", "quote", "reblog", "favourite"] as const;
export type MailedNotification = (typeof mailedNotifications)[number];

/**
 * Follows an action cut, as Mastodon's relationship severance events: a server suspended by the
 * moderators (domain_block) or blocked by the member (user_domain_block), a remote account
 * suspended (account_suspension). Each member who lost some is notified and can download whom
 * (core/severances.ts).
 */
export const severanceTypes = ["domain_block", "user_domain_block", "account_suspension"] as const;
export const severanceEvents = sqliteTable("severance_events", {
  id: text("id").primaryKey(),
  type: text("type", { enum: severanceTypes }).notNull(),
  /** The suspended server, or the suspended account's handle. */
  targetName: text("target_name").notNull(),
  createdAt: createdAt(),
});

/** One member's lost follow: whom (a handle, kept as text: the account may be removed), which way, and its settings. */
export const severedRelationships = sqliteTable(
  "severed_relationships",
  {
    eventId: text("event_id")
      .notNull()
      .references(() => severanceEvents.id, { onDelete: "cascade" }),
    accountId: accountRef("account_id"),
    /** `user@server` */
    remoteAcct: text("remote_acct").notNull(),
    /** following: the member followed them; follower: they followed the member. */
    direction: text("direction", { enum: ["following", "follower"] }).notNull(),
    showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
    notify: integer("notify", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.accountId, t.direction, t.remoteAcct] }),
    index("severed_relationships_account_idx").on(t.accountId, t.eventId),
  ],
);

export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id") // who is notified (local)
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    type: text("type", { enum: notificationTypes }).notNull(),
    fromAccountId: accountRef("from_account_id"),
    postId: text("post_id").references(() => posts.id, { onDelete: "cascade" }),
    reportId: text("report_id").references((): AnySQLiteColumn => reports.id, { onDelete: "cascade" }),
    // The moderators' note a moderation_warning is about: each warning notifies once.
    warningId: text("warning_id").references((): AnySQLiteColumn => accountWarnings.id, { onDelete: "cascade" }),
    // The follows cut that a severed_relationships notification is about: each member is told once per event.
    severanceEventId: text("severance_event_id").references((): AnySQLiteColumn => severanceEvents.id, {
      onDelete: "cascade",
    }),
    createdAt: createdAt(),
    // Held back by the member's notification policy (core/notification-policy.ts): kept out of
    // the list, the badge, push and streaming until they accept its sender.
    filtered: integer("filtered", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("notifications_account_idx").on(t.accountId, t.id),
    // The same event notifies once (two partial indexes: NULL post ids never collide).
    uniqueIndex("notifications_once_post").on(t.accountId, t.type, t.fromAccountId, t.postId).where(sql`${t.postId} IS NOT NULL`),
    uniqueIndex("notifications_once")
      .on(t.accountId, t.type, t.fromAccountId)
      .where(sql`${t.postId} IS NULL AND ${t.reportId} IS NULL AND ${t.warningId} IS NULL AND ${t.severanceEventId} IS NULL`),
    uniqueIndex("notifications_once_warning").on(t.warningId).where(sql`${t.warningId} IS NOT NULL`),
    uniqueIndex("notifications_once_severance").on(t.severanceEventId, t.accountId).where(sql`${t.severanceEventId} IS NOT NULL`),
    // Report first: deleting a report finds its notifications by it (the cascade).
    uniqueIndex("notifications_once_report").on(t.reportId, t.accountId).where(sql`${t.reportId} IS NOT NULL`),
    // Without it, each deleted post reads every notification (the cascade): 5 s per 500 posts with 100,000 notifications.
    index("notifications_post_idx").on(t.postId),
    // A notification request's count: the held-back notifications from one sender (a few rows, however many the member has).
    index("notifications_filtered_idx").on(t.accountId, t.fromAccountId).where(sql`${t.filtered} = 1`),
  ],
);

export const notificationPolicyActions = ["accept", "filter", "drop"] as const;
export type NotificationPolicyAction = (typeof notificationPolicyActions)[number];
const policyColumn = (name: string, fallback: NotificationPolicyAction) =>
  text(name, { enum: notificationPolicyActions }).notNull().default(fallback);

/** Whose notifications a member accepts, holds back for review (filter) or ignores (drop); Mastodon 4.3's defaults. */
export const notificationPolicies = sqliteTable("notification_policies", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  forNotFollowing: policyColumn("for_not_following", "accept"),
  forNotFollowers: policyColumn("for_not_followers", "accept"),
  forNewAccounts: policyColumn("for_new_accounts", "accept"),
  forPrivateMentions: policyColumn("for_private_mentions", "filter"),
  forLimitedAccounts: policyColumn("for_limited_accounts", "filter"),
});

/** One sender whose notifications to a member were held back, waiting for Accept or Dismiss. */
export const notificationRequests = sqliteTable(
  "notification_requests",
  {
    id: text("id").primaryKey(), // UUIDv7: pages by id
    accountId: accountRef("account_id"),
    fromAccountId: accountRef("from_account_id"),
    lastPostId: text("last_post_id").references(() => posts.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
  },
  (t) => [
    uniqueIndex("notification_requests_pair").on(t.accountId, t.fromAccountId),
    index("notification_requests_account_idx").on(t.accountId, t.id),
  ],
);

/** Senders a member accepted: their notifications are never held back again. */
export const notificationPermissions = sqliteTable(
  "notification_permissions",
  { accountId: accountRef("account_id"), fromAccountId: accountRef("from_account_id"), createdAt: createdAt() },
  (t) => [primaryKey({ columns: [t.accountId, t.fromAccountId] })],
);

/** Invite links made by moderators (and users, when allowed). */
export const invites = sqliteTable("invites", {
  id: text("id").primaryKey(),
  code: text("code").notNull().unique(),
  createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
  maxUses: integer("max_uses"), // null: unlimited
  uses: integer("uses").notNull().default(0),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
});

/**
 * A sign-up a moderator turned away. The account is deleted (its name freed); this row, kept
 * for 30 days, lets the person read the moderators' message when they try to log in.
 */
export const signupRejections = sqliteTable(
  "signup_rejections",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    message: text("message").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [index("signup_rejections_username_idx").on(sql`lower(${t.username})`)],
);

/** A submitted form or API call with an idempotency key, so a resend makes nothing twice. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    accountId: accountRef("account_id"),
    key: text("key").notNull(),
    postId: text("post_id").references(() => posts.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] })],
);

export const reportCategories = ["spam", "illegal", "violation", "other"] as const;

/** Reports about accounts and posts, by local members or other servers (Flag). */
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    // A Flag's sender for another server's report (null in reports filed before it was kept, or once that account is gone)
    reporterId: text("reporter_id").references(() => accounts.id, { onDelete: "set null" }),
    reporterDomain: text("reporter_domain"), // the instance a Flag came from
    targetAccountId: accountRef("target_account_id"),
    postIds: text("post_ids", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    category: text("category", { enum: reportCategories }).notNull().default("other"),
    /** The instance's rules the reporter says were broken, as they read then (ids from their words, core/instance.ts ruleId; reports before that have their places, 1-based). */
    rules: text("rules", { mode: "json" }).$type<{ id: string; text: string }[]>().notNull().default(sql`'[]'`),
    comment: text("comment").notNull().default(""),
    uri: text("uri"), // the Flag activity's id
    forward: integer("forward", { mode: "boolean" }).notNull().default(false),
    // The reported posts as they were, so a report still shows them after they are deleted.
    snapshots: text("snapshots", { mode: "json" }).$type<PostSnapshot[]>().notNull().default(sql`'[]'`),
    assignedToId: text("assigned_to_id").references(() => accounts.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
    resolvedById: text("resolved_by_id").references(() => accounts.id, { onDelete: "set null" }),
  },
  (t) => [index("reports_target_idx").on(t.targetAccountId), index("reports_open_idx").on(t.resolvedAt)],
);

/** How deliveries to each remote inbox go, for the admin pages and to stop writing to dead ones. */
export const inboxStatus = sqliteTable(
  "inbox_status",
  {
    inboxUrl: text("inbox_url").primaryKey(),
    host: text("host").notNull(),
    failures: integer("failures").notNull().default(0), // in a row, since the last success
    lastError: text("last_error"),
    lastFailureAt: integer("last_failure_at", { mode: "timestamp_ms" }),
    lastSuccessAt: integer("last_success_at", { mode: "timestamp_ms" }),
    // Set when the inbox answered 404 or 410: nothing more is sent there.
    goneAt: integer("gone_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("inbox_status_host_idx").on(t.host)],
);

/** Moderators' notes on a report. */
export const reportNotes = sqliteTable(
  "report_notes",
  {
    id: text("id").primaryKey(),
    reportId: text("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    authorId: text("author_id").references(() => accounts.id, { onDelete: "set null" }),
    text: text("text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("report_notes_report_idx").on(t.reportId)],
);

/**
 * The staff's notes on an account (Mastodon's account moderation notes): what moderators tell
 * each other about it, on its admin page; never shown to the account.
 */
export const moderationNotes = sqliteTable(
  "account_moderation_notes",
  {
    id: text("id").primaryKey(), // UUIDv7: the order they were written
    accountId: accountRef("account_id"),
    authorId: text("author_id").references(() => accounts.id, { onDelete: "set null" }),
    text: text("text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("account_moderation_notes_account_idx").on(t.accountId)],
);

/** Every moderation and admin action: who, what, on what, why. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").references(() => accounts.id, { onDelete: "set null" }),
    action: text("action").notNull(), // e.g. "report.resolve", "signup.approve"
    targetType: text("target_type").notNull(), // "report", "account", "post", "domain", "settings"
    targetId: text("target_id"),
    detail: text("detail").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_created_idx").on(t.id), index("audit_log_action_idx").on(t.action)],
);

/** A post as it was when reported or removed, kept in case it is deleted (html already sanitized). */
export interface PostSnapshot {
  id: string;
  html: string;
  spoilerText: string;
  createdAt: string;
}

/** What moderators did to an account, with the reason the member sees. */
export const accountWarnings = sqliteTable(
  "account_warnings",
  {
    id: text("id").primaryKey(),
    accountId: accountRef("account_id"),
    actorId: text("actor_id").references(() => accounts.id, { onDelete: "set null" }),
    action: text("action").notNull(), // warn, sensitive, silence, suspend, delete_post, and their undos
    text: text("text").notNull().default(""),
    createdAt: createdAt(),
    // Set when a moderator approved the member's appeal: the action was undone where it could be.
    overruledAt: integer("overruled_at", { mode: "timestamp_ms" }),
    // The posts a removal took, as they were, for the member and for whoever answers their appeal.
    posts: text("posts", { mode: "json" }).$type<PostSnapshot[]>().notNull().default(sql`'[]'`),
  },
  (t) => [index("account_warnings_account_idx").on(t.accountId, t.id)],
);

/** A member's request to undo a moderation action (one per action), and the staff's answer. */
export const appeals = sqliteTable(
  "appeals",
  {
    id: text("id").primaryKey(),
    warningId: text("warning_id")
      .notNull()
      .unique()
      .references(() => accountWarnings.id, { onDelete: "cascade" }),
    accountId: accountRef("account_id"),
    text: text("text").notNull(),
    createdAt: createdAt(),
    decidedAt: integer("decided_at", { mode: "timestamp_ms" }),
    decidedById: text("decided_by_id").references(() => accounts.id, { onDelete: "set null" }),
    approved: integer("approved", { mode: "boolean" }),
  },
  (t) => [index("appeals_waiting_idx").on(t.decidedAt, t.id)],
);

export const domainBlockSeverities = ["silence", "suspend", "noop"] as const;

/** Instance-wide decisions about other servers (Mastodon's domain blocks, same field names). */
export const domainBlocks = sqliteTable("domain_blocks", {
  domain: text("domain").primaryKey(), // lower case, with its port when it has one; covers subdomains
  severity: text("severity", { enum: domainBlockSeverities }).notNull(),
  rejectMedia: integer("reject_media", { mode: "boolean" }).notNull().default(false),
  rejectReports: integer("reject_reports", { mode: "boolean" }).notNull().default(false),
  publicComment: text("public_comment").notNull().default(""),
  privateComment: text("private_comment").notNull().default(""),
  obfuscate: integer("obfuscate", { mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
});

/** OAuth 2 client applications registered through POST /api/v1/apps (Mastodon apps, bots). */
export const oauthApps = sqliteTable("oauth_apps", {
  id: text("id").primaryKey(), // UUIDv7
  clientId: text("client_id").notNull().unique(),
  clientSecretHash: text("client_secret_hash").notNull(), // sha256 hex of the secret given once
  name: text("name").notNull(),
  website: text("website"),
  redirectUris: text("redirect_uris", { mode: "json" }).$type<string[]>().notNull(),
  scopes: text("scopes").notNull(), // space-separated, as registered
  createdAt: createdAt(),
});

/** Authorization codes: single use, short-lived, bound to a redirect URI and a PKCE challenge. */
export const oauthCodes = sqliteTable("oauth_codes", {
  codeHash: text("code_hash").primaryKey(),
  appId: text("app_id")
    .notNull()
    .references(() => oauthApps.id, { onDelete: "cascade" }),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  redirectUri: text("redirect_uri").notNull(),
  scopes: text("scopes").notNull(),
  codeChallenge: text("code_challenge"),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  usedAt: integer("used_at", { mode: "timestamp_ms" }),
});

/** Access tokens (stored hashed). A token without a user is an app's own (client_credentials). */
export const oauthTokens = sqliteTable(
  "oauth_tokens",
  {
    id: text("id").primaryKey(), // UUIDv7
    tokenHash: text("token_hash").notNull().unique(),
    appId: text("app_id")
      .notNull()
      .references(() => oauthApps.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    scopes: text("scopes").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("oauth_tokens_user_idx").on(t.userId)],
);

export const pushPolicies = ["all", "followed", "follower", "none"] as const;
export type PushPolicy = (typeof pushPolicies)[number];

/**
 * A Mastodon app's Web Push subscription (one per access token, as Mastodon): where to send a
 * member's notifications, the browser's or phone's keys to encrypt them with, and which ones it
 * wants (core/push.ts). The token itself is kept because the notification sent carries it
 * (apps find the account by it); revoking the token ends the subscription.
 */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(), // UUIDv7
    tokenId: text("token_id")
      .notNull()
      .unique()
      .references(() => oauthTokens.id, { onDelete: "cascade" }),
    accountId: accountRef("account_id"),
    accessToken: text("access_token").notNull(),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    /** RFC 8291 encryption (aes128gcm); false: the older aesgcm draft most apps still ask for. */
    standard: integer("standard", { mode: "boolean" }).notNull().default(false),
    alerts: text("alerts", { mode: "json" }).$type<Record<string, boolean>>().notNull(),
    policy: text("policy", { enum: pushPolicies }).notNull().default("all"),
    createdAt: createdAt(),
  },
  (t) => [index("push_subscriptions_account_idx").on(t.accountId)],
);

/** Servers the instance federates with in allowlist mode (Mastodon's domain allows). */
export const domainAllows = sqliteTable("domain_allows", {
  domain: text("domain").primaryKey(), // normalized like domain_blocks.domain; covers subdomains
  comment: text("comment").notNull().default(""),
  createdBy: text("created_by").references(() => accounts.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

export const ipBlockSeverities = ["sign_up_requires_approval", "sign_up_block"] as const;
export type IpBlockSeverity = (typeof ipBlockSeverities)[number];

/** Networks whose sign-ups wait for a moderator or are refused (Mastodon's IP rules), for a while or for good. */
export const ipBlocks = sqliteTable("ip_blocks", {
  id: text("id").primaryKey(),
  /** An address or a network, as `203.0.113.0/24` or `2001:db8::/32` (a single address has /32 or /128). */
  cidr: text("cidr").notNull().unique(),
  severity: text("severity", { enum: ipBlockSeverities }).notNull(),
  comment: text("comment").notNull().default(""),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  createdBy: text("created_by").references(() => accounts.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

/** E-mail providers whose addresses may not sign up (throwaway mail used by spammers): covers subdomains. */
export const emailDomainBlocks = sqliteTable("email_domain_blocks", {
  domain: text("domain").primaryKey(), // lowercase, like domain_blocks.domain
  createdBy: text("created_by").references(() => accounts.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

export const relayStates = ["idle", "pending", "accepted", "rejected"] as const;
export type RelayState = (typeof relayStates)[number];

/**
 * Relays the instance joins (Mastodon's relay protocol): its members' public posts go to each
 * joined relay's inbox, and the public posts the relay passes on are kept for the federated
 * timeline. `followUri` is the id of the Follow last sent; the relay's actor is learnt from its Accept.
 */
export const relays = sqliteTable("relays", {
  id: text("id").primaryKey(),
  inboxUrl: text("inbox_url").notNull().unique(),
  state: text("state", { enum: relayStates }).notNull().default("idle"),
  followUri: text("follow_uri").unique(),
  actorUri: text("actor_uri"),
  createdBy: text("created_by").references(() => accounts.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  stateChangedAt: integer("state_changed_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date()),
});

export const listRepliesPolicies = ["followed", "list", "none"] as const;
export type ListRepliesPolicy = (typeof listRepliesPolicies)[number];

/** A member's lists of accounts they follow, each with its own timeline (Mastodon's lists). */
export const lists = sqliteTable(
  "lists",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: accountRef("account_id"), // the owner
    title: text("title").notNull(),
    // Which replies the list's timeline shows: to anyone followed, to list members, or none.
    repliesPolicy: text("replies_policy", { enum: listRepliesPolicies }).notNull().default("list"),
    // An exclusive list's members leave the owner's home timeline.
    exclusive: integer("exclusive", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index("lists_account_idx").on(t.accountId)],
);

export const listAccounts = sqliteTable(
  "list_accounts",
  {
    listId: text("list_id")
      .notNull()
      .references(() => lists.id, { onDelete: "cascade" }),
    accountId: accountRef("account_id"),
  },
  (t) => [primaryKey({ columns: [t.listId, t.accountId] }), index("list_accounts_account_idx").on(t.accountId)],
);

export const filterContexts = ["home", "notifications", "public", "thread", "account"] as const;
export type FilterContext = (typeof filterContexts)[number];
/** warn: the post folded; hide: left out; blur: only its pictures folded (Mastodon 4.4). */
export const filterActions = ["warn", "hide", "blur"] as const;
export type FilterAction = (typeof filterActions)[number];

/** A member's keyword filter (Mastodon's filters v2): where it applies and what it does. */
export const filters = sqliteTable(
  "filters",
  {
    id: text("id").primaryKey(),
    accountId: accountRef("account_id"),
    title: text("title").notNull(),
    context: text("context", { mode: "json" }).$type<FilterContext[]>().notNull(),
    filterAction: text("filter_action", { enum: filterActions }).notNull().default("warn"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }), // null: never
    createdAt: createdAt(),
  },
  (t) => [index("filters_account_idx").on(t.accountId)],
);

const filterRef = () =>
  text("filter_id")
    .notNull()
    .references(() => filters.id, { onDelete: "cascade" });

export const filterKeywords = sqliteTable(
  "filter_keywords",
  {
    id: text("id").primaryKey(),
    filterId: filterRef(),
    keyword: text("keyword").notNull(),
    wholeWord: integer("whole_word", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [index("filter_keywords_filter_idx").on(t.filterId)],
);

/** Single posts a filter applies to, whatever their text. */
export const filterStatuses = sqliteTable(
  "filter_statuses",
  {
    id: text("id").primaryKey(),
    filterId: filterRef(),
    postId: postRef("post_id"),
  },
  (t) => [uniqueIndex("filter_statuses_pair_unique").on(t.filterId, t.postId)],
);

/** Hashtags a member follows: public posts carrying them join the member's home timeline. */
export const followedTags = sqliteTable(
  "followed_tags",
  {
    id: text("id").primaryKey(), // UUIDv7: the cursor the list pages by
    accountId: accountRef("account_id"),
    tagId: text("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("followed_tags_pair_unique").on(t.accountId, t.tagId)],
);

export const importKinds = ["following", "blocking", "muting", "bookmarks", "domain_blocking", "lists"] as const;
export type ImportKind = (typeof importKinds)[number];
export const importModes = ["merge", "overwrite"] as const;
export type ImportMode = (typeof importModes)[number];

/** A member's upload of a Mastodon CSV (follows, blocks, mutes, bookmarks), worked off in the queue. */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: accountRef("account_id"),
    kind: text("kind", { enum: importKinds }).notNull(),
    mode: text("mode", { enum: importModes }).notNull(),
    filename: text("filename").notNull().default(""),
    // Overwrite: what the file does not name has been removed (done once, before the rows).
    overwritten: integer("overwritten", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("imports_account_idx").on(t.accountId, t.id)],
);

export const importRowStates = ["pending", "done", "failed", "skipped"] as const;

/** One row of an import: what it asks for, and how it went (a reason when failed or skipped). */
export const importRows = sqliteTable(
  "import_rows",
  {
    importId: text("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    line: integer("line").notNull(), // the line of the file, from 1
    // An account address (user@domain) or a post URL, as the file gives it (cut to 300).
    target: text("target").notNull(),
    /** A lists import: the title of the list the account goes in. */
    list: text("list"),
    showReblogs: integer("show_reblogs", { mode: "boolean" }),
    notify: integer("notify", { mode: "boolean" }),
    // A mutes file's "Hide notifications" column.
    hideNotifications: integer("hide_notifications", { mode: "boolean" }),
    state: text("state", { enum: importRowStates }).notNull().default("pending"),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.importId, t.line] }), index("import_rows_state_idx").on(t.importId, t.state)],
);

/**
 * The staff's announcements to the members (core/announcements.ts): shown on top of the home
 * page and in apps (Mastodon's `/api/v1/announcements`) while published and not yet ended.
 */
export const announcements = sqliteTable(
  "announcements",
  {
    id: text("id").primaryKey(), // UUIDv7
    text: text("text").notNull(), // plain text; links, mentions and hashtags are made when shown
    // What the announcement is about happens between these (shown; it stops showing after the end).
    startsAt: integer("starts_at", { mode: "timestamp_ms" }),
    endsAt: integer("ends_at", { mode: "timestamp_ms" }),
    allDay: integer("all_day", { mode: "boolean" }).notNull().default(false), // dates only, no times
    publishedAt: integer("published_at", { mode: "timestamp_ms" }), // null: a draft only staff see
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
  },
  (t) => [index("announcements_published_idx").on(t.publishedAt)],
);

const announcementRef = (name: string) =>
  text(name)
    .notNull()
    .references(() => announcements.id, { onDelete: "cascade" });

/** A member dismissed (read) an announcement: it leaves their home page. */
export const announcementReads = sqliteTable(
  "announcement_reads",
  { announcementId: announcementRef("announcement_id"), accountId: accountRef("account_id"), createdAt: createdAt() },
  (t) => [primaryKey({ columns: [t.accountId, t.announcementId] })],
);

/** A member's reaction to an announcement: a Unicode emoji or the shortcode of one of the instance's custom emoji. */
export const announcementReactions = sqliteTable(
  "announcement_reactions",
  {
    announcementId: announcementRef("announcement_id"),
    accountId: accountRef("account_id"),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.announcementId, t.name, t.accountId] })],
);

/**
 * A member's post to be published later (Mastodon's ScheduledStatus, core/scheduled-posts.ts):
 * what they wrote, checked when scheduled and again when the time comes.
 */
export const scheduledPosts = sqliteTable(
  "scheduled_posts",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: accountRef("account_id"),
    scheduledAt: integer("scheduled_at", { mode: "timestamp_ms" }).notNull(),
    params: text("params", { mode: "json" }).$type<PostInput>().notNull(),
    /** Why it could not be published when its time came (it then waits for the member). */
    error: text("error"),
    createdAt: createdAt(),
  },
  (t) => [
    index("scheduled_posts_account_idx").on(t.accountId, t.scheduledAt),
    index("scheduled_posts_due_idx").on(t.scheduledAt),
  ],
);

/** A new post as core/posts.ts takes it (pages, the API, a scheduled post's stored params). */
export interface PostInput {
  status: string;
  spoilerText?: string;
  visibility?: Visibility;
  inReplyToId?: string;
  mediaIds?: string[];
  sensitive?: boolean;
  language?: string;
  poll?: PollInput;
  /** The post it quotes (core/quotes.ts). */
  quotedId?: string;
  /** Who may quote this post (public by default). */
  quotePolicy?: QuotePolicy;
  /** A key sent with the form or the API call: the same key twice makes one post. */
  idempotencyKey?: string;
  /** The Mastodon app it is posted with (none from the web pages). */
  applicationId?: string;
  /** New alt text or focal points for media it takes, by id (a redraft's, a refused post's kept uploads). */
  mediaAttributes?: Record<string, { description?: string; focus?: string }>;
}

export interface PollInput {
  options: string[];
  /** Seconds from when the post is published (or edited). */
  expiresIn: number;
  /** An edit that leaves when the poll ends as it was (the edit page's "As now"): expiresIn is not read. */
  keepEnd?: boolean;
  multiple?: boolean;
  hideTotals?: boolean;
}

/** A hashtag a member features on their profile (Mastodon's featured tags, core/featured-tags.ts). */
export const featuredTags = sqliteTable(
  "featured_tags",
  {
    id: text("id").primaryKey(), // UUIDv7: the order they were featured
    accountId: accountRef("account_id"),
    tagId: text("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("featured_tags_pair_unique").on(t.accountId, t.tagId)],
);

/** A member said "not interested" to a suggested account (core/suggestions.ts): it is not suggested again. */
export const suggestionDismissals = sqliteTable(
  "suggestion_dismissals",
  { accountId: accountRef("account_id"), targetAccountId: accountRef("target_account_id"), createdAt: createdAt() },
  (t) => [primaryKey({ columns: [t.accountId, t.targetAccountId] })],
);

export const trendKinds = ["tag", "post", "link"] as const;
export type TrendKind = (typeof trendKinds)[number];

/**
 * What is trending here now (core/trends.ts): hashtags, posts and links, ranked by a job every
 * 15 minutes from the last two days' public posts; the pages and the API read this.
 */
export const trends = sqliteTable(
  "trends",
  {
    kind: text("kind", { enum: trendKinds }).notNull(),
    targetId: text("target_id").notNull(), // a tag's, post's or preview card's id
    rank: integer("rank").notNull(),
    /** How many people used, shared or boosted and liked it in the last two days. */
    accounts: integer("accounts").notNull(),
    computedAt: integer("computed_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.targetId] }), index("trends_rank_idx").on(t.kind, t.rank)],
);

/** What the moderators took out of the trends: it does not trend again. */
export const hiddenTrends = sqliteTable(
  "hidden_trends",
  {
    kind: text("kind", { enum: trendKinds }).notNull(),
    targetId: text("target_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.targetId] })],
);
