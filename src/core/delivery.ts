import { and, count, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { inboxStatus } from "../db/schema.ts";

/** A delivery to an inbox failed; `gone` when the inbox answered 404 or 410 (then we stop). */
export function recordDeliveryFailure(db: Db, inboxUrl: string, error: string, gone: boolean): void {
  const now = new Date();
  db.insert(inboxStatus)
    .values({
      inboxUrl,
      host: new URL(inboxUrl).host,
      failures: 1,
      lastError: error.slice(0, 500),
      lastFailureAt: now,
      goneAt: gone ? now : null,
    })
    .onConflictDoUpdate({
      target: inboxStatus.inboxUrl,
      set: {
        failures: sql`${inboxStatus.failures} + 1`,
        lastError: error.slice(0, 500),
        lastFailureAt: now,
        ...(gone ? { goneAt: now } : {}),
      },
    })
    .run();
}

export function isInboxGone(db: Db, inboxUrl: string): boolean {
  return db.select({ gone: inboxStatus.goneAt }).from(inboxStatus).where(eq(inboxStatus.inboxUrl, inboxUrl)).get()?.gone != null;
}

/** Failures per remote host, worst first (for the admin pages). */
export function deliveryProblems(db: Db, limit = 50) {
  return db
    .select({
      host: inboxStatus.host,
      inboxes: count(),
      failures: sql<number>`sum(${inboxStatus.failures})`,
      lastFailureAt: sql<number>`max(${inboxStatus.lastFailureAt})`,
    })
    .from(inboxStatus)
    .groupBy(inboxStatus.host)
    .orderBy(desc(sql`sum(${inboxStatus.failures})`))
    .limit(limit)
    .all();
}

/** Inboxes still receiving deliveries (not gone). */
export function liveInboxCount(db: Db): number {
  return (
    db
      .select({ n: count() })
      .from(inboxStatus)
      .where(and(isNull(inboxStatus.goneAt)))
      .get()?.n ?? 0
  );
}
