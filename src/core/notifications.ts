import { and, count, eq, gt } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { notifications, users } from "../db/schema.ts";

/** Notifications newer than the last one the member has seen. */
export function countUnread(db: Db, accountId: string): number {
  const user = db.select({ readId: users.notificationsReadId }).from(users).where(eq(users.accountId, accountId)).get();
  return (
    db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.accountId, accountId), user?.readId ? gt(notifications.id, user.readId) : undefined))
      .get()?.n ?? 0
  );
}
