/** Times typed into forms: `datetime-local` inputs, dates alone, or full ISO 8601 times. */

const TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]00:?00)?$/;

/** A date, or a date and time, read as UTC; null when empty, undefined when unreadable. */
export function parseUtcTime(value: string): Date | null | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const match = TIME.exec(trimmed);
  const date = match ? new Date(`${match[1]}T${match[2] ?? "00:00"}:00Z`) : new Date(trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A time typed in the member's own time zone: the page's script sends the zone's offset from UTC
 * in minutes (east positive, as at that date); without it the time is UTC.
 */
export function parseLocalTime(value: string, utcOffsetMinutes: number): Date | null | undefined {
  const utc = parseUtcTime(value);
  if (!utc) return utc;
  const offset = Number.isFinite(utcOffsetMinutes) && Math.abs(utcOffsetMinutes) <= 14 * 60 ? utcOffsetMinutes : 0;
  return new Date(utc.getTime() - offset * 60_000);
}
