import { and, count, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { inboxStatus, queueMessages } from "../db/schema.ts";

/**
 * A delivery to an inbox failed (each attempt counts); `gone` when the inbox answered 404 or 410,
 * then nothing more is sent there.
 */
export function recordDeliveryFailure(db: Db, inboxUrl: string, error: string, gone = false): void {
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

/** The inbox answered 404 or 410 (its failure already counted): stop sending there. */
export function markInboxGone(db: Db, inboxUrl: string): void {
  const now = new Date();
  db.insert(inboxStatus)
    .values({ inboxUrl, host: new URL(inboxUrl).host, failures: 1, lastFailureAt: now, goneAt: now })
    .onConflictDoUpdate({ target: inboxStatus.inboxUrl, set: { goneAt: now } })
    .run();
}

/**
 * A delivery arrived: the inbox works, whatever failed before. The failure count starts again
 * from zero (a host that recovers stops showing as failing); the last error stays as history.
 */
export function recordDeliverySuccess(db: Db, inboxUrl: string): void {
  const now = new Date();
  db.insert(inboxStatus)
    .values({ inboxUrl, host: new URL(inboxUrl).host, lastSuccessAt: now })
    .onConflictDoUpdate({ target: inboxStatus.inboxUrl, set: { failures: 0, goneAt: null, lastSuccessAt: now } })
    .run();
}

export function isInboxGone(db: Db, inboxUrl: string): boolean {
  return db.select({ gone: inboxStatus.goneAt }).from(inboxStatus).where(eq(inboxStatus.inboxUrl, inboxUrl)).get()?.gone != null;
}

/** SQL: the URL is on the host (with its port, if any): it starts with https://host/ or http://host/. */
function onHost(url: SQL, host: string): SQL {
  const starts = (prefix: string) => sql`substr(${url}, 1, ${prefix.length}) = ${prefix}`;
  return sql`(${starts(`https://${host}/`)} OR ${starts(`http://${host}/`)})`;
}

/**
 * Outgoing deliveries waiting in Fedify's queue (queue_messages, written by federation/queue.ts):
 * one message per inbox and activity, plus fan-out messages that have not been split per inbox
 * yet. `retrying` are those that failed at least once and wait for their next try.
 */
export function deliveryQueue(db: Db, host?: string): { pending: number; retrying: number; fanout: number } {
  const type = sql`json_extract(${queueMessages.message}, '$.type')`;
  const inbox = sql<string>`json_extract(${queueMessages.message}, '$.inbox')`;
  const row = db
    .select({
      pending: sql<number>`coalesce(sum(${type} = 'outbox'), 0)`,
      retrying: sql<number>`coalesce(sum(${type} = 'outbox' AND json_extract(${queueMessages.message}, '$.attempt') > 0), 0)`,
      fanout: sql<number>`coalesce(sum(${type} = 'fanout'), 0)`,
    })
    .from(queueMessages)
    .where(host ? and(sql`${type} = 'outbox'`, onHost(inbox, host)) : undefined)
    .get();
  return { pending: row?.pending ?? 0, retrying: row?.retrying ?? 0, fanout: row?.fanout ?? 0 };
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
