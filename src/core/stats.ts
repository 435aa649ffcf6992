import { and, count, gt, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, posts, users } from "../db/schema.ts";

const DAY = 24 * 3600_000;

/** Usage figures for NodeInfo and the about page. */
export function instanceStats(db: Db) {
  const active = (days: number) =>
    db
      .select({ n: count() })
      .from(users)
      .where(
        and(isNotNull(users.approvedAt), isNull(users.disabledAt), gt(users.lastSignInAt, new Date(Date.now() - days * DAY))),
      )
      .get()?.n ?? 0;
  const localPosts =
    db
      .select({ n: count() })
      .from(posts)
      .where(
        and(
          isNull(posts.reblogOfId),
          sql`${posts.accountId} IN (SELECT ${accounts.id} FROM ${accounts} WHERE ${accounts.domain} IS NULL)`,
        ),
      )
      .get()?.n ?? 0;
  return { activeMonth: active(30), activeHalfyear: active(180), localPosts };
}
