import { getLogger } from "@logtape/logtape";
import { and, eq, isNull } from "drizzle-orm";
import webpush from "web-push";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import {
  accounts,
  type NotificationType,
  notifications,
  oauthTokens,
  type PushPolicy,
  posts,
  pushPolicies,
  pushSubscriptions,
  reports,
  users,
} from "../db/schema.ts";
import { isFollowing } from "./accounts-read.ts";
import { mastodonNotificationType, notificationNumbers } from "./notifications.ts";
import { CoreError } from "./errors.ts";
import { getInternal, getSettings, setInternal } from "./instance.ts";
import type { TaskQueue } from "./tasks.ts";
import { htmlToPlainText } from "./text.ts";
import { accountView, MISSING_IMAGES } from "./views.ts";

/** What an app can ask to be told about (Mastodon's alert names). */
export const pushAlerts = [
  "mention",
  "status",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "poll",
  "update",
  "quote",
  "quoted_update",
  "admin.sign_up",
  "admin.report",
] as const;
export type PushAlert = (typeof pushAlerts)[number];

/** The alert a notification goes out under (replies are mentions, as in the API); none: never pushed. */
const alertOf: Record<NotificationType, PushAlert | undefined> = {
  mention: "mention",
  reply: "mention",
  favourite: "favourite",
  reblog: "reblog",
  follow: "follow",
  follow_request: "follow_request",
  status: "status",
  moderation_warning: undefined,
  poll: "poll",
  quote: "quote",
  update: "update",
  quoted_update: "quoted_update",
  "admin.sign_up": "admin.sign_up",
  "admin.report": "admin.report",
  severed_relationships: undefined,
};

/** A push service keeps an undelivered notification this long (seconds); past it, retrying stops. */
const TTL_SECONDS = 48 * 60 * 60;
const MAX_ENDPOINT = 2048;
const BODY_LENGTH = 140;

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

export interface PushRequest {
  endpoint: string;
  headers: Record<string, string>;
  body: Uint8Array;
}
/** Sends one request to a push service and resolves with the answer's status (throws when unreachable). */
export type PushSender = (request: PushRequest) => Promise<number>;

interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The instance's VAPID key pair (P-256), made on first use and kept with the settings: apps
 * check that notifications are signed by the key they were given (`server_key`).
 */
export function vapidKeys(db: Db): VapidKeys {
  const saved = getInternal(db, "vapid") as Partial<VapidKeys> | undefined;
  if (typeof saved?.publicKey === "string" && typeof saved.privateKey === "string") {
    return { publicKey: saved.publicKey, privateKey: saved.privateKey };
  }
  const keys = webpush.generateVAPIDKeys();
  setInternal(db, "vapid", keys);
  return keys;
}

export interface PushSubscriptionInput {
  endpoint: unknown;
  p256dh: unknown;
  auth: unknown;
  standard: boolean;
  alerts: Partial<Record<PushAlert, boolean>>;
  policy: unknown;
}

/** Base64 (URL-safe or not, padded or not) decoded; undefined when it is not. */
function decoded(value: unknown): Buffer | undefined {
  if (typeof value !== "string" || !/^[\w+/-]+={0,2}$/.test(value) || value.length > 200) return undefined;
  return Buffer.from(value.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
}

function checked(input: PushSubscriptionInput) {
  const endpoint = typeof input.endpoint === "string" ? input.endpoint : "";
  const url = URL.parse(endpoint);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || endpoint.length > MAX_ENDPOINT) {
    throw new CoreError("Validation failed: Endpoint is not a valid URL", 422);
  }
  const key = decoded(input.p256dh);
  if (key?.length !== 65 || key[0] !== 4) {
    throw new CoreError("Validation failed: Keys p256dh is not a P-256 public key (65 bytes, base64url)", 422);
  }
  const auth = decoded(input.auth);
  if (auth?.length !== 16) {
    throw new CoreError("Validation failed: Keys auth is not a 16-byte secret (base64url)", 422);
  }
  return {
    endpoint: url.href,
    p256dh: key.toString("base64url"),
    auth: auth.toString("base64url"),
    standard: input.standard,
    ...settings(input),
  };
}

/** Alerts not named are off and the policy defaults to everyone, as Mastodon reads them. */
function settings(input: Pick<PushSubscriptionInput, "alerts" | "policy">) {
  const policy = input.policy ?? "all";
  if (!pushPolicies.includes(policy as PushPolicy)) {
    throw new CoreError(`Validation failed: Policy must be one of ${pushPolicies.join(", ")}`, 422);
  }
  const alerts = Object.fromEntries(pushAlerts.map((a) => [a, input.alerts[a] === true]));
  return { alerts, policy: policy as PushPolicy };
}

/** Subscribes a token to its member's notifications; a token's earlier subscription is replaced. */
export function subscribePush(
  db: Db,
  owner: { tokenId: string; accountId: string; accessToken: string },
  input: PushSubscriptionInput,
): PushSubscriptionRow {
  const values = checked(input);
  return db.transaction((tx) => {
    tx.delete(pushSubscriptions).where(eq(pushSubscriptions.tokenId, owner.tokenId)).run();
    return tx
      .insert(pushSubscriptions)
      .values({ id: newId(), ...owner, ...values })
      .returning()
      .get();
  });
}

export function pushSubscriptionOf(db: Db, tokenId: string): PushSubscriptionRow {
  const row = db.select().from(pushSubscriptions).where(eq(pushSubscriptions.tokenId, tokenId)).get();
  if (!row) throw new CoreError("Record not found", 404);
  return row;
}

/** Changes which notifications a subscription gets (the rest of it can only be replaced). */
export function updatePushSubscription(
  db: Db,
  tokenId: string,
  input: Pick<PushSubscriptionInput, "alerts" | "policy">,
): PushSubscriptionRow {
  pushSubscriptionOf(db, tokenId);
  return db
    .update(pushSubscriptions)
    .set(settings(input))
    .where(eq(pushSubscriptions.tokenId, tokenId))
    .returning()
    .get() as PushSubscriptionRow;
}

export function unsubscribePush(db: Db, tokenId: string): void {
  db.delete(pushSubscriptions).where(eq(pushSubscriptions.tokenId, tokenId)).run();
}

function policyAllows(db: Db, policy: PushPolicy, accountId: string, fromAccountId: string): boolean {
  if (policy === "all") return true;
  if (policy === "followed") return isFollowing(db, accountId, fromAccountId);
  if (policy === "follower") return isFollowing(db, fromAccountId, accountId);
  return false;
}

/** Queues a push of a new notification to each of the member's subscriptions that asked for it. */
export async function queuePushes(
  deps: { db: Db; tasks: TaskQueue },
  event: { notificationId: string; accountId: string },
): Promise<void> {
  const { db } = deps;
  const notification = db.select().from(notifications).where(eq(notifications.id, event.notificationId)).get();
  const alert = notification && alertOf[notification.type];
  if (!alert) return;
  const subscriptions = db
    .select({
      id: pushSubscriptions.id,
      endpoint: pushSubscriptions.endpoint,
      alerts: pushSubscriptions.alerts,
      policy: pushSubscriptions.policy,
    })
    .from(pushSubscriptions)
    .innerJoin(oauthTokens, eq(oauthTokens.id, pushSubscriptions.tokenId))
    .where(and(eq(pushSubscriptions.accountId, event.accountId), isNull(oauthTokens.revokedAt)))
    .all();
  for (const s of subscriptions) {
    if (!s.alerts[alert] || !policyAllows(db, s.policy, event.accountId, notification.fromAccountId)) continue;
    await deps.tasks.enqueueTask({ type: "push", subscriptionId: s.id, notificationId: notification.id, target: s.endpoint });
  }
}

const titles: Record<NotificationType, (name: string) => string> = {
  mention: (name) => `You were mentioned by ${name}`,
  reply: (name) => `You were mentioned by ${name}`,
  favourite: (name) => `${name} favorited your post`,
  reblog: (name) => `${name} boosted your post`,
  follow: (name) => `${name} is now following you`,
  follow_request: (name) => `Pending follower: ${name}`,
  status: (name) => `${name} just posted`,
  moderation_warning: () => "A moderator acted on your account",
  poll: (name) => `A poll by ${name} has ended`,
  quote: (name) => `${name} quoted your post`,
  update: (name) => `${name} edited a post`,
  quoted_update: (name) => `${name} edited a post you quoted`,
  "admin.sign_up": (name) => `${name} signed up`,
  "admin.report": (name) => `${name} sent a report`,
  severed_relationships: () => "A moderator's action ended some of your follows",
};

const truncated = (text: string) => (text.length > BODY_LENGTH ? `${text.slice(0, BODY_LENGTH - 1)}…` : text);

/** What the app shows (Mastodon's payload): it fetches the rest with the token and the notification's id. */
/** For staff: what the report says, or why the newcomer wants to join, rather than the sender's bio. */
function staffText(db: Db, notification: typeof notifications.$inferSelect): string | undefined {
  if (notification.reportId)
    return db.select({ comment: reports.comment }).from(reports).where(eq(reports.id, notification.reportId)).get()?.comment;
  if (notification.type === "admin.sign_up")
    return (
      db.select({ reason: users.signupReason }).from(users).where(eq(users.accountId, notification.fromAccountId)).get()
        ?.reason ?? ""
    );
  return undefined;
}

function payload(db: Db, baseUrl: URL, subscription: PushSubscriptionRow, notification: typeof notifications.$inferSelect) {
  const from = db.select().from(accounts).where(eq(accounts.id, notification.fromAccountId)).get();
  const post = notification.postId ? db.select().from(posts).where(eq(posts.id, notification.postId)).get() : undefined;
  const view = from ? accountView(baseUrl, from) : undefined;
  const text = post
    ? post.spoilerText || post.text || htmlToPlainText(post.contentHtml)
    : (staffText(db, notification) ?? htmlToPlainText(from?.note ?? ""));
  return {
    access_token: subscription.accessToken,
    preferred_locale: "en",
    // An integer, as Mastodon sends it: apps decode it so, then fetch the notification by it.
    notification_id: notificationNumbers(db, [notification.id]).get(notification.id) ?? 0,
    notification_type: mastodonNotificationType(notification.type),
    icon: new URL(view?.avatarUrl ?? MISSING_IMAGES.avatar, baseUrl).href,
    title: titles[notification.type](view?.displayName ?? "Someone"),
    body: truncated(text.trim()),
  };
}

/**
 * The notification encrypted for the subscriber's key and signed with the instance's VAPID key:
 * RFC 8291 (aes128gcm) for subscriptions that asked for the standard, else the aesgcm draft
 * that Mastodon used until 4.4 and most apps still expect.
 */
function encryptedRequest(db: Db, baseUrl: URL, subscription: PushSubscriptionRow, body: string): PushRequest {
  const keys = vapidKeys(db);
  const encoding = subscription.standard ? "aes128gcm" : "aesgcm";
  const { contactEmail } = getSettings(db);
  const subject = contactEmail
    ? `mailto:${contactEmail}`
    : baseUrl.protocol === "https:"
      ? baseUrl.origin
      : `mailto:admin@${baseUrl.hostname}`;
  const sealed = webpush.encrypt(subscription.p256dh, subscription.auth, body, encoding);
  const vapid = webpush.getVapidHeaders(
    new URL(subscription.endpoint).origin,
    subject,
    keys.publicKey,
    keys.privateKey,
    encoding,
  ) as { Authorization: string; "Crypto-Key"?: string };
  const headers: Record<string, string> = {
    ttl: String(TTL_SECONDS),
    urgency: "normal",
    "content-type": "application/octet-stream",
    "content-encoding": encoding,
    authorization: vapid.Authorization,
  };
  if (encoding === "aesgcm") {
    // web-push's types say string; it is the Buffer node:crypto's ECDH gives.
    const dh = sealed.localPublicKey as string | Buffer;
    headers.encryption = `salt=${sealed.salt}`;
    headers["crypto-key"] = `dh=${typeof dh === "string" ? dh : dh.toString("base64url")};${vapid["Crypto-Key"]}`;
  }
  return { endpoint: subscription.endpoint, headers, body: new Uint8Array(sealed.cipherText) };
}

const logger = getLogger(["skein", "push"]);

/**
 * Sends one queued push. A subscription the push service no longer knows (404, 410) or whose
 * token was revoked is deleted; a busy or failing service (429, 5xx, unreachable) is retried by
 * the queue until the notification is older than the push TTL; other refusals are logged and dropped.
 */
export async function sendPush(
  deps: { db: Db; baseUrl: URL; push: PushSender },
  task: { subscriptionId: string; notificationId: string },
): Promise<void> {
  const { db } = deps;
  const found = db
    .select({ subscription: pushSubscriptions, revokedAt: oauthTokens.revokedAt })
    .from(pushSubscriptions)
    .innerJoin(oauthTokens, eq(oauthTokens.id, pushSubscriptions.tokenId))
    .where(eq(pushSubscriptions.id, task.subscriptionId))
    .get();
  if (!found) return;
  const { subscription } = found;
  const gone = () => db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, subscription.id)).run();
  if (found.revokedAt) return void gone();
  const notification = db.select().from(notifications).where(eq(notifications.id, task.notificationId)).get();
  if (!notification || Date.now() - notification.createdAt.getTime() > TTL_SECONDS * 1000) return;
  const body = JSON.stringify(payload(db, deps.baseUrl, subscription, notification));
  const status = await deps.push(encryptedRequest(db, deps.baseUrl, subscription, body));
  if (status === 404 || status === 410) return void gone();
  if (status === 429 || status >= 500) throw new Error(`the push service answered ${status}`);
  if (status >= 400) {
    logger.warning("A push service refused a notification ({status}): {endpoint}", {
      status,
      endpoint: new URL(subscription.endpoint).origin,
    });
  }
}
