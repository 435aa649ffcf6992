/** @jsxImportSource @kitajs/html */
import { isMember } from "../core/accounts.ts";
import { emojisIn } from "../core/custom-emojis.ts";
import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { AccountList, ConfirmBlockPage, ConfirmMutePage, muteDurations, ProfilePage } from "../../views/profile.tsx";
import { wasDeleted } from "../core/account-deletion.ts";
import { accountCounts, findAccountByAcct, followList, followRequests } from "../core/accounts-read.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { applyFilters } from "../core/filters.ts";
import * as follows from "../core/follows.ts";
import { linkedLine, linkedText, normalizeHashtag } from "../core/text.ts";
import { featuredTagsOf } from "../core/featured-tags.ts";
import { accounts } from "../db/schema.ts";
import { accountTimeline, listedOnlyPublic, pinnedPosts, type ProfileTab } from "../core/timelines.ts";
import { accountView, accountViews, loadAccountViews, loadPostViews } from "../core/views.ts";
import type { PageContext } from "../../views/context.ts";
import type { Viewer } from "../core/sessions.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { atomFeed, rssFeed } from "./feeds.ts";
import { back, loginFirst } from "./redirects.ts";
import { listPickerFor } from "./lists.tsx";
import { moreLink, WEB_PAGE_SIZE } from "./timelines.tsx";
import { FollowRequestsPage } from "../../views/follow-requests.tsx";
import { optionalOneOf } from "../schemas.ts";
import { endorse, endorsedBy, MAX_ENDORSEMENTS, unendorse } from "../core/endorsements.ts";

const accountActions = {
  follow: follows.follow,
  unfollow: follows.unfollow,
  block: follows.block,
  unblock: follows.unblock,
  unmute: follows.unmute,
  authorize: follows.acceptFollowRequest,
  reject: follows.rejectFollowRequest,
  remove_follower: follows.removeFollower,
  endorse: (deps: WebDeps, actor: { id: string }, id: string) => endorse(deps.db, actor, id),
  unendorse: (deps: WebDeps, actor: { id: string }, id: string) => unendorse(deps.db, actor.id, id),
  block_domain: (deps: WebDeps, actor: { id: string }, id: string) => follows.blockDomainFor(deps, actor, domainOf(deps, id)),
  unblock_domain: (deps: WebDeps, actor: { id: string }, id: string) => follows.unblockDomainFor(deps, actor, domainOf(deps, id)),
  notify: (deps: WebDeps, actor: { id: string }, id: string) => follows.setFollowOptions(deps, actor, id, { notify: true }),
  unnotify: (deps: WebDeps, actor: { id: string }, id: string) => follows.setFollowOptions(deps, actor, id, { notify: false }),
  show_reblogs: (deps: WebDeps, actor: { id: string }, id: string) =>
    follows.setFollowOptions(deps, actor, id, { showReblogs: true }),
  hide_reblogs: (deps: WebDeps, actor: { id: string }, id: string) =>
    follows.setFollowOptions(deps, actor, id, { showReblogs: false }),
};
const accountActionNames = [
  "follow",
  "unfollow",
  "block",
  "unblock",
  "unmute",
  "authorize",
  "reject",
  "remove_follower",
  "endorse",
  "unendorse",
  "block_domain",
  "unblock_domain",
  "notify",
  "unnotify",
  "show_reblogs",
  "hide_reblogs",
] as const;

/** The server of a remote account, for the domain buttons on its profile. */
function domainOf(deps: WebDeps, accountId: string): string {
  const domain = deps.db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, accountId)).get()?.domain;
  if (!domain) throw new CoreError("This account is on this server.", 422);
  return domain;
}

export function profileRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const find = (acct: string) => {
    const account = findAccountByAcct(db, acct, baseUrl.host);
    if (!account && !acct.includes("@") && wasDeleted(db, acct)) throw new CoreError("This account was deleted.", 410);
    // A sign-up still waiting (for approval or its address) is nobody's to see yet.
    if (!account || (!account.domain && !isMember(db, account.id)))
      throw new CoreError("There is no account with this name here.", 404);
    if (account.suspendedAt) throw new CoreError("This account has been suspended by the moderators.", 410);
    return account;
  };

  /** Posts on a profile, with the viewer's filters for the `account` context. */
  const shown = (ids: string[], viewerId: string | null) =>
    applyFilters(db, viewerId, "account", loadPostViews(db, baseUrl, ids, viewerId));

  const movedTo = (id: string | null) => {
    const row = id ? db.select().from(accounts).where(eq(accounts.id, id)).get() : undefined;
    return row ? accountView(baseUrl, row) : null;
  };

  const followParams = {
    params: t.Object({ acct: t.String({ maxLength: 400 }) }),
    query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }),
  };
  const followPage = (
    {
      params,
      query,
      viewer,
      ctx,
    }: { params: { acct: string }; query: { max_id?: string }; viewer: Viewer | null; ctx: PageContext },
    direction: "followers" | "following",
  ) => {
    const account = find(params.acct);
    if (account.hideCollections && viewer?.account.id !== account.id) {
      throw new CoreError("This account keeps its follower lists private.", 403);
    }
    const view = accountView(baseUrl, account);
    const list = followList(db, account.id, direction, query.max_id);
    const title = direction === "followers" ? `Followers of ${view.displayName}` : `Followed by ${view.displayName}`;
    return (
      <AccountList
        ctx={ctx}
        title={title}
        accounts={accountViews(db, baseUrl, list.accounts)}
        more={list.next ? `/@${view.acct}/${direction}?max_id=${list.next}` : undefined}
        empty={direction === "followers" ? "No followers yet." : "Not following anyone yet."}
      />
    );
  };

  const confirmBlock = (
    {
      params,
      viewer,
      ctx,
      redirect,
    }: { params: { id: string }; viewer: Viewer | null; ctx: PageContext; redirect: (url: string, status: 303) => Response },
    domain: boolean,
  ) => {
    if (!viewer) return redirect(loginFirst(`/accounts/${params.id}/${domain ? "block_domain" : "block"}`), 303);
    const account = loadAccountViews(db, baseUrl, [params.id]).get(params.id);
    if (!account) throw new CoreError("There is no such account.", 404);
    const rel = follows.relationship(db, viewer.account.id, account.id);
    const done = domain ? rel.domainBlocking || !account.domain : rel.blocking;
    if (done || account.id === viewer.account.id) return redirect(new URL(account.localUrl).pathname, 303);
    return <ConfirmBlockPage ctx={ctx} account={account} domain={domain} />;
  };

  return (
    new Elysia({ name: "profiles" })
      .use(page)
      .get(
        "/@:acct",
        async ({ params, query, viewer, ctx, set }) => {
          const feed = /\.(rss|atom)$/.exec(params.acct)?.[1];
          const account = find(feed ? params.acct.slice(0, -(feed.length + 1)) : params.acct);
          const view = {
            ...accountView(baseUrl, account),
            emojis: emojisIn(db, account.domain, [account.displayName, account.note]),
          };
          const viewerId = viewer?.account.id ?? null;
          if (feed) {
            const ids = listedOnlyPublic(db, accountTimeline(db, null, account.id, "posts", { limit: 20 }));
            const posts = loadPostViews(db, baseUrl, ids, null).filter((p) => !p.reblog);
            set.headers["content-type"] =
              feed === "rss" ? "application/rss+xml; charset=utf-8" : "application/atom+xml; charset=utf-8";
            return feed === "rss" ? rssFeed(view, posts, baseUrl) : atomFeed(view, posts, baseUrl);
          }
          // Another server's featured hashtags as it lists them now (every few hours at most), waited
          // for two seconds at most: a slow server does not hold the page.
          if (account.domain) await Promise.race([deps.resolver.refreshFeaturedTags(account.id), Bun.sleep(2000)]);
          const tab: ProfileTab = query.tab ?? "posts";
          const tagged = query.tagged ? normalizeHashtag(query.tagged.replace(/^#/, "")) : undefined;
          const page = { maxId: query.max_id, limit: WEB_PAGE_SIZE };
          const ids = accountTimeline(db, viewerId, account.id, tagged ? "replies" : tab, page, tagged);
          const isSelf = viewerId === account.id;
          const relationship = viewer && !isSelf ? follows.relationship(db, viewer.account.id, account.id) : null;
          return (
            <ProfilePage
              ctx={ctx}
              account={view}
              noteHtml={account.domain ? account.note : account.note ? linkedText(account.note, baseUrl) : ""}
              fields={account.fields.map((f) => ({ ...f, valueHtml: account.domain ? f.value : linkedLine(f.value, baseUrl) }))}
              counts={accountCounts(db, account.id)}
              relationship={relationship}
              noteState={query.note}
              listPicker={viewer && relationship?.following ? listPickerFor(db, ctx, viewer.account.id, account.id) : undefined}
              isSelf={isSelf}
              hideCollections={account.hideCollections}
              tab={tab}
              pinned={tab === "posts" && !query.max_id ? shown(pinnedPosts(db, viewerId, account.id), viewerId) : []}
              posts={shown(ids, viewerId)}
              more={moreLink(`/@${view.acct}`, ids)?.replace(
                "?max_id",
                tagged ? `?tagged=${encodeURIComponent(tagged)}&max_id` : tab === "posts" ? "?max_id" : `?tab=${tab}&max_id`,
              )}
              tagged={tagged}
              featuredTags={featuredTagsOf(db, account.id)}
              handleHost={baseUrl.host}
              movedTo={movedTo(account.movedToId)}
              featured={
                account.domain || (account.hideCollections && !isSelf)
                  ? []
                  : accountViews(
                      db,
                      baseUrl,
                      endorsedBy(db, account.id, { limit: MAX_ENDORSEMENTS }).map((r) => r.account),
                    )
              }
            />
          );
        },
        {
          params: t.Object({ acct: t.String({ maxLength: 400 }) }),
          query: t.Object({
            tab: optionalOneOf(["posts", "replies", "media"]),
            max_id: t.Optional(t.String({ maxLength: 64 })),
            note: optionalOneOf(["saved", "too-long"]),
            tagged: t.Optional(t.String({ maxLength: 200 })),
          }),
        },
      )
      // A featured hashtag's address (Mastodon's): the profile's posts with it.
      .get(
        "/@:acct/tagged/:tag",
        ({ params, redirect }) => redirect(`/@${encodeURIComponent(params.acct)}?tagged=${encodeURIComponent(params.tag)}`, 302),
        { params: t.Object({ acct: t.String({ maxLength: 400 }), tag: t.String({ maxLength: 200 }) }) },
      )
      .get("/@:acct/followers", (c) => followPage(c, "followers"), followParams)
      .get("/@:acct/following", (c) => followPage(c, "following"), followParams)
      // A block is asked once more, on its own page; once done (the form comes back here), the profile.
      .get("/accounts/:id/block", (c) => confirmBlock(c, false), { params: t.Object({ id: t.String({ maxLength: 64 }) }) })
      .get("/accounts/:id/block_domain", (c) => confirmBlock(c, true), {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
      })
      // "Mute @x…" from a post's menu: the choices, then (muted) the profile, where it can be changed.
      .get(
        "/accounts/:id/mute",
        ({ params, viewer, ctx, redirect }) => {
          if (!viewer) return redirect(loginFirst(`/accounts/${params.id}/mute`), 303);
          const account = loadAccountViews(db, baseUrl, [params.id]).get(params.id);
          if (!account) throw new CoreError("There is no such account.", 404);
          const muted = follows.relationship(db, viewer.account.id, account.id).muting;
          if (muted || account.id === viewer.account.id) return redirect(new URL(account.localUrl).pathname, 303);
          return <ConfirmMutePage ctx={ctx} account={account} />;
        },
        { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
      )
      .post(
        "/accounts/:id/:action",
        ({ params, viewer, request, redirect }) => {
          if (!viewer) return redirect(loginFirst("/"), 303);
          accountActions[params.action](deps, viewer.account, params.id);
          return redirect(back(request, "/"), 303);
        },
        {
          params: t.Object({ id: t.String({ maxLength: 64 }), action: t.UnionEnum(accountActionNames) }),
          body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })),
        },
      )
      .post(
        "/accounts/:id/mute",
        ({ params, body, viewer, request, redirect }) => {
          if (!viewer) return redirect(loginFirst("/"), 303);
          follows.mute(deps, viewer.account, params.id, {
            notifications: body.notifications === "1",
            ...(body.duration === "keep" ? { keepExpiry: true } : { durationSeconds: Number(body.duration ?? 0) }),
          });
          return redirect(back(request, "/"), 303);
        },
        {
          params: t.Object({ id: t.String({ maxLength: 64 }) }),
          body: t.Object({
            _csrf: t.Optional(t.String()),
            notifications: t.Optional(t.String({ maxLength: 1 })),
            // "keep": a change of a mute in force that keeps its length.
            duration: optionalOneOf(["keep", ...muteDurations.map(([seconds]) => String(seconds))]),
          }),
        },
      )
      .post(
        "/accounts/:id/note",
        ({ params, body, viewer, request, redirect }) => {
          if (!viewer) return redirect(loginFirst("/"), 303);
          const page = new URL(back(request, "/"), baseUrl);
          try {
            follows.setAccountNote(deps, viewer.account, params.id, body.comment ?? "");
            page.searchParams.set("note", "saved");
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            page.searchParams.set("note", "too-long");
          }
          return redirect(`${page.pathname}${page.search}#note`, 303);
        },
        {
          params: t.Object({ id: t.String({ maxLength: 64 }) }),
          body: t.Object({ _csrf: t.Optional(t.String()), comment: t.Optional(t.String({ maxLength: 10_000 })) }),
        },
      )
      .get("/follow_requests", ({ viewer, ctx, redirect }) => {
        if (!viewer) return redirect(loginFirst("/follow_requests"), 303);
        return <FollowRequestsPage ctx={ctx} accounts={accountViews(db, baseUrl, followRequests(db, viewer.account.id))} />;
      })
  );
}
