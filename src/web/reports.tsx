/** @jsxImportSource @kitajs/html */
import { relationship } from "../core/follows.ts";
import { optionalOneOf } from "../schemas.ts";
import { Elysia, t } from "elysia";
import { ReportPage, ReportSentPage } from "../../views/report.tsx";
import { CoreError, ValidationError } from "../core/errors.ts";
import { instanceRules } from "../core/instance.ts";
import { reportAccount } from "../core/reports.ts";
import { accountTimeline } from "../core/timelines.ts";
import { loadAccountViews, loadPostViews } from "../core/views.ts";
import { reportCategories } from "../db/schema.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";
import { loginFirst } from "./redirects.ts";

/** Members report an account (and some of its posts) to the moderators. */
export function reportRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  /** The form about an account: its recent posts to pick from, the instance's rules to tick. */
  const form = (
    ctx: Parameters<typeof ReportPage>[0]["ctx"],
    accountId: string,
    viewerId: string,
    filled: Pick<Parameters<typeof ReportPage>[0], "checked" | "values" | "errors">,
  ) => {
    const account = loadAccountViews(db, baseUrl, [accountId]).get(accountId);
    if (!account) throw new CoreError("This account does not exist.", 404);
    const posts = loadPostViews(db, baseUrl, accountTimeline(db, viewerId, accountId, "replies", { limit: 10 }), viewerId).filter(
      (p) => !p.reblog,
    );
    return <ReportPage ctx={ctx} account={account} posts={posts} rules={instanceRules(db)} {...filled} />;
  };
  return new Elysia({ name: "reports" })
    .use(page)
    .get(
      "/report",
      ({ viewer, ctx, query, redirect, request }) => {
        if (!viewer) return redirect(loginFirst(new URL(request.url).pathname + new URL(request.url).search), 303);
        return form(ctx, query.account_id, viewer.account.id, { checked: query.status_id ? [query.status_id] : [] });
      },
      { query: t.Object({ account_id: t.String({ maxLength: 64 }), status_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get(
      "/report/sent",
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        const account = loadAccountViews(db, baseUrl, [query.account_id]).get(query.account_id);
        if (!account) return redirect("/", 303);
        const { muting, blocking } = relationship(db, viewer.account.id, account.id);
        return <ReportSentPage ctx={ctx} account={account} muting={muting} blocking={blocking} />;
      },
      { query: t.Object({ account_id: t.String({ maxLength: 64 }) }) },
    )
    .post(
      "/reports",
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        try {
          reportAccount(deps, viewer.account.id, {
            targetAccountId: body.account_id,
            postIds: asList(body.status_ids),
            category: body.category,
            ruleIds: asList(body.rule_ids),
            comment: body.comment ?? "",
            forward: body.forward === "1",
          });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return form(ctx, body.account_id, viewer.account.id, {
            checked: asList(body.status_ids),
            values: { category: body.category, rule_ids: asList(body.rule_ids), comment: body.comment },
            errors: error.fields,
          });
        }
        // Its own address: a reload does not send the report again, and Mute or Block come back to it.
        return redirect(`/report/sent?account_id=${encodeURIComponent(body.account_id)}`, 303);
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          account_id: t.String({ maxLength: 64 }),
          category: optionalOneOf(reportCategories),
          status_ids: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Array(t.String({ maxLength: 64 }), { maxItems: 20 })])),
          rule_ids: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 50 })])),
          comment: t.Optional(t.String({ maxLength: 2000 })),
          forward: t.Optional(t.String({ maxLength: 5 })),
        }),
      },
    );
}
