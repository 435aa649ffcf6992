import { and, asc, count, desc, eq, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { type ImportKind, type ImportMode, importRows, imports } from "../db/schema.ts";
import { domainBlocksOf } from "./account-domain-blocks.ts";
import { findAccountByAcct } from "./accounts-read.ts";
import { readCsv } from "./csv.ts";
import type { CoreDeps } from "./deps.ts";
import { readImportText } from "./domain-block-csv.ts";
import { normalizeDomain } from "./domain-blocks.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { exportedAccounts, exportedBookmarks, exportedLists } from "./exports.ts";
import { block, blockDomainFor, follow, muteFromImport, unblock, unblockDomainFor, unfollow, unmute } from "./follows.ts";
import { bookmark, unbookmark } from "./interactions.ts";
import { addToList, createList, deleteList, LIST_TITLE_MAX, listsOf, removeFromList } from "./lists.ts";
import { findPostByUri, isOwnAddress } from "./remote.ts";
import type { TaskQueue } from "./tasks.ts";

/**
 * A member's import of Mastodon CSVs (Settings › Import and export): the upload is read and
 * checked at once (a bad file changes nothing), its rows are stored, and the queue works them
 * off a few at a time, each through the same core function as the buttons on a profile or post
 * (follow, block, mute, bookmark, add to a list). The page shows how far it got and why rows failed.
 */

/** Mastodon's limits: files are read up to 2 MB here (Mastodon allows 20 MB), 20,000 rows. */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 20_000;
/** Rows worked off per queued step, so that deliveries and other members' work interleave. */
const STEP_ROWS = 10;
const TARGET_MAX = 300;

export const kindNames: Record<ImportKind, string> = {
  following: "Following list",
  blocking: "Blocked accounts",
  muting: "Muted accounts",
  bookmarks: "Bookmarks",
  domain_blocking: "Blocked domains",
  lists: "Lists",
};

/** The header of the column that holds the address (or the post URI), as Mastodon writes it. */
const ADDRESS_HEADER: Record<ImportKind, string> = {
  following: "account address",
  blocking: "account address",
  muting: "account address",
  bookmarks: "#uri",
  domain_blocking: "#domain",
  lists: "account address",
};

/** Where the address is in a file without a header: Mastodon's lists.csv is `List name,Account address`. */
const addressPosition = (kind: ImportKind) => (kind === "lists" ? 1 : 0);

/** `user@domain` or `@user@domain` (a port allowed), as Mastodon writes them; a bare name is not enough. */
const ADDRESS = /^@?([\w.-]+)@([a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?)$/i;

export interface ParsedRow {
  line: number;
  target: string;
  /** A lists import: the list's title. */
  list?: string;
  showReblogs?: boolean;
  notify?: boolean;
  /** A mutes import: whether the mute hides their notifications too. */
  hideNotifications?: boolean;
  /** Why the row will not be imported (kept, to be shown with the others). */
  skip?: string;
}

/** The address as `user@domain`, lowercased, or null when it is not one. */
export function normalizeAddress(text: string): string | null {
  const m = ADDRESS.exec(text.trim());
  if (!m?.[1] || !m[2]) return null;
  return `${m[1]}@${m[2]}`.toLowerCase();
}

function flag(value: string | undefined): boolean | undefined | null {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return undefined;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return null;
}

/** Reads the rows of an upload's text for one kind; a file that is not of that kind is refused. */
export function parseImportCsv(kind: ImportKind, text: string, me: string): ParsedRow[] {
  const read = readCsv(text, IMPORT_MAX_ROWS + 1);
  if (read.unclosedQuoteLine !== undefined)
    throw new ValidationError({ file: `A quoted field that starts on line ${read.unclosedQuoteLine} is never closed.` });
  const [first, ...rest] = read.records;
  if (!first) throw new ValidationError({ file: "The file has no rows." });
  const columns = first.fields.map((f) => f.trim().toLowerCase());
  // A header names the address (or URI) column somewhere; Mastodon writes it first.
  const headed = columns.includes(ADDRESS_HEADER[kind]);
  const records = headed ? rest : read.records;
  if (read.more || records.length > IMPORT_MAX_ROWS)
    throw new ValidationError({
      file: `The file has more than ${IMPORT_MAX_ROWS.toLocaleString("en")} rows, the most one import takes. Split it and import each part.`,
    });
  const firstCell = first.fields[addressPosition(kind)] ?? "";
  if (!headed && !looksLikeData(kind, firstCell)) throw new ValidationError({ file: wrongFileMessage(kind, firstCell) });
  const column = (name: string, position: number) => (headed ? columns.indexOf(name) : position);
  const address = column(ADDRESS_HEADER[kind], addressPosition(kind));
  const listName = column("list name", 0);
  const boosts = column("show boosts", 1);
  const notify = column("notify on new posts", 2);
  const hide = column("hide notifications", 1);
  const seen = new Map<string, number>();
  return records.map((record) => {
    const cell = (i: number) => (i >= 0 ? record.fields[i] : undefined);
    const given = (record.fields[address] ?? "").trim();
    const row: ParsedRow = { line: record.line, target: given.slice(0, TARGET_MAX) };
    const target = normalized(kind, given);
    if (!target) return { ...row, skip: notValid[kind] };
    row.target = target;
    if (kind === "lists") {
      row.list = (cell(listName) ?? "").trim().slice(0, TARGET_MAX);
      if (!row.list) return { ...row, skip: "No list name." };
      if (row.list.length > LIST_TITLE_MAX) return { ...row, skip: `List names have at most ${LIST_TITLE_MAX} characters.` };
    }
    // An account appears once per list in a lists file, once in the others.
    const key = kind === "lists" ? `${row.list}\n${target}` : target;
    const earlier = seen.get(key);
    if (earlier !== undefined) return { ...row, skip: `Already on line ${earlier}.` };
    seen.set(key, record.line);
    if (kind !== "bookmarks" && target === me) return { ...row, skip: "This is your own account." };
    if (kind === "domain_blocking" && target === me.split("@")[1]) return { ...row, skip: "This is your own server." };
    if (kind === "following") {
      const b = flag(cell(boosts));
      const n = flag(cell(notify));
      if (b === null || n === null) return { ...row, skip: "Show boosts and Notify on new posts must be true or false." };
      row.showReblogs = b;
      row.notify = n;
    }
    if (kind === "muting") {
      const h = flag(cell(hide));
      if (h === null) return { ...row, skip: "Hide notifications must be true or false." };
      row.hideNotifications = h;
    }
    return row;
  });
}

function normalizeUrl(text: string): string | null {
  if (text.length > TARGET_MAX || !/^https?:\/\//i.test(text)) return null;
  try {
    return new URL(text).href;
  } catch {
    return null;
  }
}

/** The value a row names, as stored: a post URL, a domain, or an address. */
function normalized(kind: ImportKind, given: string): string | null {
  if (kind === "bookmarks") return normalizeUrl(given);
  if (kind === "domain_blocking") return normalizeDomain(given);
  return normalizeAddress(given);
}

const notValid: Record<ImportKind, string> = {
  following: "Not an account address (user@domain).",
  blocking: "Not an account address (user@domain).",
  muting: "Not an account address (user@domain).",
  bookmarks: "Not a post URL.",
  domain_blocking: "Not a domain name.",
  lists: "Not an account address (user@domain).",
};

/** Whether a header-less file's first cell is the kind of value this import expects. */
function looksLikeData(kind: ImportKind, cell: string): boolean {
  return normalized(kind, cell.trim()) !== null;
}

function wrongFileMessage(kind: ImportKind, cell: string): string {
  const shown = cell.trim().slice(0, 40);
  if (kind === "bookmarks")
    return `This is not a bookmarks file: its first line (“${shown}”) is not a post URL. Choose the bookmarks.csv of your export.`;
  if (kind === "domain_blocking")
    return `This is not a list of domains: its first line (“${shown}”) is not a domain name. Choose the blocked_domains.csv of your export.`;
  if (kind === "lists")
    return `This is not a lists file: each line should be a list name and an account address (“${shown}” is not one). Choose the lists.csv of your export.`;
  if (shown.toLowerCase() === "#uri") return "This is a bookmarks file. Choose “Bookmarks” as what to import.";
  if (shown.toLowerCase().startsWith("#domain"))
    return "This is a list of blocked domains. Choose “Blocked domains” as what to import.";
  return `The first line (“${shown}”) is neither Mastodon's header (Account address,…) nor an account address.`;
}

export type ImportRow = typeof imports.$inferSelect;

/**
 * Reads and checks an upload and stores its rows; the queue does the rest. Nothing is stored when
 * the file is refused (ValidationError on `file`).
 */
export async function createImport(
  deps: CoreDeps & { tasks: TaskQueue },
  member: { id: string; username: string },
  input: { kind: ImportKind; mode: ImportMode; file: Blob; filename: string },
): Promise<ImportRow> {
  const { db } = deps;
  if (input.file.size > IMPORT_MAX_BYTES)
    throw new ValidationError({
      file: `This file is ${(input.file.size / 1024 / 1024).toFixed(1)} MB; an import takes at most 2 MB. Split it and import each part.`,
    });
  if (unfinishedImport(db, member.id))
    throw new ValidationError({ file: "Your last import is still running. Start the next one when it has finished." });
  const { text } = await readImportText(input.file, IMPORT_MAX_BYTES, "Choose one of the CSV files of your export.");
  const host = deps.baseUrl.host.toLowerCase();
  const rows = parseImportCsv(input.kind, text, `${member.username}@${host}`.toLowerCase());
  if (rows.length === 0) throw new ValidationError({ file: "The file has a header but no rows." });
  const row = db.transaction((tx) => {
    const created = tx
      .insert(imports)
      .values({ id: newId(), accountId: member.id, kind: input.kind, mode: input.mode, filename: input.filename.slice(0, 200) })
      .returning()
      .get();
    for (let i = 0; i < rows.length; i += 500) {
      tx.insert(importRows)
        .values(
          rows.slice(i, i + 500).map((r) => ({
            importId: created.id,
            line: r.line,
            target: r.target,
            list: r.list ?? null,
            showReblogs: r.showReblogs ?? null,
            notify: r.notify ?? null,
            hideNotifications: r.hideNotifications ?? null,
            state: r.skip ? ("skipped" as const) : ("pending" as const),
            error: r.skip ?? null,
          })),
        )
        .run();
    }
    return created;
  });
  await deps.tasks.enqueueTask({ type: "import", importId: row.id }, `import:${member.id}`);
  return row;
}

function unfinishedImport(db: Db, accountId: string): boolean {
  return (
    db
      .select({ id: imports.id })
      .from(imports)
      .where(and(eq(imports.accountId, accountId), isNull(imports.finishedAt)))
      .get() !== undefined
  );
}

/**
 * One queued step of an import: the removals an overwrite asks for (first step only), then the
 * next few pending rows. Queues the next step until no row is pending. Safe to run twice.
 */
export async function runImportStep(deps: CoreDeps & { tasks: TaskQueue }, importId: string): Promise<void> {
  const { db } = deps;
  const job = db.select().from(imports).where(eq(imports.id, importId)).get();
  if (!job || job.finishedAt) return;
  if (job.mode === "overwrite" && !job.overwritten) {
    removeUnlisted(deps, job);
    db.update(imports).set({ overwritten: true }).where(eq(imports.id, importId)).run();
  }
  const pending = db
    .select()
    .from(importRows)
    .where(and(eq(importRows.importId, importId), eq(importRows.state, "pending")))
    .orderBy(asc(importRows.line))
    .limit(STEP_ROWS)
    .all();
  for (const row of pending) {
    const error = await importOne(deps, job, row).then(
      () => null,
      (e: unknown) => (e instanceof CoreError || e instanceof ValidationError ? e.message : `Failed: ${String(e).slice(0, 200)}`),
    );
    db.update(importRows)
      .set({ state: error ? "failed" : "done", error })
      .where(and(eq(importRows.importId, importId), eq(importRows.line, row.line)))
      .run();
  }
  if (pending.length < STEP_ROWS) {
    db.update(imports).set({ finishedAt: new Date() }).where(eq(imports.id, importId)).run();
    return;
  }
  await deps.tasks.enqueueTask({ type: "import", importId }, `import:${job.accountId}`);
}

type StoredRow = typeof importRows.$inferSelect;

async function importOne(deps: CoreDeps, job: ImportRow, row: StoredRow): Promise<void> {
  const actor = { id: job.accountId };
  if (job.kind === "bookmarks") return bookmark(deps, actor, await findPost(deps, row.target));
  if (job.kind === "domain_blocking") {
    blockDomainFor(deps, actor, row.target);
    return;
  }
  const targetId = await findAccount(deps, row.target);
  if (job.kind === "lists") return addToImportedList(deps, actor, row.list ?? "", targetId);
  if (job.kind === "following") {
    follow(deps, actor, targetId, { showReblogs: row.showReblogs ?? undefined, notify: row.notify ?? undefined });
  } else if (job.kind === "blocking") block(deps, actor, targetId);
  else muteFromImport(deps, actor, targetId, row.hideNotifications ?? undefined);
}

/**
 * A lists row, as Mastodon imports it: the list is found by its title or made, the account is
 * followed if it was not (asked, when it approves followers), then added.
 */
function addToImportedList(deps: CoreDeps, actor: { id: string }, title: string, targetId: string): void {
  const list = listsOf(deps.db, actor.id).find((l) => l.title === title) ?? createList(deps, actor, { title });
  follow(deps, actor, targetId);
  addToList(deps, actor, list.id, [targetId]);
}

/** An account here, or looked up on its server (WebFinger) and stored. */
async function findAccount(deps: CoreDeps, address: string): Promise<string> {
  const host = deps.baseUrl.host.toLowerCase();
  const found = findAccountByAcct(deps.db, address, host);
  if (found) return found.id;
  const [, domain] = address.split("@");
  if (domain === host) throw new CoreError("There is no such account on this server.", 404);
  if (!deps.resolver) throw new CoreError("Other servers cannot be reached from here.", 422);
  const id = await deps.resolver.resolveAccount(`@${address}`);
  if (!id) throw new CoreError(`No such account found on ${domain} (or the server did not answer).`, 404);
  return id;
}

async function findPost(deps: CoreDeps, url: string): Promise<string> {
  const stored = findPostByUri(deps.db, deps.baseUrl, url);
  if (stored) return stored.id;
  if (isOwnAddress(url, deps.baseUrl)) throw new CoreError("This post is gone.", 404);
  const id = deps.resolver ? await deps.resolver.resolvePost(url) : null;
  if (!id) throw new CoreError("The post could not be found (deleted, private, or its server did not answer).", 404);
  return id;
}

/** Overwrite: what the member has that the file does not name goes, through the usual undo functions. */
function removeUnlisted(deps: CoreDeps, job: ImportRow): void {
  // Every row counts, a skipped one too: a bad flag on a row must not unfollow its account.
  const rows = deps.db
    .select({ target: importRows.target, list: importRows.list })
    .from(importRows)
    .where(eq(importRows.importId, job.id))
    .all();
  const wanted = new Set(rows.map((r) => (job.kind === "lists" ? `${r.list}\n${r.target}` : r.target)));
  const actor = { id: job.accountId };
  if (job.kind === "lists") {
    // Lists the file does not name go; the others lose the accounts it does not list under them.
    const titles = new Set(rows.map((r) => r.list));
    for (const list of listsOf(deps.db, job.accountId)) if (!titles.has(list.title)) deleteList(deps, actor, list.id);
    for (const m of exportedLists(deps, job.accountId))
      if (!wanted.has(`${m.title}\n${m.address.toLowerCase()}`)) removeFromList(deps, actor, m.listId, [m.accountId]);
    return;
  }
  if (job.kind === "bookmarks") {
    for (const b of exportedBookmarks(deps, job.accountId))
      if (!wanted.has(b.uri) && !wanted.has(b.url)) unbookmark(deps, actor, b.postId);
    return;
  }
  if (job.kind === "domain_blocking") {
    for (const { domain } of domainBlocksOf(deps.db, job.accountId, { limit: 100_000 }))
      if (!wanted.has(domain)) unblockDomainFor(deps, actor, domain);
    return;
  }
  const undo = { following: unfollow, blocking: unblock, muting: unmute }[job.kind];
  for (const a of exportedAccounts(deps, job.accountId, job.kind))
    if (!wanted.has(a.address.toLowerCase())) undo(deps, actor, a.accountId);
}

export interface ImportProgress {
  import: ImportRow;
  total: number;
  pending: number;
  done: number;
  failed: number;
  skipped: number;
  /** The first failed and skipped rows, in file order. */
  problems: { line: number; target: string; error: string; state: string }[];
}

const PROBLEMS_SHOWN = 100;

/** The member's recent imports with their progress, newest first. */
export function recentImports(db: Db, accountId: string, limit = 5): ImportProgress[] {
  return db
    .select()
    .from(imports)
    .where(eq(imports.accountId, accountId))
    .orderBy(desc(imports.id))
    .limit(limit)
    .all()
    .map((job) => progressOf(db, job));
}

function progressOf(db: Db, job: ImportRow): ImportProgress {
  const counts = db
    .select({ state: importRows.state, n: count() })
    .from(importRows)
    .where(eq(importRows.importId, job.id))
    .groupBy(importRows.state)
    .all();
  const n = (state: string) => counts.find((c) => c.state === state)?.n ?? 0;
  const problems = db
    .select({ line: importRows.line, target: importRows.target, error: importRows.error, state: importRows.state })
    .from(importRows)
    .where(and(eq(importRows.importId, job.id), sql`${importRows.state} IN ('failed', 'skipped')`))
    .orderBy(asc(importRows.line))
    .limit(PROBLEMS_SHOWN)
    .all()
    .map((p) => ({ ...p, error: p.error ?? "" }));
  const total = counts.reduce((s, c) => s + c.n, 0);
  return { import: job, total, pending: n("pending"), done: n("done"), failed: n("failed"), skipped: n("skipped"), problems };
}

/** Imports are kept for a month after they finish (their rows and reasons with them), then deleted. */
export const IMPORT_KEEP_DAYS = 30;

export function pruneFinishedImports(db: Db, now = new Date()): number {
  const before = new Date(now.getTime() - IMPORT_KEEP_DAYS * 24 * 3600_000);
  return db
    .delete(imports)
    .where(and(isNotNull(imports.finishedAt), lt(imports.finishedAt, before)))
    .returning({ id: imports.id })
    .all().length;
}
