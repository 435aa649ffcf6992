/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { DomainBlocksPage } from "../../views/settings-domain-blocks.tsx";
import { domainBlocksOf } from "../core/account-domain-blocks.ts";
import { CoreError } from "../core/errors.ts";
import { blockDomainFor, unblockDomainFor } from "../core/follows.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";

const PATH = "/settings/domain-blocks";

/** A member's own domain blocks in settings (the same core calls as the API and the profile buttons). */
export function domainBlockRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const list = (accountId: string) => domainBlocksOf(db, accountId, { limit: 1000 }).map((r) => r.domain);
  return new Elysia({ name: "domain-blocks" })
    .use(page)
    .get(PATH, ({ viewer, ctx, redirect }) => {
      if (!viewer) return redirect(loginFirst(PATH), 303);
      return <DomainBlocksPage ctx={ctx} domains={list(viewer.account.id)} />;
    })
    .post(
      PATH,
      ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        try {
          blockDomainFor(deps, viewer.account, body.domain);
          return redirect(PATH, 303);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 422) throw error;
          set.status = 422;
          const errors = { domain: error.message };
          return <DomainBlocksPage ctx={ctx} domains={list(viewer.account.id)} errors={errors} value={body.domain} />;
        }
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), domain: t.String({ maxLength: 300 }) }) },
    )
    .post(
      `${PATH}/:domain/unblock`,
      ({ viewer, params, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        unblockDomainFor(deps, viewer.account, params.domain);
        return redirect(PATH, 303);
      },
      {
        params: t.Object({ domain: t.String({ maxLength: 300 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
      },
    );
}
