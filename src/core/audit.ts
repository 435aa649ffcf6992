import { desc, eq, lt } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { auditLog } from "../db/schema.ts";

/** Records a moderation or admin action. Every staff action calls this. */
export function audit(
  db: DbOrTx,
  entry: { actorId: string | null; action: string; targetType: string; targetId?: string | null; detail?: string },
): void {
  db.insert(auditLog)
    .values({
      id: newId(),
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      detail: (entry.detail ?? "").slice(0, 2000),
    })
    .run();
}

export function listAudit(db: Db, options: { action?: string; maxId?: string; limit?: number } = {}) {
  return db
    .select()
    .from(auditLog)
    .where(options.action ? eq(auditLog.action, options.action) : options.maxId ? lt(auditLog.id, options.maxId) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(options.limit ?? 50)
    .all();
}
