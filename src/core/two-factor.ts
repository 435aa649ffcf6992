/**
 * Two-factor authentication with time-based one-time codes (TOTP, RFC 6238: the six digits that
 * Aegis, Google Authenticator, 1Password and the rest show), as Mastodon offers it: set up from
 * the account settings with a QR code and a first code, then asked for after the password at
 * each login; ten one-time recovery codes stand in for a lost phone.
 */
import { and, count, eq, lt } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import type { Db, DbOrTx } from "../db/open.ts";
import { loginChallenges, recoveryCodes, users } from "../db/schema.ts";
import { findLocalAccount } from "./accounts.ts";
import { checkLimit, confirmPassword } from "./auth.ts";
import { CoreError, ValidationError } from "./errors.ts";
import type { RateLimiter } from "./rate-limit.ts";
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
 * The secret a member is setting up, made on the first visit and kept until it is confirmed (a
 * reload shows the same QR code), with the `otpauth://` address the code apps read from it.
 * `label` is the member's handle, `name@host`: what the app lists the codes under.
 */
export function setupSecret(db: Db, userId: string, label: string): { secret: string; uri: string } {
  const user = findUser(db, userId);
  if (twoFactorEnabled(user)) throw new CoreError("Two-factor authentication is already on.", 409);
  let secret = user.otpSecret;
  if (!secret) {
    secret = new Secret({ size: 20 }).base32;
    db.update(users).set({ otpSecret: secret }).where(eq(users.id, userId)).run();
  }
  return { secret, uri: totp(secret, label).toString() };
}

/** Turns two-factor authentication on once the member's app shows the right code; the recovery codes are returned once. */
export async function enableTwoFactor(
  db: Db,
  limiter: RateLimiter,
  userId: string,
  input: { password: string; code: string },
): Promise<string[]> {
  const user = await confirmPassword(db, limiter, userId, input.password, "password");
  if (twoFactorEnabled(user)) throw new CoreError("Two-factor authentication is already on.", 409);
  if (!user.otpSecret) throw new ValidationError({ code: "Open this page again to get a QR code." });
  return db.transaction((tx) => {
    takeCode(tx, limiter, user, input.code, { recovery: false });
    tx.update(users).set({ otpEnabledAt: new Date() }).where(eq(users.id, userId)).run();
    return replaceRecoveryCodes(tx, userId);
  });
}

/** Turns it off, with the password and a code (or a recovery code). */
export async function disableTwoFactor(
  db: Db,
  limiter: RateLimiter,
  userId: string,
  input: { password: string; code: string },
): Promise<void> {
  const user = await confirmPassword(db, limiter, userId, input.password, "password");
  if (!twoFactorEnabled(user)) return;
  db.transaction((tx) => {
    takeCode(tx, limiter, user, input.code, { recovery: true });
    clearTwoFactor(tx, userId);
  });
}

/** New recovery codes after the password: the old ones stop working. */
export async function newRecoveryCodes(db: Db, limiter: RateLimiter, userId: string, password: string): Promise<string[]> {
  const user = await confirmPassword(db, limiter, userId, password, "password");
  if (!twoFactorEnabled(user)) throw new CoreError("Two-factor authentication is off.", 409);
  return db.transaction((tx) => replaceRecoveryCodes(tx, userId));
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
export function finishLoginChallenge(db: Db, limiter: RateLimiter, token: string, code: string): string {
  return db.transaction((tx) => {
    const id = sha256Hex(token);
    const challenge = tx.select().from(loginChallenges).where(eq(loginChallenges.id, id)).get();
    if (!challenge || challenge.expiresAt.getTime() < Date.now()) throw new LoginExpired();
    const user = findUser(tx, challenge.userId);
    takeCode(tx, limiter, user, code, { recovery: true });
    tx.delete(loginChallenges).where(eq(loginChallenges.id, id)).run();
    return user.id;
  });
}

/**
 * Accepts the code of now, 30 seconds ago or 30 seconds ahead (phones' clocks drift), never a
 * step already used; or, where allowed, one of the recovery codes, which is used up.
 */
function takeCode(tx: DbOrTx, limiter: RateLimiter, user: User, typed: string, options: { recovery: boolean }): void {
  const keys = [`otp:${user.id}`];
  checkLimit(limiter, keys);
  const code = typed.replace(/[\s-]/g, "").toLowerCase();
  if (/^\d{6}$/.test(code) && user.otpSecret) {
    const now = Date.now();
    const delta = totp(user.otpSecret, "").validate({ token: code, timestamp: now, window: 1 });
    const step = delta === null ? null : Math.floor(now / PERIOD_MS) + delta;
    if (step !== null && step > (user.otpLastStep ?? -1)) {
      tx.update(users).set({ otpLastStep: step }).where(eq(users.id, user.id)).run();
      return;
    }
  } else if (options.recovery && /^[0-9a-f]{10}$/.test(code)) {
    const used = tx
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, user.id), eq(recoveryCodes.codeHash, sha256Hex(code))))
      .returning()
      .all();
    if (used.length > 0) return;
  }
  for (const key of keys) limiter.hit(key);
  throw new ValidationError({ code: WRONG_CODE });
}

function replaceRecoveryCodes(tx: DbOrTx, userId: string): string[] {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    Buffer.from(crypto.getRandomValues(new Uint8Array(5))).toString("hex"),
  );
  tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
  tx.insert(recoveryCodes)
    .values(codes.map((code) => ({ userId, codeHash: sha256Hex(code) })))
    .run();
  return codes.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`);
}

function clearTwoFactor(tx: DbOrTx, userId: string): void {
  tx.update(users).set({ otpSecret: null, otpEnabledAt: null, otpLastStep: null }).where(eq(users.id, userId)).run();
  tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
  tx.delete(loginChallenges).where(eq(loginChallenges.userId, userId)).run();
}
