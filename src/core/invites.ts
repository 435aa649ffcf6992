import { and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { invites } from "../db/schema.ts";
import { randomToken } from "./tokens.ts";

export type Invite = typeof invites.$inferSelect;

export function createInvite(
  db: Db,
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

export function revokeInvite(db: Db, inviteId: string): void {
  db.update(invites).set({ revokedAt: new Date() }).where(eq(invites.id, inviteId)).run();
}

export function listInvites(db: Db, userId?: string): Invite[] {
  return db
    .select()
    .from(invites)
    .where(userId ? eq(invites.createdByUserId, userId) : undefined)
    .orderBy(desc(invites.id))
    .all();
}
