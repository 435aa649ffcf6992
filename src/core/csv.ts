/**
 * RFC 4180 CSV, written the way Mastodon's Ruby CSV writes it ("\n" line ends, quotes only when
 * a field needs them) and read leniently (CRLF, LF or CR line ends, blank lines skipped).
 */

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | boolean): string {
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows: (string | boolean)[][]): string {
  return rows.map((row) => `${row.map(csvField).join(",")}\n`).join("");
}

export interface CsvRecord {
  /** The line of the file the record starts on, from 1. */
  line: number;
  fields: string[];
}

export interface CsvRead {
  records: CsvRecord[];
  /** More records followed the last one read (the limit was reached). */
  more: boolean;
  /** The line of a quoted field that the text ends inside of. */
  unclosedQuoteLine?: number;
}

/** Reads at most `limit` records; blank lines (or only commas) are skipped, not counted. */
export function readCsv(text: string, limit: number): CsvRead {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1; // the line being read
  let start = 1; // the line the current record started on
  /** Ends the current record; false when it is one past the limit. */
  const endRecord = (): boolean => {
    fields.push(field);
    const blank = fields.every((f) => f.trim() === ""); // spreadsheets leave lines of bare commas
    if (!blank && records.length >= limit) return false;
    if (!blank) records.push({ line: start, fields });
    fields = [];
    field = "";
    return true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
        field += c;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
    } else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      if (!endRecord()) return { records, more: true };
      line++;
      start = line;
    } else {
      field += c; // a quote inside an unquoted field, or text after a closing quote, is kept as is
    }
  }
  if (quoted) return { records, more: false, unclosedQuoteLine: start };
  if ((fields.length > 0 || field !== "") && !endRecord()) return { records, more: true };
  return { records, more: false };
}
