/** Times typed into forms (`datetime-local` inputs, dates alone) or sent by apps (ISO 8601). */

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A date, or a date and time, with its own zone or else read as UTC; null when empty, undefined
 * when it is not such a time or names one that does not exist (2026-02-31, 25:00).
 */
export function parseUtcTime(value: string): Date | null | undefined {
  return parseTime(value, 0);
}

/**
 * A time typed in the member's own time zone: the page's script sends the zone's offset from UTC
 * in minutes (east positive, as at that date); without it the time is UTC. A time that names its
 * own zone keeps it.
 */
export function parseLocalTime(value: string, utcOffsetMinutes: number): Date | null | undefined {
  const offset = Number.isInteger(utcOffsetMinutes) && Math.abs(utcOffsetMinutes) <= 14 * 60 ? utcOffsetMinutes : 0;
  return parseTime(value, offset);
}

function parseTime(value: string, offsetMinutes: number): Date | null | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const m = TIME.exec(trimmed);
  if (!m) return undefined;
  const [, year, month, day, hour = "00", minute = "00", second = "00", fraction = "0", zone] = m;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3)));
  const check = new Date(asUtc);
  // Date.UTC rolls 2026-02-31 over into March: a time that does not exist is refused.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  const zoneMinutes = zone ? zoneOffset(zone) : offsetMinutes;
  if (zoneMinutes === undefined) return undefined;
  return new Date(asUtc - zoneMinutes * 60_000);
}

/** `Z`, `+02`, `+02:00` or `-0530` as minutes east of UTC; undefined for a zone no place has. */
function zoneOffset(zone: string): number | undefined {
  if (zone.toUpperCase() === "Z") return 0;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || "0");
  if (hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60) return undefined;
  return (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}
