import { and, desc, eq, gt, inArray, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import {
  accounts,
  type MailedNotification,
  mailedNotifications,
  type NotificationType,
  notifications,
  users,
} from "../db/schema.ts";
import { joinedSql } from "./accounts.ts";
import { type MailDeps, quoted, refusedForGood } from "./mail.ts";
import { notificationsWithPosts } from "./filters.ts";
import { htmlToPlainText } from "./text.ts";
import { type PostView, postPageUrl } from "./views.ts";

/*
 * Notifications by e-mail, for members who are away, as Mastodon sends them: mentions and
 * replies, new followers, follow requests and quotes unless the member turns them off; boosts
 * and likes if they turn them on. A notification waits a little first: one the member has seen
 * by then (the notifications page, an app's read marker), or was shown live in an app streaming
 * their notifications, is not mailed. What comes in together goes in one e-mail, and a member
 * gets one every ten minutes at most, however busy their posts are. Filtered notifications are
 * not mailed (their senders did not get through), nor is anything from accounts the member
 * blocked or muted with their notifications (they made none).
 */

/** How long a notification waits unseen before it is mailed, and the least time between two e-mails to one member. */
export const MAIL_WAIT_MS = 2 * 60_000;
export const MAIL_EVERY_MS = 10 * 60_000;
/** Notifications told in full in one e-mail; the rest are counted. */
const TOLD = 5;

export type NotificationMailDeps = MailDeps & {
  /** Whether the member has an app open that streams their notifications right now. */
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
const oneLine = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, " ").trim();

/** E-mails sent in one run at most, and at once: a wave of mentions must not open hundreds of SMTP connections. */
const MAILS_PER_RUN = 20;
const AT_ONCE = 4;

type Row = { id: string; type: NotificationType; fromAccountId: string; postId: string | null };

/**
 * Members whose notifications moved on since the last run: the newest one older than the wait
 * (the mark goes there, whatever its type), and those of them the member wants mailed: unseen,
 * not filtered, from accounts not suspended. Members mailed in the last ten minutes wait.
 */
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
    // From the newest down: only what came since the mark is read, never the member's whole history.
    const newest = db
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(eq(notifications.accountId, member.accountId), lte(notifications.createdAt, waited)))
      .orderBy(desc(notifications.id))
      .limit(1)
      .get()?.id;
    if (!newest || (after && newest <= after)) return [];
    const rows: Row[] = db
      .select({
        id: notifications.id,
        type: notifications.type,
        fromAccountId: notifications.fromAccountId,
        postId: notifications.postId,
      })
      .from(notifications)
      .innerJoin(accounts, eq(accounts.id, notifications.fromAccountId))
      .where(
        and(
          eq(notifications.accountId, member.accountId),
          after ? gt(notifications.id, after) : undefined,
          lte(notifications.id, newest),
          eq(notifications.filtered, false),
          inArray(notifications.type, covered(member.choices)),
          isNull(accounts.suspendedAt),
        ),
      )
      .orderBy(desc(notifications.id))
      .limit(101)
      .all();
    return [{ ...member, newest, rows }];
  });
}

/** One notification told in a few lines: who did what, their words or the post's, and a link. */
function told(db: Db, baseUrl: URL, { row, post }: { row: Row; post: PostView | null }) {
  const from = db
    .select({ username: accounts.username, domain: accounts.domain, displayName: accounts.displayName })
    .from(accounts)
    .where(eq(accounts.id, row.fromAccountId))
    .get();
  if (!from) return undefined;
  const acct = from.domain ? `${from.username}@${from.domain}` : from.username;
  const name = oneLine(from.displayName ? `${from.displayName} (@${acct})` : `@${acct}`);
  const headline = (wording[row.type] ?? mentioned)(name);
  if (!post) return { headline, lines: [`${headline}.`, new URL(`/@${acct}`, baseUrl).href] };
  // Behind a content warning only the warning is told, as in a push notification.
  const words = post.spoilerText
    ? `Content warning: ${post.spoilerText}`
    : (post.text ?? htmlToPlainText(post.contentHtml)).trim();
  return {
    headline,
    lines: [`${headline}:`, ...(words ? quoted(words) : []), postPageUrl(baseUrl, post.account.acct, post.id)],
  };
}

/** The e-mail for a member's notifications: each told, up to five, the rest counted. */
function letter(deps: NotificationMailDeps, member: { userId: string; accountId: string; rows: Row[] }) {
  const { db, baseUrl } = deps;
  // As the notifications page shows them: posts the member may see, their filters applied.
  const items = notificationsWithPosts(db, baseUrl, member.accountId, member.rows);
  // Only those told are written out; the rest are counted.
  const shown = items
    .slice(0, TOLD)
    .map((item) => told(db, baseUrl, item))
    .filter((story) => story !== undefined);
  if (shown.length === 0) return undefined;
  const over = items.length > 100;
  const host = baseUrl.host;
  const link = (path: string) => new URL(path, baseUrl).href;
  const unsubscribe = deps.unsubscribeUrl(member.userId);
  const more = items.length - shown.length;
  const text = [
    ...shown.flatMap((story) => [...story.lines, ""]),
    ...(more > 0 ? [`And ${over ? "more" : more}: ${link("/notifications")}`, ""] : []),
    "-- ",
    `You get this e-mail from ${host} because you were away. Choose which notifications are mailed in Settings → Account: ${link("/settings/account")}`,
    `Stop these e-mails: ${unsubscribe}`,
  ].join("\n");
  const subject =
    items.length === 1 && shown[0] ? shown[0].headline : `${over ? "Over 100" : items.length} new notifications on ${host}`;
  // One-click unsubscribe (RFC 8058): mail programs offer it beside the sender.
  const headers = { "List-Unsubscribe": `<${unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
  return { subject, text, headers };
}

/**
 * Moves a member's mark forward (never back): what is up to `id` is done with (mailed, seen, or
 * not wanted); `mailedAt` when an e-mail went.
 */
function mark(db: Db, member: SQL, id: string, mailedAt?: Date) {
  db.update(users)
    .set({ notificationsMailedId: id, ...(mailedAt ? { notificationsMailedAt: mailedAt } : {}) })
    .where(and(member, sql`coalesce(${users.notificationsMailedId}, '') < ${id}`))
    .run();
}

/**
 * E-mails each member who is due one (called every minute by the scheduler), 20 a run at most.
 * What the member saw meanwhile, or was shown live, is passed over. A failed send is logged and
 * tried again ten minutes later, with what came in since; one the server refused for good (an
 * address that does not exist) is not: its notifications are passed over, and only new ones try
 * again. Returns how many e-mails went out.
 */
export async function mailNotifications(deps: NotificationMailDeps, now = new Date()): Promise<number> {
  const { db, mailer } = deps;
  if (!mailer) return 0;
  const outbox: { userId: string; email: string; newest: string; mail: NonNullable<ReturnType<typeof letter>> }[] = [];
  for (const member of due(db, now)) {
    if (outbox.length >= MAILS_PER_RUN) break; // the rest are due at the next run
    const mail = member.rows.length > 0 && !deps.online(member.accountId) ? letter(deps, member) : undefined;
    if (mail) outbox.push({ ...member, mail });
    else mark(db, eq(users.id, member.userId), member.newest);
  }
  let sent = 0;
  for (let i = 0; i < outbox.length; i += AT_ONCE) {
    await Promise.all(
      outbox.slice(i, i + AT_ONCE).map(async ({ userId, email, newest, mail }) => {
        try {
          await mailer.send({ to: email, ...mail });
          mark(db, eq(users.id, userId), newest, now);
          sent++;
        } catch (error) {
          if (refusedForGood(error)) mark(db, eq(users.id, userId), newest, now);
          else db.update(users).set({ notificationsMailedAt: now }).where(eq(users.id, userId)).run();
          deps.onMailFailure(error);
        }
      }),
    );
  }
  return sent;
}

/** A notification shown live to the member (a page or an app open on it): it is not mailed later. */
export function seenLive(db: Db, accountId: string, notificationId: string): void {
  mark(db, eq(users.accountId, accountId), notificationId);
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
