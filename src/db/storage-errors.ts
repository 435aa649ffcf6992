/**
 * Errors of the disk under the data folder, as people should hear of them: a full disk, a folder
 * that became read-only, a write the disk refused. SQLite says SQLITE_FULL, SQLITE_READONLY… and
 * the file system ENOSPC, EROFS…; without this they were a bare "Something went wrong" (500).
 * Reads go on in all three cases, so the messages say so.
 */
export interface StorageFault {
  status: 503 | 507;
  /** For the page or the API's {"error"}. */
  message: string;
  /** For the log: what the administrator should do. */
  logLine: string;
}

const FULL = new Set(["SQLITE_FULL", "ENOSPC", "EDQUOT", "EFBIG"]);
const READ_ONLY = new Set(["SQLITE_READONLY", "EROFS", "EACCES", "EPERM"]);

function codes(error: unknown): string[] {
  const found: string[] = [];
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") found.push(code);
  }
  return found;
}

export function storageFault(error: unknown): StorageFault | undefined {
  const all = codes(error);
  const has = (set: Set<string>) => all.some((c) => set.has(c) || [...set].some((s) => c.startsWith(`${s}_`)));
  if (has(FULL)) {
    return {
      status: 507,
      message: "The server's disk is full: nothing can be saved until space is freed. Reading still works.",
      logLine: "The disk under the data folder is full: writes fail until space is freed",
    };
  }
  if (has(READ_ONLY)) {
    return {
      status: 503,
      message: "The server cannot save anything right now: its data folder cannot be written to. Reading still works.",
      logLine: "The data folder cannot be written (read-only or permissions): writes fail until it is writable again",
    };
  }
  if (all.some((c) => c.startsWith("SQLITE_IOERR") || c === "EIO")) {
    return {
      status: 503,
      message: "The server could not write to its disk. Try again in a moment. Reading still works.",
      logLine: "Writing to the disk under the data folder failed: check the disk",
    };
  }
  return undefined;
}
