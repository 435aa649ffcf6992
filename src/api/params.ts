import { t } from "elysia";
import type { PageQuery } from "../core/timelines.ts";

/**
 * Mastodon clients send the same parameters as JSON, as form fields or as multipart, and lists
 * as `name[]=a&name[]=b`, `name=a` or a JSON array. These read them all the same way.
 */

type Params = Record<string, unknown> | null | undefined;

/** A list parameter, whichever way it came (`media_ids`, `media_ids[]`). */
export function list(params: Params, name: string): string[] {
  const value = params?.[name] ?? params?.[`${name}[]`];
  if (value === undefined || value === null || value === "") return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string" && v !== "");
}

/** A boolean parameter: true, "true", "1", "on". */
export function flag(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return value === true || value === "true" || value === "1" || value === "on";
}

type Entry = Record<string, unknown>;
const isEntry = (v: unknown): v is Entry => typeof v === "object" && v !== null && !Array.isArray(v);

/** Drops an object's null fields, and those of the objects in it (a poll's `multiple: null`). */
function dropNulls(entry: Entry) {
  for (const [key, value] of Object.entries(entry)) {
    if (value === null) delete entry[key];
    else if (isEntry(value)) dropNulls(value);
  }
}

/**
 * A route's `transform`: drops a JSON body's null fields before validation. Apps send
 * `"spoiler_text": null` or `"in_reply_to_id": null` for what they leave out, and Mastodon
 * (Rails) reads a null as not given. Not for calls where null means something (a filter's
 * `expires_in: null` is "never", a media's `description: null` clears it).
 */
export function nullAsAbsent({ body }: { body: unknown }) {
  if (isEntry(body)) dropNulls(body);
}

/** Schema pieces for such parameters. */
export const tList = (max = 40) =>
  t.Optional(t.Union([t.String({ maxLength: 2000 }), t.Array(t.String({ maxLength: 2000 }), { maxItems: max })]));
export const tFlag = t.Optional(t.Union([t.Boolean(), t.String({ maxLength: 5 })]));

/** Paging parameters (ids are UUIDv7: they sort by time). */
export const paging = {
  max_id: t.Optional(t.String({ maxLength: 64 })),
  since_id: t.Optional(t.String({ maxLength: 64 })),
  min_id: t.Optional(t.String({ maxLength: 64 })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
};

export interface Paging {
  max_id?: string;
  since_id?: string;
  min_id?: string;
  limit?: number;
}

/** The paging parameters as core's PageQuery (20 by default, at most 40, unless said). */
export const pageQuery = (q: Paging, fallback = 20, max = 40): PageQuery => ({
  maxId: q.max_id,
  sinceId: q.since_id,
  minId: q.min_id,
  limit: limitOf(q, fallback, max),
});

/** Limit within bounds: Mastodon clamps rather than refusing. */
export const limitOf = (p: Paging, fallback: number, max: number) => Math.min(Math.max(Math.trunc(p.limit ?? fallback), 1), max);

/**
 * The Link header that pages on: `next` (older, max_id) and `prev` (newer, min_id), keeping the
 * request's other parameters. `ids` are the page's items, newest first.
 */
export function linkHeader(url: string, ids: string[]): string | undefined {
  const first = ids[0];
  const last = ids.at(-1);
  if (!first || !last) return undefined;
  const at = (name: string, id: string) => {
    const u = new URL(url);
    for (const key of ["max_id", "since_id", "min_id"]) u.searchParams.delete(key);
    u.searchParams.set(name, id);
    return u.href;
  };
  return `<${at("max_id", last)}>; rel="next", <${at("min_id", first)}>; rel="prev"`;
}

const byIndex = (a: string, b: string) => Number(a) - Number(b);

/**
 * A list of objects, as Rails reads `keywords_attributes`: a JSON array, a JSON object keyed by
 * index, or form fields `name[0][key]=…` and `name[][key]=…`. Form bodies arrive flattened
 * (one array per key), so `name[][key]` fields are paired by position.
 */
export function nestedList(params: Params, name: string): Entry[] {
  const direct = params?.[name];
  if (Array.isArray(direct)) return direct.filter(isEntry);
  if (isEntry(direct)) {
    return Object.keys(direct)
      .sort(byIndex)
      .map((k) => direct[k])
      .filter(isEntry);
  }
  const indexed = new Map<string, Entry>();
  const zipped = new Map<string, unknown[]>();
  const prefix = `${name}[`;
  for (const [key, value] of Object.entries(params ?? {})) {
    const match = key.startsWith(prefix) ? /^\[(\d*)\]\[([a-z_]+)\]$/.exec(key.slice(name.length)) : null;
    if (!match) continue;
    const [, index = "", field = ""] = match;
    if (index === "") zipped.set(field, Array.isArray(value) ? value : [value]);
    else indexed.set(index, { ...indexed.get(index), [field]: value });
  }
  const rows = Math.max(0, ...[...zipped.values()].map((v) => v.length));
  const paired = Array.from({ length: rows }, (_, i) =>
    Object.fromEntries([...zipped].map(([field, values]) => [field, values[i]])),
  );
  return [
    ...[...indexed.keys()].sort(byIndex).map((k) => indexed.get(k) as Entry),
    ...paired.map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))),
  ];
}

/** A text value from a loosely typed entry (numbers and booleans as sent in JSON). */
export function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

const UNSAFE_KEYS = new Set(["__proto__", "prototype", "constructor"]);

/**
 * Form fields named like `data[alerts][mention]` as the nested object a JSON body carries
 * (`{data: {alerts: {mention: …}}}`); JSON bodies pass through. Names that would reach an
 * object's prototype are dropped.
 */
export function nested(body: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    const path = name.match(/[^[\]]+/g) ?? [];
    const last = path.pop();
    if (last === undefined || [...path, last].some((part) => UNSAFE_KEYS.has(part))) continue;
    let at = root;
    for (const part of path) {
      const next = at[part];
      at = (next !== null && typeof next === "object" && !Array.isArray(next) ? next : (at[part] = {})) as Record<
        string,
        unknown
      >;
    }
    at[last] = value;
  }
  return root;
}
