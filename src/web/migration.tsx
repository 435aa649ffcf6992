/** @jsxImportSource @kitajs/html */
import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { MigrationPage, type MigrationValues } from "../../views/settings-migration.tsx";
import { ValidationError } from "../core/errors.ts";
import { actorUri, addAlias, cancelMove, moveAccount, removeAlias } from "../core/moves.ts";
import type { Viewer } from "../core/sessions.ts";
import { accountView } from "../core/views.ts";
import { accounts } from "../db/schema.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";
import { optionalOneOf } from "../schemas.ts";

const PATH = "/settings/migration";
const csrf = t.Optional(t.String());

/** Settings for moving accounts: aliases (moving here) and the move away. */
export function migrationRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const values = (viewer: Viewer): MigrationValues => {
    const me = db.select().from(accounts).where(eq(accounts.id, viewer.account.id)).get() ?? viewer.account;
    const target = me.movedToId ? db.select().from(accounts).where(eq(accounts.id, me.movedToId)).get() : undefined;
    return {
      myUri: actorUri(deps, me),
      aliases: me.alsoKnownAs,
      movedTo: target ? accountView(deps.baseUrl, target) : null,
      movedAt: me.movedAt,
    };
  };
  return new Elysia({ name: "migration" })
    .use(page)
    .get(
      PATH,
      ({ viewer, ctx, query, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        const message = { moved: "Your followers are being moved.", cancelled: "This account no longer redirects." };
        return <MigrationPage ctx={ctx} values={values(viewer)} message={query.done ? message[query.done] : undefined} />;
      },
      { query: t.Object({ done: optionalOneOf(["moved", "cancelled"]) }) },
    )
    .post(
      PATH,
      async ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        try {
          await moveAccount(deps, viewer.user.id, { acct: body.acct, password: body.current_password });
          return redirect(`${PATH}?done=moved`, 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <MigrationPage ctx={ctx} values={values(viewer)} errors={error.fields} input={{ acct: body.acct }} />;
        }
      },
      { body: t.Object({ _csrf: csrf, acct: t.String({ maxLength: 300 }), current_password: t.String({ maxLength: 1024 }) }) },
    )
    .post(
      `${PATH}/cancel`,
      ({ viewer, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        cancelMove(deps, viewer.account.id);
        return redirect(`${PATH}?done=cancelled`, 303);
      },
      { body: t.Optional(t.Object({ _csrf: csrf })) },
    )
    .post(
      "/settings/aliases",
      async ({ viewer, ctx, body, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        try {
          await addAlias(deps, viewer.account.id, body.alias);
          return redirect(PATH, 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <MigrationPage ctx={ctx} values={values(viewer)} errors={error.fields} input={{ alias: body.alias }} />;
        }
      },
      { body: t.Object({ _csrf: csrf, alias: t.String({ maxLength: 300 }) }) },
    )
    .post(
      "/settings/aliases/delete",
      ({ viewer, body, redirect }) => {
        if (!viewer) return redirect(loginFirst(PATH), 303);
        removeAlias(deps, viewer.account.id, body.uri);
        return redirect(PATH, 303);
      },
      { body: t.Object({ _csrf: csrf, uri: t.String({ maxLength: 2000 }) }) },
    );
}
