import { t } from "elysia";

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
