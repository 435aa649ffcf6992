/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { DirectoryPage } from "../../views/directory.tsx";
import { accountCountsMany, followingAmong } from "../core/accounts-read.ts";
import { emojisOfMany, withEmojis } from "../core/custom-emojis.ts";
import { directory } from "../core/directory.ts";
import { linkedText } from "../core/text.ts";
import { loadAccountViews } from "../core/views.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { exploreTabs } from "./timelines.tsx";
import { dismissSuggestion } from "../core/suggestions.ts";
import { back, loginFirst } from "./redirects.ts";

const PAGE = 20;

/** Explore → People: the profile directory, for visitors and members alike; and dismissing a follow suggestion. */
export function directoryRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "directory" })
    .use(page)
    .post(
      "/suggestions/:id/dismiss",
      ({ viewer, params, request, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        dismissSuggestion(db, viewer.account.id, params.id);
        return redirect(back(request, "/"), 303);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    )
    .get(
      "/directory",
      ({ ctx, viewer, query }) => {
        const local = query.local !== "0";
        const order = query.order === "new" ? "new" : "active";
        const offset = query.offset ?? 0;
        const ids = directory(db, viewer?.account.id ?? null, { local, order, offset, limit: PAGE });
        const views = loadAccountViews(db, baseUrl, ids);
        const accounts = ids.flatMap((id) => views.get(id) ?? []);
        const bioEmojis = emojisOfMany(
          db,
          accounts.map((a) => ({ domain: a.domain, texts: [a.note] })),
        );
        const counts = accountCountsMany(db, ids);
        const viewerId = viewer?.account.id;
        const followed = viewerId ? new Set(followingAmong(db, viewerId, ids)) : undefined;
        const entries = accounts.map((account, i) => {
          // Members' bios are their plain text; other servers' are sanitized HTML already.
          const bio = account.domain ? account.note : account.note ? linkedText(account.note, baseUrl) : "";
          const { posts, followers } = counts.get(account.id) ?? { posts: 0, followers: 0 };
          const following = followed && account.id !== viewerId ? followed.has(account.id) : undefined;
          return { account, safeBio: withEmojis(bio, bioEmojis[i] ?? []), posts, followers, following };
        });
        const more = ids.length === PAGE ? `/directory?local=${local ? 1 : 0}&order=${order}&offset=${offset + PAGE}` : undefined;
        return <DirectoryPage ctx={ctx} tabs={exploreTabs} entries={entries} local={local} order={order} more={more} />;
      },
      {
        query: t.Object({
          local: t.Optional(t.String({ maxLength: 5 })),
          order: t.Optional(t.String({ maxLength: 20 })),
          offset: t.Optional(t.Numeric({ minimum: 0, maximum: 100_000 })),
        }),
      },
    );
}
