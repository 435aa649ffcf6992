import { asc, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, inboxStatus, reports } from "../db/schema.ts";
import { type DomainBlock, listDomainBlocks } from "./domain-blocks.ts";

/** What the instance knows about one other server, for the admin pages. */
export interface InstanceSummary {
  domain: string;
  /** Its accounts known here. */
  accounts: number;
  /** Local accounts that follow some of its accounts, and local accounts some of them follow. */
  followedBy: number;
  following: number;
  openReports: number;
  /** Delivery: inboxes written to, those failing now (failed since their last success), those gone (404/410). */
  inboxes: number;
  failingInboxes: number;
  goneInboxes: number;
  lastFailureAt: Date | null;
  lastSuccessAt: Date | null;
  /** The block that applies (on the domain itself or a parent domain). */
  block: DomainBlock | null;
}

export const instanceFilters = ["all", "failing", "blocked"] as const;
export type InstanceFilter = (typeof instanceFilters)[number];

export const INSTANCES_PAGE = 50;

interface Row {
  domain: string;
  accounts: number;
  followed_by: number;
  following: number;
  open_reports: number;
  inboxes: number | null;
  failing: number | null;
  gone: number | null;
  last_failure_at: number | null;
  last_success_at: number | null;
  block_domain: string | null;
}

/**
 * One query for the list and the detail: every host known from accounts, delivery records and
 * domain blocks, with its figures. The counts use the indexes on accounts.domain, follows and
 * reports, so a page of 50 stays cheap however many servers the instance knows.
 */
function summaries(db: Db, where: SQL, limit: number): InstanceSummary[] {
  const rows = db.all<Row>(sql`
    WITH hosts(domain) AS (
      SELECT domain FROM accounts WHERE domain IS NOT NULL
      UNION SELECT host FROM inbox_status
      UNION SELECT domain FROM domain_blocks
    ),
    delivery AS (
      SELECT host, count(*) AS inboxes,
        sum(failures > 0 AND gone_at IS NULL) AS failing,
        sum(gone_at IS NOT NULL) AS gone,
        max(last_failure_at) AS last_failure_at,
        max(last_success_at) AS last_success_at
      FROM inbox_status GROUP BY host
    ),
    listed AS (
      SELECT h.domain, d.inboxes, d.failing, d.gone, d.last_failure_at, d.last_success_at,
        (SELECT b.domain FROM domain_blocks b WHERE h.domain = b.domain OR h.domain LIKE '%.' || b.domain
          ORDER BY length(b.domain) DESC LIMIT 1) AS block_domain
      FROM hosts h LEFT JOIN delivery d ON d.host = h.domain
    )
    SELECT listed.*,
      (SELECT count(*) FROM accounts a WHERE a.domain = listed.domain) AS accounts,
      (SELECT count(DISTINCT f.follower_id) FROM accounts a
        JOIN follows f ON f.following_id = a.id AND f.state = 'accepted'
        JOIN accounts l ON l.id = f.follower_id AND l.domain IS NULL
        WHERE a.domain = listed.domain) AS followed_by,
      (SELECT count(DISTINCT f.following_id) FROM accounts a
        JOIN follows f ON f.follower_id = a.id AND f.state = 'accepted'
        JOIN accounts l ON l.id = f.following_id AND l.domain IS NULL
        WHERE a.domain = listed.domain) AS following,
      (SELECT count(*) FROM accounts a JOIN reports r ON r.target_account_id = a.id AND r.resolved_at IS NULL
        WHERE a.domain = listed.domain) AS open_reports
    FROM listed
    WHERE ${where}
    ORDER BY listed.domain
    LIMIT ${limit}`);
  const blocks = new Map(listDomainBlocks(db).map((b) => [b.domain, b]));
  const date = (ms: number | null) => (ms == null ? null : new Date(ms));
  return rows.map((r) => ({
    domain: r.domain,
    accounts: r.accounts,
    followedBy: r.followed_by,
    following: r.following,
    openReports: r.open_reports,
    inboxes: r.inboxes ?? 0,
    failingInboxes: r.failing ?? 0,
    goneInboxes: r.gone ?? 0,
    lastFailureAt: date(r.last_failure_at),
    lastSuccessAt: date(r.last_success_at),
    block: (r.block_domain && blocks.get(r.block_domain)) || null,
  }));
}

/**
 * Known servers in domain order, 50 a page: `after` is the last domain of the previous page.
 * `q` matches part of the domain.
 */
export function listInstances(
  db: Db,
  options: { q?: string; filter?: InstanceFilter; after?: string },
): { rows: InstanceSummary[]; next: string | null } {
  const conditions = [sql`1`];
  const q = options.q?.trim().toLowerCase();
  if (q) conditions.push(sql`instr(listed.domain, ${q}) > 0`);
  if (options.after) conditions.push(sql`listed.domain > ${options.after}`);
  if (options.filter === "failing") conditions.push(sql`listed.failing > 0`);
  if (options.filter === "blocked") conditions.push(sql`listed.block_domain IS NOT NULL`);
  const rows = summaries(db, sql.join(conditions, sql` AND `), INSTANCES_PAGE + 1);
  const more = rows.length > INSTANCES_PAGE;
  const page = rows.slice(0, INSTANCES_PAGE);
  return { rows: page, next: more ? (page.at(-1)?.domain ?? null) : null };
}

export function findInstance(db: Db, domain: string): InstanceSummary | undefined {
  return summaries(db, sql`listed.domain = ${domain.toLowerCase()}`, 1)[0];
}

/** Remote hosts with at least one inbox failing now. */
export function failingHostCount(db: Db): number {
  const [row] = db.all<{ n: number }>(
    sql`SELECT count(DISTINCT host) AS n FROM inbox_status WHERE failures > 0 AND gone_at IS NULL`,
  );
  return row?.n ?? 0;
}

/** The first accounts of a server, by name. */
export function instanceAccounts(db: Db, domain: string, limit = 50) {
  return db.select().from(accounts).where(eq(accounts.domain, domain)).orderBy(asc(accounts.username)).limit(limit).all();
}

/** Reports about a server's accounts, open ones first, newest first. */
export function instanceReports(db: Db, domain: string, limit = 50) {
  return db
    .select({ report: reports, username: accounts.username })
    .from(reports)
    .innerJoin(accounts, eq(accounts.id, reports.targetAccountId))
    .where(eq(accounts.domain, domain))
    .orderBy(desc(isNull(reports.resolvedAt)), desc(reports.id))
    .limit(limit)
    .all();
}

/** How delivery goes to each of a server's inboxes, the failing ones first. */
export function instanceInboxes(db: Db, domain: string, limit = 100) {
  return db
    .select()
    .from(inboxStatus)
    .where(eq(inboxStatus.host, domain))
    .orderBy(desc(inboxStatus.failures), asc(inboxStatus.inboxUrl))
    .limit(limit)
    .all();
}
