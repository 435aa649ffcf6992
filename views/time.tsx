/** @jsxImportSource @kitajs/html */

const units: [number, string][] = [
  [365 * 24 * 3600, "y"],
  [30 * 24 * 3600, "mo"],
  [7 * 24 * 3600, "w"],
  [24 * 3600, "d"],
  [3600, "h"],
  [60, "m"],
];

/** "5m", "3h", "2d" like Mastodon's timelines; the exact time in the tooltip and datetime. */
export function shortAge(date: Date, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  for (const [size, unit] of units) if (seconds >= size) return `${Math.floor(seconds / size)}${unit}`;
  return "now";
}

// One formatter for every date on a page: toLocaleString builds a new one per call, which was a
// twentieth of the server's CPU under load.
const longFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function longDate(date: Date): string {
  return `${longFormat.format(date)} UTC`;
}

export function Time({ date }: { date: Date }) {
  return (
    <time datetime={date.toISOString()} title={longDate(date)} safe>
      {shortAge(date)}
    </time>
  );
}
