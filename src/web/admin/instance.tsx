/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { isHtmx, type PagePlugin, type WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { AuditPage } from "../../../views/admin/audit.tsx";
import { InstanceSettingsPage, MailCard } from "../../../views/admin/settings.tsx";
import { audit, listAudit } from "../../core/audit.ts";
import { ValidationError } from "../../core/errors.ts";
import { followsCutByAllowlist, listDomainAllows } from "../../core/domain-allows.ts";
import {
  type FederationMode,
  getSettings,
  type InstanceSettings,
  MAX_POLICY_LENGTH,
  registrationModes,
  saveSettings,
} from "../../core/instance.ts";
import { clearRegistrationFallback, registrationFallbackAt } from "../../core/registrations.ts";
import { type AccountView, loadAccountViews } from "../../core/views.ts";

/** The instance itself: settings and the audit log. */
export function instanceRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const mail = () => ({ sends: deps.mailer !== undefined });
  const allowlistCost = () => ({
    listed: listDomainAllows(db).length,
    cut: followsCutByAllowlist(db),
    active: getSettings(db).federationMode === "allowlist",
  });

  return new Elysia({ name: "admin/instance" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/audit",
      ({ viewer, ctx, redirect, path, query }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "moderator", path);
        const rows = listAudit(db, { maxId: query.max_id, limit: AUDIT_PAGE + 1 });
        const shown = rows.slice(0, AUDIT_PAGE);
        const names = loadAccountViews(
          db,
          deps.baseUrl,
          shown.flatMap((r) => [r.actorId, r.targetType === "account" ? r.targetId : null].filter((id) => id !== null)),
        );
        const entries = shown.map((r) => ({
          action: r.action,
          actor: r.actorId ? `@${names.get(r.actorId)?.acct ?? "deleted"}` : "the system",
          target: auditTarget(r.targetType, r.targetId, names),
          detail: r.detail,
          createdAt: r.createdAt,
        }));
        const older = rows.length > AUDIT_PAGE ? `/admin/audit?max_id=${shown.at(-1)?.id}` : undefined;
        return <AuditPage ctx={ctx} entries={entries} older={older} />;
      },
      { query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get(
      "/admin/settings",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "admin", path);
        return (
          <InstanceSettingsPage
            ctx={ctx}
            mail={mail()}
            values={getSettings(db)}
            saved={query.saved === "1"}
            fallbackAt={registrationFallbackAt(db)}
            allowlist={allowlistCost()}
          />
        );
      },
      { query: t.Object({ saved: t.Optional(t.String()) }) },
    )
    .post(
      "/admin/settings",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const before = getSettings(db);
        const values: InstanceSettings = {
          name: body.name,
          description: body.description ?? "",
          registrationMode: body.registration_mode,
          maxPostLength: Number(body.max_post_length),
          secureMode: body.secure_mode === "1",
          // A post without the field (an older form) keeps the mode.
          federationMode: (body.federation_mode ?? before.federationMode) as FederationMode,
          rules: (body.rules ?? "").split(/\r?\n/),
          contactUsername: body.contact_username ?? "",
          contactEmail: body.contact_email ?? "",
          privacyPolicy: body.privacy_policy ?? "",
          termsOfService: body.terms_of_service ?? "",
          defaultLanguage: body.default_language ?? "",
          membersMayInvite: body.members_may_invite === "1",
          // A post without the field (an older form) keeps the age.
          minimumAge:
            body.minimum_age === undefined
              ? before.minimumAge
              : /^\s*\d{0,3}\s*$/.test(body.minimum_age)
                ? Number(body.minimum_age.trim() || 0)
                : Number.NaN,
          activityApiEnabled: body.activity_api === "1",
          // Edited on the retention page.
          remotePostRetentionDays: before.remotePostRetentionDays,
          remoteMediaCacheDays: before.remoteMediaCacheDays,
          // Edited on the trends page.
          trendsEnabled: before.trendsEnabled,
        };
        // Switching to allowlist mode while it cuts follows is shown with its cost first.
        const switching = before.federationMode !== "allowlist" && values.federationMode === "allowlist";
        if (switching && body.confirm_federation_mode !== "1" && followsCutByAllowlist(db) > 0)
          return <InstanceSettingsPage ctx={ctx} mail={mail()} values={values} allowlist={allowlistCost()} confirmAllowlist />;
        try {
          saveSettings(db, values);
          clearRegistrationFallback(db); // an admin has now looked at the mode
          audit(db, {
            actorId: staff.account.id,
            action: "settings.update",
            targetType: "settings",
            detail: changes(before, getSettings(db)),
          });
          return redirect("/admin/settings?saved=1", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return (
            <InstanceSettingsPage
              ctx={ctx}
              mail={mail()}
              values={values}
              errors={error.fields}
              allowlist={allowlistCost()}
              typed={{ minimum_age: body.minimum_age, max_post_length: body.max_post_length }}
            />
          );
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          name: t.String({ maxLength: 200 }),
          // Generous limits: the core's checks give the message next to the field.
          description: t.Optional(t.String({ maxLength: 20_000 })),
          registration_mode: t.UnionEnum(registrationModes),
          max_post_length: t.String({ maxLength: 40 }),
          secure_mode: t.Optional(t.String({ maxLength: 5 })),
          rules: t.Optional(t.String({ maxLength: 40_000 })),
          contact_username: t.Optional(t.String({ maxLength: 200 })),
          contact_email: t.Optional(t.String({ maxLength: 400 })),
          privacy_policy: t.Optional(t.String({ maxLength: MAX_POLICY_LENGTH * 2 })),
          terms_of_service: t.Optional(t.String({ maxLength: MAX_POLICY_LENGTH * 2 })),
          default_language: t.Optional(t.String({ maxLength: 20 })),
          members_may_invite: t.Optional(t.String({ maxLength: 5 })),
          minimum_age: t.Optional(t.String({ maxLength: 40 })),
          activity_api: t.Optional(t.String({ maxLength: 5 })),
          // A plain string: Elysia fills an absent UnionEnum with its first value. The core checks it.
          federation_mode: t.Optional(t.String({ maxLength: 20 })),
          confirm_federation_mode: t.Optional(t.String({ maxLength: 5 })),
        }),
      },
    )
    .post(
      "/admin/settings/test-email",
      async ({ viewer, ctx, path, request }) => {
        const staff = requireRole(viewer, "admin", path);
        const sent = await testEmail(staff.user.email);
        if (isHtmx(request)) return <MailCard ctx={ctx} mail={{ sends: deps.mailer !== undefined, tested: sent }} />;
        return (
          <InstanceSettingsPage
            ctx={ctx}
            mail={{ sends: deps.mailer !== undefined, tested: sent }}
            values={getSettings(db)}
            allowlist={allowlistCost()}
          />
        );
      },
      { body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );

  /** A test message to the admin's own address, and what came of it in words (the server's answer on failure). */
  async function testEmail(to: string): Promise<{ ok: boolean; message: string }> {
    if (!deps.mailer) return { ok: false, message: "This instance sends no e-mail." };
    try {
      await deps.mailer.send({
        to,
        subject: `A test e-mail from ${deps.baseUrl.host}`,
        text: `This is the test e-mail you asked for on ${deps.baseUrl.host}: its e-mail works.`,
      });
      return { ok: true, message: `Sent to ${to}. If it does not arrive, look in its spam folder.` };
    } catch (error) {
      return { ok: false, message: `It could not be sent: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

/** What a save changed, for the audit log: long texts as their length (the log keeps 2000 characters). */
function changes(before: InstanceSettings, after: InstanceSettings): string {
  const changed = Object.entries(after).filter(
    ([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof InstanceSettings]),
  );
  const shown = changed.map(([key, value]) => {
    const text = JSON.stringify(value);
    return [key, text.length > 200 ? `(${text.length} characters)` : value];
  });
  return JSON.stringify(Object.fromEntries(shown));
}

const AUDIT_PAGE = 50;

/** What an entry acted on, in full, with a link where there is a page for it. */
function auditTarget(type: string, id: string | null, accounts: Map<string, AccountView>): { text: string; href?: string } {
  if (!id) return { text: type };
  if (type === "account") {
    const acct = accounts.get(id)?.acct;
    return acct ? { text: `@${acct}`, href: `/admin/accounts/${id}` } : { text: "an account since deleted" };
  }
  if (type === "report") return { text: "a report", href: `/admin/reports/${id}` };
  if (type === "user") return { text: "someone" }; // logged before sign-ups named whom
  if (type === "post") return { text: "a post" };
  if (["announcement", "emoji", "invite"].includes(type)) return { text: `an ${type}` };
  return { text: id }; // a domain, an address range, a relay, a job, a setting: its own name
}
