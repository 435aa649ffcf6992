import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, users } from "../db/schema.ts";
import { createLocalUser, validateNewUser } from "./accounts.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { getSettings } from "./instance.ts";
import { countInviteUse, findUsableInvite } from "./invites.ts";
import { RateLimiter } from "./rate-limit.ts";
import { RateLimited } from "./auth.ts";

/** Ten sign-up attempts an hour per IP address. */
export const newSignupLimiter = () => new RateLimiter(10, 3600_000);

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
  confirmation: string;
  reason?: string;
  inviteCode?: string;
  ip: string;
}

/**
 * Sign-up by the instance's registration mode: `open` lets anyone in, `approval` keeps the new
 * member waiting (with their reason) for a moderator, `invite` needs a code, `closed` refuses.
 * A valid invite code lets its holder in at once, whatever the mode.
 */
export async function signUp(
  deps: CoreDeps,
  limiter: RateLimiter,
  input: SignUpInput,
): Promise<{ userId: string; pending: boolean }> {
  const wait = limiter.retryAfter(input.ip);
  if (wait > 0) throw new RateLimited(Math.ceil(wait / 1000));
  limiter.hit(input.ip);

  const mode = getSettings(deps.db).registrationMode;
  const invite = input.inviteCode ? findUsableInvite(deps.db, input.inviteCode) : undefined;
  if (input.inviteCode && !invite) throw new ValidationError({ invite_code: "This invite is not valid any more." });
  if (!invite && mode === "closed") throw new CoreError("Sign-ups are closed on this instance.", 403);
  if (!invite && mode === "invite") throw new ValidationError({ invite_code: "Sign-ups need an invite on this instance." });
  const reason = input.reason?.trim() ?? "";
  const pending = !invite && mode === "approval";
  const details = { username: input.username.trim(), email: input.email.trim(), password: input.password, role: "user" as const };
  const problems = validateNewUser(deps.db, details);
  if (pending && reason.length === 0) problems.reason = "Tell the moderators why you want to join.";
  if (reason.length > 1000) problems.reason = "Keep it under 1000 characters.";
  if (input.password !== input.confirmation) problems.password_confirmation = "The two passwords differ.";
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);

  const { userId } = await createLocalUser(deps, {
    username: input.username,
    email: input.email,
    password: input.password,
    role: "user",
    pendingApproval: pending,
    signupReason: reason || undefined,
    inviteId: invite?.id,
  });
  if (invite) countInviteUse(deps.db, invite.id);
  return { userId, pending };
}

/** A moderator lets a waiting sign-up in (the admin pages call this). */
export function approveSignup(db: Db, userId: string): boolean {
  return (
    db
      .update(users)
      .set({ approvedAt: new Date() })
      .where(and(eq(users.id, userId), isNull(users.approvedAt)))
      .returning({ id: users.id })
      .all().length > 0
  );
}

/** Sign-ups waiting for a moderator, oldest first, with their reasons. */
export function pendingSignups(db: Db) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      reason: users.signupReason,
      createdAt: users.createdAt,
      username: accounts.username,
    })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(isNull(users.approvedAt))
    .orderBy(users.id)
    .all();
}

/** A moderator turns a waiting sign-up away: the account is removed and the name freed. */
export function rejectSignup(db: Db, userId: string): boolean {
  const user = db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.approvedAt)))
    .get();
  if (!user) return false;
  db.delete(accounts).where(eq(accounts.id, user.accountId)).run();
  return true;
}
