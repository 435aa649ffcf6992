import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { blockDomain, type DomainBlock, listDomainBlocks, normalizeDomain, unblockDomain } from "../core/domain-blocks.ts";
import {
  blockEmailDomain,
  type EmailDomainBlock,
  findEmailDomainBlock,
  listEmailDomainBlocks,
  unblockEmailDomain,
} from "../core/email-domain-blocks.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { addIpBlock, findIpBlock, type IpBlock, listIpBlocks, removeIpBlock, updateIpBlock } from "../core/ip-blocks.ts";
import { type AccountAction, accountStates, checkReach, findAccountsForStaff, moderateAccount } from "../core/moderation.ts";
import { decideSignup } from "../core/registrations.ts";
import { actOnReport, findReport, findReports, type Report } from "../core/reports.ts";
import { sha256Hex } from "../core/tokens.ts";
import { loadPostViews } from "../core/views.ts";
import { accounts, domainBlockSeverities, type Role, roleRank, roles as roles_, users } from "../db/schema.ts";
import { optionalOneOf } from "../schemas.ts";
import type { ApiDeps, ApiMember, ApiPlugin } from "./context.ts";
import { accountEntities, roleEntities, roleEntity, statusEntities } from "./entities.ts";
import { flag, limitOf, linkHeader, list, paging, tFlag, tList } from "./params.ts";

type AccountRow = { account: typeof accounts.$inferSelect; user: typeof users.$inferSelect | null };

const id = t.Object({ id: t.String({ maxLength: 253 }) });
const ipBlockBody = t.Object({
  ip: t.String({ maxLength: 100 }),
  severity: t.String({ maxLength: 40 }),
  comment: t.Optional(t.String({ maxLength: 1000 })),
  expires_in: t.Optional(t.Union([t.Number(), t.String({ maxLength: 12 }), t.Null()])),
});

/**
 * Mastodon's moderation API (`/api/v1/admin/…`) for moderation apps and tools: accounts, reports
 * and (for admins) domain blocks, e-mail domain blocks and IP blocks. Each call needs an `admin:`
 * scope and a staff role, and does what the admin pages do, through the same core functions
 * (audited as there).
 */
export function adminApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;

  /** The member behind the token, if their role is at least `least`. */
  const staffOf = (member: (scope: string) => ApiMember, scope: string, least: Role = "moderator") => {
    const me = member(scope);
    if (roleRank[me.user.role] < roleRank[least]) throw new CoreError("This action is not allowed", 403);
    return { me, staff: { id: me.account.id, role: me.user.role } };
  };

  const accountRows = (ids: string[]): AccountRow[] =>
    ids.flatMap((accountId) => {
      const account = db.select().from(accounts).where(eq(accounts.id, accountId)).get();
      if (!account) return [];
      return [{ account, user: db.select().from(users).where(eq(users.accountId, accountId)).get() ?? null }];
    });

  const accountEntitiesOf = (rows: AccountRow[]) => {
    const apiAccounts = accountEntities(
      db,
      baseUrl,
      rows.map((r) => r.account.id),
    );
    return rows.flatMap(({ account, user }) => {
      const entity = apiAccounts.get(account.id);
      if (!entity) return [];
      return [
        {
          id: account.id,
          username: account.username,
          domain: account.domain,
          created_at: account.createdAt.toISOString(),
          email: user?.email ?? null,
          ip: null,
          ips: [],
          locale: null,
          invite_request: user?.signupReason ?? null,
          role: roleEntity(user?.role ?? "user"),
          confirmed: user?.emailConfirmedAt != null,
          approved: user ? user.approvedAt !== null : true,
          disabled: user?.disabledAt != null,
          silenced: account.silencedAt !== null,
          suspended: account.suspendedAt !== null,
          sensitized: account.sensitizedAt !== null,
          account: entity,
          created_by_application_id: null,
          invited_by_account_id: null,
        },
      ];
    });
  };
  const oneAccount = (accountId: string) => {
    const [entity] = accountEntitiesOf(accountRows([accountId]));
    if (!entity) throw new CoreError("Record not found", 404);
    return entity;
  };

  const reportEntities = (rows: Report[], viewerId: string) => {
    const ids = rows.flatMap((r) => [r.reporterId, r.targetAccountId, r.assignedToId, r.resolvedById]);
    const people = new Map(
      accountEntitiesOf(accountRows([...new Set(ids.filter((i): i is string => i !== null))])).map((a) => [a.id, a]),
    );
    const person = (accountId: string | null) => (accountId ? (people.get(accountId) ?? null) : null);
    const statuses = new Map(
      statusEntities(db, baseUrl, loadPostViews(db, baseUrl, [...new Set(rows.flatMap((r) => r.postIds))], viewerId)).map((s) => [
        s.id,
        s,
      ]),
    );
    return rows.map((r) => ({
      id: r.id,
      action_taken: r.resolvedAt !== null,
      action_taken_at: r.resolvedAt?.toISOString() ?? null,
      category: r.category,
      comment: r.comment,
      forwarded: r.forward,
      created_at: r.createdAt.toISOString(),
      updated_at: (r.resolvedAt ?? r.createdAt).toISOString(),
      // Another server's report: the account that sent it (null for reports kept before it was).
      account: person(r.reporterId),
      reporter_domain: r.reporterDomain,
      target_account: person(r.targetAccountId),
      assigned_account: person(r.assignedToId),
      action_taken_by_account: person(r.resolvedById),
      statuses: r.postIds.flatMap((postId) => statuses.get(postId) ?? []),
      rules: r.rules.map(({ id, text }) => ({ id, text, hint: "" })),
    }));
  };
  const oneReport = (reportId: string, viewerId: string) => {
    const report = findReport(db, reportId);
    if (!report) throw new CoreError("Record not found", 404);
    return reportEntities([report], viewerId)[0];
  };

  const blockEntity = (b: DomainBlock) => ({
    id: b.domain,
    domain: b.domain,
    digest: sha256Hex(b.domain),
    created_at: b.createdAt.toISOString(),
    severity: b.severity,
    reject_media: b.rejectMedia,
    reject_reports: b.rejectReports,
    private_comment: b.privateComment || null,
    public_comment: b.publicComment || null,
    obfuscate: b.obfuscate,
  });
  const ipBlockEntity = (b: IpBlock) => ({
    id: b.id,
    ip: b.cidr,
    severity: b.severity,
    comment: b.comment,
    created_at: b.createdAt.toISOString(),
    expires_at: b.expiresAt?.toISOString() ?? null,
  });
  /** Mastodon's `expires_in`: seconds, empty, null or 0 for good, absent when not given; anything else NaN (refused). */
  const expiresIn = (value: string | number | null | undefined) =>
    value === undefined
      ? undefined
      : value === null || value === "" || value === 0 || value === "0"
        ? null
        : /^\d+$/.test(String(value))
          ? Number(value)
          : Number.NaN;
  // The id is the domain, as for domain blocks. No sign-up attempts are counted: `history` is empty.
  const emailBlockEntity = (b: EmailDomainBlock) => ({
    id: b.domain,
    domain: b.domain,
    created_at: b.createdAt.toISOString(),
    history: [],
  });
  const existingEmailBlock = (domain: string) => {
    const block = findEmailDomainBlock(db, domain);
    if (!block) throw new CoreError("Record not found", 404);
    return block;
  };
  const existingBlock = (domain: string) => {
    const block = listDomainBlocks(db).find((b) => b.domain === domain.toLowerCase());
    if (!block) throw new CoreError("Record not found", 404);
    return block;
  };
  const blockBody = {
    severity: optionalOneOf(domainBlockSeverities),
    reject_media: tFlag,
    reject_reports: tFlag,
    private_comment: t.Optional(t.String({ maxLength: 5000 })),
    public_comment: t.Optional(t.String({ maxLength: 1000 })),
    obfuscate: tFlag,
  };
  const blockSchema = t.Object(blockBody);
  type BlockBody = typeof blockSchema.static;
  const blockInput = (domain: string, body: BlockBody, before?: DomainBlock) => ({
    domain,
    severity: body.severity ?? before?.severity ?? "silence",
    rejectMedia: flag(body.reject_media) ?? before?.rejectMedia ?? false,
    rejectReports: flag(body.reject_reports) ?? before?.rejectReports ?? false,
    privateComment: body.private_comment ?? before?.privateComment ?? "",
    publicComment: body.public_comment ?? before?.publicComment ?? "",
    obfuscate: flag(body.obfuscate) ?? before?.obfuscate ?? false,
  });

  const accountQuery = t.Object({
    ...paging,
    // v1's flags
    local: tFlag,
    remote: tFlag,
    active: tFlag,
    pending: tFlag,
    disabled: tFlag,
    silenced: tFlag,
    suspended: tFlag,
    sensitized: tFlag,
    staff: tFlag,
    // v2's
    origin: optionalOneOf(["local", "remote"] as const),
    status: optionalOneOf(accountStates),
    permissions: optionalOneOf(["staff"] as const),
    // both
    username: t.Optional(t.String({ maxLength: 100 })),
    display_name: t.Optional(t.String({ maxLength: 100 })),
    by_domain: t.Optional(t.String({ maxLength: 253 })),
    email: t.Optional(t.String({ maxLength: 320 })),
    role_ids: tList(4),
    "role_ids[]": tList(4),
    // Skein keeps no sign-up addresses and does not link invites to inviters: these match nobody.
    ip: t.Optional(t.String({ maxLength: 100 })),
    invited_by: t.Optional(t.String({ maxLength: 64 })),
  });
  const listAccounts = (query: typeof accountQuery.static, url: string, set: { headers: Record<string, unknown> }) => {
    // A filter Skein cannot apply answers nothing, never everyone (a tool acting on the list must not hit the wrong people).
    if (query.ip || query.invited_by) return [];
    const roleIds = list(query, "role_ids");
    const roles = roles_.filter((role) => roleIds.includes(roleEntities[role].id));
    if (roleIds.length > 0 && roles.length === 0) return [];
    const v1Status = accountStates.find((s) => flag(query[s]));
    const rows = findAccountsForStaff(
      db,
      {
        origin: query.origin ?? (flag(query.local) ? "local" : flag(query.remote) ? "remote" : undefined),
        status: query.status ?? v1Status,
        staff: query.permissions === "staff" || flag(query.staff),
        roles: roles.length > 0 ? roles : undefined,
        username: query.username,
        displayName: query.display_name,
        email: query.email,
        domain: query.by_domain,
      },
      { maxId: query.max_id, sinceId: query.since_id, minId: query.min_id, limit: limitOf(query, 100, 200) },
    );
    const link = linkHeader(
      url,
      rows.map((r) => r.account.id),
    );
    if (link) set.headers.link = link;
    return accountEntitiesOf(rows);
  };

  /** The undo actions on an account, each answered with the account as it is after. */
  const undo =
    (action: AccountAction) =>
    ({ member, params }: { member: (scope: string) => ApiMember; params: { id: string } }) => {
      const { staff } = staffOf(member, "admin:write:accounts");
      moderateAccount(deps, staff, params.id, { action, reason: "", notify: false });
      return oneAccount(params.id);
    };
  /** A waiting sign-up approved or turned away. */
  const decide =
    (decision: "approve" | "reject") =>
    ({ member, params }: { member: (scope: string) => ApiMember; params: { id: string } }) => {
      const { staff } = staffOf(member, "admin:write:accounts");
      const before = oneAccount(params.id);
      const user = db.select({ id: users.id }).from(users).where(eq(users.accountId, params.id)).get();
      if (!user) throw new CoreError("Record not found", 404);
      decideSignup(db, staff.id, user.id, decision);
      return decision === "approve" ? oneAccount(params.id) : before;
    };

  return new Elysia({ name: "api-admin" })
    .use(api)
    .get(
      "/api/v1/admin/accounts",
      ({ member, query, request, set }) => {
        staffOf(member, "admin:read:accounts");
        return listAccounts(query, request.url, set);
      },
      { query: accountQuery },
    )
    .get(
      "/api/v2/admin/accounts",
      ({ member, query, request, set }) => {
        staffOf(member, "admin:read:accounts");
        return listAccounts(query, request.url, set);
      },
      { query: accountQuery },
    )
    .get(
      "/api/v1/admin/accounts/:id",
      ({ member, params }) => {
        staffOf(member, "admin:read:accounts");
        return oneAccount(params.id);
      },
      { params: id },
    )
    .post(
      "/api/v1/admin/accounts/:id/action",
      ({ member, params, body }) => {
        const { me, staff } = staffOf(member, "admin:write:accounts");
        const type = body.type ?? "none";
        if (type === "disable")
          throw new ValidationError({ type: "Skein does not disable accounts: limit (silence) or suspend them." });
        const action: AccountAction = type === "none" ? "warn" : type;
        // "none" without words only resolves the report, as on Mastodon: there is no warning to send.
        if (type === "none" && !body.text?.trim()) checkReach(db, staff, params.id);
        else
          moderateAccount(deps, staff, params.id, {
            action,
            reason: body.text ?? "",
            notify: flag(body.send_email_notification) ?? true,
          });
        // As on Mastodon: the report it answers is resolved with it, and an action beyond a warning
        // resolves every open report about the account.
        const answered = body.report_id ? findReport(db, body.report_id) : undefined;
        const open = type === "none" ? [] : findReports(db, { resolved: false, targetId: params.id }, { limit: 200 });
        const reports = [...(answered?.targetAccountId === params.id ? [answered] : []), ...open];
        for (const id of new Set(reports.filter((r) => !r.resolvedAt).map((r) => r.id)))
          actOnReport(db, me.account.id, id, "resolve");
        return {};
      },
      {
        params: id,
        body: t.Object({
          type: optionalOneOf(["none", "sensitive", "disable", "silence", "suspend"] as const),
          report_id: t.Optional(t.String({ maxLength: 64 })),
          warning_preset_id: t.Optional(t.String({ maxLength: 64 })),
          text: t.Optional(t.String({ maxLength: 5000 })),
          send_email_notification: tFlag,
        }),
      },
    )
    .post("/api/v1/admin/accounts/:id/unsilence", undo("unsilence"), { params: id })
    .post("/api/v1/admin/accounts/:id/unsuspend", undo("unsuspend"), { params: id })
    .post("/api/v1/admin/accounts/:id/unsensitive", undo("unsensitive"), { params: id })
    .post("/api/v1/admin/accounts/:id/approve", decide("approve"), { params: id })
    .post("/api/v1/admin/accounts/:id/reject", decide("reject"), { params: id })
    .get(
      "/api/v1/admin/reports",
      ({ member, query, request, set }) => {
        const { me } = staffOf(member, "admin:read:reports");
        const rows = findReports(
          db,
          // As Mastodon: the open ones unless `resolved` is asked for.
          { resolved: flag(query.resolved) ?? false, reporterId: query.account_id, targetId: query.target_account_id },
          { maxId: query.max_id, sinceId: query.since_id, minId: query.min_id, limit: limitOf(query, 100, 200) },
        );
        const link = linkHeader(
          request.url,
          rows.map((r) => r.id),
        );
        if (link) set.headers.link = link;
        return reportEntities(rows, me.account.id);
      },
      {
        query: t.Object({
          ...paging,
          resolved: tFlag,
          account_id: t.Optional(t.String({ maxLength: 64 })),
          target_account_id: t.Optional(t.String({ maxLength: 64 })),
        }),
      },
    )
    .get(
      "/api/v1/admin/reports/:id",
      ({ member, params }) => oneReport(params.id, staffOf(member, "admin:read:reports").me.account.id),
      { params: id },
    )
    .post(
      "/api/v1/admin/reports/:id/:action",
      ({ member, params }) => {
        const { me } = staffOf(member, "admin:write:reports");
        const action = { assign_to_self: "assign", unassign: "unassign", resolve: "resolve", reopen: "reopen" } as const;
        const report = findReport(db, params.id);
        if (!report) throw new CoreError("Record not found", 404);
        // As Mastodon: resolving a resolved report (or reopening an open one) is no error, only no change.
        const unchanged =
          (params.action === "resolve" && report.resolvedAt !== null) ||
          (params.action === "reopen" && report.resolvedAt === null);
        if (!unchanged) actOnReport(db, me.account.id, params.id, action[params.action]);
        return oneReport(params.id, me.account.id);
      },
      {
        params: t.Object({
          id: t.String({ maxLength: 64 }),
          action: t.UnionEnum(["assign_to_self", "unassign", "resolve", "reopen"]),
        }),
      },
    )
    .get("/api/v1/admin/domain_blocks", ({ member }) => {
      staffOf(member, "admin:read:domain_blocks", "admin");
      return listDomainBlocks(db).map(blockEntity);
    })
    .get(
      "/api/v1/admin/domain_blocks/:id",
      ({ member, params }) => {
        staffOf(member, "admin:read:domain_blocks", "admin");
        return blockEntity(existingBlock(params.id));
      },
      { params: id },
    )
    .post(
      "/api/v1/admin/domain_blocks",
      ({ member, body }) => {
        const { staff } = staffOf(member, "admin:write:domain_blocks", "admin");
        blockDomain(deps, staff.id, blockInput(body.domain, body));
        return blockEntity(existingBlock(normalizeDomain(body.domain) ?? body.domain));
      },
      { body: t.Object({ domain: t.String({ maxLength: 253 }), ...blockBody }) },
    )
    .put(
      "/api/v1/admin/domain_blocks/:id",
      ({ member, params, body }) => {
        const { staff } = staffOf(member, "admin:write:domain_blocks", "admin");
        const before = existingBlock(params.id);
        blockDomain(deps, staff.id, blockInput(before.domain, body, before), { change: true });
        return blockEntity(existingBlock(before.domain));
      },
      { params: id, body: blockSchema },
    )
    .delete(
      "/api/v1/admin/domain_blocks/:id",
      ({ member, params }) => {
        const { staff } = staffOf(member, "admin:write:domain_blocks", "admin");
        unblockDomain(deps, staff.id, existingBlock(params.id).domain);
        return {};
      },
      { params: id },
    )
    .get("/api/v1/admin/email_domain_blocks", ({ member }) => {
      staffOf(member, "admin:read:email_domain_blocks", "admin");
      return listEmailDomainBlocks(db).map(emailBlockEntity);
    })
    .get(
      "/api/v1/admin/email_domain_blocks/:id",
      ({ member, params }) => {
        staffOf(member, "admin:read:email_domain_blocks", "admin");
        return emailBlockEntity(existingEmailBlock(params.id));
      },
      { params: id },
    )
    .post(
      "/api/v1/admin/email_domain_blocks",
      ({ member, body }) =>
        emailBlockEntity(blockEmailDomain(db, staffOf(member, "admin:write:email_domain_blocks", "admin").staff.id, body)),
      { body: t.Object({ domain: t.String({ maxLength: 253 }) }) },
    )
    .delete(
      "/api/v1/admin/email_domain_blocks/:id",
      ({ member, params }) => {
        const { staff } = staffOf(member, "admin:write:email_domain_blocks", "admin");
        unblockEmailDomain(db, staff.id, existingEmailBlock(params.id).domain);
        return {};
      },
      { params: id },
    )
    .get("/api/v1/admin/ip_blocks", ({ member }) => {
      staffOf(member, "admin:read:ip_blocks", "admin");
      return listIpBlocks(db).map(ipBlockEntity);
    })
    .get(
      "/api/v1/admin/ip_blocks/:id",
      ({ member, params }) => {
        staffOf(member, "admin:read:ip_blocks", "admin");
        return ipBlockEntity(findIpBlock(db, params.id));
      },
      { params: id },
    )
    .post(
      "/api/v1/admin/ip_blocks",
      ({ member, body }) => {
        const { staff } = staffOf(member, "admin:write:ip_blocks", "admin");
        return ipBlockEntity(addIpBlock(db, staff.id, { ...body, expiresIn: expiresIn(body.expires_in) }));
      },
      { body: ipBlockBody },
    )
    .put(
      "/api/v1/admin/ip_blocks/:id",
      ({ member, params, body }) => {
        const { staff } = staffOf(member, "admin:write:ip_blocks", "admin");
        const before = findIpBlock(db, params.id);
        const input = {
          ip: body.ip ?? before.cidr,
          severity: body.severity ?? before.severity,
          comment: body.comment ?? before.comment,
          expiresIn: expiresIn(body.expires_in),
        };
        return ipBlockEntity(updateIpBlock(db, staff.id, before.id, input));
      },
      { params: id, body: t.Partial(ipBlockBody) },
    )
    .delete(
      "/api/v1/admin/ip_blocks/:id",
      ({ member, params }) => {
        removeIpBlock(db, staffOf(member, "admin:write:ip_blocks", "admin").staff.id, params.id);
        return {};
      },
      { params: id },
    );
}
