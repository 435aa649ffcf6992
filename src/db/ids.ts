/** Time-sortable ids (UUIDv7) for every row the API exposes: sorting by id sorts by creation. */
export function newId(): string {
  return Bun.randomUUIDv7();
}
