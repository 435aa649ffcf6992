/**
 * Two-factor authentication with time-based one-time codes (TOTP, RFC 6238: the six digits that
 * Aegis, Google Authenticator, 1Password and the rest show), as Mastodon offers it: set up from
 * the account settings with a QR code and a first code, then asked for after the password at
 * each login; ten one-time recovery codes stand in for a lost phone.
 */
import { and, count, eq, isNull, lt, or } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import type { Db, DbOrTx } from "../db/open.ts";
import { loginChallenges, recoveryCodes, users } from "../db/schema.ts";
import { findLocalAccount } from "./accounts.ts";
import { checkLimit, confirmPassword } from "./auth.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { RateLimiter } from "./rate-limit.ts";
import { randomToken, sha256Hex } from "./tokens.ts";

const PERIOD_MS = 30_000;
/** How long the code page waits after the right password before the password is asked again. */
export const CHALLENGE_MS = 5 * 60_000;
const RECOVERY_CODE_COUNT = 10;
const WRONG_CODE = "That code is wrong. Type the newest one your app shows (and check your phone's clock).";

type User = typeof users.$inferSelect;

export const twoFactorEnabled = (user: Pick<User, "otpEnabledAt">): boolean => user.otpEnabledAt !== null;

const totp = (secret: string, label: string) =>
  new TOTP({ issuer: label.split("@")[1], label, secret: Secret.fromBase32(secret), digits: 6, period: PERIOD_MS / 1000 });

function findUser(db: DbOrTx, userId: string): User {
  const user = db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) throw new CoreError("There is no such member.", 404);
  return user;
}

/**
 * A new secret for the member to set up, with the `otpauth://` address code apps read from it
 * (`label` is the member's handle, `name@host`: what the app lists the codes under). Each visit
 * makes a new one, so a key someone glimpsed on an unattended screen is gone by the time the
 * member turns it on.
 */
export function setupSecret(db: Db, userId: string, label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  const pending = db
    .update(users)
    .set({ otpSecret: secret })
    .where(and(eq(users.id, userId), isNull(users.otpEnabledAt)))
    .returning({ id: users.id })
    .all();
  if (pending.length === 0) throw new CoreError("Two-factor authentication is already on.", 409);
  return { secret, uri: totp(secret, label).toString() };
}

/** The secret being set up now (for the page shown again after a wrong code), or null. */
export function pendingSecret(db: Db, userId: string, label: string): { secret: string; uri: string } | null {
  const user = findUser(db, userId);
  if (twoFactorEnabled(user) || !user.otpSecret) return null;
  return { secret: user.otpSecret, uri: totp(user.otpSecret, label).toString() };
}

/** The login limiter (five wrong tries a minute) and the one for codes (thirty wrong a day). */
export interface CodeLimits {
  login: RateLimiter;
  codes: RateLimiter;
}
export const newCodeLimiter = () => new RateLimiter(30, 24 * 3600_000);

/**
 * Turns two-factor authentication on once the member's app shows the right code; the recovery
 * codes are returned once. Each change here reads the member's row again inside its transaction,
 * after the slow password check, so two requests at once cannot both pass on what one saw before.
 */
export async function enableTwoFactor(
  db: Db,
  limits: CodeLimits,
  userId: string,
  input: { password: string; code: string },
): Promise<string[]> {
  await confirmPassword(db, limits.login, userId, input.password, "password");
  return db.transaction((tx) => {
    const user = findUser(tx, userId);
    if (twoFactorEnabled(user)) throw new CoreError("Two-factor authentication is already on.", 409);
    if (!user.otpSecret) throw new ValidationError({ code: "Open this page again to get a QR code." });
    takeCode(tx, limits, user, input.code, { recovery: false });
    tx.update(users).set({ otpEnabledAt: new Date() }).where(eq(users.id, userId)).run();
    return replaceRecoveryCodes(tx, userId);
  });
}

/** Turns it off, with the password and a code (or a recovery code). */
export async function disableTwoFactor(
  db: Db,
  limits: CodeLimits,
  userId: string,
  input: { password: string; code: string },
): Promise<void> {
  await confirmPassword(db, limits.login, userId, input.password, "password");
  db.transaction((tx) => {
    const user = findUser(tx, userId);
    if (!twoFactorEnabled(user)) return;
    takeCode(tx, limits, user, input.code, { recovery: true });
    clearTwoFactor(tx, userId);
  });
}

/**
 * New recovery codes, with the password and a code from the app: the old ones stop working. (A
 * recovery code does not make new ones: whoever found one must not get ten.)
 */
export async function newRecoveryCodes(
  db: Db,
  limits: CodeLimits,
  userId: string,
  input: { password: string; code: string },
): Promise<string[]> {
  await confirmPassword(db, limits.login, userId, input.password, "password");
  return db.transaction((tx) => {
    const user = findUser(tx, userId);
    if (!twoFactorEnabled(user)) throw new CoreError("Two-factor authentication is off.", 409);
    takeCode(tx, limits, user, input.code, { recovery: false });
    return replaceRecoveryCodes(tx, userId);
  });
}

/** Whether logging in as this member takes a code after the password. */
export function twoFactorRequired(db: Db, userId: string): boolean {
  const user = db.select({ otpEnabledAt: users.otpEnabledAt }).from(users).where(eq(users.id, userId)).get();
  return user !== undefined && twoFactorEnabled(user);
}

export const recoveryCodesLeft = (db: Db, userId: string): number =>
  db.select({ n: count() }).from(recoveryCodes).where(eq(recoveryCodes.userId, userId)).get()?.n ?? 0;

/**
 * For a member who lost both their phone and their recovery codes: the owner turns it off from
 * the command line (as Mastodon's `tootctl accounts modify --disable-2fa`).
 */
export function disableTwoFactorFor(db: Db, username: string): void {
  const account = findLocalAccount(db, username);
  const user = account && db.select().from(users).where(eq(users.accountId, account.id)).get();
  if (!user) throw new ValidationError({ username: `There is no member @${username} here.` });
  if (!twoFactorEnabled(user)) throw new ValidationError({ username: `@${username} has no two-factor authentication.` });
  db.transaction((tx) => clearTwoFactor(tx, user.id));
}

/** After the right password: a token for the code page (its cookie), good for five minutes. */
export function startLoginChallenge(db: Db, userId: string, now = new Date()): string {
  const token = randomToken(32);
  db.transaction((tx) => {
    tx.delete(loginChallenges).where(lt(loginChallenges.expiresAt, now)).run();
    tx.insert(loginChallenges)
      .values({ id: sha256Hex(token), userId, expiresAt: new Date(now.getTime() + CHALLENGE_MS) })
      .run();
  });
  return token;
}

export class LoginExpired extends CoreError {
  constructor() {
    super("The five minutes for the code have passed: log in again.", 410);
  }
}

/**
 * The code page's answer: the member's id when the code is right (the challenge is used up), a
 * ValidationError when wrong. Wrong codes count toward their own limit, which the right password
 * does not reset: knowing the password must not buy more guesses at the code.
 */
export function finishLoginChallenge(db: Db, limits: CodeLimits, token: string, code: string): string {
  return db.transaction((tx) => {
    const id = sha256Hex(token);
    const challenge = tx.select().from(loginChallenges).where(eq(loginChallenges.id, id)).get();
    if (!challenge || challenge.expiresAt.getTime() < Date.now()) throw new LoginExpired();
    const user = findUser(tx, challenge.userId);
    takeCode(tx, limits, user, code, { recovery: true });
    tx.delete(loginChallenges).where(eq(loginChallenges.id, id)).run();
    return user.id;
  });
}

/**
 * Accepts the code of now, 30 seconds ago or 30 seconds ahead (phones' clocks drift), never a
 * step already used (the row is updated only if its last step is older, so two requests with one
 * code cannot both pass); or, where allowed, one of the recovery codes, which is used up.
 */
function takeCode(tx: DbOrTx, limits: CodeLimits, user: User, typed: string, options: { recovery: boolean }): void {
  const key = `otp:${user.id}`;
  const code = typed.replace(/[\s-]/g, "").toLowerCase();
  // The day's limit is for the six digits a guesser might hit; a recovery code (60 bits) cannot be
  // guessed, so someone with the password cannot lock the member out of those for a day.
  const sixDigits = /^\d{6}$/.test(code);
  checkLimit(limits.login, [key]);
  if (sixDigits || !options.recovery) checkLimit(limits.codes, [key]);
  if (sixDigits && user.otpSecret) {
    const now = Date.now();
    const delta = totp(user.otpSecret, "").validate({ token: code, timestamp: now, window: 1 });
    const step = Math.floor(now / PERIOD_MS) + (delta ?? 0);
    const taken =
      delta !== null &&
      tx
        .update(users)
        .set({ otpLastStep: step })
        .where(and(eq(users.id, user.id), or(isNull(users.otpLastStep), lt(users.otpLastStep, step))))
        .returning({ id: users.id })
        .all().length > 0;
    if (taken) return;
  } else if (options.recovery && RECOVERY_CODE.test(code)) {
    const used = tx
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, user.id), eq(recoveryCodes.codeHash, recoveryHash(user.id, code))))
      .returning()
      .all();
    if (used.length > 0) return;
  }
  limits.login.hit(key);
  if (sixDigits || !options.recovery) limits.codes.hit(key);
  throw new ValidationError({ code: WRONG_CODE });
}

/**
 * Recovery codes: 12 letters and digits of base32 (60 random bits), kept as a SHA-256 salted with
 * the member's id, so a stolen database does not give them away by a precomputed table.
 */
const RECOVERY_CODE = /^[a-z2-7]{12}$/;
const recoveryHash = (userId: string, code: string) => sha256Hex(`${userId}:${code}`);

function replaceRecoveryCodes(tx: DbOrTx, userId: string): string[] {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => new Secret({ size: 8 }).base32.slice(0, 12).toLowerCase());
  tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
  tx.insert(recoveryCodes)
    .values(codes.map((code) => ({ userId, codeHash: recoveryHash(userId, code) })))
    .run();
  return codes.map((code) => code.match(/.{4}/g)?.join("-") ?? code);
}

function clearTwoFactor(tx: DbOrTx, userId: string): void {
  tx.update(users).set({ otpSecret: null, otpEnabledAt: null, otpLastStep: null }).where(eq(users.id, userId)).run();
  tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
  tx.delete(loginChallenges).where(eq(loginChallenges.userId, userId)).run();
}
