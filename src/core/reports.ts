import { and, count, desc, eq, gt, inArray, isNotNull, isNull, min, type SQL } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, type PostSnapshot, posts, reportCategories, reportNotes, reports } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { checkedNote } from "./moderation-notes.ts";
import { RateLimited } from "./auth.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { instanceRules } from "./instance.ts";
import { visibleTo } from "./visibility.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";

export type ReportCategory = (typeof reportCategories)[number];
export type Report = typeof reports.$inferSelect;

/** Posts as they are now, kept with a report or a removal in case they are deleted. */
export function snapshotPosts(db: Db, postIds: string[]): PostSnapshot[] {
  if (postIds.length === 0) return [];
  return db
    .select()
    .from(posts)
    .where(inArray(posts.id, postIds))
    .all()
    .map((p) => ({ id: p.id, html: p.contentHtml, spoilerText: p.spoilerText, createdAt: p.createdAt.toISOString() }));
}

/**
 * Reports one member may file in an hour, and one server may send: each one notifies (and may
 * e-mail) every staff member, so nobody may flood them.
 */
const REPORTS_PER_HOUR = 10;
const FLAGS_PER_HOUR = 30;
const HOUR_MS = 3600_000;

/** Reports matching `where` in the last hour, and when the oldest of them leaves the window. */
function lastHour(db: Db, where: SQL | undefined): { n: number; oldest?: Date } {
  const row = db
    .select({ n: count(), oldest: min(reports.createdAt) })
    .from(reports)
    .where(and(where, gt(reports.createdAt, new Date(Date.now() - HOUR_MS))))
    .get();
  return { n: row?.n ?? 0, oldest: row?.oldest ?? undefined };
}

/**
 * A Flag from another server: stored once (a repeated delivery changes nothing), at most
 * FLAGS_PER_HOUR from one server. Says whether it was stored.
 */
export function fileRemoteReport(
  deps: Pick<CoreDeps, "db" | "events">,
  input: Parameters<typeof fileReport>[1] & { reporterDomain: string },
): boolean {
  const { db } = deps;
  if (input.uri && db.select({ id: reports.id }).from(reports).where(eq(reports.uri, input.uri)).get()) return false;
  if (lastHour(db, eq(reports.reporterDomain, input.reporterDomain)).n >= FLAGS_PER_HOUR) return false;
  fileReport(deps, input);
  return true;
}

/** Stores a report for the moderators (from a member, or a Flag from another server). */
export function fileReport(
  deps: Pick<CoreDeps, "db" | "events">,
  input: {
    reporterId: string | null;
    reporterDomain?: string | null;
    targetAccountId: string;
    postIds?: string[];
    category?: ReportCategory;
    rules?: { id: string; text: string }[];
    comment?: string;
    uri?: string | null;
    forward?: boolean;
  },
): Report {
  const { db } = deps;
  const postIds = (input.postIds ?? []).slice(0, 50);
  const report = db
    .insert(reports)
    .values({
      id: newId(),
      reporterId: input.reporterId,
      reporterDomain: input.reporterDomain ?? null,
      targetAccountId: input.targetAccountId,
      postIds,
      snapshots: snapshotPosts(db, postIds),
      category: input.category && reportCategories.includes(input.category) ? input.category : "other",
      rules: input.rules ?? [],
      comment: (input.comment ?? "").slice(0, 5000),
      uri: input.uri ?? null,
      forward: input.forward ?? false,
    })
    .returning()
    .get();
  // Staff hear of it (core/staff-notices.ts); a report to forward goes to the other server.
  deps.events.emit("report.filed", { reportId: report.id });
  return report;
}

/**
 * A member reports an account, and optionally some of its posts they can see. A report about a
 * remote account may be forwarded to its server (as the instance, never naming the reporter).
 */
export function reportAccount(
  deps: CoreDeps,
  reporterId: string,
  input: {
    targetAccountId: string;
    postIds: string[];
    /** None chosen (a form sent without one) is refused, asking for it. */
    category: ReportCategory | undefined;
    /** For a rule violation: which of the instance's rules (their places, "1" for the first). */
    ruleIds?: string[];
    comment: string;
    forward: boolean;
  },
): Report {
  const { db } = deps;
  const recent = lastHour(db, eq(reports.reporterId, reporterId));
  if (recent.n >= REPORTS_PER_HOUR) {
    const wait = (recent.oldest?.getTime() ?? Date.now()) + HOUR_MS - Date.now();
    throw new RateLimited(Math.max(1, Math.ceil(wait / 1000)));
  }
  const target = db.select().from(accounts).where(eq(accounts.id, input.targetAccountId)).get();
  if (!target) throw new CoreError("This account does not exist.", 404);
  if (target.id === reporterId) throw new ValidationError({ account_id: "You cannot report yourself." });
  const category = reportCategories.find((c) => c === input.category);
  if (!category) throw new ValidationError({ category: "Choose why you report this account." });
  if (input.comment.length > 1000) throw new ValidationError({ comment: "Keep it under 1000 characters." });
  const rules = category === "violation" ? brokenRules(db, input.ruleIds ?? []) : [];
  const postIds =
    input.postIds.length > 0
      ? db
          .select({ id: posts.id })
          .from(posts)
          .where(and(inArray(posts.id, input.postIds.slice(0, 20)), eq(posts.accountId, target.id), visibleTo(reporterId)))
          .all()
          .map((p) => p.id)
      : [];
  return fileReport(deps, {
    reporterId,
    targetAccountId: target.id,
    postIds,
    category,
    rules,
    comment: input.comment.trim(),
    forward: input.forward && target.domain !== null,
  });
}

/**
 * The rules a report says were broken, with their words as they read now (a rule edited later
 * does not change the report). A violation names at least one when the instance has rules.
 */
function brokenRules(db: Db, ids: string[]): { id: string; text: string }[] {
  const rules = instanceRules(db);
  // "01" is "1": each id written one way before duplicates go.
  const written = ids.map((id) => (/^\d{1,15}$/.test(id) ? String(Number(id)) : id));
  const chosen = [...new Set(written)].map((id) => rules.find((rule) => rule.id === id));
  if (chosen.some((rule) => rule === undefined)) throw new ValidationError({ rule_ids: "Choose among this instance's rules." });
  if (rules.length > 0 && chosen.length === 0) throw new ValidationError({ rule_ids: "Tick the rules it breaks." });
  return chosen.filter((rule) => rule !== undefined);
}

/** The admin pages' list: the newest 100 open or resolved reports. */
export const listReports = (db: Db, state: "open" | "resolved") =>
  findReports(db, { resolved: state === "resolved" }, { limit: 100 });

/** Whom these reports are about (their handles, `name` or `name@domain`), by report id. */
export function reportTargets(db: Db, reportIds: string[]): Map<string, string> {
  if (reportIds.length === 0) return new Map();
  const rows = db
    .select({ id: reports.id, username: accounts.username, domain: accounts.domain })
    .from(reports)
    .innerJoin(accounts, eq(accounts.id, reports.targetAccountId))
    .where(inArray(reports.id, reportIds))
    .all();
  return new Map(rows.map((r) => [r.id, r.domain ? `${r.username}@${r.domain}` : r.username]));
}

export function countOpenReports(db: Db): number {
  return db.select({ n: count() }).from(reports).where(isNull(reports.resolvedAt)).get()?.n ?? 0;
}

export function findReport(db: Db, id: string): Report | undefined {
  return db.select().from(reports).where(eq(reports.id, id)).get();
}

export function reportNotesOf(db: Db, reportId: string) {
  return db.select().from(reportNotes).where(eq(reportNotes.reportId, reportId)).orderBy(reportNotes.id).all();
}

/** Earlier reports about the same account. */
export function earlierReports(db: Db, report: Report) {
  return db
    .select()
    .from(reports)
    .where(and(eq(reports.targetAccountId, report.targetAccountId)))
    .orderBy(desc(reports.id))
    .all()
    .filter((r) => r.id !== report.id);
}

/** Reports for the moderation API: open or resolved, by reporter or reported account, newest first, paged by id. */
export function findReports(
  db: Db,
  filter: { resolved?: boolean; reporterId?: string; targetId?: string },
  page: { maxId?: string; sinceId?: string; minId?: string; limit: number },
): Report[] {
  const rows = db
    .select()
    .from(reports)
    .where(
      and(
        filter.resolved === undefined ? undefined : filter.resolved ? isNotNull(reports.resolvedAt) : isNull(reports.resolvedAt),
        filter.reporterId ? eq(reports.reporterId, filter.reporterId) : undefined,
        filter.targetId ? eq(reports.targetAccountId, filter.targetId) : undefined,
        pageBounds(reports.id, page),
      ),
    )
    .orderBy(pageOrder(reports.id, page))
    .limit(page.limit)
    .all();
  return newestFirst(rows, page);
}

type StaffAction = "resolve" | "reopen" | "assign" | "unassign";

/** Resolve, reopen or take a report; acting twice is refused with a clear message. */
export function actOnReport(db: Db, staffId: string, reportId: string, action: StaffAction): void {
  const report = findReport(db, reportId);
  if (!report) throw new CoreError("This report does not exist.", 404);
  if (action === "resolve" && report.resolvedAt) throw new CoreError("This report is already resolved.", 409);
  if (action === "reopen" && !report.resolvedAt) throw new CoreError("This report is open already.", 409);
  const set =
    action === "resolve"
      ? { resolvedAt: new Date(), resolvedById: staffId }
      : action === "reopen"
        ? { resolvedAt: null, resolvedById: null }
        : { assignedToId: action === "assign" ? staffId : null };
  db.update(reports).set(set).where(eq(reports.id, reportId)).run();
  audit(db, { actorId: staffId, action: `report.${action}`, targetType: "report", targetId: reportId });
}

export function addReportNote(db: Db, staffId: string, reportId: string, text: string): void {
  const body = checkedNote(text);
  if (!findReport(db, reportId)) throw new CoreError("This report does not exist.", 404);
  db.insert(reportNotes).values({ id: newId(), reportId, authorId: staffId, text: body }).run();
  audit(db, { actorId: staffId, action: "report.note", targetType: "report", targetId: reportId });
}
