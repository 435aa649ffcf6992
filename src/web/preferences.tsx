/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { PreferencesPage } from "../../views/settings-preferences.tsx";
import type { PageContext } from "../../views/context.ts";
import { ValidationError } from "../core/errors.ts";
import { getSettings } from "../core/instance.ts";
import { languageChoices, languageName } from "../core/languages.ts";
import { type Preferences, preferencesFrom, updatePreferences } from "../core/preferences.ts";
import { mediaDisplays, quotePolicies, themes, visibilities } from "../db/schema.ts";
import { optionalOneOf } from "../schemas.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";
import { asList } from "./form-values.ts";

/** Settings → Preferences: posting defaults and reading choices (core/preferences.ts). */
export function preferenceRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const show = (ctx: PageContext, values: Preferences, extra: { errors?: Record<string, string>; saved?: boolean } = {}) => {
    const instanceLanguage = getSettings(db).defaultLanguage;
    return (
      <PreferencesPage
        ctx={ctx}
        values={values}
        languages={languageChoices()}
        instanceLanguage={instanceLanguage ? languageName(instanceLanguage) : undefined}
        {...extra}
      />
    );
  };
  return new Elysia({ name: "preferences" })
    .use(page)
    .get(
      "/settings/preferences",
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/preferences"), 303);
        return show(ctx, preferencesFrom(viewer.user), { saved: query.saved === "1" });
      },
      { query: t.Object({ saved: t.Optional(t.String({ maxLength: 1 })) }) },
    )
    .post(
      "/settings/preferences",
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/preferences"), 303);
        const current = preferencesFrom(viewer.user);
        // Checkboxes send nothing when unticked; selects left out (an old form) keep their value.
        const input: Preferences = {
          defaultVisibility: body.default_visibility ?? current.defaultVisibility,
          defaultQuotePolicy: body.default_quote_policy ?? current.defaultQuotePolicy,
          defaultLanguage: body.default_language ?? current.defaultLanguage,
          defaultSensitive: body.default_sensitive === "1",
          expandSpoilers: body.expand_spoilers === "1",
          mediaDisplay: body.media_display ?? current.mediaDisplay,
          // The boxes are on the page; none ticked is all languages.
          chosenLanguages: asList(body.chosen_languages),
          keyboardShortcuts: body.keyboard_shortcuts === "1",
          theme: body.theme ?? current.theme,
        };
        try {
          updatePreferences(db, viewer.user.id, input);
          return redirect("/settings/preferences?saved=1", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return show(ctx, input, { errors: error.fields });
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          default_visibility: optionalOneOf(visibilities),
          default_quote_policy: optionalOneOf(quotePolicies),
          default_language: t.Optional(t.String({ maxLength: 10 })),
          default_sensitive: t.Optional(t.String({ maxLength: 1 })),
          expand_spoilers: t.Optional(t.String({ maxLength: 1 })),
          media_display: optionalOneOf(mediaDisplays),
          keyboard_shortcuts: t.Optional(t.String({ maxLength: 1 })),
          theme: optionalOneOf(themes),
          chosen_languages: t.Optional(
            t.Union([t.String({ maxLength: 10 }), t.Array(t.String({ maxLength: 10 }), { maxItems: 200 })]),
          ),
        }),
      },
    );
}
