import { and, count, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { wasDeleted } from "./account-deletion.ts";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, type Role, roles, users } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { ValidationError } from "./errors.ts";

/** Names that would collide with our routes, well-known paths or look like staff. */
export const reservedUsernames = new Set([
  "admin",
  "administrator",
  "api",
  "about",
  "assets",
  "auth",
  "compose",
  "explore",
  "favourites",
  "followers",
  "following",
  "healthz",
  "help",
  "home",
  "inbox",
  "instance",
  "login",
  "logout",
  "media",
  "moderator",
  "mod",
  "nodeinfo",
  "notifications",
  "oauth",
  "outbox",
  "owner",
  "postmaster",
  "root",
  "search",
  "settings",
  "setup",
  "signup",
  "skein",
  "staff",
  "support",
  "system",
  "tags",
  "users",
  "webmaster",
  "well_known",
  "www",
]);

export const USERNAME_PATTERN = /^[a-z0-9_]{1,30}$/;
/**
 * One plain address: no spaces or control characters, none of the characters that make a list or
 * a name of it in a mail header, and no dot closing the domain (the same mailbox written twice).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
export const EMAIL_PATTERN =
  /^[^\s@,;:<>()[\]\\"\x00-\x1f\x7f]+@[^\s@,;:<>()[\]\\"\x00-\x1f\x7f]+\.[^\s@,;:<>()[\]\\"\x00-\x1f\x7f.]+$/;
/**
 * Argon2id with OWASP's first recommended setting (19 MiB, 2 passes). Bun's default takes 64 MiB
 * per hash, which a small box feels when a few members log in at once. Hashes keep their own
 * settings, so older ones still verify.
 */
export const PASSWORD_HASHING = { algorithm: "argon2id", memoryCost: 19_456, timeCost: 2 } as const;

export const PASSWORD_MIN = 10;
const PASSWORD_MAX = 256;

/** What is wrong with a new password, if anything: one rule for sign-up, change and reset. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters (at most ${PASSWORD_MAX}).`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return undefined;
}

export interface NewLocalUser {
  username: string;
  email: string;
  password: string;
  role: Role;
  /** A sign-up in approval mode waits for a moderator; everyone else is approved at once. */
  pendingApproval?: boolean;
  /** A sign-up on an instance that sends e-mail waits for its address's link; everyone else's counts as confirmed. */
  emailUnconfirmed?: boolean;
  signupReason?: string;
  /** Where a sign-up came from (moderators see it). */
  signUpIp?: string;
  inviteId?: string;
}

export type LocalAccount = typeof accounts.$inferSelect;

/**
 * Creates a local member: the account (what the fediverse sees) and the user (credentials and
 * role) in one transaction. Used by the setup page, the command line and, later, sign-up.
 */
export async function createLocalUser(deps: CoreDeps, input: NewLocalUser): Promise<{ accountId: string; userId: string }> {
  const username = input.username.trim();
  const email = input.email.trim();
  const problems = validateNewUser(deps.db, { ...input, username, email });
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);

  const passwordHash = await Bun.password.hash(input.password, PASSWORD_HASHING);
  const accountId = newId();
  const userId = newId();
  try {
    deps.db.transaction((tx) => {
      tx.insert(accounts).values({ id: accountId, username }).run();
      tx.insert(users)
        .values({
          id: userId,
          accountId,
          email,
          passwordHash,
          role: input.role,
          approvedAt: input.pendingApproval ? null : new Date(),
          emailConfirmedAt: input.emailUnconfirmed ? null : new Date(),
          signupReason: input.signupReason ?? null,
          signUpIp: input.signUpIp ?? null,
          inviteId: input.inviteId ?? null,
        })
        .run();
    });
  } catch (error) {
    // Two requests raced past the checks above; the unique indexes decided.
    const again = validateNewUser(deps.db, { ...input, username, email });
    if (Object.keys(again).length > 0) throw new ValidationError(again);
    throw error;
  }
  deps.events.emit("account.created", { accountId });
  return { accountId, userId };
}

/** Every problem with a new member's details, by field; empty when all is well. */
export function validateNewUser(db: Db, input: NewLocalUser): Record<string, string> {
  const problems: Record<string, string> = {};
  const { username, email, password, role } = input;
  if (!USERNAME_PATTERN.test(username)) {
    problems.username = "Use 1 to 30 lowercase letters, digits or underscores.";
  } else if (reservedUsernames.has(username)) {
    problems.username = "This name is reserved; choose another.";
  } else if (findLocalAccount(db, username)) {
    problems.username = "This name is taken.";
  } else if (wasDeleted(db, username)) {
    // Nobody may pose as a deleted account to the servers that knew it.
    problems.username = "This name belonged to a deleted account and cannot be used again.";
  }
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) {
    problems.email = "Enter an email address like name@example.com.";
  } else if (db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = lower(${email})`).get()) {
    problems.email = "An account already uses this email address.";
  }
  const weak = passwordProblem(password);
  if (weak) problems.password = weak;
  if (!roles.includes(role)) {
    problems.role = `Choose one of ${roles.join(", ")}.`;
  } else if (role === "owner" && ownerExists(db)) {
    problems.role = "This instance already has an owner.";
  }
  return problems;
}

/** A local account by username, regardless of case. */
export function findLocalAccount(db: Db, username: string): LocalAccount | undefined {
  return db
    .select()
    .from(accounts)
    .where(and(sql`lower(${accounts.username}) = lower(${username})`, isNull(accounts.domain)))
    .get();
}

/**
 * Whether a member's sign-up is complete: approved (where moderators review sign-ups) and their
 * address confirmed (where the instance sends e-mail). Until then, as on Mastodon, the account
 * cannot be used and nobody else sees it.
 */
export const joined = (user: { approvedAt: Date | null; emailConfirmedAt: Date | null }) =>
  user.approvedAt !== null && user.emailConfirmedAt !== null;

/** The same on the users table, for queries. */
export const joinedSql = () => and(isNotNull(users.approvedAt), isNotNull(users.emailConfirmedAt));

/** Accounts others may see: remote ones, and local ones whose sign-up is complete (for lookups, search, mentions). */
export const seenByOthers = () =>
  sql`(${accounts.domain} IS NOT NULL OR EXISTS (SELECT 1 FROM ${users} WHERE ${users.accountId} = ${accounts.id}
    AND ${users.approvedAt} IS NOT NULL AND ${users.emailConfirmedAt} IS NOT NULL))`;

/** A local account others may see: its sign-up complete (federation, WebFinger and profiles answer only for these). */
export function findMember(db: Db, username: string): LocalAccount | undefined {
  const account = findLocalAccount(db, username);
  return account && isMember(db, account.id) ? account : undefined;
}

export function isMember(db: Db, accountId: string): boolean {
  return (
    db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.accountId, accountId), joinedSql()))
      .get() !== undefined
  );
}

export function findOwner(db: Db): LocalAccount | undefined {
  return db
    .select({ account: accounts })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.role, "owner"))
    .get()?.account;
}

export function ownerExists(db: Db): boolean {
  return db.select({ id: users.id }).from(users).where(eq(users.role, "owner")).get() !== undefined;
}

/** Members who can use the instance: approved and not disabled. */
export function countLocalUsers(db: Db): number {
  return (
    db
      .select({ n: count() })
      .from(users)
      .where(and(isNull(users.disabledAt), joinedSql()))
      .get()?.n ?? 0
  );
}
