/** @jsxImportSource @kitajs/html */
import { escapeHtml } from "@kitajs/html";

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

const dayFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

/** "28 Nov 2026": a day, in UTC. */
export function dayDate(date: Date): string {
  return dayFormat.format(date);
}

/** How long a poll still runs, in Mastodon's words. */
export function timeLeft(end: Date, now = Date.now()): string {
  const minutes = Math.max(1, Math.round((end.getTime() - now) / 60_000));
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"} left`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? "" : "s"} left`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? "" : "s"} left`;
}

/** A full date and time, in UTC on the server; app.js writes it in the reader's own time zone. */
export function LongTime({ date }: { date: Date }) {
  return (
    <time datetime={date.toISOString()} data-local safe>
      {longDate(date)}
    </time>
  );
}

export function Time({ date }: { date: Date }) {
  return (
    <time datetime={date.toISOString()} title={longDate(date)} safe>
      {shortAge(date)}
    </time>
  );
}

/**
 * Words around a full date where no element can go (an <option>): in UTC on the server, and
 * app.js writes the label again with the date in the reader's zone.
 */
export function localLabel(label: string, date: Date): { text: string; label: string; at: string } {
  return { text: label.replace("%s", longDate(date)), label, at: date.toISOString() };
}

/** Words with full dates among them, each date in the reader's time zone as LongTime writes it. */
export function WithTimes({ parts }: { parts: (string | Date)[] }) {
  return <>{parts.map((part) => (part instanceof Date ? <LongTime date={part} /> : escapeHtml(part)))}</>;
}
