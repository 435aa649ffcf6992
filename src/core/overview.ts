import { sql } from "drizzle-orm";
import { lowestIdAt } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import type { Role } from "../db/schema.ts";
import { deliveryQueue } from "./delivery.ts";
import { failingHostCount } from "./instances.ts";
import { listJobRuns } from "./jobs.ts";
import { countWaitingAppeals } from "./appeals.ts";
import { countOpenReports } from "./reports.ts";

export const DAY_MS = 86_400_000;
/** The charts cover this many UTC days, today (so far) being the last. */
export const SERIES_DAYS = 30;

/** A UTC day as a number (days since 1970-01-01), the unit SQL groups by: `created_at / 86400000`. */
export const dayNumber = (ms: number) => Math.floor(ms / DAY_MS);
/** "2025-06-01" for a day number. */
export const dayLabel = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export interface DailySeries {
  /** One entry per day, oldest first, the last one today (so far). */
  days: { day: string; count: number }[];
  /** The last 7 days (today included) and the 7 before them. */
  last7: number;
  previous7: number;
}

/** The first day of the window ending on the day of `now`. */
function windowStart(now: Date): number {
  return dayNumber(now.getTime()) - SERIES_DAYS + 1;
}

/** Day counts (sparse, from SQL) as a full series with its weekly totals. */
export function toSeries(rows: { day: number; n: number }[], now: Date): DailySeries {
  const first = windowStart(now);
  const counts = new Array<number>(SERIES_DAYS).fill(0);
  for (const { day, n } of rows)
    if (day >= first && day < first + SERIES_DAYS) counts[day - first] = (counts[day - first] ?? 0) + n;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    days: counts.map((count, i) => ({ day: dayLabel(first + i), count })),
    last7: sum(counts.slice(-7)),
    previous7: sum(counts.slice(-14, -7)),
  };
}

/** Local sign-ups per day: users rows, waiting ones included (a turned-away sign-up is deleted). */
export function signupsPerDay(db: Db, now = new Date()): DailySeries {
  const start = windowStart(now) * DAY_MS;
  const rows = db.all<{ day: number; n: number }>(sql`
    SELECT created_at / ${DAY_MS} AS day, count(*) AS n FROM users
    WHERE created_at >= ${start} GROUP BY day`);
  return toSeries(rows, now);
}

/**
 * When each local post since `start` was made, boosts left out (as in NodeInfo's count). The id
 * range walks the (account_id, id) index of each local account from `start`, so the cost follows
 * the recent local posts, not the size of the table (remote posts never read).
 */
const localPostsSince = (start: number) => sql`
  SELECT p.created_at AS at
  FROM accounts a CROSS JOIN posts p ON p.account_id = a.id AND p.id >= ${lowestIdAt(start)}
  WHERE a.domain IS NULL AND p.reblog_of_id IS NULL AND p.created_at >= ${start}`;

/**
 * When each member was active since `start`. What this measures, honestly: a post or boost of
 * theirs, a session of theirs starting or last seen, their last sign-in. Sessions keep only their
 * latest visit (and vanish at logout or expiry), so someone who reads every day without posting
 * shows on the days they signed in and on their latest visit only: past days undercount
 * readers, recent days less so.
 */
const memberActivitySince = (start: number) => sql`
  SELECT u.id AS user_id, p.created_at AS at
    FROM users u CROSS JOIN posts p ON p.account_id = u.account_id AND p.id >= ${lowestIdAt(start)}
    WHERE p.created_at >= ${start}
  UNION ALL SELECT user_id, last_seen_at FROM sessions WHERE last_seen_at >= ${start}
  UNION ALL SELECT user_id, created_at FROM sessions WHERE created_at >= ${start}
  UNION ALL SELECT id, last_sign_in_at FROM users WHERE last_sign_in_at >= ${start}`;

/** Local posts per day, boosts left out. */
export function postsPerDay(db: Db, now = new Date()): DailySeries {
  const start = windowStart(now) * DAY_MS;
  const rows = db.all<{ day: number; n: number }>(sql`
    SELECT at / ${DAY_MS} AS day, count(*) AS n FROM (${localPostsSince(start)}) GROUP BY day`);
  return toSeries(rows, now);
}

/** Reports received per day, from members and from other servers (ids are time-ordered too). */
export function reportsPerDay(db: Db, now = new Date()): DailySeries {
  const start = windowStart(now) * DAY_MS;
  const rows = db.all<{ day: number; n: number }>(sql`
    SELECT created_at / ${DAY_MS} AS day, count(*) AS n FROM reports
    WHERE id >= ${lowestIdAt(start)} AND created_at >= ${start} GROUP BY day`);
  return toSeries(rows, now);
}

/**
 * Members active per day (as memberActivitySince counts them). The weekly figures count distinct
 * members, not the sum of the days.
 */
export function activeUsersPerDay(db: Db, now = new Date()): DailySeries {
  const start = windowStart(now) * DAY_MS;
  const pairs = db.all<{ user_id: string; day: number }>(sql`
    SELECT DISTINCT user_id, at / ${DAY_MS} AS day FROM (${memberActivitySince(start)})`);
  const series = toSeries(
    pairs.map((p) => ({ day: p.day, n: 1 })),
    now,
  );
  const today = dayNumber(now.getTime());
  const distinct = (from: number, to: number) =>
    new Set(pairs.filter((p) => p.day >= from && p.day <= to).map((p) => p.user_id)).size;
  return { ...series, last7: distinct(today - 6, today), previous7: distinct(today - 13, today - 7) };
}

const WEEK_MS = 7 * DAY_MS;
/** Monday 00:00 UTC of the week `ms` falls in (1970-01-01 was a Thursday). */
const weekStart = (ms: number) => (dayNumber(ms) - ((dayNumber(ms) + 3) % 7)) * DAY_MS;

/**
 * The instance's last `weeks` weeks, this one first, as Mastodon's `/api/v1/instance/activity`
 * counts them: local posts (boosts left out), members active (memberActivitySince), and sign-ups.
 */
export function weeklyActivity(db: Db, now = new Date(), weeks = 12) {
  const start = weekStart(now.getTime()) - (weeks - 1) * WEEK_MS;
  // Each row's week, counted from the first of the window; counted in SQL, as the daily series.
  const week = (column: string) => sql.raw(`(${column} - ${start}) / ${WEEK_MS}`);
  const posts = db.all<{ week: number; n: number }>(sql`
    SELECT ${week("at")} AS week, count(*) AS n FROM (${localPostsSince(start)}) GROUP BY week`);
  const active = db.all<{ week: number; n: number }>(sql`
    SELECT ${week("at")} AS week, count(DISTINCT user_id) AS n FROM (${memberActivitySince(start)}) GROUP BY week`);
  const signups = db.all<{ week: number; n: number }>(sql`
    SELECT ${week("created_at")} AS week, count(*) AS n FROM users WHERE created_at >= ${start} GROUP BY week`);
  const countIn = (rows: { week: number; n: number }[], i: number) => rows.find((r) => r.week === i)?.n ?? 0;
  return Array.from({ length: weeks }, (_, i) => ({
    week: new Date(start + i * WEEK_MS),
    statuses: countIn(posts, i),
    logins: countIn(active, i),
    registrations: countIn(signups, i),
  })).reverse();
}

/** What waits for this staff member, for the admin tabs: open reports, appeals they may answer, sign-ups. */
export function staffQueue(db: Db, viewerRole: Role) {
  // As pendingSignups lists them: those still to confirm their address are not counted.
  const [row] = db.all<{ pending: number }>(
    sql`SELECT count(*) AS pending FROM users WHERE approved_at IS NULL AND email_confirmed_at IS NOT NULL`,
  );
  return {
    reports: countOpenReports(db),
    // Only the appeals this staff member may answer.
    appeals: countWaitingAppeals(db, viewerRole),
    signups: row?.pending ?? 0,
  };
}

/** Figures without a history: members, known remote accounts, open reports, waiting sign-ups and appeals. */
export function overviewCounts(db: Db, viewerRole: Role) {
  const [row] = db.all<{ users: number; remote: number }>(sql`
    SELECT
      (SELECT count(*) FROM users WHERE approved_at IS NOT NULL AND email_confirmed_at IS NOT NULL AND disabled_at IS NULL) AS users,
      (SELECT count(*) FROM accounts WHERE domain IS NOT NULL) AS remote`);
  const waiting = staffQueue(db, viewerRole);
  return {
    localUsers: row?.users ?? 0,
    remoteAccounts: row?.remote ?? 0,
    pendingSignups: waiting.signups,
    openReports: waiting.reports,
    waitingAppeals: waiting.appeals,
  };
}

/**
 * The database's size from SQLite's own figures (pages in use and free), and its file's path
 * so the caller can add the write-ahead log beside it (core does not touch the file system).
 */
export function databaseSize(db: Db): { bytes: number; freeBytes: number; file: string } {
  const [row] = db.all<{ bytes: number; free: number; file: string }>(sql`
    SELECT c.page_count * s.page_size AS bytes, f.freelist_count * s.page_size AS free,
      (SELECT file FROM pragma_database_list WHERE name = 'main') AS file
    FROM pragma_page_count() c, pragma_page_size() s, pragma_freelist_count() f`);
  return { bytes: row?.bytes ?? 0, freeBytes: row?.free ?? 0, file: row?.file ?? "" };
}

/** Everything the admin overview shows that the database knows. */
export function adminOverview(db: Db, viewerRole: Role, now = new Date()) {
  return {
    signups: signupsPerDay(db, now),
    posts: postsPerDay(db, now),
    active: activeUsersPerDay(db, now),
    reports: reportsPerDay(db, now),
    counts: overviewCounts(db, viewerRole),
    queue: deliveryQueue(db),
    failingHosts: failingHostCount(db),
    database: databaseSize(db),
    jobs: listJobRuns(db),
  };
}

export type AdminOverview = ReturnType<typeof adminOverview>;
