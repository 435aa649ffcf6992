/** Time-sortable ids (UUIDv7) for every row the API exposes: sorting by id sorts by creation. */
export function newId(at?: Date): string {
  // Never in the future: a remote post claiming a later date must not stay on top of timelines.
  return Bun.randomUUIDv7(undefined, at ? Math.min(at.getTime(), Date.now()) : undefined);
}

/**
 * The smallest id (as text) made at `ms`: ids are time-ordered and compare as text, so
 * `id >= lowestIdAt(t)` is a key range, where a table has an index on its id but none on its time.
 */
export function lowestIdAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
