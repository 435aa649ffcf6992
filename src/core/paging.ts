import { and, asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { PageQuery } from "./timelines.ts";

/**
 * Mastodon's paging on a time-ordered id column (UUIDv7): `max_id` pages back, `since_id` gives
 * the newest after a point, `min_id` the page right after it. A page is read in `pageOrder` and
 * handed out newest first by `newestFirst`.
 */
export function pageBounds(column: SQLiteColumn, page: PageQuery): SQL | undefined {
  return and(
    page.maxId ? lt(column, page.maxId) : undefined,
    page.sinceId ? gt(column, page.sinceId) : undefined,
    page.minId ? gt(column, page.minId) : undefined,
  );
}

export const pageOrder = (column: SQLiteColumn, page: PageQuery) => (page.minId ? asc(column) : desc(column));

export const newestFirst = <T>(rows: T[], page: PageQuery): T[] => (page.minId ? rows.reverse() : rows);
