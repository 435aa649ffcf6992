import { t } from "elysia";

/**
 * An optional field that is one of these strings. Not Elysia's optional UnionEnum: Elysia
 * (1.4.30) fills an absent UnionEnum with its first value, so a profile without `?note=` said
 * "Note saved." and an app's post without a visibility was public whatever the member's default.
 */
export const optionalOneOf = <const T extends string>(values: readonly T[]) =>
  t.Optional(t.Unsafe<T>(t.Union(values.map((v) => t.Literal(v)))));
