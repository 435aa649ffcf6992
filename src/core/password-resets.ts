import { and, count, eq, gt, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, emailChanges, loginChallenges, passwordResets, type Role, users } from "../db/schema.ts";
import { joined, PASSWORD_HASHING, passwordProblem } from "./accounts.ts";
import { audit } from "./audit.ts";
import { CoreError, ValidationError } from "./errors.ts";
import type { Mailer } from "./mail.ts";
import { roleRank } from "./moderation.ts";
import { revokeUserTokens } from "./oauth.ts";
import { revokeOtherSessions } from "./sessions.ts";
import { randomToken, sha256Hex } from "./tokens.ts";

/** A link asked for by e-mail works for an hour, as Mastodon's; one an admin makes to hand over, a day. */
export const EMAILED_LINK_MS = 3600_000;
export const HANDED_LINK_MS = 24 * 3600_000;
/** Links e-mailed to one member in an hour: more would let anyone flood their inbox. */
const EMAILS_PER_HOUR = 3;

type Deps = { db: Db; baseUrl: URL };

/** A new link for the member, kept as the hash of its token. */
function newLink(deps: Deps, userId: string, lifetimeMs: number, createdBy: string | null): string {
  const token = randomToken();
  deps.db
    .insert(passwordResets)
    .values({ id: sha256Hex(token), userId, createdBy, expiresAt: new Date(Date.now() + lifetimeMs) })
    .run();
  return new URL(`/password/reset/${token}`, deps.baseUrl).href;
}

/**
 * "Forgot your password?": e-mails a link to the member with this address, if there is one who
 * may log in. The answer is the same either way (so nobody learns who is a member): past the
 * address's form, everything happens after the caller answered, and a failure is only logged.
 */
export function requestPasswordReset(deps: Deps & { mailer: Mailer }, email: string, onFailure: (error: unknown) => void): void {
  // Only looked up, so any stored address (some predate today's stricter form) can be asked for.
  const address = email.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(address) || address.length > 254)
    throw new ValidationError({ email: "Enter an email address like you@example.com." });
  setTimeout(() => mailResetLink(deps, address).catch(onFailure), 0);
}

async function mailResetLink(deps: Deps & { mailer: Mailer }, address: string): Promise<void> {
  const row = deps.db
    .select({ user: users, account: accounts })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(sql`lower(${users.email}) = lower(${address})`)
    .get();
  // A sign-up whose address is not confirmed gets no link: the address may not be theirs.
  if (!row || row.user.disabledAt || row.account.suspendedAt || !joined(row.user)) return;
  const recent =
    deps.db
      .select({ n: count() })
      .from(passwordResets)
      .where(
        and(
          eq(passwordResets.userId, row.user.id),
          sql`${passwordResets.createdBy} IS NULL`,
          gt(passwordResets.createdAt, new Date(Date.now() - 3600_000)),
        ),
      )
      .get()?.n ?? 0;
  if (recent >= EMAILS_PER_HOUR) return;
  const link = newLink(deps, row.user.id, EMAILED_LINK_MS, null);
  const host = deps.baseUrl.host;
  await deps.mailer.send({
    to: row.user.email,
    subject: `Choose a new password for ${host}`,
    text: [
      `Someone, hopefully you, asked to choose a new password for @${row.account.username} on ${host}.`,
      "",
      "Open this link within an hour to choose one:",
      link,
      "",
      "If it was not you, ignore this e-mail: your password stays as it is.",
    ].join("\n"),
  });
}

/**
 * A link an admin makes for a member who cannot receive e-mail (or when the instance sends none),
 * to hand over another way. Admins make them for members below them; the owner for anyone.
 */
export function handedResetLink(deps: Deps, staff: { id: string; role: Role }, accountId: string): string {
  const target = deps.db.select().from(users).where(eq(users.accountId, accountId)).get();
  if (!target) throw new CoreError("Only members of this instance have a password.", 404);
  const refusal = passwordLinkRefusal(staff, { accountId, role: target.role });
  if (refusal) throw new CoreError(refusal, 403);
  const link = newLink(deps, target.id, HANDED_LINK_MS, staff.id);
  audit(deps.db, { actorId: staff.id, action: "account.password_link", targetType: "account", targetId: accountId });
  return link;
}

/** Why `staff` may not make a password link for this member, or null when they may. */
export function passwordLinkRefusal(staff: { id: string; role: Role }, target: { accountId: string; role: Role }): string | null {
  if (roleRank[staff.role] < roleRank.admin) return "Only admins and the owner can make password links.";
  if (target.accountId === staff.id) return "Change your own password in your settings.";
  if (roleRank[target.role] >= roleRank[staff.role])
    return "Only someone with a higher role can make a password link for this account.";
  return null;
}

/**
 * The member a link is for, while it works: not past its time, the member still able to log in
 * and, for an admin's link, its maker still allowed to make it (roles change in a day).
 */
export function findPasswordReset(db: Db, token: string) {
  const row = db
    .select({ reset: passwordResets, user: users, account: accounts })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(passwordResets.id, sha256Hex(token)), gt(passwordResets.expiresAt, new Date())))
    .get();
  if (!row || row.user.disabledAt || row.account.suspendedAt) return undefined;
  const { createdBy } = row.reset;
  if (createdBy) {
    const maker = db
      .select({ role: users.role, disabledAt: users.disabledAt, suspendedAt: accounts.suspendedAt })
      .from(users)
      .innerJoin(accounts, eq(accounts.id, users.accountId))
      .where(eq(users.accountId, createdBy))
      .get();
    if (!maker || maker.disabledAt || maker.suspendedAt) return undefined;
    if (passwordLinkRefusal({ id: createdBy, role: maker.role }, row.user) !== null) return undefined;
  }
  return { userId: row.user.id, username: row.account.username };
}

/**
 * The member's password changed (or their address): every link that could change it or their
 * address stops working, password links and a new address waiting for its link alike (someone
 * who had the old password could have asked for one to take the account back with).
 */
export function forgetAccountLinks(db: DbOrTx, userId: string): void {
  db.delete(passwordResets).where(eq(passwordResets.userId, userId)).run();
  db.delete(emailChanges).where(eq(emailChanges.userId, userId)).run();
}

export const LINK_EXPIRED = "This link has expired or was used already. Ask for a new one.";

/**
 * Sets the new password the link was for. Every link of the member stops working, every session
 * ends and every app loses its access (as on Mastodon: whoever had the old password may have
 * connected one); two-factor authentication still asks for its code at the next login. Returns
 * the member's username.
 */
export async function completePasswordReset(
  db: Db,
  token: string,
  input: { password: string; confirmation: string },
): Promise<string> {
  const reset = findPasswordReset(db, token);
  if (!reset) throw new CoreError(LINK_EXPIRED, 410);
  const weak = passwordProblem(input.password);
  if (weak) throw new ValidationError({ password: weak });
  if (input.password !== input.confirmation) throw new ValidationError({ password_confirmation: "The two passwords differ." });
  const passwordHash = await Bun.password.hash(input.password, PASSWORD_HASHING);
  const used = db.transaction((tx) => {
    // Hashing took a while: the link may have been used meanwhile, which is once.
    const gone = tx.delete(passwordResets).where(eq(passwordResets.userId, reset.userId)).returning().all();
    if (!gone.some((r) => r.id === sha256Hex(token))) return false;
    forgetAccountLinks(tx, reset.userId);
    tx.update(users).set({ passwordHash }).where(eq(users.id, reset.userId)).run();
    revokeOtherSessions(tx, reset.userId);
    revokeUserTokens(tx, reset.userId);
    tx.delete(loginChallenges).where(eq(loginChallenges.userId, reset.userId)).run();
    return true;
  });
  if (!used) throw new CoreError(LINK_EXPIRED, 410);
  return reset.username;
}
