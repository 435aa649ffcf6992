import { and, asc, count, desc, eq, isNotNull, isNull } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, accountWarnings, appeals, type Role, users } from "../db/schema.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { checkReach } from "./moderation.ts";

/** Days a member has to appeal a moderation action, as on Mastodon. */
export const APPEAL_DAYS = 20;
export const APPEAL_MAX_LENGTH = 2000;
const DAY_MS = 24 * 3600_000;

export type Warning = typeof accountWarnings.$inferSelect;
export type Appeal = typeof appeals.$inferSelect;
export type AppealState = "waiting" | "approved" | "rejected";

/** A note from the moderators as its member sees it: the appeal made, or whether one can be. */
export interface WarningRecord {
  warning: Warning;
  appeal?: Appeal;
  canAppeal: boolean;
}

/** What the moderators undo when they approve an appeal; a warning or a removed post has nothing to undo. */
const undoing: Record<string, Partial<typeof accounts.$inferInsert>> = {
  sensitive: { sensitizedAt: null },
  silence: { silencedAt: null },
  suspend: { suspendedAt: null },
};
/** Actions a member may ask to undo (the undo of an action is good news: nothing to appeal). */
const appealable = new Set(["warn", "sensitive", "silence", "suspend", "delete_post"]);

export const appealState = (appeal: Appeal): AppealState =>
  appeal.decidedAt === null ? "waiting" : appeal.approved ? "approved" : "rejected";

/** Why this action cannot be appealed now, or null when it can. */
function appealRefusal(warning: Warning, appeal: Appeal | undefined, now = Date.now()): string | null {
  if (appeal) return "You appealed this already.";
  if (!appealable.has(warning.action) || warning.overruledAt) return "There is nothing to appeal here.";
  if (now - warning.createdAt.getTime() > APPEAL_DAYS * DAY_MS)
    return `An action can be appealed for ${APPEAL_DAYS} days; this one is older.`;
  return null;
}

/** A member's notes from the moderators, newest first, each with its appeal. */
export function warningRecords(db: Db, accountId: string): WarningRecord[] {
  return db
    .select({ warning: accountWarnings, appeal: appeals })
    .from(accountWarnings)
    .leftJoin(appeals, eq(appeals.warningId, accountWarnings.id))
    .where(eq(accountWarnings.accountId, accountId))
    .orderBy(desc(accountWarnings.id))
    .all()
    .map(({ warning, appeal }) => ({
      warning,
      appeal: appeal ?? undefined,
      canAppeal: appealRefusal(warning, appeal ?? undefined) === null,
    }));
}

/** The account of a member whose account is suspended, or undefined when it is not. */
export function suspendedAccountOf(db: Db, userId: string): string | undefined {
  return db
    .select({ id: accounts.id })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.id, userId), isNotNull(accounts.suspendedAt)))
    .get()?.id;
}

/** The note that came with an account's suspension (the latest), for a suspended member at login. */
export function suspensionRecord(db: Db, accountId: string): WarningRecord | undefined {
  return warningRecords(db, accountId).find((r) => r.warning.action === "suspend");
}

/**
 * A member asks the moderators to undo one of their actions, once per action and within
 * APPEAL_DAYS. Staff who may decide are told (core/staff-notices.ts, on `appeal.filed`).
 */
export function fileAppeal(deps: CoreDeps, accountId: string, warningId: string, text: string): Appeal {
  const { db } = deps;
  const words = text.trim();
  if (!words) throw new ValidationError({ text: "Say why the moderators should undo this." });
  if (words.length > APPEAL_MAX_LENGTH) throw new ValidationError({ text: `Use at most ${APPEAL_MAX_LENGTH} characters.` });
  const record = warningRecords(db, accountId).find((r) => r.warning.id === warningId);
  if (!record) throw new CoreError("This note from the moderators does not exist.", 404);
  const refusal = appealRefusal(record.warning, record.appeal);
  if (refusal) throw new ValidationError({ text: refusal });
  // The unique warning id settles two appeals sent at once.
  const appeal = db
    .insert(appeals)
    .values({ id: newId(), warningId, accountId, text: words })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!appeal) throw new ValidationError({ text: "You appealed this already." });
  deps.events.emit("appeal.filed", { appealId: appeal.id });
  return appeal;
}

/**
 * A moderator answers an appeal. Approving it overrules the action and undoes what can be undone
 * (a suspension, a limit, the sensitive mark), unless a later action of the same kind, for
 * another reason, is in force; a removed post stays removed. The member hears by e-mail.
 */
export function decideAppeal(deps: CoreDeps, staff: { id: string; role: Role }, appealId: string, approve: boolean): void {
  const { db } = deps;
  const appeal = db.select().from(appeals).where(eq(appeals.id, appealId)).get();
  if (!appeal) throw new CoreError("This appeal does not exist.", 404);
  checkReach(db, staff, appeal.accountId);
  const warning = db.select().from(accountWarnings).where(eq(accountWarnings.id, appeal.warningId)).get();
  if (!warning) throw new CoreError("This appeal does not exist.", 404);
  const now = new Date();
  const undone = db.transaction((tx) => {
    const decided = tx
      .update(appeals)
      .set({ decidedAt: now, decidedById: staff.id, approved: approve })
      .where(and(eq(appeals.id, appealId), isNull(appeals.decidedAt)))
      .returning({ id: appeals.id })
      .get();
    if (!decided) throw new CoreError("This appeal was answered already.", 409);
    if (!approve) return false;
    tx.update(accountWarnings).set({ overruledAt: now }).where(eq(accountWarnings.id, warning.id)).run();
    const latest = tx
      .select({ id: accountWarnings.id })
      .from(accountWarnings)
      .where(and(eq(accountWarnings.accountId, warning.accountId), eq(accountWarnings.action, warning.action)))
      .orderBy(desc(accountWarnings.id))
      .get();
    const set = undoing[warning.action];
    if (!set || latest?.id !== warning.id) return false;
    tx.update(accounts).set(set).where(eq(accounts.id, warning.accountId)).run();
    return true;
  });
  audit(db, {
    actorId: staff.id,
    action: approve ? "appeal.approve" : "appeal.reject",
    targetType: "account",
    targetId: appeal.accountId,
    detail: `${warning.action}: ${appeal.text}`,
  });
  deps.events.emit("appeal.decided", { appealId });
  if (undone) deps.events.emit("account.moderated", { accountId: warning.accountId, action: `un${warning.action}` });
}

/** Appeals for the staff: those waiting, oldest first, or the latest answered ones. */
export function listAppeals(db: Db, state: "waiting" | "decided", limit = 100) {
  const waiting = state === "waiting";
  return db
    .select({ appeal: appeals, warning: accountWarnings })
    .from(appeals)
    .innerJoin(accountWarnings, eq(accountWarnings.id, appeals.warningId))
    .where(waiting ? isNull(appeals.decidedAt) : isNotNull(appeals.decidedAt))
    .orderBy(waiting ? asc(appeals.id) : desc(appeals.decidedAt))
    .limit(limit)
    .all();
}

export function countWaitingAppeals(db: Db): number {
  return db.select({ n: count() }).from(appeals).where(isNull(appeals.decidedAt)).get()?.n ?? 0;
}
