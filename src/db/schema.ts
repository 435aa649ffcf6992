// The database schema. Migrations in drizzle/ are generated from this file with
// `bun run db:generate`; never edit a committed migration, add a new one.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;
const createdAt = () => integer("created_at", { mode: "timestamp_ms" }).notNull().default(now);

export const roles = ["owner", "admin", "moderator", "user"] as const;
export type Role = (typeof roles)[number];

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
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
    fetchedAt: integer("fetched_at", { mode: "timestamp_ms" }), // last refresh of a remote actor
  },
  (t) => [
    // One account per handle, regardless of case (two partial indexes, since NULL domains never collide).
    uniqueIndex("accounts_local_username_unique").on(sql`lower(${t.username})`).where(sql`${t.domain} IS NULL`),
    uniqueIndex("accounts_remote_handle_unique").on(sql`lower(${t.username})`, t.domain),
    index("accounts_domain_idx").on(t.domain),
  ],
);

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
  },
  (t) => [
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    // An instance has exactly one owner.
    uniqueIndex("users_one_owner").on(t.role).where(sql`${t.role} = 'owner'`),
  ],
);

/** Browser sessions; the cookie holds a random token, we keep only its SHA-256. */
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

/** Key pairs of local actors, as JWK; losing them means losing the actor's identity. */
export const actorKeys = sqliteTable(
  "actor_keys",
  {
    id: text("id").primaryKey(), // UUIDv7
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
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
