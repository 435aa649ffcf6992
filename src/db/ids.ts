/** Time-sortable ids (UUIDv7) for every row the API exposes: sorting by id sorts by creation. */
export function newId(at?: Date): string {
  // Never in the future: a remote post claiming a later date must not stay on top of timelines.
  return Bun.randomUUIDv7(undefined, at ? Math.min(at.getTime(), Date.now()) : undefined);
}
