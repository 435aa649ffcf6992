import { and, eq, inArray, isNull } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { domainBlocksOf } from "../core/account-domain-blocks.ts";
import { seenByOthers } from "../core/accounts.ts";
import { blockedOrMuted, familiarFollowers, findAccountByAcct, followList, followRequests } from "../core/accounts-read.ts";
import { endorse, endorsedBy, unendorse } from "../core/endorsements.ts";
import { CoreError } from "../core/errors.ts";
import * as follows from "../core/follows.ts";
import { removePicture, updateProfile } from "../core/profile.ts";
import { checkPreferences, preferencesFrom, updatePreferences } from "../core/preferences.ts";
import { searchAccounts } from "../core/search.ts";
import { accountTimeline, pinnedPosts, savedPosts } from "../core/timelines.ts";
import { applyFilters } from "../core/filters.ts";
import { loadPostViews } from "../core/views.ts";
import { accounts, type QuotePolicy, users, type Visibility } from "../db/schema.ts";
import { featuredTagsOf } from "../core/featured-tags.ts";
import { featuredTagEntity } from "./featured-tags.ts";
import type { ApiDeps, ApiMember, ApiPlugin } from "./context.ts";
import { accountEntities, type ApiAccount, credentialAccount, relationshipEntity, statusEntities } from "./entities.ts";
import { flag, limitOf, linkHeader, list, nullAsAbsent, paging, tFlag, tList } from "./params.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });

/** `fields_attributes` as forms send it (`fields_attributes[0][name]`) or as JSON (array or object). */
function fieldsFrom(body: Record<string, unknown>): { name: string; value: string }[] | undefined {
  const nested = body.fields_attributes;
  if (nested && typeof nested === "object") {
    return Object.values(nested as Record<string, { name?: unknown; value?: unknown }>).map((f) => ({
      name: typeof f?.name === "string" ? f.name : "",
      value: typeof f?.value === "string" ? f.value : "",
    }));
  }
  const flat = Object.keys(body).filter((k) => /^fields_attributes\[\d+\]\[(name|value)\]$/.test(k));
  if (flat.length === 0) return undefined;
  const byIndex = new Map<string, { name: string; value: string }>();
  for (const key of flat) {
    const [, index = "0", part] = /^fields_attributes\[(\d+)\]\[(name|value)\]$/.exec(key) ?? [];
    const field = byIndex.get(index) ?? { name: "", value: "" };
    field[part as "name" | "value"] = String(body[key] ?? "");
    byIndex.set(index, field);
  }
  return [...byIndex.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, f]) => f);
}

const asBytes = async (file: unknown) =>
  file instanceof Blob && file.size > 0 ? new Uint8Array(await file.arrayBuffer()) : undefined;

/** Accounts: one's own, others', their posts and relations, and the lists of follows, blocks and mutes. */
export function accountApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const one = (accountId: string): ApiAccount => {
    const row = db
      .select()
      .from(accounts)
      .where(and(eq(accounts.id, accountId), seenByOthers()))
      .get();
    const entity = row && !row.suspendedAt ? accountEntities(db, baseUrl, [accountId]).get(accountId) : undefined;
    if (!entity) throw new CoreError("Record not found", 404);
    return entity;
  };
  const many = (ids: string[]) => {
    const entities = accountEntities(db, baseUrl, ids);
    return ids.flatMap((i) => entities.get(i) ?? []);
  };
  const me = (m: ApiMember) => credentialAccount(db, baseUrl, m, followRequests(db, m.account.id).length);
  /** The member's own account as a change just left it (Mastodon answers changes with it). */
  const meNow = (m: ApiMember) =>
    me({
      ...m,
      account: db.select().from(accounts).where(eq(accounts.id, m.account.id)).get() ?? m.account,
      user: db.select().from(users).where(eq(users.id, m.user.id)).get() ?? m.user,
    });
  const withoutPicture = (m: ApiMember, which: "avatar" | "header") => {
    removePicture(deps, m.account.id, which);
    return meNow(m);
  };
  const relationship = (viewerId: string, targetId: string) =>
    relationshipEntity(targetId, follows.relationship(db, viewerId, targetId));
  /** A follow, block or mute: the target must exist; the answer is the relationship after it. */
  const relate =
    (act: (m: ApiMember, targetId: string, body: Record<string, unknown> | undefined) => void, scope: string) =>
    ({ member, params, body }: { member: (s: string) => ApiMember; params: { id: string }; body?: unknown }) => {
      const m = member(scope);
      one(params.id);
      act(m, params.id, (body ?? undefined) as Record<string, unknown> | undefined);
      return relationship(m.account.id, params.id);
    };
  const feature = relate((m, target) => endorse(db, m.account, target), "write:accounts");
  const unfeature = relate((m, target) => unendorse(db, m.account.id, target), "write:accounts");
  const domainParam = t.String({ maxLength: 300 });
  const paged = <T>(request: Request, set: { headers: Record<string, string | number> }, items: T[], ids: string[]) => {
    const link = linkHeader(request.url, ids);
    if (link) set.headers.link = link;
    return items;
  };

  return (
    new Elysia({ name: "api-accounts" })
      .use(api)
      .get("/api/v1/accounts/verify_credentials", ({ token, member }) => {
        // The `profile` scope allows this call only.
        return me(member(token?.scopes.includes("profile") ? "profile" : "read:accounts"));
      })
      .patch(
        "/api/v1/accounts/update_credentials",
        async ({ member, body }) => {
          const m = member("write:accounts");
          const b = body as Record<string, unknown>;
          const current = m.account;
          const source = (b.source ?? {}) as Record<string, unknown>;
          const sourced = (name: string) => b[`source[${name}]`] ?? source[name];
          const text = (name: string) => {
            const value = sourced(name);
            return typeof value === "string" ? value : undefined;
          };
          // As given: core/preferences.ts refuses what is not one of the choices, the whole call with it.
          const preferences = {
            defaultVisibility: text("privacy") as Visibility | undefined,
            defaultQuotePolicy: text("quote_policy") as QuotePolicy | undefined,
            defaultSensitive: flag(sourced("sensitive")),
            // An empty language is "none": the instance's default then.
            defaultLanguage: text("language"),
          };
          checkPreferences(preferences);
          await updateProfile(deps, current.id, {
            displayName: typeof b.display_name === "string" ? b.display_name : current.displayName,
            note: typeof b.note === "string" ? b.note : current.note,
            fields: fieldsFrom(b) ?? current.fields,
            locked: flag(b.locked) ?? current.locked,
            bot: flag(b.bot) ?? current.bot,
            hideCollections: flag(b.hide_collections) ?? current.hideCollections,
            discoverable: flag(b.discoverable) ?? current.discoverable,
            attributionDomains:
              "attribution_domains" in b || "attribution_domains[]" in b ? list(b, "attribution_domains") : undefined,
            avatar: await asBytes(b.avatar),
            header: await asBytes(b.header),
          });
          updatePreferences(deps.db, m.user.id, preferences);
          return meNow(m);
        },
        {
          body: t.Object(
            {
              display_name: t.Optional(t.String({ maxLength: 200 })),
              note: t.Optional(t.String({ maxLength: 2000 })),
              avatar: t.Optional(t.Union([t.File(), t.String({ maxLength: 0 })])),
              header: t.Optional(t.Union([t.File(), t.String({ maxLength: 0 })])),
              locked: tFlag,
              bot: tFlag,
              discoverable: tFlag,
              hide_collections: tFlag,
              indexable: tFlag,
              attribution_domains: tList(200),
              "attribution_domains[]": tList(200),
            },
            // fields_attributes[…] and source[…] arrive under many shapes; fieldsFrom reads them.
            { additionalProperties: true, maxProperties: 40 },
          ),
        },
      )
      .delete("/api/v1/profile/avatar", ({ member }) => withoutPicture(member("write:accounts"), "avatar"))
      .delete("/api/v1/profile/header", ({ member }) => withoutPicture(member("write:accounts"), "header"))
      .get(
        "/api/v1/accounts/relationships",
        ({ member, query }) => {
          const m = member("read:follows");
          return list(query, "id")
            .slice(0, 80)
            .flatMap((targetId) => {
              const exists = db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, targetId)).get();
              return exists ? [relationship(m.account.id, targetId)] : [];
            });
        },
        { query: t.Object({ id: tList(80), "id[]": tList(80), with_suspended: tFlag }) },
      )
      .get(
        "/api/v1/accounts/familiar_followers",
        ({ member, query }) => {
          const m = member("read:follows");
          return list(query, "id")
            .slice(0, 40)
            .map((targetId) => ({
              id: targetId,
              accounts: many(familiarFollowers(db, m.account.id, targetId).map((a) => a.id)),
            }));
        },
        { query: t.Object({ id: tList(40), "id[]": tList(40) }) },
      )
      .get(
        "/api/v1/accounts/lookup",
        ({ query }) => {
          const row = findAccountByAcct(db, query.acct.replace(/^@/, ""), baseUrl.host);
          if (!row) throw new CoreError("Record not found", 404);
          return one(row.id);
        },
        { query: t.Object({ acct: t.String({ maxLength: 400 }) }) },
      )
      .get(
        "/api/v1/accounts/search",
        async ({ member, query }) => {
          const m = member("read:accounts");
          const limit = limitOf(query, 40, 80);
          if (flag(query.resolve) && query.q.includes("@")) await deps.resolver.resolveAccount(query.q);
          const rows = searchAccounts(db, query.q, { localHost: baseUrl.host, limit }).filter((a) => !a.suspendedAt);
          const followed = flag(query.following)
            ? rows.filter((a) => follows.relationship(db, m.account.id, a.id).following)
            : rows;
          return many(followed.map((a) => a.id));
        },
        {
          query: t.Object({
            q: t.String({ maxLength: 400 }),
            limit: paging.limit,
            resolve: tFlag,
            following: tFlag,
            offset: t.Optional(t.Numeric()),
          }),
        },
      )
      .get(
        "/api/v1/accounts",
        ({ query }) => {
          // Several at once (Mastodon 4.3), in the order asked for; unknown and suspended ones left out.
          const ids = [...new Set(list(query, "id"))];
          const shown = new Set(
            ids.length === 0
              ? []
              : db
                  .select({ id: accounts.id })
                  .from(accounts)
                  .where(and(inArray(accounts.id, ids), isNull(accounts.suspendedAt)))
                  .all()
                  .map((r) => r.id),
          );
          return many(ids.filter((i) => shown.has(i)));
        },
        { query: t.Object({ id: tList(40), "id[]": tList(40) }) },
      )
      .get("/api/v1/accounts/:id", ({ params }) => one(params.id), { params: id })
      .get(
        "/api/v1/accounts/:id/statuses",
        ({ params, query, token, authorized, request, set }) => {
          if (token) authorized("read:statuses");
          one(params.id);
          const viewerId = token?.account?.id ?? null;
          const limit = limitOf(query, 20, 40);
          const page = { maxId: query.max_id, sinceId: query.since_id, minId: query.min_id, limit };
          let ids: string[];
          if (flag(query.pinned)) ids = query.max_id ? [] : pinnedPosts(db, viewerId, params.id);
          else {
            const tab = flag(query.only_media) ? "media" : flag(query.exclude_replies) ? "posts" : "replies";
            ids = accountTimeline(db, viewerId, params.id, tab, page, query.tagged || undefined);
          }
          let views = applyFilters(db, viewerId, "account", loadPostViews(db, baseUrl, ids, viewerId));
          if (flag(query.exclude_reblogs)) views = views.filter((v) => !v.reblog);
          return paged(request, set, statusEntities(db, baseUrl, views), ids);
        },
        {
          params: id,
          query: t.Object({
            ...paging,
            pinned: tFlag,
            only_media: tFlag,
            exclude_replies: tFlag,
            exclude_reblogs: tFlag,
            tagged: t.Optional(t.String({ maxLength: 100 })),
          }),
        },
      )
      .get(
        "/api/v1/accounts/:id/featured_tags",
        async ({ params }) => {
          const account = one(params.id); // 404 for an account that is not there
          // Another server's, as it lists them now (every few hours at most; two seconds' wait at most).
          if (account.acct.includes("@")) await Promise.race([deps.resolver.refreshFeaturedTags(account.id), Bun.sleep(2000)]);
          return featuredTagsOf(db, account.id).map((f) => featuredTagEntity(f, account.acct, baseUrl));
        },
        { params: id },
      )
      .get(
        "/api/v1/accounts/:id/followers",
        ({ params, query, request, set }) => followPage(params.id, "followers", query, request, set),
        { params: id, query: t.Object(paging) },
      )
      .get(
        "/api/v1/accounts/:id/following",
        ({ params, query, request, set }) => followPage(params.id, "following", query, request, set),
        { params: id, query: t.Object(paging) },
      )
      .get(
        "/api/v1/accounts/:id/endorsements",
        ({ token, authorized, params, query, request, set }) => {
          if (token) authorized("read:accounts");
          const row = db.select().from(accounts).where(eq(accounts.id, params.id)).get();
          if (!row || row.suspendedAt) throw new CoreError("Record not found", 404);
          // Another server's features are not fetched; a member who hides their lists shows none.
          if (row.domain || (row.hideCollections && token?.account?.id !== row.id)) return [];
          return featuredPage(row.id, query, request, set);
        },
        { params: id, query: t.Object(paging) },
      )
      .get(
        "/api/v1/endorsements",
        ({ member, query, request, set }) => featuredPage(member("read:accounts").account.id, query, request, set),
        { query: t.Object(paging) },
      )
      .post("/api/v1/accounts/:id/endorse", feature, { params: id })
      .post("/api/v1/accounts/:id/unendorse", unfeature, { params: id })
      // Their names before Mastodon 4.4.
      .post("/api/v1/accounts/:id/pin", feature, { params: id })
      .post("/api/v1/accounts/:id/unpin", unfeature, { params: id })
      .post(
        "/api/v1/accounts/:id/follow",
        relate(
          (m, target, body) =>
            follows.follow(deps, m.account, target, { showReblogs: flag(body?.reblogs), notify: flag(body?.notify) }),
          "write:follows",
        ),
        {
          params: id,
          body: t.Optional(t.Object({ reblogs: tFlag, notify: tFlag, languages: tList(20) })),
          transform: nullAsAbsent,
        },
      )
      .post(
        "/api/v1/accounts/:id/unfollow",
        relate((m, target) => follows.unfollow(deps, m.account, target), "write:follows"),
        {
          params: id,
        },
      )
      .post(
        "/api/v1/accounts/:id/block",
        relate((m, target) => follows.block(deps, m.account, target), "write:blocks"),
        {
          params: id,
        },
      )
      .post(
        "/api/v1/accounts/:id/unblock",
        relate((m, target) => follows.unblock(deps, m.account, target), "write:blocks"),
        {
          params: id,
        },
      )
      .post(
        "/api/v1/accounts/:id/mute",
        relate(
          (m, target, body) =>
            follows.mute(deps, m.account, target, {
              notifications: flag(body?.notifications),
              // As Mastodon reads it: seconds, truncated; empty or null for good.
              durationSeconds: Number(body?.duration ?? 0),
            }),
          "write:mutes",
        ),
        {
          params: id,
          body: t.Optional(
            t.Object({
              notifications: t.Optional(t.Union([t.Boolean(), t.String({ maxLength: 5 }), t.Null()])),
              duration: t.Optional(t.Union([t.Number(), t.String({ maxLength: 20 }), t.Null()])),
            }),
          ),
        },
      )
      .post(
        "/api/v1/accounts/:id/unmute",
        relate((m, target) => follows.unmute(deps, m.account, target), "write:mutes"),
        {
          params: id,
        },
      )
      .post(
        "/api/v1/accounts/:id/note",
        relate(
          (m, target, body) => follows.setAccountNote(deps, m.account, target, String(body?.comment ?? "")),
          "write:accounts",
        ),
        { params: id, body: t.Object({ comment: t.Optional(t.String({ maxLength: 10_000 })) }) },
      )
      .post(
        "/api/v1/accounts/:id/remove_from_followers",
        relate((m, follower) => follows.removeFollower(deps, m.account, follower), "write:follows"),
        { params: id },
      )
      .get(
        "/api/v1/follow_requests",
        ({ member }) => many(followRequests(db, member("read:follows").account.id).map((a) => a.id)),
        { query: t.Object(paging) },
      )
      .post(
        "/api/v1/follow_requests/:id/authorize",
        relate((m, follower) => follows.acceptFollowRequest(deps, m.account, follower), "write:follows"),
        { params: id },
      )
      .post(
        "/api/v1/follow_requests/:id/reject",
        relate((m, follower) => follows.rejectFollowRequest(deps, m.account, follower), "write:follows"),
        { params: id },
      )
      .get(
        "/api/v1/blocks",
        ({ member, query, request, set }) => {
          const found = blockedOrMuted(db, member("read:blocks").account.id, "blocks", query.max_id, limitOf(query, 40, 80));
          return paged(
            request,
            set,
            many(found.map((r) => r.account.id)),
            found.map((r) => r.id),
          );
        },
        { query: t.Object(paging) },
      )
      .get(
        "/api/v1/domain_blocks",
        ({ member, query, request, set }) => {
          const me = member("read:blocks");
          // Paged by when each was blocked (milliseconds): the Link header's max_id.
          const before = query.max_id && /^\d{1,15}$/.test(query.max_id) ? new Date(Number(query.max_id)) : undefined;
          const rows = domainBlocksOf(db, me.account.id, { before, limit: limitOf(query, 100, 200) });
          return paged(
            request,
            set,
            rows.map((r) => r.domain),
            rows.map((r) => String(r.createdAt.getTime())),
          );
        },
        { query: t.Object(paging) },
      )
      .post(
        "/api/v1/domain_blocks",
        ({ member, body }) => {
          follows.blockDomainFor(deps, member("write:blocks").account, body.domain);
          return {};
        },
        { body: t.Object({ domain: domainParam }) },
      )
      .delete(
        "/api/v1/domain_blocks",
        ({ member, body, query }) => {
          const me = member("write:blocks");
          // Apps send the domain in the body or in the query string.
          const domain = body?.domain ?? query.domain;
          if (!domain) throw new CoreError("domain is missing", 422);
          follows.unblockDomainFor(deps, me.account, domain);
          return {};
        },
        {
          body: t.Optional(t.Object({ domain: t.Optional(domainParam) })),
          query: t.Object({ domain: t.Optional(domainParam) }),
        },
      )
      .get(
        "/api/v1/mutes",
        ({ member, query, request, set }) => {
          const found = blockedOrMuted(db, member("read:mutes").account.id, "mutes", query.max_id, limitOf(query, 40, 80));
          // Each with when its mute ends (Mastodon's mute_expires_at), null for good.
          const ends = new Map(found.map((r) => [r.account.id, r.expiresAt]));
          const listed = many(found.map((r) => r.account.id)).map((a) => ({
            ...a,
            mute_expires_at: ends.get(a.id)?.toISOString() ?? null,
          }));
          return paged(
            request,
            set,
            listed,
            found.map((r) => r.id),
          );
        },
        { query: t.Object(paging) },
      )
      .get(
        "/api/v1/bookmarks",
        ({ member, query, request, set }) => savedPage(member("read:bookmarks"), "bookmarks", query, request, set),
        { query: t.Object(paging) },
      )
      .get(
        "/api/v1/favourites",
        ({ member, query, request, set }) => savedPage(member("read:favourites"), "favourites", query, request, set),
        { query: t.Object(paging) },
      )
      .get("/api/v1/preferences", ({ member }) => {
        const m = member("read:accounts");
        const p = preferencesFrom(m.user);
        return {
          "posting:default:visibility": p.defaultVisibility,
          "posting:default:quote_policy": p.defaultQuotePolicy,
          "posting:default:sensitive": p.defaultSensitive,
          "posting:default:language": p.defaultLanguage,
          "reading:expand:media": p.mediaDisplay,
          "reading:expand:spoilers": p.expandSpoilers,
          // Skein plays animated pictures as they are; it has no setting to stop them.
          "reading:autoplay:gifs": true,
        };
      })
  );

  function followPage(
    accountId: string,
    direction: "followers" | "following",
    query: { max_id?: string; limit?: number },
    request: Request,
    set: { headers: Record<string, string | number> },
  ) {
    const row = db.select().from(accounts).where(eq(accounts.id, accountId)).get();
    if (!row || row.suspendedAt) throw new CoreError("Record not found", 404);
    // A member who hides their lists shows none (Mastodon answers with an empty list too).
    if (row.hideCollections) return [];
    const found = followList(db, accountId, direction, query.max_id, limitOf(query, 40, 80));
    if (found.next) set.headers.link = `<${nextUrl(request.url, found.next)}>; rel="next"`;
    return many(found.accounts.map((a) => a.id));
  }

  function featuredPage(
    ownerId: string,
    query: { max_id?: string; limit?: number },
    request: Request,
    set: { headers: Record<string, string | number> },
  ) {
    const rows = endorsedBy(db, ownerId, { maxId: query.max_id, limit: limitOf(query, 40, 80) });
    return paged(
      request,
      set,
      many(rows.map((r) => r.account.id)),
      rows.map((r) => r.id),
    );
  }

  function savedPage(
    m: ApiMember,
    kind: "bookmarks" | "favourites",
    query: { max_id?: string; limit?: number },
    request: Request,
    set: { headers: Record<string, string | number> },
  ) {
    const found = savedPosts(db, m.account.id, kind, { maxId: query.max_id, limit: limitOf(query, 20, 40) });
    if (found.next) set.headers.link = `<${nextUrl(request.url, found.next)}>; rel="next"`;
    const views = loadPostViews(db, baseUrl, found.ids, m.account.id);
    return statusEntities(db, baseUrl, applyFilters(db, m.account.id, null, views));
  }
}

function nextUrl(url: string, maxId: string): string {
  const u = new URL(url);
  u.searchParams.set("max_id", maxId);
  return u.href;
}
