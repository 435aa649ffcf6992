/** @jsxImportSource @kitajs/html */
import type { PropsWithChildren } from "@kitajs/html";
import type { MailedNotification, ProfileField } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { MAX_BIO_LENGTH } from "../src/core/profile.ts";
import { Check, CsrfField, ErrorSummary, Field, FormMessage, NewPasswordFields, PostButton } from "./form.tsx";
import { InviteForm, InviteList, type InviteRow } from "./invites.tsx";
import { Layout } from "./layout.tsx";
import { LongTime } from "./time.tsx";

/** Forms posted from a tab's page that answer with that page (a refused password, say): their tab. */
const formTabs: Record<string, string> = {
  password: "/settings/account",
  email: "/settings/account",
  delete: "/settings/account",
  sessions: "/settings/account",
  "notification-mail": "/settings/account",
  "staff-mail": "/settings/account",
  aliases: "/settings/migration",
  imports: "/settings/import-export",
  export: "/settings/import-export",
};

/** The tab a settings path belongs to: its own, the one under which it lies, or the one whose form it is. */
function currentTab(path: string, hrefs: string[]): string | undefined {
  const own = hrefs.find((href) => path === href || path.startsWith(`${href}/`));
  return own ?? formTabs[/^\/settings\/([a-z-]+)/.exec(path)?.[1] ?? ""];
}

export function SettingsFrame({ ctx, title, children }: PropsWithChildren<{ ctx: PageContext; title: string }>) {
  const tabs: [string, string][] = [
    ["/settings/profile", "Profile"],
    ["/settings/account", "Account and security"],
    ["/settings/preferences", "Preferences"],
    ["/settings/two-factor", "Two-factor authentication"],
    ["/settings/apps", "Apps"],
    ["/settings/migration", "Moving"],
    ["/settings/import-export", "Import and export"],
    ["/settings/filters", "Filters"],
    ["/settings/tags", "Hashtags"],
    ["/settings/mutes", "Muted accounts"],
    ["/settings/blocks", "Blocked accounts"],
    ["/settings/domain-blocks", "Blocked domains"],
    ["/settings/warnings", "Notes from moderators"],
    ["/follow_requests", "Follow requests"],
    ["/bookmarks", "Bookmarks"],
    ["/favourites", "Likes"],
  ];
  if (ctx.viewer?.canInvite) tabs.push(["/invites", "Invites"]);
  const current = currentTab(
    ctx.path,
    tabs.map(([href]) => href),
  );
  return (
    <Layout title={title} ctx={ctx}>
      <h1>Settings</h1>
      <nav class="tabs" aria-label="Settings">
        {tabs.map(([href, label]) => (
          <a href={href} aria-current={href === current ? "page" : undefined} safe>
            {label}
          </a>
        ))}
      </nav>
      {children}
    </Layout>
  );
}

export interface ProfileValues {
  display_name: string;
  note: string;
  fields: ProfileField[];
  locked: boolean;
  bot: boolean;
  hide_collections: boolean;
  discoverable: boolean;
  /** One website per line. */
  attribution_domains: string;
}

/** The member's current pictures (local paths), shown above their file fields with a way to remove them. */
export interface ProfilePictures {
  avatar: string | null;
  header: string | null;
}

export function ProfileSettingsPage({
  ctx,
  values,
  pictures,
  errors = {},
  saved,
  identity,
}: {
  ctx: PageContext;
  values: ProfileValues;
  pictures: ProfilePictures;
  /** The member's handle (`@ada@social.example`) and profile URL, for the snippets they copy to their websites. */
  identity: { handle: string; profileUrl: string };
  errors?: Record<string, string>;
  saved?: boolean;
}) {
  const rows = [
    ...values.fields,
    ...Array.from({ length: Math.max(0, 4 - values.fields.length) }, () => ({ name: "", value: "" })),
  ];
  return (
    <SettingsFrame ctx={ctx} title="Edit profile">
      <form method="post" action="/settings/profile" enctype="multipart/form-data" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Profile</h2>
        <FormMessage message={saved ? "Saved." : undefined} kind="success" />
        <Field
          name="display_name"
          label="Display name"
          required={false}
          value={values.display_name}
          maxlength={30}
          error={errors.display_name}
        />
        <Field
          name="note"
          label="Bio"
          required={false}
          multiline
          rows={4}
          maxlength={MAX_BIO_LENGTH}
          value={values.note}
          hint={`Up to ${MAX_BIO_LENGTH} characters of plain text; links, @mentions and #hashtags become links.`}
          error={errors.note}
        />
        <div class="field">
          <label for="avatar">Avatar</label>
          <input
            id="avatar"
            name="avatar"
            type="file"
            accept="image/jpeg,image/png,image/webp,image/gif"
            aria-describedby="avatar-hint"
          />
          <p class="hint" id="avatar-hint">
            Square works best; scaled to 400 px.
          </p>
          <CurrentPicture src={pictures.avatar} name="avatar_remove" label="Remove the current avatar" kind="avatar" />
          {errors.avatar ? (
            <p class="error" safe>
              {errors.avatar}
            </p>
          ) : (
            ""
          )}
        </div>
        <div class="field">
          <label for="header">Header image</label>
          <input id="header" name="header" type="file" accept="image/jpeg,image/png,image/webp,image/gif" />
          <CurrentPicture src={pictures.header} name="header_remove" label="Remove the current header" kind="header" />
          {errors.header ? (
            <p class="error" safe>
              {errors.header}
            </p>
          ) : (
            ""
          )}
        </div>
        <fieldset class="profile-fields">
          <legend>Extra fields (up to 4), such as your website or pronouns</legend>
          {rows.map((f, i) => (
            <div class="field-pair">
              <label for={`field_name_${i}`} safe>{`Label ${i + 1}`}</label>
              <input id={`field_name_${i}`} name="field_name" value={f.name} maxlength="255" />
              <label for={`field_value_${i}`} safe>{`Content ${i + 1}`}</label>
              <input id={`field_value_${i}`} name="field_value" value={f.value} maxlength="255" />
              {errors[`fields_${i}`] ? (
                <p class="error" safe>
                  {errors[`fields_${i}`]}
                </p>
              ) : (
                ""
              )}
            </div>
          ))}
        </fieldset>
        <h2>Verification and author attribution</h2>
        <div class="form-text">
          <p>
            A link in the extra fields shows as verified once its page links back to your profile with <code>rel="me"</code>:
          </p>
          <pre class="snippet" safe>{`<a rel="me" href="${identity.profileUrl}">Fediverse</a>`}</pre>
          <p>
            Articles you write elsewhere can name you as their author; when someone shares one, its preview shows “More from” with
            your profile, here and on Mastodon. Put this in each page's <code>{"&lt;head&gt;"}</code>:
          </p>
          <pre class="snippet" safe>{`<meta name="fediverse:creator" content="${identity.handle}">`}</pre>
        </div>
        <Field
          name="attribution_domains"
          label="Websites allowed to credit you"
          required={false}
          multiline
          rows={3}
          value={values.attribution_domains}
          hint="One per line, such as blog.example (its subdomains count too). Pages on other websites cannot claim you."
          error={errors.attribution_domains}
        />
        <h2>Privacy and preferences</h2>
        <Check
          name="locked"
          label="Approve followers by hand"
          checked={values.locked}
          hint="People ask to follow you; you accept or reject each request."
        />
        <Check
          name="hide_collections"
          label="Hide who you follow and who follows you"
          checked={values.hide_collections}
          hint="Others see only the counts."
        />
        <Check
          name="bot"
          label="This is an automated account"
          checked={values.bot}
          hint="Shown on your profile; others may treat the account as a bot."
        />
        <Check
          name="discoverable"
          label="Suggest my account to others"
          checked={values.discoverable}
          hint="Lists your profile under Explore → People, and lets directories and search elsewhere list it."
        />
        <button type="submit">Save profile</button>
      </form>
    </SettingsFrame>
  );
}

export interface SessionRow {
  id: string;
  current: boolean;
  userAgent: string | null;
  ip: string | null;
  lastSeenAt: Date;
  createdAt: Date;
}

export function AccountSettingsPage({
  ctx,
  sessions,
  email,
  pendingEmail,
  newEmail,
  errors = {},
  message,
  notificationMail,
  staffMail,
}: {
  ctx: PageContext;
  sessions: SessionRow[];
  email: string;
  /** Which notifications are e-mailed while the member is away. */
  notificationMail: { choices: MailedNotification[]; canMail: boolean };
  /** For staff: which e-mails about the instance they get (absent for other members). */
  staffMail?: { reports: boolean; signups: boolean; appeals: boolean; canMail: boolean };
  /** A new address waiting for its link to be opened. */
  pendingEmail?: string;
  /** The new address as typed, when it was refused. */
  newEmail?: string;
  errors?: Record<string, string>;
  message?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Account and security">
      <FormMessage message={message} kind="success" />
      <ErrorSummary errors={errors} />
      <form method="post" action="/settings/email" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>E-mail address</h2>
        <p safe>{`Yours is ${email}: you log in with it, and links to choose a new password go there.`}</p>
        {pendingEmail ? (
          <div class="notice">
            <p safe>{`Waiting for you to open the link sent to ${pendingEmail}.`}</p>
            <button type="submit" formaction="/settings/email/cancel" class="secondary" formnovalidate>
              Cancel this change
            </button>
          </div>
        ) : (
          ""
        )}
        <Field name="email" label="New e-mail address" type="email" autocomplete="email" value={newEmail} error={errors.email} />
        <Field
          name="email_password"
          label="Password, to confirm"
          type="password"
          autocomplete="current-password"
          error={errors.email_password}
        />
        <button type="submit">Change e-mail address</button>
      </form>
      <NotificationMailForm ctx={ctx} {...notificationMail} />
      {staffMail ? <StaffMailForm ctx={ctx} {...staffMail} /> : ""}
      <form method="post" action="/settings/password" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Change password</h2>
        <Field
          name="current_password"
          label="Current password"
          type="password"
          autocomplete="current-password"
          error={errors.current_password}
        />
        <NewPasswordFields errors={errors} label="New password" />
        <button type="submit">Change password</button>
      </form>
      <section class="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Where you are logged in</h2>
        <ul class="sessions">
          {sessions.map((s) => (
            <li>
              <div>
                <strong safe>{describeAgent(s.userAgent)}</strong>
                {s.current ? <span class="tag-label">This browser</span> : ""}
                <p class="muted">
                  <span safe>{s.ip ?? "unknown address"}</span> · last active <LongTime date={s.lastSeenAt} /> · since{" "}
                  <LongTime date={s.createdAt} />
                </p>
              </div>
              {s.current ? (
                ""
              ) : (
                <PostButton ctx={ctx} action={`/settings/sessions/${s.id}/revoke`} label="Log out" kind="secondary" />
              )}
            </li>
          ))}
        </ul>
        {sessions.filter((s) => !s.current).length > 1 ? (
          <PostButton ctx={ctx} action="/settings/sessions/revoke-others" label="Log out everywhere else" kind="secondary" />
        ) : (
          ""
        )}
      </section>
      <form method="post" action="/settings/delete" class="card danger-zone" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Delete account</h2>
        <p>Your profile, posts and everything else go away for good, here and (as far as they listen) on other servers.</p>
        <Field
          name="delete_password"
          label="Password, to confirm"
          type="password"
          autocomplete="current-password"
          error={errors.delete_password}
        />
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
    </SettingsFrame>
  );
}

/** A short name for a browser from its user agent (which the browser chose: shown escaped). */
function describeAgent(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[1];
  const system = /(Windows|Android|iPhone|iPad|Mac OS X|Linux)/.exec(userAgent)?.[1];
  const names: Record<string, string> = { Edg: "Edge", "Mac OS X": "macOS" };
  return browser ? `${names[browser] ?? browser}${system ? ` on ${names[system] ?? system}` : ""}` : userAgent.slice(0, 60);
}

/** A member's own invite links (the instance lets members invite). */
export function MemberInvitesPage({
  ctx,
  invites,
  errors,
}: {
  ctx: PageContext;
  invites: InviteRow[];
  errors?: Record<string, string>;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Invites">
      <InviteForm ctx={ctx} action="/invites" errors={errors} />
      <InviteList ctx={ctx} invites={invites} revokeBase="/invites" showCreator={false} />
    </SettingsFrame>
  );
}

/** A profile picture already set, and a box to take it away when the form is saved. */
function CurrentPicture({ src, name, label, kind }: { src: string | null; name: string; label: string; kind: string }) {
  if (!src) return "";
  return (
    <div class="current-picture">
      <img src={src} alt="" class={`current-${kind}`} />
      <label>
        <input type="checkbox" name={name} value="1" /> <span safe>{label}</span>
      </label>
    </div>
  );
}

const mailChoices: [MailedNotification, string, string][] = [
  ["mention", "Someone mentions you or replies to you", "Private mentions too, with their words."],
  ["follow", "Someone follows you", "With a link to their profile."],
  ["follow_request", "Someone asks to follow you", "When your account is locked."],
  ["quote", "Someone quotes your post", "With their words."],
  ["reblog", "Someone boosts your post", "With your post."],
  ["favourite", "Someone likes your post", "With your post."],
];

/** Members choose which notifications are e-mailed when they are away. */
function NotificationMailForm({ ctx, choices, canMail }: { ctx: PageContext; choices: MailedNotification[]; canMail: boolean }) {
  return (
    <form method="post" action="/settings/notification-mail" class="card">
      <CsrfField ctx={ctx} />
      <h2>E-mail notifications</h2>
      {canMail ? (
        <p class="muted">
          Sent when you have not seen them after a couple of minutes (on the notifications page or in an app showing them as they
          come); what comes in together arrives in one e-mail, at most one every ten minutes.
        </p>
      ) : (
        <p class="muted">This server sends no e-mail yet: the admins can set a mail server with --smtp-url.</p>
      )}
      {mailChoices.map(([choice, label, hint]) => (
        <Check name={`mail_${choice}`} label={label} checked={choices.includes(choice)} hint={hint} />
      ))}
      <button type="submit">Save</button>
    </form>
  );
}

/** Staff choose the e-mail they get about the instance; the app's notifications come either way. */
function StaffMailForm({
  ctx,
  reports,
  signups,
  appeals,
  canMail,
}: {
  ctx: PageContext;
  reports: boolean;
  signups: boolean;
  appeals: boolean;
  canMail: boolean;
}) {
  return (
    <form method="post" action="/settings/staff-mail" class="card">
      <CsrfField ctx={ctx} />
      <h2>E-mail as a moderator</h2>
      {canMail ? "" : <p class="muted">This server sends no e-mail yet: the admins can set a mail server with --smtp-url.</p>}
      <Check name="reports" label="A report comes in" checked={reports} hint="With who reported whom and a link to the report." />
      <Check
        name="signups"
        label="Someone signs up and waits for approval"
        checked={signups}
        hint="With their reason and a link to the sign-ups waiting."
      />
      <Check
        name="appeals"
        label="A member appeals a moderation decision"
        checked={appeals}
        hint="Only for members you may act on, with their appeal and a link to answer it."
      />
      <button type="submit">Save</button>
    </form>
  );
}
