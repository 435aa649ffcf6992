import { and, eq, gte, inArray, isNotNull, isNull, type SQL } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, auditLog, oauthTokens, sessions, users } from "../db/schema.ts";
import { createLocalUser, ownerExists, validateNewUser } from "./accounts.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { EMAIL_DOMAIN_BLOCKED, emailDomainBlockFor } from "./email-domain-blocks.ts";
import { ipBlockFor } from "./ip-blocks.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { getInternal, getSettings, setInternal, updateSettings } from "./instance.ts";
import { countInviteUse, findUsableInvite } from "./invites.ts";
import { RateLimiter } from "./rate-limit.ts";
import { keepRejection } from "./rejections.ts";
import { checkCredentials, checkLimit, RateLimited } from "./auth.ts";
import { countLinkTry, countRecipient, type LinkLimits, sendAddressLink, usableAddress } from "./email-changes.ts";
import type { Mailer } from "./mail.ts";

/** Ten sign-up attempts an hour per IP address. */
export const newSignupLimiter = () => new RateLimiter(10, 3600_000);

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
  confirmation: string;
  reason?: string;
  inviteCode?: string;
  /** Apps ask whether the person agrees to the rules and terms (Mastodon's `agreement`): false is refused. */
  agreement?: boolean;
  /** YYYY-MM-DD; asked where the instance has a minimum age, checked against it and not kept. */
  dateOfBirth?: string;
  ip: string;
}

/**
 * Sign-up by the instance's registration mode: `open` lets anyone in, `approval` keeps the new
 * member waiting (with their reason) for a moderator, `invite` needs a code, `closed` refuses.
 * A valid invite code lets its holder in at once, whatever the mode.
 */
export async function signUp(
  deps: CoreDeps & { mailer?: Mailer },
  limiter: RateLimiter,
  input: SignUpInput,
  onMailFailure: (error: unknown) => void,
): Promise<{ userId: string; pending: boolean; confirm?: string }> {
  const wait = limiter.retryAfter(input.ip);
  if (wait > 0) throw new RateLimited(Math.ceil(wait / 1000));

  // Before the owner exists nobody joins: a stranger could take the name the owner wants.
  if (!ownerExists(deps.db)) throw new CoreError("This instance is not set up yet.", 403);
  const { registrationMode: mode, minimumAge } = getSettings(deps.db);
  const networkRule = ipBlockFor(deps.db, input.ip);
  if (networkRule === "sign_up_block") throw new CoreError("Sign-ups from your network are not allowed here.", 403);
  const invite = input.inviteCode ? findUsableInvite(deps.db, input.inviteCode) : undefined;
  if (input.inviteCode && !invite) throw new ValidationError({ invite_code: "This invite is not valid any more." });
  if (!invite && mode === "closed") throw new CoreError("Sign-ups are closed on this instance.", 403);
  if (!invite && mode === "invite") throw new ValidationError({ invite_code: "Sign-ups need an invite on this instance." });
  const reason = input.reason?.trim() ?? "";
  // An invite lets its holder in at once, but a network the moderators limited waits for them
  // all the same (as on Mastodon: an invite passed around a spam network must not open it).
  const pending = networkRule === "sign_up_requires_approval" || (!invite && mode === "approval");
  const details = { username: input.username.trim(), email: input.email.trim(), password: input.password, role: "user" as const };
  const problems = validateNewUser(deps.db, details);
  if (!problems.email && emailDomainBlockFor(deps.db, details.email)) problems.email = EMAIL_DOMAIN_BLOCKED;
  // (The form asks for a reason in approval mode only.)
  if (mode === "approval" && pending && reason.length === 0) problems.reason = "Tell the moderators why you want to join.";
  if (reason.length > 1000) problems.reason = "Keep it under 1000 characters.";
  if (input.password !== input.confirmation) problems.password_confirmation = "The two passwords differ.";
  if (input.agreement === false) problems.agreement = "Tick the box to agree before joining.";
  const ageProblem = checkAge(minimumAge, input.dateOfBirth, new Date());
  if (ageProblem) problems.date_of_birth = ageProblem;
  // Sign-ups that go through count toward the limit, and so do answers that tell a name or an
  // address is taken (else the form would tell anyone, without end, who has an account here);
  // friends joining together on one network, fixing other typos, do not run into it.
  if (Object.keys(problems).length === 0 || problems.username || problems.email) limiter.hit(input.ip);
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);

  const { userId, accountId } = await createLocalUser(deps, {
    username: input.username,
    email: input.email,
    password: input.password,
    role: "user",
    pendingApproval: pending,
    // Password links go to this address: when the instance can mail it, it must be the member's.
    emailUnconfirmed: deps.mailer !== undefined,
    signupReason: reason || undefined,
    signUpIp: input.ip,
    inviteId: invite?.id,
  });
  if (invite) countInviteUse(deps.db, invite.id);
  if (!deps.mailer) {
    deps.events.emit("signup.ready", { accountId });
    return { userId, pending };
  }
  sendAddressLink({ ...deps, mailer: deps.mailer }, userId, details.email, "signup", onMailFailure);
  return { userId, pending, confirm: details.email };
}

/** Why a date of birth does not let its holder join, with this minimum age (0: any age does). */
export function checkAge(minimumAge: number, dateOfBirth: string | undefined, today: Date): string | undefined {
  if (minimumAge <= 0) return undefined;
  if (!dateOfBirth?.trim()) return "Enter your date of birth.";
  const age = ageOn(dateOfBirth.trim(), today);
  if (age === null) return "Enter your date of birth as a date, like 2001-04-30.";
  if (age < 0) return "A date of birth cannot be in the future.";
  return age < minimumAge ? `You must be at least ${minimumAge} years old to join.` : undefined;
}

/** The age in whole years on `today` (UTC) of someone born on a YYYY-MM-DD date (negative: not born yet); null for no real date. */
export function ageOn(dateOfBirth: string, today: Date): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const born = new Date(Date.UTC(year, month - 1, day));
  if (born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day || year < 1900) return null;
  if (born > today) return -1;
  const birthdayPassed = today.getUTCMonth() > month - 1 || (today.getUTCMonth() === month - 1 && today.getUTCDate() >= day);
  return today.getUTCFullYear() - year - (birthdayPassed ? 0 : 1);
}

/**
 * "Lost the link?": a sign-up whose address is not confirmed yet gets a new link, to a corrected
 * address if one is given. The password proves the account is theirs: whoever owns a mistyped
 * address must not get to choose. Returns where the link went.
 */
export async function resendSignupLink(
  deps: CoreDeps & { mailer: Mailer },
  limits: SignupLinkLimits,
  input: { login: string; password: string; email?: string; ip: string },
  onMailFailure: (error: unknown) => void,
): Promise<string> {
  // E-mails asked for from one network address, shared with password links: checked before the password's hash.
  checkLimit(limits.resets, [input.ip]);
  const user = await checkCredentials(deps.db, limits.login, input.login, input.password, input.ip);
  return sendSignupLinkAgain(deps, limits, { userId: user.id, email: input.email, ip: input.ip }, onMailFailure);
}

export type SignupLinkLimits = LinkLimits & { login: RateLimiter; resets: RateLimiter };

/**
 * A new link for a sign-up still to confirm its address (its owner proved with their password,
 * or with the token the app got at sign-up), to a corrected address if one is given.
 */
export function sendSignupLinkAgain(
  deps: CoreDeps & { mailer: Mailer },
  limits: SignupLinkLimits,
  input: { userId: string; email?: string; ip: string },
  onMailFailure: (error: unknown) => void,
): string {
  checkLimit(limits.resets, [input.ip]);
  const user = deps.db.select().from(users).where(eq(users.id, input.userId)).get();
  if (!user) throw new CoreError("This account does not exist any more.", 404);
  if (user.emailConfirmedAt) throw new ValidationError({ username: "This account's address is confirmed already." });
  const account = deps.db
    .select({ suspendedAt: accounts.suspendedAt })
    .from(accounts)
    .where(eq(accounts.id, user.accountId))
    .get();
  if (user.disabledAt) throw new ValidationError({ username: "This account is disabled." });
  if (account?.suspendedAt) throw new ValidationError({ username: "This account is suspended." });
  // Each try counts, also when the address is refused: it tells whether an address is taken.
  limits.resets.hit(input.ip);
  countLinkTry(limits, user.id);
  const address = countRecipient(limits, usableAddress(deps.db, user.id, input.email?.trim() || user.email));
  sendAddressLink(deps, user.id, address, "signup", onMailFailure);
  return address;
}

/** Sign-ups matching `where`, oldest first, with what a moderator reads of each. */
function signupsWhere(db: Db, where: SQL | undefined, limit = 500) {
  return db
    .select({
      userId: users.id,
      accountId: users.accountId,
      email: users.email,
      reason: users.signupReason,
      ip: users.signUpIp,
      createdAt: users.createdAt,
      username: accounts.username,
    })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(where)
    .orderBy(users.id)
    .limit(limit)
    .all();
}

/** Sign-ups waiting for a moderator, oldest first, with their reasons. */
export function pendingSignups(db: Db) {
  // Sign-ups still to confirm their address are not shown: most would be bots.
  return signupsWhere(db, and(isNull(users.approvedAt), isNotNull(users.emailConfirmedAt)));
}

/**
 * Sign-ups still to confirm their address, oldest first: on an instance that stopped sending
 * e-mail, their link can no longer come, and a moderator confirms each address another way.
 */
export function unconfirmedSignups(db: Db) {
  return signupsWhere(db, and(isNull(users.emailConfirmedAt), isNull(users.disabledAt), isNull(accounts.suspendedAt)), 200);
}

/** Of these accounts, those whose sign-up waits for a moderator. */
export function waitingSignups(db: Db, accountIds: string[]): Set<string> {
  if (accountIds.length === 0) return new Set();
  const rows = db
    .select({ id: users.accountId })
    .from(users)
    .where(and(inArray(users.accountId, accountIds), isNull(users.approvedAt)))
    .all();
  return new Set(rows.map((r) => r.id));
}

export const MAX_DECISION_MESSAGE = 1000;

/**
 * A moderator lets a waiting sign-up in, or turns it away: then the account is removed (the
 * name freed) and the message is kept for the person to read when they try to log in.
 * Audited either way, with the message.
 */
export function decideSignup(
  db: Db,
  staffAccountId: string | null,
  userId: string,
  decision: "approve" | "reject",
  message = "",
): void {
  const text = message.trim();
  if (text.length > MAX_DECISION_MESSAGE)
    throw new ValidationError({ message: `Keep it under ${MAX_DECISION_MESSAGE} characters.` });
  db.transaction((tx) => {
    const user = tx
      .select({ id: users.id, accountId: users.accountId, email: users.email, passwordHash: users.passwordHash })
      .from(users)
      .where(and(eq(users.id, userId), isNull(users.approvedAt)))
      .get();
    if (!user) throw new CoreError("This sign-up was already handled.", 404);
    const username =
      tx.select({ username: accounts.username }).from(accounts).where(eq(accounts.id, user.accountId)).get()?.username ?? "";
    if (decision === "approve") {
      tx.update(users).set({ approvedAt: new Date() }).where(eq(users.id, user.id)).run();
    } else {
      keepRejection(tx, { username, email: user.email, passwordHash: user.passwordHash, message: text });
      tx.delete(accounts).where(eq(accounts.id, user.accountId)).run();
    }
    // The log names whom: an approved member by their account, a rejected one (gone) by the name they chose.
    const target =
      decision === "approve"
        ? { targetType: "account", targetId: user.accountId }
        : { targetType: "signup", targetId: `@${username}` };
    audit(tx, { actorId: staffAccountId, action: `signup.${decision}`, ...target, detail: text });
  });
}

const WEEK_MS = 7 * 24 * 3600_000;
const staffRoles = ["owner", "admin", "moderator"] as const;

/**
 * The week-without-moderator rule: when sign-ups are open, people joined in the last week and
 * no moderator (or admin, or the owner) was around in that week (signed in on the pages, used an
 * app, or did anything the audit log records), the mode falls back to approval, so a spam wave
 * waits for a person. As Mastodon's rule, it counts presence, not actions: a quiet week with the
 * staff about keeps sign-ups open. Audited as the system; the settings page says so. Returns
 * whether it switched. Runs hourly.
 */
export function applyRegistrationFallback(db: Db, now: Date): boolean {
  if (getSettings(db).registrationMode !== "open") return false;
  const since = new Date(now.getTime() - WEEK_MS);
  const joined = db
    .select({ id: users.id })
    .from(users)
    .where(and(gte(users.createdAt, since), eq(users.role, "user")))
    .get();
  if (!joined) return false;
  const staffAction = db
    .select({ id: auditLog.id })
    .from(auditLog)
    .innerJoin(users, eq(users.accountId, auditLog.actorId))
    .where(and(gte(auditLog.createdAt, since), inArray(users.role, [...staffRoles])))
    .get();
  if (staffAction || staffSeenSince(db, since)) return false;
  db.transaction((tx) => {
    updateSettings(tx, { registrationMode: "approval" });
    setInternal(tx, "registrationFallbackAt", now.toISOString());
    audit(tx, {
      actorId: null,
      action: "registrations.fallback",
      targetType: "settings",
      detail: "Sign-ups went from open to approval: no moderator signed in, used an app or acted for a week.",
    });
  });
  return true;
}

function staffSeenSince(db: Db, since: Date): boolean {
  const staff = inArray(users.role, [...staffRoles]);
  const onPages = db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(gte(sessions.lastSeenAt, since), staff))
    .get();
  const inApps = db
    .select({ id: oauthTokens.id })
    .from(oauthTokens)
    .innerJoin(users, eq(users.id, oauthTokens.userId))
    .where(and(gte(oauthTokens.lastUsedAt, since), staff))
    .get();
  return Boolean(onPages ?? inApps);
}

/** When the rule above last switched the mode, until an admin saves the settings again. */
export function registrationFallbackAt(db: Db): Date | undefined {
  const at = getInternal(db, "registrationFallbackAt");
  return typeof at === "string" ? new Date(at) : undefined;
}

export function clearRegistrationFallback(db: Db): void {
  setInternal(db, "registrationFallbackAt", undefined);
}
