import { languageOf } from "./languages.ts";

/*
 * A search of posts as Mastodon (4.2 and later) reads one: words, "a phrase", -word, and
 * operators that narrow the posts: from:, has:, is:, language:, before:, after:, during:, each
 * negated by a leading "-". An operator Skein does not know, or one with a value it cannot read,
 * is read as words, as typed.
 */

export const HAS_KINDS = ["media", "image", "video", "audio", "poll"] as const;
export const IS_KINDS = ["reply", "sensitive"] as const;

type Negatable<T> = { value: T; negated: boolean };

export interface PostSearch {
  /** Words and phrases each post must hold, and those it must not. */
  words: string[];
  excluded: string[];
  /** `me`, a local username or user@domain. */
  from: Negatable<string>[];
  has: Negatable<(typeof HAS_KINDS)[number]>[];
  is: Negatable<(typeof IS_KINDS)[number]>[];
  languages: Negatable<string>[];
  /** Posts from before this time, and from after it (UTC days). */
  before?: Date;
  after?: Date;
}

const OPERATORS = new Set(["from", "has", "is", "language", "before", "after", "during"]);

/** At most this many words, and this many operators, are read from one search. */
const MAX_TERMS = 10;

const DAY_MS = 86_400_000;

/** A YYYY-MM-DD day's start (UTC), or undefined for anything else. */
function dayStart(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const day = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text ? undefined : day;
}

const isOneOf = <T extends string>(values: readonly T[], value: string): value is T => values.includes(value as T);

/** Reads one `name:value` operator into the search; false when it is no operator Skein knows. */
function readOperator(search: PostSearch, name: string, value: string, negated: boolean): boolean {
  const lower = value.toLowerCase();
  switch (name) {
    case "from":
      if (!/^@?[\w.-]+(@[\w.-]+(:\d+)?)?$/.test(value)) return false;
      search.from.push({ value: lower.replace(/^@/, ""), negated });
      return true;
    case "has":
      if (!isOneOf(HAS_KINDS, lower)) return false;
      search.has.push({ value: lower, negated });
      return true;
    case "is":
      if (!isOneOf(IS_KINDS, lower)) return false;
      search.is.push({ value: lower, negated });
      return true;
    case "language": {
      const code = languageOf(lower);
      if (!code) return false;
      search.languages.push({ value: code, negated });
      return true;
    }
    case "before":
    case "after":
    case "during": {
      const day = dayStart(value);
      if (!day) return false;
      // A negated date is passed over (Skein keeps one window); several narrow it together.
      if (negated) return true;
      const before = name === "before" ? day : name === "during" ? new Date(day.getTime() + DAY_MS) : undefined;
      const after = name === "after" ? new Date(day.getTime() + DAY_MS) : name === "during" ? day : undefined;
      if (before && (!search.before || before < search.before)) search.before = before;
      if (after && (!search.after || after > search.after)) search.after = after;
      return true;
    }
    default:
      return false;
  }
}

/** Reads a search as typed. Nothing in it is ever passed on as FTS syntax. */
export function parsePostSearch(query: string): PostSearch {
  const search: PostSearch = { words: [], excluded: [], from: [], has: [], is: [], languages: [] };
  let operators = 0;
  for (const [, minus = "", phrase, term = ""] of query.matchAll(/(-?)(?:"([^"]*)"?|(\S+))/g)) {
    const negated = minus === "-";
    const operator = phrase === undefined ? /^([a-z]+):(.+)$/i.exec(term) : null;
    const name = operator?.[1]?.toLowerCase() ?? "";
    // Past the tenth, operators are dropped (not read as words that would empty the results).
    if (operator && operators >= MAX_TERMS && OPERATORS.has(name)) continue;
    if (operator && readOperator(search, name, operator[2] ?? "", negated)) {
      operators++;
      continue;
    }
    // FTS syntax and control characters (a NUL ends FTS's string) are dropped; the rest is matched as typed.
    const text = (phrase ?? term)
      .replace(/[\p{Cc}"*^():]/gu, " ")
      .trim()
      .replace(/\s+/g, " ");
    if (!text || search.words.length + search.excluded.length >= MAX_TERMS) continue;
    (negated ? search.excluded : search.words).push(text);
  }
  return search;
}

/** Whether the search narrows posts by more than words (then matches are looked through further). */
export const hasOperators = (search: PostSearch) =>
  search.from.length + search.has.length + search.is.length + search.languages.length > 0 ||
  search.before !== undefined ||
  search.after !== undefined;

/** A search with operators (`from:me has:media`) is a search of posts only, as on Mastodon: no accounts or hashtags. */
export const searchesPostsOnly = (query: string) => hasOperators(parsePostSearch(query));
