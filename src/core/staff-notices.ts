import { and, count, eq, gt, inArray, isNull, ne } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, accountWarnings, appeals, notifications, roleRank, users } from "../db/schema.ts";
import { joinedSql } from "./accounts.ts";
import { type MailDeps, quoted } from "./mail.ts";
import { staffActionNames } from "./moderation.ts";
import { findReport } from "./reports.ts";

type Deps = MailDeps;

/** Moderators, admins and the owner who may act now, with whether they want each kind of e-mail. */
function staff(db: Db) {
  return db
    .select({
      accountId: users.accountId,
      role: users.role,
      email: users.email,
      mailReports: users.mailReports,
      mailSignups: users.mailSignups,
      mailAppeals: users.mailAppeals,
    })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(
      and(
        inArray(users.role, ["moderator", "admin", "owner"]),
        joinedSql(),
        isNull(users.disabledAt),
        isNull(accounts.suspendedAt),
      ),
    )
    .all();
}

/**
 * Staff notifications skip the member's blocks, mutes and notification policy (a moderator who
 * muted someone still has to see the report against them), and each is made once.
 */
function notifyStaffMember(
  deps: Deps,
  accountId: string,
  type: "admin.sign_up" | "admin.report",
  fromAccountId: string,
  reportId?: string,
) {
  const inserted = deps.db
    .insert(notifications)
    .values({ id: newId(), accountId, type, fromAccountId, reportId: reportId ?? null })
    .onConflictDoNothing()
    .returning({ id: notifications.id })
    .get();
  if (inserted) deps.events.emit("notification.created", { notificationId: inserted.id, accountId });
}

const adminLink = (deps: Deps, path: string) => new URL(path, deps.baseUrl).href;

/** Staff e-mails one member gets in an hour at most; past it, the app's notifications carry on alone. */
export const STAFF_MAILS_PER_HOUR = 10;

/** A staff member's admin notifications of the last hour, the one just made included. */
function notificationsLastHour(db: Db, accountId: string): number {
  return (
    db
      .select({ n: count() })
      .from(notifications)
      .where(
        and(
          eq(notifications.accountId, accountId),
          inArray(notifications.type, ["admin.report", "admin.sign_up"]),
          gt(notifications.createdAt, new Date(Date.now() - 3600_000)),
        ),
      )
      .get()?.n ?? 0
  );
}

/**
 * E-mails a staff member about what waits for them, unless the hour's share is spent: `lastHour`
 * counts what came in of this kind, this one included (a burst of reports must not flood them),
 * and `rest` says where the rest wait.
 */
function mailStaffMember(
  deps: Deps,
  member: { email: string },
  mail: { subject: string; lines: string[]; lastHour: number; rest: string },
) {
  if (!deps.mailer || mail.lastHour > STAFF_MAILS_PER_HOUR) return;
  const host = deps.baseUrl.host;
  const footer = [
    "",
    `You get this e-mail as a moderator of ${host}. Turn it off in Settings → Account.`,
    ...(mail.lastHour === STAFF_MAILS_PER_HOUR
      ? [`This is the last of ${STAFF_MAILS_PER_HOUR} this hour: more wait ${mail.rest}.`]
      : []),
  ];
  deps.mailer
    .send({ to: member.email, subject: mail.subject, text: [...mail.lines, ...footer].join("\n") })
    .catch(deps.onMailFailure);
}

/**
 * Someone joined, their address confirmed where the instance asks for it: each staff member is
 * told in the app, as on Mastodon; those who keep the e-mail on also get one when the sign-up
 * waits for their approval.
 */
export function tellStaffOfSignup(deps: Deps, { accountId, by }: { accountId: string; by?: string }): void {
  const row = deps.db
    .select({ username: accounts.username, approvedAt: users.approvedAt, reason: users.signupReason })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.accountId, accountId), isNull(users.disabledAt), isNull(accounts.suspendedAt)))
    .get();
  if (!row) return; // gone, or the moderators acted on it already
  const host = deps.baseUrl.host;
  for (const member of staff(deps.db)) {
    if (member.accountId === accountId || member.accountId === by) continue;
    notifyStaffMember(deps, member.accountId, "admin.sign_up", accountId);
    if (row.approvedAt || !member.mailSignups) continue;
    mailStaffMember(deps, member, {
      subject: `@${row.username} waits for approval on ${host}`,
      lines: [
        `@${row.username} signed up on ${host} and waits for a moderator's approval.`,
        ...(row.reason ? ["", "Why they want to join:", ...quoted(row.reason)] : []),
        "",
        `Approve or turn them down: ${adminLink(deps, "/admin/registrations")}`,
      ],
      lastHour: notificationsLastHour(deps.db, member.accountId),
      rest: "in your notifications",
    });
  }
}

/** A report came in, from a member or another server: staff are told in the app and, if they keep it on, by e-mail. */
export function tellStaffOfReport(deps: Deps, reportId: string): void {
  const report = findReport(deps.db, reportId);
  if (!report?.reporterId) return;
  const names = new Map(
    deps.db
      .select({ id: accounts.id, username: accounts.username, domain: accounts.domain })
      .from(accounts)
      .where(inArray(accounts.id, [report.reporterId, report.targetAccountId]))
      .all()
      .map((a) => [a.id, a.domain ? `@${a.username}@${a.domain}` : `@${a.username}`]),
  );
  const host = deps.baseUrl.host;
  const reporterId = report.reporterId;
  for (const member of staff(deps.db)) {
    // Whoever it is about learns of it from the moderators, not from a notification.
    if (member.accountId === report.targetAccountId || member.accountId === reporterId) continue;
    notifyStaffMember(deps, member.accountId, "admin.report", reporterId, report.id);
    if (!member.mailReports) continue;
    const target = names.get(report.targetAccountId) ?? "an account";
    mailStaffMember(deps, member, {
      subject: `New report on ${host}: ${target}`,
      lines: [
        `${names.get(reporterId) ?? "Someone"} reported ${target} (${report.category}).`,
        "",
        `Open the report: ${adminLink(deps, `/admin/reports/${report.id}`)}`,
      ],
      lastHour: notificationsLastHour(deps.db, member.accountId),
      rest: "in your notifications",
    });
  }
}

/**
 * A member appealed a moderation action: staff who may decide it (a higher role than the member's)
 * and keep this e-mail on get one. There is no notification in the app for appeals (Mastodon has
 * none either): the admin overview counts those waiting.
 */
export function tellStaffOfAppeal(deps: Deps, appealId: string): void {
  const row = deps.db
    .select({ username: accounts.username, role: users.role, appeal: appeals.text, action: accountWarnings.action })
    .from(appeals)
    .innerJoin(accountWarnings, eq(accountWarnings.id, appeals.warningId))
    .innerJoin(accounts, eq(accounts.id, appeals.accountId))
    .innerJoin(users, eq(users.accountId, appeals.accountId))
    .where(eq(appeals.id, appealId))
    .get();
  if (!row) return;
  const host = deps.baseUrl.host;
  // Appeals make no notification: the hour's share counts the appeals themselves.
  const lastHour =
    deps.db
      .select({ n: count() })
      .from(appeals)
      .where(gt(appeals.createdAt, new Date(Date.now() - 3600_000)))
      .get()?.n ?? 0;
  for (const member of staff(deps.db)) {
    if (!member.mailAppeals || roleRank[member.role] <= roleRank[row.role]) continue;
    mailStaffMember(deps, member, {
      subject: `@${row.username} appealed a moderation decision on ${host}`,
      lines: [
        `@${row.username} asks the moderators of ${host} to undo this action: ${staffActionNames[row.action] ?? row.action}.`,
        "",
        "Their appeal:",
        ...quoted(row.appeal),
        "",
        `Approve or reject it: ${adminLink(deps, "/admin/appeals")}`,
      ],
      lastHour,
      rest: "at /admin/appeals",
    });
  }
}

/** Which staff e-mails a member wants. */
export function setStaffMail(db: Db, userId: string, choice: { reports: boolean; signups: boolean; appeals: boolean }): void {
  db.update(users)
    .set({ mailReports: choice.reports, mailSignups: choice.signups, mailAppeals: choice.appeals })
    .where(and(eq(users.id, userId), ne(users.role, "user")))
    .run();
}
