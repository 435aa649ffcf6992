/** @jsxImportSource @kitajs/html */
import type { Preferences } from "../src/core/preferences.ts";
import type { PageContext } from "./context.ts";
import { Check, CsrfField, FormMessage } from "./form.tsx";
import { quotePolicyLabels, visibilities } from "./compose.tsx";
import { SettingsFrame } from "./settings.tsx";

const mediaChoices = [
  ["default", "Hide media marked as sensitive"],
  ["show_all", "Always show media"],
  ["hide_all", "Always hide media"],
] as const;

const themeChoices = [
  ["auto", "As this device is set"],
  ["light", "Light"],
  ["dark", "Dark"],
] as const;

/** Settings → Preferences: how new posts start (the compose box, and apps that ask) and how posts read. */
export function PreferencesPage({
  ctx,
  values,
  languages,
  instanceLanguage,
  errors = {},
  saved = false,
}: {
  ctx: PageContext;
  values: Preferences;
  languages: { code: string; name: string }[];
  /** The instance's default language's name, if the owner set one. */
  instanceLanguage?: string;
  errors?: Record<string, string>;
  saved?: boolean;
}) {
  const problem = Object.values(errors)[0];
  const chosen = new Set(values.chosenLanguages ?? []);
  const chosenFirst = [...languages.filter((l) => chosen.has(l.code)), ...languages.filter((l) => !chosen.has(l.code))];
  const chosenNames = (values.chosenLanguages ?? []).map((code) => languages.find((l) => l.code === code)?.name ?? code);
  const chosenSummary = chosenNames.length
    ? `Public timelines in: ${chosenNames.join(", ")}`
    : "Public timelines in all languages";
  const noLanguage = instanceLanguage ? `This server's default (${instanceLanguage})` : "Not set";
  return (
    <SettingsFrame ctx={ctx} title="Preferences">
      <form method="post" action="/settings/preferences" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <FormMessage message={saved ? "Your preferences are saved." : problem} kind={saved ? "success" : "error"} />
        <h2>Posting defaults</h2>
        <p class="muted">Where the compose box starts; each post can still choose otherwise.</p>
        <div class="field">
          <label for="default_visibility">Who can see your new posts</label>
          <select id="default_visibility" name="default_visibility">
            {visibilities.map(([value, label]) => (
              <option value={value} selected={values.defaultVisibility === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="default_quote_policy">Who can quote your new posts</label>
          <select id="default_quote_policy" name="default_quote_policy">
            {quotePolicyLabels.map(([value, label]) => (
              <option value={value} selected={values.defaultQuotePolicy === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class={errors.default_language ? "field invalid" : "field"}>
          <label for="default_language">Language of your posts</label>
          <select id="default_language" name="default_language" aria-describedby="default_language-hint">
            <option value="" selected={!values.defaultLanguage} safe>
              {noLanguage}
            </option>
            {languages.map(({ code, name }) => (
              <option value={code} selected={values.defaultLanguage === code} safe>
                {name}
              </option>
            ))}
          </select>
          <p class="hint" id="default_language-hint">
            Others filter and translate posts by their language.
          </p>
        </div>
        <Check
          name="default_sensitive"
          label="Mark media as sensitive"
          checked={values.defaultSensitive}
          hint="Your pictures and videos are hidden until someone chooses to see them."
        />
        <h2>Reading</h2>
        <Check
          name="expand_spoilers"
          label="Always show posts behind a content warning"
          checked={values.expandSpoilers}
          hint="The warning stays above the post."
        />
        <fieldset>
          <legend>Pictures and videos</legend>
          {mediaChoices.map(([value, label]) => (
            <div class="check">
              <input
                type="radio"
                id={`media_display-${value}`}
                name="media_display"
                value={value}
                checked={values.mediaDisplay === value}
              />
              <label for={`media_display-${value}`}>{label}</label>
            </div>
          ))}
        </fieldset>
        <details class="language-choice" open={values.chosenLanguages?.length ? true : undefined}>
          <summary safe>{chosenSummary}</summary>
          <fieldset class={errors.chosen_languages ? "invalid" : undefined}>
            <legend>Show only posts in these languages on Explore and hashtag pages (none ticked: all)</legend>
            <div class="language-grid">
              {chosenFirst.map(({ code, name }) => (
                <label class="check">
                  <input type="checkbox" name="chosen_languages" value={code} checked={values.chosenLanguages?.includes(code)} />{" "}
                  <span safe>{name}</span>
                </label>
              ))}
            </div>
          </fieldset>
        </details>
        <fieldset>
          <legend>Colours</legend>
          {themeChoices.map(([value, label]) => (
            <div class="check">
              <input type="radio" id={`theme-${value}`} name="theme" value={value} checked={values.theme === value} />
              <label for={`theme-${value}`}>{label}</label>
            </div>
          ))}
        </fieldset>
        <Check
          name="keyboard_shortcuts"
          label="Keyboard shortcuts"
          checked={values.keyboardShortcuts}
          hint="Single keys, such as j and k to move between posts. Press ? on any page to see them all."
        />
        <button type="submit">Save preferences</button>
      </form>
    </SettingsFrame>
  );
}
