import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, accountWarnings, appeals, type Role, roleRank, roles, users } from "../db/schema.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { checkReach, recordWarning } from "./moderation.ts";

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

/** Why this action cannot be appealed now, or null when it can. `lifted`: undone by a later action. */
function appealRefusal(warning: Warning, appeal: Appeal | undefined, lifted: boolean, now = Date.now()): string | null {
  if (appeal) return "You appealed this already.";
  if (!appealable.has(warning.action) || warning.overruledAt) return "There is nothing to appeal here.";
  if (lifted) return "The moderators lifted this already.";
  if (now - warning.createdAt.getTime() > APPEAL_DAYS * DAY_MS)
    return `An action can be appealed for ${APPEAL_DAYS} days; this one is older.`;
  return null;
}

/** A member's notes from the moderators, newest first, each with its appeal. */
export function warningRecords(db: Db, accountId: string): (WarningRecord & { refusal: string | null })[] {
  // Newest first, so an undo ("unsuspend") is seen before the actions it lifted.
  const undone = new Set<string>();
  return db
    .select({ warning: accountWarnings, appeal: appeals })
    .from(accountWarnings)
    .leftJoin(appeals, eq(appeals.warningId, accountWarnings.id))
    .where(eq(accountWarnings.accountId, accountId))
    .orderBy(desc(accountWarnings.id))
    .all()
    .map(({ warning, appeal }) => {
      if (warning.action.startsWith("un")) undone.add(warning.action.slice(2));
      const lifted = warning.action in undoing && undone.has(warning.action);
      const refusal = appealRefusal(warning, appeal ?? undefined, lifted);
      return { warning, appeal: appeal ?? undefined, canAppeal: refusal === null, refusal };
    });
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
  if (record.refusal) throw new ValidationError({ text: record.refusal });
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
 * A moderator answers an appeal. Approving it overrules the action and lifts what can be lifted
 * (a suspension, a limit, the sensitive mark) unless another action of that kind still stands;
 * a removed post stays removed. The lifting goes into the member's history; the member hears the
 * answer by e-mail (core/moderation-mail.ts, on `appeal.decided`).
 */
export function decideAppeal(deps: CoreDeps, staff: { id: string; role: Role }, appealId: string, approve: boolean): void {
  const { db } = deps;
  const appeal = db.select().from(appeals).where(eq(appeals.id, appealId)).get();
  if (!appeal) throw new CoreError("This appeal does not exist.", 404);
  checkReach(db, staff, appeal.accountId);
  const warning = db.select().from(accountWarnings).where(eq(accountWarnings.id, appeal.warningId)).get();
  if (!warning) throw new CoreError("This appeal does not exist.", 404);
  const now = new Date();
  const lifted = db.transaction((tx) => {
    const decided = tx
      .update(appeals)
      .set({ decidedAt: now, decidedById: staff.id, approved: approve })
      .where(and(eq(appeals.id, appealId), isNull(appeals.decidedAt)))
      .returning({ id: appeals.id })
      .get();
    if (!decided) throw new CoreError("This appeal was answered already.", 409);
    if (!approve) return false;
    tx.update(accountWarnings).set({ overruledAt: now }).where(eq(accountWarnings.id, warning.id)).run();
    const set = undoing[warning.action];
    if (!set || stillStanding(tx, warning)) return false;
    tx.update(accounts).set(set).where(eq(accounts.id, warning.accountId)).run();
    return true;
  });
  if (lifted) {
    const undo = { action: `un${warning.action}`, text: "Your appeal was approved.", tellThem: false };
    recordWarning(deps, { staffId: staff.id, accountId: warning.accountId, ...undo });
  }
  audit(db, {
    actorId: staff.id,
    action: approve ? "appeal.approve" : "appeal.reject",
    targetType: "account",
    targetId: appeal.accountId,
    detail: `${warning.action}${lifted ? " (lifted)" : ""}: ${appeal.text}`,
  });
  deps.events.emit("appeal.decided", { appealId, lifted });
  if (lifted) deps.events.emit("account.moderated", { accountId: warning.accountId, action: `un${warning.action}` });
}

/**
 * Whether another action of this kind is in force: one since the last undo of it that no appeal
 * overruled (say a member limited twice for two reasons, one of them upheld).
 */
function stillStanding(tx: DbOrTx, warning: Warning): boolean {
  const ofAccount = eq(accountWarnings.accountId, warning.accountId);
  const lastUndo = tx
    .select({ id: accountWarnings.id })
    .from(accountWarnings)
    .where(and(ofAccount, eq(accountWarnings.action, `un${warning.action}`)))
    .orderBy(desc(accountWarnings.id))
    .get();
  const standing = tx
    .select({ id: accountWarnings.id })
    .from(accountWarnings)
    .where(
      and(
        ofAccount,
        eq(accountWarnings.action, warning.action),
        isNull(accountWarnings.overruledAt),
        lastUndo ? gt(accountWarnings.id, lastUndo.id) : undefined,
      ),
    )
    .get();
  return standing !== undefined;
}

/** The roles a staff member may act on (below their own), whose appeals they see and answer. */
const rolesBelow = (role: Role) => roles.filter((r) => roleRank[r] < roleRank[role]);

/** Appeals a staff member may answer: those waiting, oldest first, or the latest answered ones. */
export function listAppeals(db: Db, viewerRole: Role, state: "waiting" | "decided", limit = 100) {
  const waiting = state === "waiting";
  return db
    .select({ appeal: appeals, warning: accountWarnings })
    .from(appeals)
    .innerJoin(accountWarnings, eq(accountWarnings.id, appeals.warningId))
    .innerJoin(users, eq(users.accountId, appeals.accountId))
    .where(and(waiting ? isNull(appeals.decidedAt) : isNotNull(appeals.decidedAt), inArray(users.role, rolesBelow(viewerRole))))
    .orderBy(waiting ? asc(appeals.id) : desc(appeals.decidedAt))
    .limit(limit)
    .all();
}

export function countWaitingAppeals(db: Db, viewerRole: Role): number {
  return (
    db
      .select({ n: count() })
      .from(appeals)
      .innerJoin(users, eq(users.accountId, appeals.accountId))
      .where(and(isNull(appeals.decidedAt), inArray(users.role, rolesBelow(viewerRole))))
      .get()?.n ?? 0
  );
}
