import { joined } from "./accounts.ts";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, notifications, type Role, users } from "../db/schema.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { roleRank } from "./moderation.ts";

type Staff = { id: string; role: Role };
type Target = { account: typeof accounts.$inferSelect; user: typeof users.$inferSelect | undefined };

const article = (role: Role) => (role === "admin" || role === "owner" ? "an" : "a");

function loadTarget(db: Db, accountId: string): Target {
  const account = db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  if (!account) throw new CoreError("This account does not exist.", 404);
  const user = db.select().from(users).where(eq(users.accountId, accountId)).get();
  return { account, user };
}

/**
 * Why `staff` may not give `newRole` to the target, or null when they may. The order matters:
 * each refusal names the first rule broken, so the message says what to do instead.
 */
function refusal(staff: Staff, target: Target, newRole: Role): string | null {
  const { account, user } = target;
  if (account.domain || !user) return "Remote accounts have no role here: their own server decides who runs it.";
  if (user.role === "owner" && newRole !== "owner")
    return staff.id === account.id
      ? "You are the owner, and there is exactly one owner: to step down, pass ownership to another member from their page (you then become an admin)."
      : "The owner's role cannot be taken away: there is exactly one owner, and only the owner can pass ownership on.";
  if (account.id === staff.id) return "You cannot change your own role.";
  if (roleRank[staff.role] < roleRank.admin) return "Only admins and the owner can change roles.";
  if (roleRank[user.role] >= roleRank[staff.role]) return "Only someone with a higher role can change this account's role.";
  // Staff act for everyone: their sign-up must be complete (and a sign-up never confirmed is removed).
  if (newRole !== "user" && !joined(user))
    return "This sign-up is not complete yet (waiting for approval or for its e-mail address to be confirmed).";
  if (newRole === "owner") {
    if (staff.role !== "owner") return "Only the owner can pass ownership on.";
    if (user.disabledAt || account.suspendedAt) return "Ownership can only pass to an active member (not suspended or disabled).";
    return null;
  }
  if (roleRank[newRole] >= roleRank[staff.role]) return `You can only give roles below your own (${staff.role}).`;
  return null;
}

/**
 * What the role form offers `staff` on this account: the roles they may choose (the current one
 * first among them), or none and the reason, shown instead of the form.
 */
export function roleForm(db: Db, staff: Staff, accountId: string): { choices: Role[]; reason: string | null } {
  const target = loadTarget(db, accountId);
  const current = target.user?.role ?? "user";
  const all: Role[] = ["user", "moderator", "admin", "owner"];
  const allowed = all.filter((r) => r !== current && refusal(staff, target, r) === null);
  if (allowed.length === 0) return { choices: [], reason: refusal(staff, target, current === "user" ? "moderator" : "user") };
  return { choices: all.filter((r) => r === current || allowed.includes(r)), reason: null };
}

/**
 * Gives a local account another role. Admins set moderator or user on accounts below admin; the
 * owner also makes and unmakes admins, and may pass ownership on (confirmed with their password),
 * becoming an admin: there is always exactly one owner. Audited; a refusal changes nothing.
 */
export async function changeRole(
  deps: CoreDeps,
  staff: Staff,
  targetAccountId: string,
  newRole: Role,
  password?: string,
): Promise<void> {
  const { db } = deps;
  const target = loadTarget(db, targetAccountId);
  const why = refusal(staff, target, newRole);
  if (why) throw new CoreError(why, 403);
  const user = target.user as typeof users.$inferSelect;
  const name = `@${target.account.username}`;
  if (user.role === newRole) throw new CoreError(`${name} is already ${article(newRole)} ${newRole}.`, 409);
  if (newRole === "owner") {
    const own = db.select().from(users).where(eq(users.accountId, staff.id)).get();
    if (!password) throw new ValidationError({ password: "Enter your password to pass ownership on." });
    if (!own || !(await Bun.password.verify(password, own.passwordHash)))
      throw new ValidationError({ password: "The password is wrong." });
  }
  db.transaction((tx) => {
    // The old owner steps down first: the database allows one owner at a time.
    if (newRole === "owner") {
      tx.update(users).set({ role: "admin" }).where(eq(users.accountId, staff.id)).run();
      audit(tx, {
        actorId: staff.id,
        action: "account.role",
        targetType: "account",
        targetId: staff.id,
        detail: "owner → admin",
      });
    }
    tx.update(users).set({ role: newRole }).where(eq(users.id, user.id)).run();
    // A member who is staff no more stops reading about reports and sign-ups.
    if (newRole === "user")
      tx.delete(notifications)
        .where(
          and(eq(notifications.accountId, target.account.id), inArray(notifications.type, ["admin.report", "admin.sign_up"])),
        )
        .run();
    audit(tx, {
      actorId: staff.id,
      action: "account.role",
      targetType: "account",
      targetId: target.account.id,
      detail: `${user.role} → ${newRole}`,
    });
  });
}
