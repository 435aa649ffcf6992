import { eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import {
  type MediaDisplay,
  mediaDisplays,
  posts,
  type QuotePolicy,
  quotePolicies,
  type Theme,
  themes,
  users,
  type Visibility,
  visibilities,
} from "../db/schema.ts";
import { ValidationError } from "./errors.ts";
import { languageOf } from "./languages.ts";

/**
 * A member's preferences, as Mastodon's (the web's Settings → Preferences, the API's
 * /api/v1/preferences and update_credentials' `source`): how new posts start, and how posts read.
 */
export interface Preferences {
  defaultVisibility: Visibility;
  /** Who may quote new posts. */
  defaultQuotePolicy: QuotePolicy;
  /** New posts' media marked sensitive unless the post says otherwise. */
  defaultSensitive: boolean;
  /** The language of new posts that name none (null: the instance's default). */
  defaultLanguage: string | null;
  /** Posts behind a content warning open. */
  expandSpoilers: boolean;
  mediaDisplay: MediaDisplay;
  /** The languages public timelines and hashtag pages show them (null: all), as Mastodon's "Filter languages". */
  chosenLanguages: string[] | null;
  /** Single-key shortcuts on the pages. */
  keyboardShortcuts: boolean;
  /** The pages' colours. */
  theme: Theme;
}

const columns = {
  defaultVisibility: users.defaultVisibility,
  defaultQuotePolicy: users.defaultQuotePolicy,
  defaultSensitive: users.defaultSensitive,
  defaultLanguage: users.defaultLanguage,
  expandSpoilers: users.expandSpoilers,
  mediaDisplay: users.mediaDisplay,
  chosenLanguages: users.chosenLanguages,
  keyboardShortcuts: users.keyboardShortcuts,
  theme: users.theme,
};

const defaults: Preferences = {
  defaultVisibility: "public",
  defaultQuotePolicy: "public",
  defaultSensitive: false,
  defaultLanguage: null,
  expandSpoilers: false,
  mediaDisplay: "default",
  chosenLanguages: null,
  keyboardShortcuts: true,
  theme: "auto",
};

/** A member's preferences, by account; anyone else (a remote account) gets the defaults. */
export function preferencesOf(db: Db, accountId: string): Preferences {
  return db.select(columns).from(users).where(eq(users.accountId, accountId)).get() ?? defaults;
}

/** The preferences in a member's row already read (the session's). */
export function preferencesFrom(user: Preferences): Preferences {
  const { defaultVisibility, defaultQuotePolicy, defaultSensitive, defaultLanguage, expandSpoilers, mediaDisplay } = user;
  const { chosenLanguages, keyboardShortcuts, theme } = user;
  return {
    defaultVisibility,
    defaultQuotePolicy,
    defaultSensitive,
    defaultLanguage,
    expandSpoilers,
    mediaDisplay,
    chosenLanguages,
    keyboardShortcuts,
    theme,
  };
}

/**
 * Changes some of a member's preferences: what is left out stays. A value that is not one of
 * the choices is refused, naming its field, and nothing changes.
 */
export function updatePreferences(db: Db, userId: string, input: Partial<Preferences>): void {
  checkPreferences(input);
  const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) return;
  db.update(users)
    .set({
      ...changes,
      ...(input.defaultLanguage !== undefined ? { defaultLanguage: languageOf(input.defaultLanguage) } : {}),
      // None chosen is all of them.
      ...(input.chosenLanguages !== undefined ? { chosenLanguages: chosen(input.chosenLanguages) } : {}),
    })
    .where(eq(users.id, userId))
    .run();
}

const chosen = (codes: string[] | null) => {
  const kept = [...new Set((codes ?? []).flatMap((code) => languageOf(code) ?? []))];
  return kept.length > 0 ? kept : null;
};

/**
 * Posts a viewer's public timelines show: in one of their chosen languages, or in none named.
 * Nothing to add for a visitor or a member who chose none.
 */
export function inChosenLanguages(db: Db, viewerId: string | null): SQL | undefined {
  if (!viewerId) return undefined;
  const codes = db.select({ codes: users.chosenLanguages }).from(users).where(eq(users.accountId, viewerId)).get()?.codes;
  return codes?.length ? or(isNull(posts.language), inArray(posts.language, codes)) : undefined;
}

/** Refuses a value that is not one of the choices (a ValidationError naming its field). */
export function checkPreferences(input: Partial<Preferences>): void {
  const problems: Record<string, string> = {};
  if (input.defaultVisibility !== undefined && !visibilities.includes(input.defaultVisibility))
    problems.default_visibility = "Choose a visibility.";
  if (input.defaultQuotePolicy !== undefined && !quotePolicies.includes(input.defaultQuotePolicy))
    problems.default_quote_policy = "Choose who may quote your posts.";
  if (input.defaultLanguage && !languageOf(input.defaultLanguage)) problems.default_language = "Choose a language from the list.";
  if (input.mediaDisplay !== undefined && !mediaDisplays.includes(input.mediaDisplay))
    problems.media_display = "Choose how media is shown.";
  if (input.theme !== undefined && !themes.includes(input.theme)) problems.theme = "Choose a theme.";
  if (input.chosenLanguages?.some((code) => !languageOf(code))) problems.chosen_languages = "Choose languages from the list.";
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
}
