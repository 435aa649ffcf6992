/** @jsxImportSource @kitajs/html */
import { suspensionDeletion } from "../../core/account-deletion.ts";
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import type { PageContext } from "../../../views/context.ts";
import {
  AccountAdminPage,
  type AccountAdminPageProps,
  type AccountAdminView,
  AccountsPage,
} from "../../../views/admin/accounts.tsx";
import { count, eq } from "drizzle-orm";
import { CoreError, ValidationError } from "../../core/errors.ts";
import { accountActions, moderateAccount, reachRefusal } from "../../core/moderation.ts";
import { warningRecords } from "../../core/appeals.ts";
import { changeRole, roleForm } from "../../core/roles.ts";
import { accountOrigins, accountStates, accountsForStaff } from "../../core/admin-accounts.ts";
import { accountView } from "../../core/views.ts";
import { listSessions, type Viewer } from "../../core/sessions.ts";
import { accounts, reports, roles, users } from "../../db/schema.ts";
import { twoFactorEnabled } from "../../core/two-factor.ts";
import { handedResetLink, passwordLinkRefusal } from "../../core/password-resets.ts";
import { confirmAddressByStaff } from "../../core/email-changes.ts";
import { optionalOneOf } from "../../schemas.ts";
import { addModerationNote, deleteModerationNote, mayDeleteNote, moderationNotesOf } from "../../core/moderation-notes.ts";
import { staffNoteViews } from "./staff-notes.ts";

/** Accounts, local and remote: search, one account's record, and the moderation actions. */
export function accountRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const staffOf = (viewer: Viewer) => ({ id: viewer.account.id, role: viewer.user.role });
  /** The page, with what the last form sent brought: an error, the role form's state, a password link, a note refused. */
  const accountPage = (ctx: PageContext, staff: Viewer, id: string, shown: Omit<AccountAdminPageProps, "ctx" | "view"> = {}) => {
    const account = db.select().from(accounts).where(eq(accounts.id, id)).get();
    if (!account) throw new CoreError("This account does not exist.", 404);
    const user = db.select().from(users).where(eq(users.accountId, id)).get();
    const view: AccountAdminView = {
      account: accountView(deps.baseUrl, account),
      role: user?.role ?? (account.domain ? "remote account" : "user"),
      email: user?.email ?? null,
      emailConfirmed: user?.emailConfirmedAt != null,
      twoFactor: user ? twoFactorEnabled(user) : null,
      // The sessions page's own list: the newest seen first.
      addresses: user ? { signUp: user.signUpIp, lastSeen: listSessions(db, user.id)[0]?.ip ?? null } : null,
      suspended: account.suspendedAt !== null,
      deletedOn: suspensionDeletion(db, id),
      silenced: account.silencedAt !== null,
      sensitized: account.sensitizedAt !== null,
      reports: db.select({ n: count() }).from(reports).where(eq(reports.targetAccountId, id)).get()?.n ?? 0,
      warnings: warningRecords(db, id),
      roleForm: roleForm(db, staffOf(staff), id),
      actionRefusal: reachRefusal(db, staffOf(staff), id),
      passwordLink: user !== undefined && passwordLinkRefusal(staffOf(staff), user) === null,
      notes: staffNoteViews(db, baseUrl, moderationNotesOf(db, id), (note) =>
        mayDeleteNote(staffOf(staff), note) ? `/admin/accounts/${id}/notes/${note.id}/delete` : undefined,
      ),
    };
    return <AccountAdminPage ctx={ctx} view={view} {...shown} />;
  };
  return new Elysia({ name: "admin/accounts" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/accounts",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const q = (query.q ?? "").trim();
        const PAGE = 50;
        const found = accountsForStaff(db, baseUrl.host, {
          q,
          origin: query.origin,
          state: query.state,
          maxId: query.max_id,
          limit: PAGE,
        });
        const rows = found.map(({ account: a, member }) => ({
          account: accountView(deps.baseUrl, a),
          member,
          flags: [a.suspendedAt ? "suspended" : "", a.silencedAt ? "limited" : "", a.sensitizedAt ? "sensitive" : ""]
            .filter(Boolean)
            .join(", "),
        }));
        const last = found.at(-1)?.account.id;
        const params = new URLSearchParams({ ...(q ? { q } : {}), ...(query.origin ? { origin: query.origin } : {}) });
        if (query.state) params.set("state", query.state);
        if (last) params.set("max_id", last);
        return (
          <AccountsPage
            ctx={ctx}
            q={q}
            origin={query.origin ?? ""}
            state={query.state ?? ""}
            rows={rows}
            more={found.length === PAGE ? `/admin/accounts?${params}` : undefined}
          />
        );
      },
      {
        query: t.Object({
          q: t.Optional(t.String({ maxLength: 200 })),
          origin: optionalOneOf(accountOrigins),
          state: optionalOneOf(accountStates),
          max_id: t.Optional(t.String({ maxLength: 64 })),
        }),
      },
    )
    .get(
      "/admin/accounts/:id",
      ({ viewer, ctx, params, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const saved = query.saved === "role" ? { roleForm: { saved: true } } : { applied: query.saved === "action" };
        return accountPage(ctx, viewer, params.id, saved);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        query: t.Object({ saved: t.Optional(t.String({ maxLength: 10 })) }),
      },
    )
    .post(
      "/admin/accounts/:id/action",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          moderateAccount(deps, { id: staff.account.id, role: staff.user.role }, params.id, {
            action: body.action,
            reason: body.reason ?? "",
            notify: body.notify === "1",
          });
        } catch (error) {
          // A refusal (not theirs to act on, a warning without words) is said on the account's page.
          if (error instanceof ValidationError) set.status = 422;
          else if (error instanceof CoreError && error.status !== 404) set.status = error.status;
          else throw error;
          const typed = { action: body.action, reason: body.reason ?? "" };
          return accountPage(ctx, staff, params.id, { error: error.message, typed });
        }
        return redirect(`/admin/accounts/${params.id}?saved=action`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({
          _csrf: t.Optional(t.String()),
          action: t.UnionEnum(accountActions),
          reason: t.Optional(t.String({ maxLength: 6000 })),
          notify: t.Optional(t.String({ maxLength: 5 })),
        }),
      },
    )
    .post(
      "/admin/accounts/:id/confirm-email",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          confirmAddressByStaff(deps, staff.account.id, params.id);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status === 404) throw error;
          set.status = error.status;
          return accountPage(ctx, staff, params.id, { error: error.message });
        }
        // From the list of sign-ups waiting for a link that cannot come, back to it.
        return redirect(body?.back === "registrations" ? "/admin/registrations" : `/admin/accounts/${params.id}`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()), back: optionalOneOf(["registrations"]) })),
      },
    )
    .post(
      "/admin/accounts/:id/password-link",
      ({ viewer, ctx, params, path, set }) => {
        const staff = requireRole(viewer, "admin", path);
        // Shown once, on this answer (not kept anywhere it could be read again).
        set.headers["cache-control"] = "no-store";
        const link = handedResetLink(deps, staffOf(staff), params.id);
        return accountPage(ctx, staff, params.id, { passwordLink: link });
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    )
    .post(
      "/admin/accounts/:id/role",
      async ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        try {
          await changeRole(deps, staffOf(staff), params.id, body.role, body.password || undefined);
        } catch (error) {
          if (error instanceof ValidationError) {
            set.status = 422;
            return accountPage(ctx, staff, params.id, { roleForm: { role: body.role, errors: error.fields } });
          }
          if (!(error instanceof CoreError) || error.status === 404) throw error;
          set.status = error.status;
          return accountPage(ctx, staff, params.id, { roleForm: { role: body.role, message: error.message } });
        }
        return redirect(`/admin/accounts/${params.id}?saved=role`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({
          _csrf: t.Optional(t.String()),
          role: t.UnionEnum(roles),
          password: t.Optional(t.String({ maxLength: 300 })),
        }),
      },
    )
    .post(
      "/admin/accounts/:id/notes",
      ({ viewer, ctx, params, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        try {
          addModerationNote(db, staff.account.id, params.id, body.note);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return accountPage(ctx, staff, params.id, { note: { value: body.note, error: error.message } });
        }
        return redirect(`/admin/accounts/${params.id}#notes-title`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        // Longer than a note may be, so that the message appears next to the field.
        body: t.Object({ _csrf: t.Optional(t.String()), note: t.String({ maxLength: 20_000 }) }),
      },
    )
    .post(
      "/admin/accounts/:id/notes/:noteId/delete",
      ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "moderator", path);
        deleteModerationNote(db, staffOf(staff), params.id, params.noteId);
        return redirect(`/admin/accounts/${params.id}#notes-title`, 303);
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), noteId: t.String({ maxLength: 64 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
