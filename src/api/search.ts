import { Elysia, t } from "elysia";
import { searchAccounts, searchPosts, searchTags } from "../core/search.ts";
import { searchesPostsOnly } from "../core/search-query.ts";
import { applyFilters } from "../core/filters.ts";
import { followedAmong } from "../core/followed-tags.ts";
import { loadPostViews } from "../core/views.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { accountEntities, statusEntities, tagEntities } from "./entities.ts";
import { flag, limitOf, tFlag } from "./params.ts";
import { optionalOneOf } from "../schemas.ts";

const looksRemote = (q: string) => /^@?[^\s@]+@[^\s@]+\.[^\s@]+$/.test(q) || /^https?:\/\//.test(q);

/** GET /api/v2/search: accounts, hashtags and posts; with resolve=true, looked up on other servers too. */
export function searchApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const hashtags = (found: { id: string; name: string; display: string }[], viewerId: string | null) => {
    const followed = followedAmong(
      db,
      viewerId,
      found.map((t) => t.name),
    );
    return tagEntities(db, baseUrl, found, (tag) => (viewerId ? followed.has(tag.name) : undefined));
  };
  return new Elysia({ name: "api-search" }).use(api).get(
    "/api/v2/search",
    async ({ token, authorized, query }) => {
      if (token) authorized("read:search");
      const viewerId = token?.account?.id ?? null;
      const q = query.q.trim();
      const limit = limitOf(query, 20, 40);
      const offset = Math.min(query.offset ?? 0, 200);
      const postsOnly = searchesPostsOnly(q);
      const wants = (type: string) => (!query.type || query.type === type) && (!postsOnly || type === "statuses");
      const resolved = { accounts: [] as string[], statuses: [] as string[] };
      // Reaching other servers is for members only, as on Mastodon.
      if (flag(query.resolve) && viewerId && looksRemote(q)) {
        if (wants("accounts") && !q.startsWith("http")) {
          const id = await deps.resolver.resolveAccount(q);
          if (id) resolved.accounts.push(id);
        }
        if (q.startsWith("http")) {
          const [account, post] = await Promise.all([
            wants("accounts") ? deps.resolver.resolveAccount(q) : null,
            wants("statuses") ? deps.resolver.resolvePost(q) : null,
          ]);
          if (account) resolved.accounts.push(account);
          if (post) resolved.statuses.push(post);
        }
      }
      const accountIds = wants("accounts")
        ? [
            ...new Set([
              ...resolved.accounts,
              ...searchAccounts(db, q, { localHost: baseUrl.host, limit: limit + offset })
                .filter((a) => !a.suspendedAt)
                .map((a) => a.id),
            ]),
          ].slice(offset, offset + limit)
        : [];
      const postIds = wants("statuses")
        ? [
            ...new Set([
              ...resolved.statuses,
              ...searchPosts(db, viewerId, q, { limit: limit + offset, host: baseUrl.host, accountId: query.account_id }),
            ]),
          ].slice(offset, offset + limit)
        : [];
      const entities = accountEntities(db, baseUrl, accountIds);
      return {
        accounts: accountIds.flatMap((id) => entities.get(id) ?? []),
        statuses: statusEntities(db, baseUrl, applyFilters(db, viewerId, null, loadPostViews(db, baseUrl, postIds, viewerId))),
        hashtags: wants("hashtags") ? hashtags(searchTags(db, q, limit + offset).slice(offset), viewerId) : [],
      };
    },
    {
      query: t.Object({
        q: t.String({ maxLength: 500 }),
        type: optionalOneOf(["accounts", "hashtags", "statuses"]),
        resolve: tFlag,
        following: tFlag,
        account_id: t.Optional(t.String({ maxLength: 64 })),
        exclude_unreviewed: tFlag,
        max_id: t.Optional(t.String({ maxLength: 64 })),
        min_id: t.Optional(t.String({ maxLength: 64 })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
        offset: t.Optional(t.Numeric({ minimum: 0, maximum: 10_000 })),
      }),
    },
  );
}
