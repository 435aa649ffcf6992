import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { loginChallenges, users } from "../db/schema.ts";
import { deleteLocalAccount } from "./account-deletion.ts";
import { findLocalAccount, PASSWORD_HASHING, passwordProblem } from "./accounts.ts";
import type { MediaStore } from "../media/store.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { RateLimiter } from "./rate-limit.ts";
import { findRejection } from "./rejections.ts";
import { revokeUserTokens } from "./oauth.ts";
import { forgetAccountLinks } from "./password-resets.ts";
import { revokeOtherSessions } from "./sessions.ts";

/** Five failed attempts a minute per IP and per account, then 429 until the window passes. */
export const newLoginLimiter = () => new RateLimiter(5, 60_000);

// Verifying against a real hash when the user does not exist takes as long as a real check,
// so response times do not reveal which usernames exist.
const dummyHash = Bun.password.hash("not a real password", PASSWORD_HASHING);

export class RateLimited extends CoreError {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts. Try again in ${waitText(retryAfterSeconds)}.`, 429);
  }
}

/** "40 seconds", "12 minutes", "5 hours": a wait as a person reads it. */
function waitText(seconds: number): string {
  const [n, unit] =
    seconds < 120
      ? [seconds, "second"]
      : seconds < 7200
        ? [Math.ceil(seconds / 60), "minute"]
        : [Math.ceil(seconds / 3600), "hour"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

export function checkLimit(limiter: RateLimiter, keys: string[]): void {
  const wait = Math.max(...keys.map((k) => limiter.retryAfter(k)));
  if (wait > 0) throw new RateLimited(Math.ceil(wait / 1000));
}

/** The limiter's key for guesses at one account's password, however its name was spelled. */
const accountKey = (userId: string) => `user:${userId}`;

/**
 * Username (or email) and password to a user id; failures count toward the rate limit. A
 * suspended member gets through, to read the moderators' note and appeal it (web/auth.tsx), but
 * never to a session: createSession and findViewer (core/sessions.ts) refuse suspended accounts.
 */
export async function verifyLogin(
  db: Db,
  limiter: RateLimiter,
  credentials: { login: string; password: string; ip: string },
  /** Whether the instance sends e-mail now: if not, an address link cannot come. */
  canMail: boolean,
): Promise<string> {
  const { login, password, ip } = credentials;
  const user = await checkCredentials(db, limiter, login, password, ip);
  if (user.disabledAt) throw new ValidationError({ username: "This account is disabled." });
  // Before approval: moderators only see sign-ups whose address is confirmed.
  if (!user.emailConfirmedAt)
    throw new ValidationError({
      username: canMail
        ? "Confirm your e-mail address first: open the latest link we sent you."
        : "Your e-mail address is not confirmed, and this server sends no e-mail now: ask its moderators to confirm it.",
    });
  if (!user.approvedAt) throw new ValidationError({ username: "This account is waiting for a moderator's approval." });
  limiter.reset(accountKey(user.id));
  return user.id;
}

/**
 * The member a username (or address) and password name, whatever the account's state, or a
 * ValidationError; wrong guesses count toward the limit.
 */
export async function checkCredentials(db: Db, limiter: RateLimiter, login: string, password: string, ip: string) {
  const name = login.trim().replace(/^@/, "");
  // Nothing typed is no guess: it is asked for, and counts toward no limit.
  const missing: Record<string, string> = {};
  if (!name) missing.username = "Enter your username or e-mail address.";
  if (!password) missing.password = "Enter your password.";
  if (Object.keys(missing).length > 0) throw new ValidationError(missing);
  const user = findUserByLogin(db, name);
  // Keyed by the account, not the typed name: "ada" and "ada@example.com" must share one limit.
  const keys = [`ip:${ip}`, user ? accountKey(user.id) : `login:${name.toLowerCase()}`];
  checkLimit(limiter, keys);
  // A turned-away sign-up has no account any more; with the right password, its owner learns why.
  const rejected = user ? undefined : findRejection(db, name);
  const ok = await Bun.password.verify(password, user?.passwordHash ?? rejected?.passwordHash ?? (await dummyHash));
  if (rejected && ok) {
    const why = rejected.message ? ` They wrote: “${rejected.message}”` : "";
    throw new ValidationError({ username: `The moderators turned down this sign-up.${why}` });
  }
  if (!user || !ok) {
    for (const key of keys) limiter.hit(key);
    throw new ValidationError({ password: "The username or password is wrong." });
  }
  return user;
}

function findUserByLogin(db: Db, login: string) {
  if (login.includes("@")) {
    return db.select().from(users).where(sql`lower(${users.email}) = lower(${login})`).get();
  }
  const account = findLocalAccount(db, login);
  return account ? db.select().from(users).where(eq(users.accountId, account.id)).get() : undefined;
}

/**
 * Checks a signed-in member's password before a change only they may make. Failures count toward
 * the same limit as logins: a stolen session must not become a way to guess the password.
 */
export async function confirmPassword(db: Db, limiter: RateLimiter, userId: string, password: string, field: string) {
  checkLimit(limiter, [accountKey(userId)]);
  const user = db.select().from(users).where(eq(users.id, userId)).get();
  if (!user || !(await Bun.password.verify(password, user.passwordHash))) {
    limiter.hit(accountKey(userId));
    throw new ValidationError({
      [field]: field === "current_password" ? "The current password is wrong." : "The password is wrong.",
    });
  }
  return user;
}

/** Changes a password after checking the current one; other sessions end. */
export async function changePassword(
  db: Db,
  limiter: RateLimiter,
  input: { userId: string; sessionId: string; current: string; password: string; confirmation: string },
): Promise<void> {
  const user = await confirmPassword(db, limiter, input.userId, input.current, "current_password");
  const weak = passwordProblem(input.password);
  if (weak) throw new ValidationError({ password: weak });
  if (input.password !== input.confirmation) throw new ValidationError({ password_confirmation: "The two passwords differ." });
  const passwordHash = await Bun.password.hash(input.password, PASSWORD_HASHING);
  db.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
  revokeOtherSessions(db, user.id, input.sessionId);
  forgetAccountLinks(db, user.id);
  // A login waiting for its code proved the old password: it is void now.
  db.delete(loginChallenges).where(eq(loginChallenges.userId, user.id)).run();
}

/**
 * Gives a member a new password from the command line (`skein user password`, like Mastodon's
 * `tootctl accounts modify --reset-password`; password-resets.ts is the way through the pages). As there,
 * every session and app token of theirs ends: the old password may be in someone else's hands.
 */
export async function resetPassword(db: Db, username: string, password: string): Promise<void> {
  const account = findLocalAccount(db, username);
  const user = account && db.select({ id: users.id }).from(users).where(eq(users.accountId, account.id)).get();
  if (!user) throw new ValidationError({ username: `There is no member @${username} here.` });
  const weak = passwordProblem(password);
  if (weak) throw new ValidationError({ password: weak });
  const passwordHash = await Bun.password.hash(password, PASSWORD_HASHING);
  db.transaction((tx) => {
    tx.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
    revokeOtherSessions(tx, user.id);
    revokeUserTokens(tx, user.id);
    forgetAccountLinks(tx, user.id);
    tx.delete(loginChallenges).where(eq(loginChallenges.userId, user.id)).run();
  });
}

/** Deletes one's own account after checking the password; the account row takes its content with it. */
export async function deleteOwnAccount(
  deps: CoreDeps & { media?: MediaStore },
  limiter: RateLimiter,
  userId: string,
  password: string,
): Promise<void> {
  const user = await confirmPassword(deps.db, limiter, userId, password, "password");
  if (user.role === "owner")
    throw new ValidationError({ password: "The owner cannot delete the account; pass ownership on first." });
  deleteLocalAccount(deps, user.accountId);
}
