/** @jsxImportSource @kitajs/html */
import { type InstanceSettings, MAX_DESCRIPTION_LENGTH, MAX_RULE_LENGTH, MAX_RULES } from "../../src/core/instance.ts";
import { languageChoices } from "../../src/core/languages.ts";
import type { PageContext } from "../context.ts";
import { Check, CsrfField, Field, FormMessage } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

function LanguageSelect({ value, error }: { value: string; error?: string }) {
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for="default_language">Default language of posts</label>
      <select
        id="default_language"
        name="default_language"
        aria-describedby={error ? "default_language-hint default_language-error" : "default_language-hint"}
        aria-invalid={error ? "true" : undefined}
      >
        <option value="" selected={value === ""}>
          None
        </option>
        {languageChoices().map((l) => (
          <option value={l.code} selected={value === l.code} safe>
            {`${l.name} (${l.code})`}
          </option>
        ))}
      </select>
      <p class="hint" id="default_language-hint">
        Given to new posts that do not say their language.
      </p>
      {error ? (
        <p class="error" id="default_language-error" safe>
          {error}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

/** What switching to allowlist mode would do, shown beside the choice. */
export interface AllowlistCost {
  /** Servers on the allow-list. */
  listed: number;
  /** Follows between members and accounts on servers not listed (followsCutByAllowlist). */
  cut: number;
  /** Allowlist mode is the saved setting (the text then says what it does, not what a switch would). */
  active: boolean;
}

function FederationMode({
  mode,
  cost,
  confirming,
  error,
}: {
  mode: InstanceSettings["federationMode"];
  cost: AllowlistCost;
  confirming: boolean;
  error?: string;
}) {
  const options = [
    ["blocklist", "Blocklist: federate with every server except those suspended under Domain blocks"],
    ["allowlist", "Allowlist: federate only with the servers on the allow-list"],
  ] as const;
  const listed =
    cost.listed === 0
      ? "No server is on the allow-list yet."
      : `${cost.listed} ${cost.listed === 1 ? "server is" : "servers are"} on the allow-list.`;
  const follows = `${cost.cut} follow ${cost.cut === 1 ? "relationship" : "relationships"} between members and accounts on servers not listed`;
  const effects =
    "they can no longer deliver here, read profiles and posts (unsigned requests are refused, as in secure mode), or receive members' posts, and their posts already here are hidden.";
  const text = cost.active
    ? `Allowlist mode is on. Every server not listed is cut off: ${effects} ${listed} ${follows} ${cost.cut === 1 ? "does" : "do"} not work now.`
    : `Switching to allowlist cuts off every server not listed: ${effects} ${listed} ${follows} would stop working.`;
  return (
    <fieldset aria-describedby="federation_mode-warning">
      <legend>Which servers to federate with</legend>
      {options.map(([value, label]) => (
        <div class="check">
          <input type="radio" id={`federation_mode-${value}`} name="federation_mode" value={value} checked={mode === value} />
          <label for={`federation_mode-${value}`}>{label}</label>
        </div>
      ))}
      <div id="federation_mode-warning" class={confirming ? "notice" : undefined} role={confirming ? "alert" : undefined}>
        {confirming ? <p class="error">Nothing was saved yet: switching to allowlist mode cuts off servers.</p> : ""}
        <p class="hint" safe>
          {text}
        </p>
        <p class="hint">
          Follows are not deleted (Mastodon does not delete them either): they work again once their server is listed, or after
          switching back. <a href="/admin/domain-allows">Edit the allow-list</a>
        </p>
        {confirming ? <input type="hidden" name="confirm_federation_mode" value="1" /> : ""}
      </div>
      {error ? (
        <p class="error" safe>
          {error}
        </p>
      ) : (
        ""
      )}
    </fieldset>
  );
}

/** Whether the instance sends e-mail, and how a test just went. */
export interface MailState {
  sends: boolean;
  tested?: { ok: boolean; message: string };
}

export function InstanceSettingsPage({
  ctx,
  values,
  errors = {},
  saved,
  fallbackAt,
  allowlist,
  confirmAllowlist = false,
  mail,
  typed = {},
}: {
  ctx: PageContext;
  mail: MailState;
  values: InstanceSettings;
  errors?: Record<string, string>;
  saved?: boolean;
  /** When the week-without-moderator rule switched sign-ups to approval. */
  fallbackAt?: Date;
  allowlist: AllowlistCost;
  /** The switch to allowlist mode was asked for: shown with its cost, to be saved again. */
  confirmAllowlist?: boolean;
  /** Numbers as typed, shown again when they were refused (the values hold no number then). */
  typed?: { minimum_age?: string; max_post_length?: string };
}) {
  const modes = [
    ["open", "Open: anyone can sign up"],
    ["approval", "Approval: a moderator approves each sign-up"],
    ["invite", "Invite only"],
    ["closed", "Closed"],
  ] as const;
  const failed = Object.keys(errors).length > 0;
  return (
    <Layout title="Instance settings" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      {fallbackAt ? (
        <p class="notice" role="status">
          <WithTimes
            parts={[
              "On ",
              fallbackAt,
              ", sign-ups switched from open to approval: people had joined, but no moderator had signed in, used an app or acted for a week. Choose the mode again and save to dismiss this.",
            ]}
          />
        </p>
      ) : (
        ""
      )}
      <form method="post" action="/admin/settings" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <FormMessage
          message={saved ? "Saved." : failed ? "Nothing was saved: fix the fields marked below." : undefined}
          kind={saved ? "success" : "error"}
        />
        <h2>The instance</h2>
        <Field name="name" label="Instance name" value={values.name} maxlength={60} error={errors.name} />
        <Field
          name="description"
          label="Description"
          required={false}
          multiline
          maxlength={MAX_DESCRIPTION_LENGTH}
          value={values.description}
          hint={`Up to ${MAX_DESCRIPTION_LENGTH} characters: the about page, the sign-up page and apps show it.`}
          error={errors.description}
        />
        <Field
          name="rules"
          label="Rules"
          required={false}
          multiline
          rows={6}
          value={values.rules.join("\n")}
          hint={`One rule per line: at most ${MAX_RULES} rules of up to ${MAX_RULE_LENGTH} characters. The about page numbers them.`}
          error={errors.rules}
        />
        <h2>Contact</h2>
        <Field
          name="contact_username"
          label="Contact account"
          required={false}
          value={values.contactUsername}
          hint="The username of a member people can write to about this instance."
          error={errors.contact_username}
        />
        <Field
          name="contact_email"
          label="Contact email"
          type="email"
          required={false}
          value={values.contactEmail}
          error={errors.contact_email}
        />
        <h2>Joining</h2>
        <div class="field">
          <label for="registration_mode">Who can join</label>
          <select
            id="registration_mode"
            name="registration_mode"
            aria-describedby={mail.sends ? undefined : "registration_mode-hint"}
          >
            {modes.map(([value, label]) => (
              <option value={value} selected={values.registrationMode === value}>
                {label}
              </option>
            ))}
          </select>
          {mail.sends ? (
            ""
          ) : (
            <p class="hint" id="registration_mode-hint">
              This instance sends no e-mail, so open sign-ups confirm no address: anyone, or any script, joins at once. Approval
              or invites keep a person in the way.
            </p>
          )}
        </div>
        <Check
          name="members_may_invite"
          label="Members may make invite links"
          checked={values.membersMayInvite}
          hint="Staff always can. An invite link lets its holder join at once, whatever the mode above."
        />
        <Field
          name="minimum_age"
          label="Minimum age to join"
          type="number"
          required={false}
          value={typed.minimum_age ?? String(values.minimumAge)}
          hint="In years; 0 for none. People signing up then give their date of birth, which is checked and not kept."
          error={errors.minimum_age}
        />
        <h2>Posts</h2>
        <Field
          name="max_post_length"
          label="Longest post, in characters"
          type="number"
          value={typed.max_post_length ?? String(values.maxPostLength)}
          error={errors.max_post_length}
        />
        <LanguageSelect value={values.defaultLanguage} error={errors.default_language} />
        <h2>Policies</h2>
        <Field
          name="privacy_policy"
          label="Privacy policy"
          required={false}
          multiline
          rows={8}
          value={values.privacyPolicy}
          hint="Plain text; an empty line starts a paragraph. Left empty, /privacy-policy shows Skein's default policy."
          error={errors.privacy_policy}
        />
        <Field
          name="terms_of_service"
          label="Terms of service"
          required={false}
          multiline
          rows={8}
          value={values.termsOfService}
          hint="Plain text, shown at /terms."
          error={errors.terms_of_service}
        />
        <Check
          name="activity_api"
          label="Publish weekly activity"
          checked={values.activityApiEnabled}
          hint="Twelve weeks of posts, active members and sign-ups, which apps show on this instance's page. On a very small instance it tells when its members were active."
        />
        <h2>Federation</h2>
        <Check
          name="secure_mode"
          label="Secure mode (authorized fetch)"
          checked={values.secureMode}
          hint="Other servers must sign their requests to read profiles and posts. Stricter; a few older servers then see nothing."
        />
        <FederationMode
          mode={values.federationMode}
          cost={allowlist}
          confirming={confirmAllowlist}
          error={errors.federation_mode}
        />
        <button type="submit">Save settings</button>
      </form>
      <MailCard ctx={ctx} mail={mail} />
    </Layout>
  );
}

/**
 * Whether the instance sends e-mail, and a test to the admin's own address. Sent with htmx the
 * answer replaces this card alone: the page stays /admin/settings, and a reload sends nothing.
 */
export function MailCard({ ctx, mail }: { ctx: PageContext; mail: MailState }) {
  return (
    <form
      method="post"
      action="/admin/settings/test-email"
      hx-post="/admin/settings/test-email"
      hx-target="this"
      hx-swap="outerHTML"
      class="card"
      aria-labelledby="mail-title"
    >
      <CsrfField ctx={ctx} />
      <h2 id="mail-title">E-mail</h2>
      <FormMessage message={mail.tested?.message} kind={mail.tested?.ok ? "success" : "error"} />
      {mail.sends ? (
        <>
          <p>This instance sends e-mail for password links and address changes. Check that it arrives:</p>
          <button type="submit" class="secondary">
            Send a test e-mail to me
          </button>
        </>
      ) : (
        <p>
          This instance sends no e-mail: start it with <code>--smtp-url</code> (see the README) for members to get password links.
          Until then, you make them from a member's page.
        </p>
      )}
    </form>
  );
}
