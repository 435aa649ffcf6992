import { and, desc, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import {
  accounts,
  type MailedNotification,
  mailedNotifications,
  type NotificationType,
  notifications,
  posts,
  users,
} from "../db/schema.ts";
import { joinedSql } from "./accounts.ts";
import { type MailDeps, quoted } from "./mail.ts";
import { htmlToPlainText } from "./text.ts";
import { postPageUrl } from "./views.ts";

/*
 * Notifications by e-mail, for members who are away, as Mastodon sends them: mentions and
 * replies, new followers, follow requests and quotes unless the member turns them off; boosts
 * and likes if they turn them on. A notification waits a little first: one the member has seen
 * by then (the notifications page, an app's read marker) or while they had a page or an app open
 * on their own stream is not mailed. What comes in together goes in one e-mail, and a member
 * gets one every ten minutes at most, however busy their posts are. Filtered notifications are
 * not mailed (their senders did not get through), nor are a member's blocks and mutes (they
 * made no notification).
 */

/** How long a notification waits unseen before it is mailed, and the least time between two e-mails to one member. */
export const MAIL_WAIT_MS = 2 * 60_000;
export const MAIL_EVERY_MS = 10 * 60_000;
/** Notifications told in full in one e-mail; the rest are counted. */
const TOLD = 5;

export type NotificationMailDeps = MailDeps & {
  /** Whether the member has a page or an app open on their own stream right now. */
  online: (accountId: string) => boolean;
  /** The link in each e-mail that stops them without logging in. */
  unsubscribeUrl: (userId: string) => string;
};

/** Our notification types each choice covers: a reply is a mention, as on Mastodon. */
const covered = (choices: MailedNotification[]): NotificationType[] =>
  choices.flatMap((choice) => (choice === "mention" ? ["mention", "reply"] : [choice]));

const mentioned = (name: string) => `${name} mentioned you`;
const wording: Partial<Record<NotificationType, (name: string) => string>> = {
  mention: mentioned,
  reply: (name) => `${name} replied to you`,
  follow: (name) => `${name} followed you`,
  follow_request: (name) => `${name} asks to follow you`,
  quote: (name) => `${name} quoted your post`,
  reblog: (name) => `${name} boosted your post`,
  favourite: (name) => `${name} liked your post`,
};

/** A name from another server, on one line and without direction overrides (a subject could be made to read backwards). */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]+/g, " ").trim();

/** Members with something to be mailed: notifications they want, unseen and older than the wait, and no e-mail in the last ten minutes. */
function due(db: Db, now: Date) {
  const waited = new Date(now.getTime() - MAIL_WAIT_MS);
  const candidates = db
    .select({
      userId: users.id,
      accountId: users.accountId,
      email: users.email,
      choices: users.mailNotifications,
      mailedId: users.notificationsMailedId,
      readId: users.notificationsReadId,
    })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(
      and(
        joinedSql(),
        isNull(users.disabledAt),
        isNull(accounts.suspendedAt),
        sql`${users.mailNotifications} <> '[]'`,
        or(isNull(users.notificationsMailedAt), lte(users.notificationsMailedAt, new Date(now.getTime() - MAIL_EVERY_MS))),
      ),
    )
    .all();
  return candidates.flatMap((member) => {
    const after = [member.mailedId, member.readId].reduce((a, b) => ((b ?? "") > (a ?? "") ? b : a), null);
    const rows = db
      .select({ id: notifications.id, type: notifications.type, from: notifications.fromAccountId, postId: notifications.postId })
      .from(notifications)
      .where(
        and(
          eq(notifications.accountId, member.accountId),
          after ? gt(notifications.id, after) : undefined,
          eq(notifications.filtered, false),
          inArray(notifications.type, covered(member.choices)),
          lte(notifications.createdAt, waited),
        ),
      )
      .orderBy(desc(notifications.id))
      .limit(101)
      .all();
    return rows.length > 0 ? [{ ...member, rows }] : [];
  });
}

/** One notification told in a few lines: who did what, their words or the post's, and a link. */
function told(db: Db, baseUrl: URL, row: { type: NotificationType; from: string; postId: string | null }) {
  const from = db
    .select({ username: accounts.username, domain: accounts.domain, displayName: accounts.displayName })
    .from(accounts)
    .where(eq(accounts.id, row.from))
    .get();
  if (!from) return undefined;
  const acct = from.domain ? `${from.username}@${from.domain}` : from.username;
  const name = oneLine(from.displayName) ? `${oneLine(from.displayName)} (@${acct})` : `@${acct}`;
  const headline = (wording[row.type] ?? mentioned)(name);
  const post = row.postId
    ? db
        .select({ id: posts.id, spoiler: posts.spoilerText, text: posts.text, html: posts.contentHtml, author: posts.accountId })
        .from(posts)
        .where(eq(posts.id, row.postId))
        .get()
    : undefined;
  if (!post) return { headline, lines: [`${headline}.`, new URL(`/@${acct}`, baseUrl).href] };
  const author = db
    .select({ username: accounts.username, domain: accounts.domain })
    .from(accounts)
    .where(eq(accounts.id, post.author))
    .get();
  const authorAcct = author?.domain ? `${author.username}@${author.domain}` : (author?.username ?? acct);
  // Behind a content warning only the warning is told, as in a push notification.
  const words = post.spoiler ? `Content warning: ${post.spoiler}` : (post.text ?? htmlToPlainText(post.html)).trim();
  return {
    headline,
    lines: [`${headline}:`, ...(words ? quoted(words) : []), postPageUrl(baseUrl, authorAcct, post.id)],
  };
}

/**
 * E-mails each member who is due one (called every minute by the scheduler). Notifications seen
 * meanwhile, or that came while the member was online, are passed over without an e-mail.
 * Returns how many e-mails went out.
 */
export function mailNotifications(deps: NotificationMailDeps, now = new Date()): number {
  const { db, baseUrl, mailer } = deps;
  if (!mailer) return 0;
  let sent = 0;
  for (const member of due(db, now)) {
    const newest = member.rows[0]?.id ?? null;
    const online = deps.online(member.accountId);
    db.update(users)
      .set({ notificationsMailedId: newest, ...(online ? {} : { notificationsMailedAt: now }) })
      .where(eq(users.id, member.userId))
      .run();
    if (online) continue;
    const stories = member.rows
      .slice(0, TOLD)
      .map((row) => told(db, baseUrl, row))
      .filter((story) => story !== undefined);
    if (stories.length === 0) continue;
    const more = member.rows.length - stories.length;
    const host = baseUrl.host;
    const unsubscribe = deps.unsubscribeUrl(member.userId);
    const link = (path: string) => new URL(path, baseUrl).href;
    const text = [
      ...stories.flatMap((story) => [...story.lines, ""]),
      ...(more > 0 ? [`And ${more > 100 ? "over 100" : more} more: ${link("/notifications")}`, ""] : []),
      "-- ",
      `You get this e-mail from ${host} because you were away. Choose which notifications are mailed in Settings → Account: ${link("/settings/account")}`,
      `Stop these e-mails: ${unsubscribe}`,
    ].join("\n");
    const subject =
      member.rows.length === 1 && stories[0]
        ? stories[0].headline
        : `${member.rows.length > 100 ? "Over 100" : member.rows.length} new notifications on ${host}`;
    // One-click unsubscribe (RFC 8058): mail programs offer it beside the sender.
    const headers = { "List-Unsubscribe": `<${unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
    mailer.send({ to: member.email, subject, text, headers }).catch(deps.onMailFailure);
    sent++;
  }
  return sent;
}

/**
 * Which notifications a member wants e-mailed. Turning one on does not send the backlog: what
 * came before is passed over.
 */
export function setNotificationMail(db: Db, userId: string, choices: MailedNotification[]): void {
  const user = db
    .select({ accountId: users.accountId, before: users.mailNotifications })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  if (!user) return;
  const kept = mailedNotifications.filter((choice) => choices.includes(choice));
  const added = kept.some((choice) => !user.before.includes(choice));
  const newest = added
    ? db
        .select({ id: notifications.id })
        .from(notifications)
        .where(eq(notifications.accountId, user.accountId))
        .orderBy(desc(notifications.id))
        .limit(1)
        .get()
    : undefined;
  db.update(users)
    .set({ mailNotifications: kept, ...(newest ? { notificationsMailedId: newest.id } : {}) })
    .where(eq(users.id, userId))
    .run();
}
