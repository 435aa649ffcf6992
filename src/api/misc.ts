import { Elysia, t } from "elysia";
import { directory } from "../core/directory.ts";
import { dismissSuggestion, suggestions } from "../core/suggestions.ts";
import { reportAccount } from "../core/reports.ts";
import { reportCategories } from "../db/schema.ts";
import { announcementApiRoutes } from "./announcements.ts";
import { scheduledApiRoutes } from "./scheduled.ts";
import { featuredTagApiRoutes } from "./featured-tags.ts";
import { trendApiRoutes } from "./trends.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, reportEntity } from "./entities.ts";
import { flag, limitOf, list, tFlag, tList } from "./params.ts";

/**
 * Reports, the profile directory, follow suggestions, and (each in its own module) announcements,
 * scheduled posts, featured hashtags and trends.
 */
export function miscApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const limitOnly = t.Object({ limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })) });
  /** Follow suggestions with their accounts' entities. */
  const suggested = (accountId: string, query: { limit?: number }) => {
    const found = suggestions(db, accountId, limitOf(query, 40, 80));
    const entities = accountEntities(
      db,
      baseUrl,
      found.map((s) => s.accountId),
    );
    return found.flatMap((s) => {
      const account = entities.get(s.accountId);
      return account ? [{ source: s.source, account }] : [];
    });
  };
  return new Elysia({ name: "api-misc" })
    .use(api)
    .use(announcementApiRoutes(deps, api))
    .use(scheduledApiRoutes(deps, api))
    .use(featuredTagApiRoutes(deps, api))
    .use(trendApiRoutes(deps, api))
    .post(
      "/api/v1/reports",
      ({ member, body }) => {
        const me = member("write:reports");
        // As Mastodon: rules named make it a violation, whatever category was given.
        const category =
          list(body, "rule_ids").length > 0 ? "violation" : (reportCategories.find((c) => c === body.category) ?? "other");
        const report = reportAccount(deps, me.account.id, {
          targetAccountId: body.account_id,
          postIds: list(body, "status_ids"),
          category,
          ruleIds: list(body, "rule_ids"),
          comment: body.comment ?? "",
          forward: flag(body.forward) ?? false,
        });
        return reportEntity(db, baseUrl, report);
      },
      {
        body: t.Object({
          account_id: t.String({ maxLength: 64 }),
          status_ids: tList(20),
          "status_ids[]": tList(20),
          comment: t.Optional(t.String({ maxLength: 1000 })),
          forward: tFlag,
          category: t.Optional(t.String({ maxLength: 20 })),
          rule_ids: tList(50),
          "rule_ids[]": tList(50),
        }),
      },
    )
    .get("/api/v1/suggestions", ({ member, query }) => suggested(member("read").account.id, query).map((s) => s.account), {
      query: limitOnly,
    })
    .get(
      "/api/v2/suggestions",
      ({ member, query }) =>
        suggested(member("read").account.id, query).map(({ source, account }) => ({
          // `source` is what apps before Mastodon 4.3 read.
          source: source === "most_followed" ? "global" : "past_interactions",
          sources: [source],
          account,
        })),
      { query: limitOnly },
    )
    .delete(
      "/api/v1/suggestions/:account_id",
      ({ member, params }) => {
        dismissSuggestion(db, member("read").account.id, params.account_id);
        return {};
      },
      { params: t.Object({ account_id: t.String({ maxLength: 64 }) }) },
    )
    .get(
      "/api/v1/directory",
      ({ authorized, token, query }) => {
        if (token) authorized("read:accounts");
        const ids = directory(db, token?.account?.id ?? null, {
          local: flag(query.local) ?? false,
          order: query.order === "new" ? "new" : "active",
          offset: Math.max(0, Math.trunc(query.offset ?? 0)),
          limit: limitOf(query, 40, 80),
        });
        const entities = accountEntities(db, baseUrl, ids);
        return ids.flatMap((id) => entities.get(id) ?? []);
      },
      {
        query: t.Object({
          offset: t.Optional(t.Numeric({ minimum: 0, maximum: 100_000 })),
          limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
          // A plain string: Mastodon ignores an unknown order.
          order: t.Optional(t.String({ maxLength: 20 })),
          local: tFlag,
        }),
      },
    );
}
