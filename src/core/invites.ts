import { and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, invites, type Role, users } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { getSettings } from "./instance.ts";
import { roleRank } from "./moderation.ts";
import { randomToken } from "./tokens.ts";

export type Invite = typeof invites.$inferSelect;

export function createInvite(
  db: DbOrTx,
  userId: string,
  options: { maxUses?: number | null; expiresInMs?: number | null } = {},
): Invite {
  const code = randomToken(9);
  return db
    .insert(invites)
    .values({
      id: newId(),
      code,
      createdByUserId: userId,
      maxUses: options.maxUses ?? null,
      expiresAt: options.expiresInMs ? new Date(Date.now() + options.expiresInMs) : null,
    })
    .returning()
    .get();
}

/** An invite that can still be used: not revoked, not expired, uses left. */
// Invite codes are looked up by the database (an index), never compared in JavaScript; they are
// 72 random bits, shared in links anyway, so any timing left in the lookup tells nothing usable.
export function findUsableInvite(db: Db, code: string): Invite | undefined {
  return db
    .select()
    .from(invites)
    .where(
      and(
        eq(invites.code, code.trim()),
        isNull(invites.revokedAt),
        or(isNull(invites.expiresAt), gt(invites.expiresAt, new Date())),
        or(isNull(invites.maxUses), lt(invites.uses, invites.maxUses)),
      ),
    )
    .get();
}

export function countInviteUse(db: Db, inviteId: string): void {
  db.update(invites)
    .set({ uses: sql`${invites.uses} + 1` })
    .where(eq(invites.id, inviteId))
    .run();
}

export function revokeInvite(db: DbOrTx, inviteId: string): void {
  db.update(invites).set({ revokedAt: new Date() }).where(eq(invites.id, inviteId)).run();
}

/** The choices Mastodon offers: uses (null: unlimited) and lifetimes in seconds (null: never expires). */
export const inviteMaxUses = [1, 5, 10, 25, 50, 100] as const;
export const inviteExpiries = [
  [1800, "30 minutes"],
  [3600, "1 hour"],
  [21600, "6 hours"],
  [43200, "12 hours"],
  [86400, "1 day"],
  [604800, "7 days"],
] as const;

/** Who makes or revokes an invite. */
export interface InviteActor {
  userId: string;
  accountId: string;
  role: Role;
}

const isStaff = (actor: InviteActor) => roleRank[actor.role] >= roleRank.moderator;

/** Staff always may invite; members when the instance allows it. */
export function mayInvite(db: Db, actor: InviteActor): boolean {
  return isStaff(actor) || getSettings(db).membersMayInvite;
}

/** Makes an invite link from the offered choices; staff invites are audited. */
export function createInviteAs(db: Db, actor: InviteActor, input: { maxUses: number | null; expiresIn: number | null }): Invite {
  if (!mayInvite(db, actor)) throw new CoreError("Members cannot make invites on this instance.", 403);
  const problems: Record<string, string> = {};
  if (input.maxUses !== null && !(inviteMaxUses as readonly number[]).includes(input.maxUses))
    problems.max_uses = "Choose one of the offered numbers of uses.";
  if (input.expiresIn !== null && !inviteExpiries.some(([seconds]) => seconds === input.expiresIn))
    problems.expires_in = "Choose one of the offered lifetimes.";
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  return db.transaction((tx) => {
    const invite = createInvite(tx, actor.userId, {
      maxUses: input.maxUses,
      expiresInMs: input.expiresIn ? input.expiresIn * 1000 : null,
    });
    if (isStaff(actor)) {
      audit(tx, {
        actorId: actor.accountId,
        action: "invite.create",
        targetType: "invite",
        targetId: invite.id,
        detail: `uses: ${input.maxUses ?? "unlimited"}, expires: ${invite.expiresAt?.toISOString() ?? "never"}`,
      });
    }
    return invite;
  });
}

/** Staff revoke any invite, members their own; staff revocations are audited. */
export function revokeInviteAs(db: Db, actor: InviteActor, inviteId: string): void {
  const invite = db.select().from(invites).where(eq(invites.id, inviteId)).get();
  if (!invite || (!isStaff(actor) && invite.createdByUserId !== actor.userId))
    throw new CoreError("There is no such invite.", 404);
  if (invite.revokedAt) throw new CoreError("This invite is already revoked.", 409);
  db.transaction((tx) => {
    revokeInvite(tx, invite.id);
    if (isStaff(actor))
      audit(tx, { actorId: actor.accountId, action: "invite.revoke", targetType: "invite", targetId: invite.id });
  });
}

export type InviteState = "active" | "revoked" | "expired" | "used up";

export function inviteState(invite: Invite, now = new Date()): InviteState {
  if (invite.revokedAt) return "revoked";
  if (invite.expiresAt && invite.expiresAt <= now) return "expired";
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return "used up";
  return "active";
}

/** Invites (all, or one member's) with their makers' usernames and states, newest first. */
export function inviteRows(db: Db, userId?: string) {
  const rows = db
    .select({ invite: invites, creator: accounts.username })
    .from(invites)
    .leftJoin(users, eq(users.id, invites.createdByUserId))
    .leftJoin(accounts, eq(accounts.id, users.accountId))
    .where(userId ? eq(invites.createdByUserId, userId) : undefined)
    .orderBy(desc(invites.id))
    .all();
  const now = new Date();
  return rows.map(({ invite, creator }) => ({ ...invite, creator, state: inviteState(invite, now) }));
}
