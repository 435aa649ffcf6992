import { joined } from "./accounts.ts";
import { and, desc, eq, gt, isNotNull, lt, ne } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, sessions, users } from "../db/schema.ts";
import { CoreError } from "./errors.ts";
import { randomToken, sha256Hex as sha256 } from "./tokens.ts";

/** A session ends after this long without a visit. */
export const SESSION_IDLE_MS = 30 * 24 * 3600_000;
// lastSeenAt is written at most this often, so reading pages stays read-only most of the time.
const TOUCH_EVERY_MS = 5 * 60_000;

export type Viewer = {
  sessionId: string;
  user: typeof users.$inferSelect;
  account: typeof accounts.$inferSelect;
};

/** The account of a member whose account is suspended, or undefined when it is not. */
export function suspendedAccountOf(db: Db, userId: string): string | undefined {
  return db
    .select({ id: accounts.id })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.id, userId), isNotNull(accounts.suspendedAt)))
    .get()?.id;
}

/**
 * Starts a session; the returned token goes into the cookie, only its hash into the database.
 * Never for a suspended account: its member may read the moderators' notes and appeal after
 * their password (web/auth.tsx), but a session made then would work once the suspension lifts.
 */
export function createSession(db: Db, userId: string, client: { ip?: string; userAgent?: string } = {}): string {
  if (suspendedAccountOf(db, userId)) throw new CoreError("This account is suspended.", 403);
  const token = randomToken(32);
  const now = Date.now();
  db.transaction((tx) => {
    tx.insert(sessions)
      .values({
        id: sha256(token),
        userId,
        expiresAt: new Date(now + SESSION_IDLE_MS),
        ip: client.ip ?? null,
        userAgent: client.userAgent?.slice(0, 300) ?? null,
      })
      .run();
    tx.update(users)
      .set({ lastSignInAt: new Date(now) })
      .where(eq(users.id, userId))
      .run();
  });
  return token;
}

/** The signed-in member behind a cookie token, or null when unknown, expired, disabled or pending. */
export function findViewer(db: Db, token: string): Viewer | null {
  if (!token) return null;
  const now = Date.now();
  const row = db
    .select({ session: sessions, user: users, account: accounts })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(sessions.id, sha256(token)), gt(sessions.expiresAt, new Date(now))))
    .get();
  if (!row || row.user.disabledAt || !joined(row.user) || row.account.suspendedAt) return null;
  if (now - row.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) touch(db, row.session.id, row.user.id, now);
  return { sessionId: row.session.id, user: row.user, account: row.account };
}

/**
 * Keeps an active session alive. Only bookkeeping: on a full disk or a read-only data folder it
 * fails, and the page being read must still be shown (the next request tries again).
 */
function touch(db: Db, sessionId: string, userId: string, now: number): void {
  try {
    db.transaction((tx) => {
      tx.update(sessions)
        .set({ lastSeenAt: new Date(now), expiresAt: new Date(now + SESSION_IDLE_MS) })
        .where(eq(sessions.id, sessionId))
        .run();
      // NodeInfo's monthly and half-yearly active users count from here.
      tx.update(users)
        .set({ lastSignInAt: new Date(now) })
        .where(eq(users.id, userId))
        .run();
    });
  } catch {
    // The write that failed is reported by the next request that needs one.
  }
}

export function listSessions(db: Db, userId: string) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
    .orderBy(desc(sessions.lastSeenAt))
    .all();
}

/** Ends one of the member's own sessions (the id is the stored hash shown on the sessions page). */
export function revokeSession(db: Db, userId: string, sessionId: string): boolean {
  return (
    db
      .delete(sessions)
      .where(and(eq(sessions.userId, userId), eq(sessions.id, sessionId)))
      .returning({ id: sessions.id })
      .all().length > 0
  );
}

/** Ends every session of a member but one (after a password change), or all of them. */
export function revokeOtherSessions(db: DbOrTx, userId: string, keepSessionId?: string): void {
  db.delete(sessions)
    .where(and(eq(sessions.userId, userId), keepSessionId ? ne(sessions.id, keepSessionId) : undefined))
    .run();
}

export function pruneExpiredSessions(db: Db): void {
  db.delete(sessions).where(lt(sessions.expiresAt, new Date())).run();
}
