/** @jsxImportSource @kitajs/html */
import { getLogger } from "@logtape/logtape";
import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { AccountSettingsPage, type ProfilePictures, ProfileSettingsPage, type ProfileValues } from "../../views/settings.tsx";
import { changePassword, deleteOwnAccount } from "../core/auth.ts";
import { ValidationError } from "../core/errors.ts";
import { authorizedApps, revokeAppForUser } from "../core/oauth.ts";
import { AppsPage } from "../../views/settings-apps.tsx";
import { updateProfile } from "../core/profile.ts";
import { listSessions, revokeOtherSessions, revokeSession, type Viewer } from "../core/sessions.ts";
import { accounts, emailChanges, mailedNotifications, users } from "../db/schema.ts";
import { cancelEmailChange, requestEmailChange } from "../core/email-changes.ts";
import { setStaffMail } from "../core/staff-notices.ts";
import { setNotificationMail } from "../core/notification-mail.ts";
import type { PageContext } from "../../views/context.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";
import { SESSION_COOKIE } from "./session.ts";
import { loginFirst } from "./redirects.ts";

const csrf = t.Optional(t.String());
/** A ticked checkbox sends "1"; an unticked one nothing. */
const box = t.Optional(t.String({ maxLength: 1 }));
const logger = getLogger(["skein", "mail"]);

export function settingsRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;

  const currentValues = (viewer: Viewer): ProfileValues => {
    const account = db.select().from(accounts).where(eq(accounts.id, viewer.account.id)).get() ?? viewer.account;
    return {
      display_name: account.displayName,
      note: account.note,
      fields: account.fields,
      locked: account.locked,
      bot: account.bot,
      hide_collections: account.hideCollections,
      discoverable: account.discoverable,
      attribution_domains: account.attributionDomains.join("\n"),
    };
  };
  const identity = ({ account }: Viewer) => ({
    handle: `@${account.username}@${deps.baseUrl.host}`,
    profileUrl: new URL(`/@${account.username}`, deps.baseUrl).href,
  });

  // The viewer's row is read with the session, for this request.
  const pictures = ({ account }: Viewer): ProfilePictures => ({ avatar: account.avatarUrl, header: account.headerUrl });

  const sessionRows = (viewer: Viewer) =>
    listSessions(db, viewer.user.id).map((s) => ({ ...s, current: s.id === viewer.sessionId }));
  /** The account page: password, e-mail address (and one waiting for its link), sessions. */
  const accountPage = (
    ctx: PageContext,
    viewer: Viewer,
    extra: { errors?: Record<string, string>; message?: string; newEmail?: string } = {},
  ) => {
    const user = db.select().from(users).where(eq(users.id, viewer.user.id)).get() ?? viewer.user;
    const pending = db.select().from(emailChanges).where(eq(emailChanges.userId, user.id)).get();
    return (
      <AccountSettingsPage
        ctx={ctx}
        sessions={sessionRows(viewer)}
        email={user.email}
        pendingEmail={pending && pending.expiresAt > new Date() ? pending.email : undefined}
        notificationMail={{ choices: user.mailNotifications, canMail: deps.mailer !== undefined }}
        staffMail={
          user.role === "user"
            ? undefined
            : {
                reports: user.mailReports,
                signups: user.mailSignups,
                appeals: user.mailAppeals,
                canMail: deps.mailer !== undefined,
              }
        }
        {...extra}
      />
    );
  };

  return (
    new Elysia({ name: "settings" })
      .use(page)
      .get("/settings", ({ redirect }) => redirect("/settings/profile", 303))
      // A refused form answers at the address it posted to; reloading that address shows the page again.
      .get("/settings/password", ({ redirect }) => redirect("/settings/account", 303))
      .get("/settings/email", ({ redirect }) => redirect("/settings/account", 303))
      .get("/settings/delete", ({ redirect }) => redirect("/settings/account", 303))
      .get("/settings/notification-mail", ({ redirect }) => redirect("/settings/account", 303))
      .get("/settings/staff-mail", ({ redirect }) => redirect("/settings/account", 303))
      .get(
        "/settings/profile",
        ({ viewer, ctx, query, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/profile"), 303);
          return (
            <ProfileSettingsPage
              ctx={ctx}
              values={currentValues(viewer)}
              pictures={pictures(viewer)}
              identity={identity(viewer)}
              saved={query.saved === "1"}
            />
          );
        },
        { query: t.Object({ saved: t.Optional(t.String()) }) },
      )
      .post(
        "/settings/profile",
        async ({ viewer, ctx, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/profile"), 303);
          const names = asList(body.field_name);
          const fields = asList(body.field_value).map((value, i) => ({ name: names[i] ?? "", value }));
          const input = {
            displayName: body.display_name ?? "",
            note: body.note ?? "",
            fields,
            locked: body.locked === "1",
            bot: body.bot === "1",
            hideCollections: body.hide_collections === "1",
            discoverable: body.discoverable === "1",
            attributionDomains: body.attribution_domains?.split("\n"),
            avatar: body.avatar && body.avatar.size > 0 ? new Uint8Array(await body.avatar.arrayBuffer()) : undefined,
            header: body.header && body.header.size > 0 ? new Uint8Array(await body.header.arrayBuffer()) : undefined,
            remove: { avatar: body.avatar_remove === "1", header: body.header_remove === "1" },
          };
          try {
            await updateProfile(deps, viewer.account.id, input);
            return redirect("/settings/profile?saved=1", 303);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            const values: ProfileValues = {
              display_name: input.displayName,
              note: input.note,
              fields,
              locked: input.locked,
              bot: input.bot,
              hide_collections: input.hideCollections,
              discoverable: input.discoverable,
              attribution_domains: body.attribution_domains ?? "",
            };
            return (
              <ProfileSettingsPage
                ctx={ctx}
                values={values}
                pictures={pictures(viewer)}
                identity={identity(viewer)}
                errors={error.fields}
              />
            );
          }
        },
        {
          body: t.Object({
            _csrf: csrf,
            display_name: t.Optional(t.String({ maxLength: 200 })),
            note: t.Optional(t.String({ maxLength: 5000 })),
            field_name: t.Optional(
              t.Union([t.String({ maxLength: 1000 }), t.Array(t.String({ maxLength: 1000 }), { maxItems: 8 })]),
            ),
            field_value: t.Optional(
              t.Union([t.String({ maxLength: 1000 }), t.Array(t.String({ maxLength: 1000 }), { maxItems: 8 })]),
            ),
            locked: t.Optional(t.String()),
            bot: t.Optional(t.String()),
            hide_collections: t.Optional(t.String()),
            discoverable: t.Optional(t.String()),
            attribution_domains: t.Optional(t.String({ maxLength: 30_000 })),
            avatar: t.Optional(t.File()),
            header: t.Optional(t.File()),
            avatar_remove: t.Optional(t.String({ maxLength: 1 })),
            header_remove: t.Optional(t.String({ maxLength: 1 })),
          }),
        },
      )
      .get(
        "/settings/apps",
        ({ viewer, ctx, query, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/apps"), 303);
          const apps = authorizedApps(db, viewer.user.id).map((a) => ({
            id: a.app.id,
            name: a.app.name,
            website: a.app.website,
            scopes: a.scopes,
            authorizedAt: a.createdAt,
            lastUsedAt: a.lastUsedAt,
            pushes: a.pushes,
          }));
          return (
            <AppsPage ctx={ctx} apps={apps} message={query.revoked ? "The app can no longer use your account." : undefined} />
          );
        },
        { query: t.Object({ revoked: t.Optional(t.String({ maxLength: 5 })) }) },
      )
      .post(
        "/settings/apps/:id/revoke",
        ({ viewer, params, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/apps"), 303);
          revokeAppForUser(db, viewer.user.id, params.id);
          return redirect("/settings/apps?revoked=1", 303);
        },
        { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Optional(t.Object({ _csrf: csrf })) },
      )
      .get("/settings/account", ({ viewer, ctx, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/account"), 303);
        return accountPage(ctx, viewer);
      })
      .post(
        "/settings/password",
        async ({ viewer, ctx, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/account"), 303);
          try {
            await changePassword(db, deps.limits.login, {
              userId: viewer.user.id,
              sessionId: viewer.sessionId,
              current: body.current_password,
              password: body.password,
              confirmation: body.password_confirmation,
            });
            return accountPage(ctx, viewer, { message: "Your password was changed. Other sessions were logged out." });
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            return accountPage(ctx, viewer, { errors: error.fields });
          }
        },
        {
          body: t.Object({
            _csrf: csrf,
            current_password: t.String({ maxLength: 1024 }),
            password: t.String({ maxLength: 1024 }),
            password_confirmation: t.String({ maxLength: 1024 }),
          }),
        },
      )
      .post(
        "/settings/email",
        async ({ viewer, ctx, body, set, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/account"), 303);
          try {
            const done = await requestEmailChange(
              deps,
              deps.limits,
              { userId: viewer.user.id, email: body.email, password: body.email_password },
              (error) => logger.error("Could not send an address confirmation: {error}", { error: String(error) }),
            );
            const message =
              done === "changed"
                ? "Your e-mail address is changed."
                : "We sent a link to the new address. It becomes yours when you open it (within a day).";
            return accountPage(ctx, viewer, { message });
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            return accountPage(ctx, viewer, { errors: error.fields, newEmail: body.email });
          }
        },
        { body: t.Object({ _csrf: csrf, email: t.String({ maxLength: 1000 }), email_password: t.String({ maxLength: 1024 }) }) },
      )
      .post(
        "/settings/staff-mail",
        ({ viewer, ctx, body, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/account"), 303);
          setStaffMail(db, viewer.user.id, {
            reports: body.reports === "1",
            signups: body.signups === "1",
            appeals: body.appeals === "1",
          });
          return accountPage(ctx, viewer, { message: "Your e-mail choices are saved." });
        },
        {
          body: t.Object({
            _csrf: csrf,
            reports: t.Optional(t.String({ maxLength: 1 })),
            signups: t.Optional(t.String({ maxLength: 1 })),
            appeals: t.Optional(t.String({ maxLength: 1 })),
          }),
        },
      )
      .post(
        "/settings/notification-mail",
        ({ viewer, ctx, body, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/account"), 303);
          setNotificationMail(
            db,
            viewer.user.id,
            mailedNotifications.filter((choice) => body[`mail_${choice}`] === "1"),
          );
          return accountPage(ctx, viewer, { message: "Your e-mail choices are saved." });
        },
        {
          body: t.Object({
            _csrf: csrf,
            mail_mention: box,
            mail_follow: box,
            mail_follow_request: box,
            mail_quote: box,
            mail_reblog: box,
            mail_favourite: box,
          }),
        },
      )
      .post("/settings/email/cancel", ({ viewer, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/account"), 303);
        cancelEmailChange(db, viewer.user.id);
        return redirect("/settings/account", 303);
      })
      .post("/settings/sessions/revoke-others", ({ viewer, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/account"), 303);
        revokeOtherSessions(db, viewer.user.id, viewer.sessionId);
        return redirect("/settings/account", 303);
      })
      .post("/settings/sessions/:id/revoke", ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst("/settings/account"), 303);
        revokeSession(db, viewer.user.id, params.id);
        return redirect("/settings/account", 303);
      })
      .post(
        "/settings/delete",
        async ({ viewer, ctx, body, set, cookie, redirect }) => {
          if (!viewer) return redirect(loginFirst("/settings/account"), 303);
          try {
            await deleteOwnAccount(deps, deps.limits.login, viewer.user.id, body.delete_password);
            cookie[SESSION_COOKIE]?.remove();
            return redirect("/", 303);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            return accountPage(ctx, viewer, { errors: { delete_password: Object.values(error.fields).join(" ") } });
          }
        },
        { body: t.Object({ _csrf: csrf, delete_password: t.String({ maxLength: 1024 }) }) },
      )
  );
}
