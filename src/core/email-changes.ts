import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, emailChanges, users } from "../db/schema.ts";
import { EMAIL_PATTERN } from "./accounts.ts";
import { checkLimit, confirmPassword } from "./auth.ts";
import { emailDomainBlockFor } from "./email-domain-blocks.ts";
import { audit } from "./audit.ts";
import { CoreError, ValidationError } from "./errors.ts";
import type { CoreDeps } from "./deps.ts";
import type { Mailer } from "./mail.ts";
import { forgetAccountLinks } from "./password-resets.ts";
import { RateLimiter } from "./rate-limit.ts";
import { randomToken, sha256Hex } from "./tokens.ts";

/** The link sent to a new address works for a day. */
export const EMAIL_LINK_MS = 24 * 3600_000;

type Deps = Pick<CoreDeps, "db" | "events" | "baseUrl"> & { mailer?: Mailer };

/** Links a member may have mailed (ten an hour), and links one address may receive (three an hour, whoever asks). */
export interface LinkLimits {
  emails: RateLimiter;
  recipients: RateLimiter;
}
export const newRecipientLimiter = () => new RateLimiter(3, 3600_000);

/**
 * Counts a try at having a link mailed against the member's limit, even when the address is then
 * refused: each try tells whether an address is taken.
 */
export function countLinkTry(limits: LinkLimits, userId: string): void {
  checkLimit(limits.emails, [`email:${userId}`]);
  limits.emails.hit(`email:${userId}`);
}

/**
 * Counts a link about to go to this address: nobody may flood a stranger's mailbox through the
 * instance. `name+anything@` is the same mailbox for most providers, so it counts as `name@`.
 */
export function countRecipient(limits: LinkLimits, address: string): string {
  const mailbox = address.toLowerCase().replace(/\+[^@]*@/, "@");
  checkLimit(limits.recipients, [mailbox]);
  limits.recipients.hit(mailbox);
  return address;
}

/**
 * The address a member may move to: well formed, not blocked, not another member's, not theirs
 * already (unless it waits for its first confirmation).
 */
export function usableAddress(db: DbOrTx, userId: string, email: string): string {
  const address = email.trim();
  const fail = (message: string) => new ValidationError({ email: message });
  if (!EMAIL_PATTERN.test(address) || address.length > 254) throw fail("Enter an email address like you@example.com.");
  const current = db
    .select({ email: users.email, confirmedAt: users.emailConfirmedAt })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  if (current?.confirmedAt && current.email.toLowerCase() === address.toLowerCase()) throw fail("This is your address already.");
  if (emailDomainBlockFor(db, address)) throw fail("Addresses at this e-mail provider are not allowed here.");
  const taken = db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${address})`, ne(users.id, userId)))
    .get();
  if (taken) throw fail("Another account uses this address.");
  return address;
}

/**
 * A member moves to another e-mail address, their password confirming it. With e-mail, the new
 * address gets a link and changes when it is opened (an address is where password links go: it
 * must be the member's); without, it changes at once. Says which happened.
 */
export async function requestEmailChange(
  deps: Deps,
  limits: LinkLimits & { login: RateLimiter },
  input: { userId: string; email: string; password: string },
  onFailure: (error: unknown) => void,
): Promise<"changed" | "sent"> {
  countLinkTry(limits, input.userId);
  // The password first: a stolen session learns nothing about other members' addresses.
  await confirmPassword(deps.db, limits.login, input.userId, input.password, "email_password");
  if (!deps.mailer) {
    setEmail(deps.db, input.userId, input.email); // checks the address as it writes it
    return "changed";
  }
  sendAddressLink(
    { ...deps, mailer: deps.mailer },
    input.userId,
    countRecipient(limits, usableAddress(deps.db, input.userId, input.email)),
    "change",
    onFailure,
  );
  return "sent";
}

/**
 * Mails a link that confirms the address, for a day, replacing any link sent before: a sign-up's
 * first one, or a move to another address.
 */
export function sendAddressLink(
  deps: Deps & { mailer: Mailer },
  userId: string,
  address: string,
  why: "signup" | "change",
  onFailure: (error: unknown) => void,
): void {
  const token = randomToken();
  const row = { id: sha256Hex(token), userId, email: address, expiresAt: new Date(Date.now() + EMAIL_LINK_MS) };
  deps.db
    .insert(emailChanges)
    .values(row)
    .onConflictDoUpdate({ target: emailChanges.userId, set: { id: row.id, email: row.email, expiresAt: row.expiresAt } })
    .run();
  const host = deps.baseUrl.host;
  const link = new URL(`/settings/email/confirm/${token}`, deps.baseUrl).href;
  const text =
    why === "signup"
      ? [
          `Someone, hopefully you, signed up on ${host} with this address.`,
          "",
          "Open this link within a day to confirm it and finish signing up:",
          link,
          "",
          "If it was not you, ignore this e-mail: the account is removed in a week.",
        ]
      : [
          `Someone, hopefully you, asked to use this address for an account on ${host}.`,
          "",
          "Open this link within a day to confirm it:",
          link,
          "",
          "If it was not you, ignore this e-mail: nothing changes.",
        ];
  const subject = why === "signup" ? `Confirm your e-mail address for ${host}` : `Confirm your new e-mail address for ${host}`;
  deps.mailer.send({ to: address, subject, text: text.join("\n") }).catch(onFailure);
}

/**
 * The member's address is now this one, checked again in the same transaction, and confirmed;
 * links sent to the old one stop working.
 */
function setEmail(db: Db, userId: string, email: string): string {
  return db.transaction((tx) => {
    const address = usableAddress(tx, userId, email);
    tx.update(users).set({ email: address, emailConfirmedAt: new Date() }).where(eq(users.id, userId)).run();
    forgetAccountLinks(tx, userId);
    return address;
  });
}

/** The member no longer wants the address waiting for its link. */
export function cancelEmailChange(db: Db, userId: string): void {
  db.delete(emailChanges).where(eq(emailChanges.userId, userId)).run();
}

/** The change a link confirms, while it works. */
export function findEmailChange(db: Db, token: string) {
  return db
    .select({
      userId: emailChanges.userId,
      email: emailChanges.email,
      username: accounts.username,
      accountId: accounts.id,
      old: users.email,
      confirmedAt: users.emailConfirmedAt,
      approvedAt: users.approvedAt,
    })
    .from(emailChanges)
    .innerJoin(users, eq(users.id, emailChanges.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(
      and(
        eq(emailChanges.id, sha256Hex(token)),
        gt(emailChanges.expiresAt, new Date()),
        isNull(users.disabledAt),
        isNull(accounts.suspendedAt),
      ),
    )
    .get();
}

export const EMAIL_LINK_EXPIRED = "This link has expired or was used already.";

/** What opening a link did: the address now the member's, and for a sign-up, whether it may log in now or waits for a moderator. */
export type Confirmed = { email: string; signup?: "ready" | "pending" };

/**
 * The address was confirmed: it becomes the member's. A sign-up may now log in (or wait for a
 * moderator, who learns of it only now); after a change, the old address is told (someone who
 * took the account over would otherwise move its mail away unseen).
 */
export function confirmEmailChange(deps: Deps, token: string, onFailure: (error: unknown) => void): Confirmed {
  const change = findEmailChange(deps.db, token);
  if (!change) throw new CoreError(EMAIL_LINK_EXPIRED, 410);
  // Checked again: another member may have taken the address, or it been blocked, meanwhile.
  const email = setEmail(deps.db, change.userId, change.email);
  if (!change.confirmedAt) {
    deps.events.emit("signup.ready", { accountId: change.accountId });
    return { email, signup: change.approvedAt ? "ready" : "pending" };
  }
  const host = deps.baseUrl.host;
  deps.mailer
    ?.send({
      to: change.old,
      subject: `Your e-mail address for ${host} was changed`,
      text: [
        `The e-mail address of @${change.username} on ${host} is now ${email}.`,
        "",
        `If you did not change it, write to the admins of ${host} at once.`,
      ].join("\n"),
    })
    .catch(onFailure);
  return { email };
}

/**
 * A moderator vouches for a sign-up's address (the person reached them another way), as
 * Mastodon's "Confirm" button on an account; audited.
 */
export function confirmAddressByStaff(deps: Pick<CoreDeps, "db" | "events">, staffAccountId: string, accountId: string): void {
  deps.db.transaction((tx) => {
    const user = tx
      .select({ id: users.id, confirmedAt: users.emailConfirmedAt })
      .from(users)
      .where(eq(users.accountId, accountId))
      .get();
    if (!user) throw new CoreError("This account is not a member here.", 404);
    if (user.confirmedAt) throw new CoreError("This address is confirmed already.", 409);
    tx.update(users).set({ emailConfirmedAt: new Date() }).where(eq(users.id, user.id)).run();
    tx.delete(emailChanges).where(eq(emailChanges.userId, user.id)).run();
    audit(tx, { actorId: staffAccountId, action: "email.confirm", targetType: "user", targetId: user.id });
  });
  deps.events.emit("signup.ready", { accountId, by: staffAccountId });
}
