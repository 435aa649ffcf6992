import { and, isNotNull, isNull, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/open.ts";
import { accounts, domainBlockSeverities, follows } from "../db/schema.ts";
import { readCsv, toCsv } from "./csv.ts";
import type { CoreDeps } from "./deps.ts";
import {
  blockDomain,
  type DomainBlock,
  followsCutBy,
  listDomainBlocks,
  MAX_PUBLIC_COMMENT,
  normalizeDomain,
} from "./domain-blocks.ts";
import { ValidationError } from "./errors.ts";

/**
 * Domain blocks in Mastodon's CSV format (Moderation › Federation › Export / Import): export, and
 * an import in two steps that change nothing until the second: read and check a file, compare it
 * with the current blocks (a plan to preview), then apply the plan through blockDomain.
 */

export const CSV_COLUMNS = ["domain", "severity", "reject_media", "reject_reports", "public_comment", "obfuscate"] as const;
type Column = (typeof CSV_COLUMNS)[number];
type Severity = (typeof domainBlockSeverities)[number];

/** What an import reads at most; the rest of a larger file is not read, and the preview says so. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 10_000;
/**
 * The confirmation's CSV may be larger than the file it came from ("1" is written "true", a
 * block's comment is filled in when the file has no comment column): it gets twice the room.
 */
export const CONFIRM_MAX_BYTES = 2 * IMPORT_MAX_BYTES;

/** Every block, in the columns and order Mastodon writes (`#domain,#severity,…`, true/false). */
export function exportDomainBlocksCsv(db: Db): string {
  const rows = listDomainBlocks(db).map((b) => [
    b.domain,
    b.severity,
    b.rejectMedia,
    b.rejectReports,
    b.publicComment,
    b.obfuscate,
  ]);
  return toCsv([CSV_COLUMNS.map((c) => `#${c}`), ...rows]);
}

/** A block as the file asks for it; the private note is not part of Mastodon's format. */
export type BlockValues = Pick<DomainBlock, "severity" | "rejectMedia" | "rejectReports" | "publicComment" | "obfuscate">;

/** A valid row. Options are undefined when the file has no such column (an existing block keeps its own). */
export interface ImportRow {
  line: number;
  domain: string;
  severity: Severity;
  rejectMedia?: boolean;
  rejectReports?: boolean;
  publicComment?: string;
  obfuscate?: boolean;
}

export interface SkippedRow {
  line: number;
  text: string;
  reason: string;
}

export interface ParsedImport {
  headerless: boolean;
  ignoredColumns: string[];
  rows: ImportRow[];
  skipped: SkippedRow[];
  /** Set when the file was not read to its end, saying how far it was read. */
  notRead?: string;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The text of an uploaded file, at most maxBytes of it (cut after the last whole line).
 * Refuses what is not CSV text: binary files, spreadsheets, HTML pages, JSON.
 */
export async function readImportText(
  file: Blob,
  maxBytes = IMPORT_MAX_BYTES,
  /** Where the CSV comes from, for the message that a JSON file gets. */
  source = "Export the domain blocks as CSV and choose that file.",
): Promise<{ text: string; notRead?: string }> {
  if (file.size === 0) throw new ValidationError({ file: "Choose a CSV file (this one is empty)." });
  const cut = file.size > maxBytes;
  let bytes = new Uint8Array(await file.slice(0, maxBytes).arrayBuffer());
  if (cut) bytes = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); // drops a byte order mark
  } catch {
    throw new ValidationError({
      file: "This file is not UTF-8 text. If it is a spreadsheet, save it as “CSV UTF-8” and choose that file.",
    });
  }
  if (/[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(text))
    throw new ValidationError({ file: "This is not a text file. If it is a spreadsheet, save it as CSV and choose that file." });
  const start = text.trimStart()[0];
  if (start === "<") throw new ValidationError({ file: "This is an HTML or XML page, not a CSV file." });
  if (start === "{" || start === "[") throw new ValidationError({ file: `This is JSON, not CSV. ${source}` });
  const notRead = cut
    ? `Only the first ${mb(maxBytes)} of this ${mb(file.size)} file were read; the rest was not read.`
    : undefined;
  return { text, notRead };
}

/** Names of columns to show: the first 20, each cut to 40 characters. */
function listed(names: string[]): string[] {
  const shown = names.slice(0, 20).map((n) => n.slice(0, 40));
  return names.length > 20 ? [...shown, `and ${names.length - 20} more`] : shown;
}

/** The header's column names (with or without `#`), or null when the first line is data. */
function headerColumns(fields: string[]): string[] | null {
  const names = fields.map((f) => f.trim().replace(/^#/, "").toLowerCase());
  return names.some((n) => (CSV_COLUMNS as readonly string[]).includes(n)) ? names : null;
}

/** Reads the rows of a file's text: Mastodon's headered export, or its old one-domain-per-line list. */
export function parseDomainBlockCsv(text: string, notRead?: string): ParsedImport {
  const read = readCsv(text, IMPORT_MAX_ROWS + 1); // one more for the header
  if (read.unclosedQuoteLine !== undefined && !notRead)
    throw new ValidationError({ file: `A quoted field that starts on line ${read.unclosedQuoteLine} is never closed.` });
  const [first, ...rest] = read.records;
  if (!first) throw new ValidationError({ file: "The file has no rows." });
  const header = headerColumns(first.fields);
  const records = header ? rest : read.records.slice(0, IMPORT_MAX_ROWS);
  const index = columnIndex(header);
  const ignoredColumns = header ? listed(header.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n))) : [];
  const result: ParsedImport = { headerless: !header, ignoredColumns, rows: [], skipped: [], notRead };
  if (read.more || (!header && read.records.length > IMPORT_MAX_ROWS))
    result.notRead = `Only the first ${IMPORT_MAX_ROWS.toLocaleString("en")} rows were read; the rest of the file was not read.`;
  const seen = new Map<string, number>();
  for (const record of records) {
    const cell = (c: Column) => (index[c] === undefined ? undefined : record.fields[index[c]]);
    const row = parseRow(record.line, cell);
    if (typeof row === "string") {
      result.skipped.push({ line: record.line, text: record.fields.join(",").slice(0, 120), reason: row });
      continue;
    }
    const earlier = seen.get(row.domain);
    if (earlier !== undefined) {
      result.skipped.push({
        line: row.line,
        text: row.domain,
        reason: `Already in the file on line ${earlier}; that line is used.`,
      });
      continue;
    }
    seen.set(row.domain, row.line);
    result.rows.push(row);
  }
  return result;
}

/** Where each known column is; a file without a header has them in Mastodon's order. */
function columnIndex(header: string[] | null): Partial<Record<Column, number>> {
  if (!header) return Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, i]));
  const index: Partial<Record<Column, number>> = {};
  for (const [i, name] of header.entries()) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) continue;
    if (index[name as Column] !== undefined)
      throw new ValidationError({ file: `The column #${name} appears twice in the header.` });
    index[name as Column] = i;
  }
  if (index.domain === undefined)
    throw new ValidationError({ file: `The header has no #domain column (it has: ${listed(header).join(", ")}).` });
  return index;
}

/** A row's values, or why it is skipped. A missing cell is undefined; an empty one means the default. */
function parseRow(line: number, cell: (c: Column) => string | undefined): ImportRow | string {
  const given = (cell("domain") ?? "").trim();
  if (given === "") return "No domain.";
  if (given.includes("*")) return `“${given.slice(0, 80)}” is masked with *, so the real domain is unknown.`;
  const domain = normalizeDomain(given);
  if (!domain) return `“${given.slice(0, 80)}” is not a valid domain.`;
  const severityText = (cell("severity") ?? "").trim().toLowerCase() || "suspend";
  if (!(domainBlockSeverities as readonly string[]).includes(severityText))
    return `Unknown severity “${severityText.slice(0, 40)}” (use silence, suspend or noop).`;
  const row: ImportRow = { line, domain, severity: severityText as Severity };
  const flags = [
    ["reject_media", "rejectMedia"],
    ["reject_reports", "rejectReports"],
    ["obfuscate", "obfuscate"],
  ] as const;
  for (const [column, key] of flags) {
    const value = cell(column);
    if (value === undefined) continue;
    const flag = parseFlag(value);
    if (flag === null) return `#${column} is “${value.trim().slice(0, 40)}”; use true or false.`;
    row[key] = flag;
  }
  const comment = cell("public_comment");
  if (comment !== undefined && comment.length > MAX_PUBLIC_COMMENT)
    return `The public comment is longer than ${MAX_PUBLIC_COMMENT} characters.`;
  if (comment !== undefined) row.publicComment = comment;
  return row;
}

function parseFlag(value: string): boolean | null {
  const text = value.trim().toLowerCase();
  if (text === "" || text === "false" || text === "0") return false;
  if (text === "true" || text === "1") return true;
  return null;
}

export type ImportAction = "new" | "change" | "unchanged";

export interface PlannedRow {
  line: number;
  domain: string;
  action: ImportAction;
  /** The block as it will be (the file's values, the existing block's for columns the file lacks). */
  target: BlockValues;
  /** What changes on an existing block, in words. */
  changes: string[];
  /** Follows between members and the domain's accounts that the block cuts (a new suspension). */
  cut: number;
}

export interface ImportPlan {
  headerless: boolean;
  ignoredColumns: string[];
  notRead?: string;
  rows: PlannedRow[];
  skipped: SkippedRow[];
  totals: { new: number; change: number; unchanged: number; skipped: number; cut: number };
}

const severityName: Record<Severity, string> = { silence: "Limit", suspend: "Suspend", noop: "No action" };
const yesNo = (v: boolean) => (v ? "yes" : "no");

/** What importing the rows would do to the current blocks; reads only. */
export function planImport(deps: CoreDeps, parsed: ParsedImport): ImportPlan {
  const current = new Map(listDomainBlocks(deps.db).map((b) => [b.domain, b]));
  const ownHost = deps.baseUrl.host.toLowerCase();
  const followed = domainsFollowedByMembers(deps.db);
  const skipped = [...parsed.skipped];
  const rows: PlannedRow[] = [];
  for (const row of parsed.rows) {
    if (row.domain === ownHost) {
      skipped.push({ line: row.line, text: row.domain, reason: "This is this instance's own domain." });
      continue;
    }
    const before = current.get(row.domain);
    const target: BlockValues = {
      severity: row.severity,
      rejectMedia: row.rejectMedia ?? before?.rejectMedia ?? false,
      rejectReports: row.rejectReports ?? before?.rejectReports ?? false,
      publicComment: row.publicComment ?? before?.publicComment ?? "",
      obfuscate: row.obfuscate ?? before?.obfuscate ?? false,
    };
    const changes = before ? describeChanges(before, target) : [];
    const action: ImportAction = !before ? "new" : changes.length > 0 ? "change" : "unchanged";
    const suspends = target.severity === "suspend" && before?.severity !== "suspend";
    rows.push({
      line: row.line,
      domain: row.domain,
      action,
      target,
      changes,
      cut: suspends && followed.has(row.domain) ? followsCutBy(deps.db, row.domain) : 0,
    });
  }
  skipped.sort((a, b) => a.line - b.line);
  const count = (a: ImportAction) => rows.filter((r) => r.action === a).length;
  return {
    headerless: parsed.headerless,
    ignoredColumns: parsed.ignoredColumns,
    notRead: parsed.notRead,
    rows,
    skipped,
    totals: {
      new: count("new"),
      change: count("change"),
      unchanged: count("unchanged"),
      skipped: skipped.length,
      cut: rows.reduce((n, r) => n + r.cut, 0),
    },
  };
}

function describeChanges(before: DomainBlock, after: BlockValues): string[] {
  const changes: string[] = [];
  if (before.severity !== after.severity)
    changes.push(`severity ${severityName[before.severity]} → ${severityName[after.severity]}`);
  if (before.rejectMedia !== after.rejectMedia)
    changes.push(`reject media ${yesNo(before.rejectMedia)} → ${yesNo(after.rejectMedia)}`);
  if (before.rejectReports !== after.rejectReports)
    changes.push(`reject reports ${yesNo(before.rejectReports)} → ${yesNo(after.rejectReports)}`);
  if (before.obfuscate !== after.obfuscate) changes.push(`partly hidden ${yesNo(before.obfuscate)} → ${yesNo(after.obfuscate)}`);
  if (before.publicComment !== after.publicComment) changes.push("public comment changed");
  return changes;
}

/**
 * The domains (a host and its parents: a.b.example, b.example, example) with an account in a
 * follow with a member, so that followsCutBy (a scan of the accounts) runs only where it can find
 * something.
 */
function domainsFollowedByMembers(db: Db): Set<string> {
  const remote = alias(accounts, "remote");
  const local = alias(accounts, "local");
  const rows = db
    .selectDistinct({ host: remote.domain })
    .from(follows)
    .innerJoin(remote, or(sql`${remote.id} = ${follows.followerId}`, sql`${remote.id} = ${follows.followingId}`))
    .innerJoin(local, or(sql`${local.id} = ${follows.followerId}`, sql`${local.id} = ${follows.followingId}`))
    .where(and(isNotNull(remote.domain), isNull(local.domain)))
    .all();
  const domains = new Set<string>();
  for (const { host } of rows) {
    const labels = (host ?? "").toLowerCase().split(".");
    for (let i = 0; i < labels.length; i++) domains.add(labels.slice(i).join("."));
  }
  return domains;
}

/**
 * The rows a plan changes, as a complete Mastodon CSV in base64: what the preview's confirmation
 * carries. Applying it goes through the same reading and checks as an upload (confirmImportFile),
 * so a forged one can ask for nothing that a file could not.
 */
export function confirmationPayload(plan: ImportPlan): string {
  const rows = plan.rows
    .filter((r) => r.action !== "unchanged")
    .map((r) => [
      r.domain,
      r.target.severity,
      r.target.rejectMedia,
      r.target.rejectReports,
      r.target.publicComment,
      r.target.obfuscate,
    ]);
  const csv = Buffer.from(toCsv([CSV_COLUMNS.map((c) => `#${c}`), ...rows]));
  if (csv.length > CONFIRM_MAX_BYTES)
    throw new ValidationError({
      file: "This import is too large to confirm at once. Split the file in two and import each part.",
    });
  return csv.toString("base64");
}

/** The plan of a confirmation: its CSV read and checked again, against the blocks as they are now. */
export async function confirmImportFile(deps: CoreDeps, payload: string): Promise<ImportPlan> {
  const { text, notRead } = await readImportText(new Blob([Buffer.from(payload, "base64")]), CONFIRM_MAX_BYTES);
  return planImport(deps, parseDomainBlockCsv(text, notRead));
}

export interface ImportSummary {
  created: string[];
  changed: string[];
  cut: number;
  unchanged: number;
  failed: SkippedRow[];
}

/**
 * Applies the new and changed rows of a plan, one blockDomain each (so each is audited). A new
 * block's private note says where it came from; a changed block keeps its own.
 */
export function applyImport(deps: CoreDeps, staffId: string, plan: ImportPlan, source: string): ImportSummary {
  const current = new Map(listDomainBlocks(deps.db).map((b) => [b.domain, b]));
  const note = `Imported from ${source.slice(0, 200)} on ${new Date().toISOString().slice(0, 10)}.`;
  const summary: ImportSummary = {
    created: [],
    changed: [],
    cut: 0,
    unchanged: plan.totals.unchanged,
    failed: [...plan.skipped],
  };
  for (const row of plan.rows) {
    if (row.action === "unchanged") continue;
    const before = current.get(row.domain);
    try {
      // The preview showed each change before the admin confirmed it.
      const { cut } = blockDomain(
        deps,
        staffId,
        { domain: row.domain, ...row.target, privateComment: before?.privateComment ?? note },
        { change: true },
      );
      summary.cut += cut;
      (before ? summary.changed : summary.created).push(row.domain);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      summary.failed.push({ line: row.line, text: row.domain, reason: error.message });
    }
  }
  return summary;
}

/** Reads, checks and compares an uploaded file: the preview, and again the confirmation. */
export async function planImportFile(deps: CoreDeps, file: Blob): Promise<ImportPlan> {
  const { text, notRead } = await readImportText(file);
  return planImport(deps, parseDomainBlockCsv(text, notRead));
}
