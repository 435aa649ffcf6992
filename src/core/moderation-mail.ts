import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, accountWarnings, appeals, users } from "../db/schema.ts";
import { SUSPENSION_GRACE_MS } from "./account-deletion.ts";
import { APPEAL_DAYS } from "./appeals.ts";
import { type MailDeps, quoted } from "./mail.ts";
import { warningTitles } from "./moderation.ts";

/** The member's confirmed address and name, when they have one. */
function recipient(db: Db, accountId: string) {
  return db
    .select({ email: users.email, username: accounts.username, suspendedAt: accounts.suspendedAt })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.accountId, accountId), isNotNull(users.emailConfirmedAt)))
    .get();
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const DAY_MS = 24 * 3600_000;

function send(deps: MailDeps, to: string, subject: string, lines: string[]) {
  deps.mailer?.send({ to, subject, text: lines.join("\n") }).catch(deps.onMailFailure);
}

/**
 * A moderator acted on a member's account and chose to tell them: they get the note by e-mail
 * too, as on Mastodon, since a suspended member cannot read their notifications. It says where to
 * appeal: a suspended member reaches the note by logging in.
 */
export function mailWarning(deps: MailDeps, warningId: string): void {
  const warning = deps.db.select().from(accountWarnings).where(eq(accountWarnings.id, warningId)).get();
  const member = warning && recipient(deps.db, warning.accountId);
  if (!warning || !member) return;
  const host = deps.baseUrl.host;
  const title = warningTitles[warning.action] ?? "A note from the moderators";
  const appealWithin = `If you think this was a mistake, you can appeal within ${APPEAL_DAYS} days:`;
  const link = (path: string) => new URL(path, deps.baseUrl).href;
  // An undo is good news: nothing to appeal.
  const next = warning.action.startsWith("un")
    ? []
    : warning.action === "suspend"
      ? [
          appealWithin,
          `${link("/login")} (log in to read this note and appeal)`,
          "",
          `Unless it is lifted, the account and everything in it are deleted ${SUSPENSION_GRACE_MS / DAY_MS} days after the suspension.`,
        ]
      : [appealWithin, link("/settings/warnings")];
  send(deps, member.email, `${title} (${host})`, [
    `The moderators of ${host} wrote to you, @${member.username}: ${title.toLowerCase()}.`,
    "",
    ...(warning.text ? ["Their reason:", ...quoted(warning.text)] : ["They gave no reason."]),
    ...(next.length > 0 ? ["", ...next] : []),
  ]);
}

/** The moderators answered a member's appeal: the member hears the answer by e-mail. */
export function mailAppealDecision(deps: MailDeps, { appealId, lifted }: { appealId: string; lifted: boolean }): void {
  const row = deps.db
    .select({ appeal: appeals, warning: accountWarnings })
    .from(appeals)
    .innerJoin(accountWarnings, eq(accountWarnings.id, appeals.warningId))
    .where(eq(appeals.id, appealId))
    .get();
  const member = row && recipient(deps.db, row.appeal.accountId);
  if (!row?.appeal.decidedAt || !member) return;
  const host = deps.baseUrl.host;
  const { action } = row.warning;
  const appealed = `“${warningTitles[action] ?? action}” of ${day(row.warning.createdAt)}`;
  const approved = row.appeal.approved === true;
  const outcome = !approved
    ? "The action stays as it was."
    : action === "delete_post"
      ? "The action is overruled (a removed post cannot be brought back)."
      : action === "warn"
        ? "The warning is overruled."
        : lifted
          ? `The action is overruled and lifted.${action === "suspend" ? " You can log in again." : ""}`
          : "The action is overruled, but another action of the same kind is still in force.";
  // A suspended member reaches their notes through the login.
  const where = member.suspendedAt ? "/login" : "/settings/warnings";
  send(deps, member.email, `Your appeal was ${approved ? "approved" : "rejected"} (${host})`, [
    `The moderators of ${host} ${approved ? "approved" : "rejected"} your appeal of ${appealed}.`,
    outcome,
    "",
    `Your notes from the moderators: ${new URL(where, deps.baseUrl).href}`,
  ]);
}
