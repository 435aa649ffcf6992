/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { HomePage } from "../../views/home.tsx";
import { NewPostsNotice, TimelinePage } from "../../views/timeline.tsx";
import { countLocalUsers, ownerExists } from "../core/accounts.ts";
import { getSettings } from "../core/instance.ts";
import { federatedTimeline, homeTimeline, localTimeline, type PageQuery, savedPosts, tagTimeline } from "../core/timelines.ts";
import { normalizeHashtag } from "../core/text.ts";
import { applyFilters } from "../core/filters.ts";
import { followedAmong } from "../core/followed-tags.ts";
import { featuresTag } from "../core/featured-tags.ts";
import { loadAccountViews, loadPostViews, type PostView } from "../core/views.ts";
import type { FilterContext } from "../db/schema.ts";
import type { PageContext } from "../../views/context.ts";
import type { Viewer } from "../core/sessions.ts";
import type { PagePlugin, WebDeps } from "./context.ts";
import { loginFirst } from "./redirects.ts";
import { announcementRoutes } from "./announcements.tsx";
import { scheduledRoutes } from "./scheduled.tsx";
import { directoryRoutes } from "./directory.tsx";
import { trendingRoutes } from "./trending.tsx";
import { HomeAnnouncements } from "../../views/announcements.tsx";
import { activeAnnouncements } from "../core/announcements.ts";
import { followsFew, suggestions } from "../core/suggestions.ts";
import { FollowSuggestions } from "../../views/suggestions.tsx";

const paging = t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) });

const inOrder = <T,>(ids: string[], found: Map<string, T>) => ids.flatMap((id) => found.get(id) ?? []);

/** Posts per page on the web pages (the API pages by 20, as Mastodon does). */
export const WEB_PAGE_SIZE = 40;

/** The link to the next page, when this one was full. */
export function moreLink(path: string, ids: string[], cursor = ids.at(-1)): string | undefined {
  return ids.length >= WEB_PAGE_SIZE && cursor ? `${path}?max_id=${encodeURIComponent(cursor)}` : undefined;
}

const webPage = (maxId?: string): PageQuery => ({ maxId, limit: WEB_PAGE_SIZE });

/** Explore's tabs: the public timelines, trends (web/trending.tsx) and the people directory (web/directory.tsx). */
export const exploreTabs = [
  { href: "/public/local", label: "This instance" },
  { href: "/public", label: "Federated" },
  { href: "/trending", label: "Trending" },
  { href: "/directory", label: "People" },
];

export function timelineRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  /** The posts as the viewer sees them in a context: their filters applied (none on saved posts). */
  const views = (ids: string[], viewerId: string | null, context: FilterContext | null = null) => {
    const loaded = loadPostViews(db, baseUrl, ids, viewerId);
    return context ? applyFilters(db, viewerId, context, loaded) : loaded;
  };

  const savedPage = (
    {
      ctx,
      viewer,
      query,
      redirect,
    }: { ctx: PageContext; viewer: Viewer | null; query: { max_id?: string }; redirect: (to: string, status: 303) => Response },
    kind: "bookmarks" | "favourites",
  ) => {
    if (!viewer) return redirect(loginFirst(`/${kind}`), 303);
    const saved = savedPosts(db, viewer.account.id, kind, webPage(query.max_id));
    return (
      <TimelinePage
        ctx={ctx}
        title={kind === "bookmarks" ? "Bookmarks" : "Likes"}
        posts={views(saved.ids, viewer.account.id)}
        more={moreLink(`/${kind}`, saved.ids, saved.next)}
        empty={kind === "bookmarks" ? "Posts you bookmark appear here. Only you see them." : "Posts you like appear here."}
      />
    );
  };

  return new Elysia({ name: "timelines" })
    .use(page)
    .use(
      announcementRoutes(deps, page)
        .use(scheduledRoutes(deps, page))
        .use(directoryRoutes(deps, page))
        .use(trendingRoutes(deps, page)),
    )
    .get(
      "/",
      ({ ctx, viewer, query }) => {
        const settings = getSettings(db);
        if (!viewer) {
          return (
            <HomePage
              ctx={ctx}
              name={settings.name}
              description={settings.description}
              members={countLocalUsers(db)}
              needsSetup={!ownerExists(db)}
              handleDomain={baseUrl.host}
              posts={views(localTimeline(db, null, { limit: 5 }), null, "public")}
            />
          );
        }
        const ids = homeTimeline(db, viewer.account.id, webPage(query.max_id));
        const announced = query.max_id ? [] : activeAnnouncements(db, baseUrl, viewer.account.id);
        const suggested =
          !query.max_id && followsFew(db, viewer.account.id) ? suggestions(db, viewer.account.id, 5).map((s) => s.accountId) : [];
        const unread = announced.filter((a) => !a.read);
        return (
          <TimelinePage
            ctx={ctx}
            title="Home"
            notices={
              <>
                <HomeAnnouncements ctx={ctx} items={unread} dismissed={announced.length - unread.length} />
                <FollowSuggestions ctx={ctx} accounts={inOrder(suggested, loadAccountViews(db, baseUrl, suggested))} />
              </>
            }
            posts={views(ids, viewer.account.id, "home")}
            more={moreLink("/", ids)}
            empty="Nothing here yet. Follow people, or write your first post."
            compose={{ limit: settings.maxPostLength }}
            newerUrl={ids[0] && !query.max_id ? `/timelines/home/live?since_id=${ids[0]}` : undefined}
          />
        );
      },
      { query: paging },
    )
    .get(
      "/public/local",
      ({ ctx, viewer, query }) => {
        const ids = localTimeline(db, viewer?.account.id ?? null, webPage(query.max_id));
        return (
          <TimelinePage
            ctx={ctx}
            title="Explore"
            heading={`Public posts on ${ctx.instanceName}`}
            tabs={exploreTabs}
            posts={views(ids, viewer?.account.id ?? null, "public")}
            more={moreLink("/public/local", ids)}
            empty="No public posts here yet."
          />
        );
      },
      { query: paging },
    )
    .get(
      "/public",
      ({ ctx, viewer, query }) => {
        const ids = federatedTimeline(db, viewer?.account.id ?? null, webPage(query.max_id));
        return (
          <TimelinePage
            ctx={ctx}
            title="Federated"
            heading="Public posts this instance knows"
            tabs={exploreTabs}
            posts={views(ids, viewer?.account.id ?? null, "public")}
            more={moreLink("/public", ids)}
            empty="No public posts yet."
          />
        );
      },
      { query: paging },
    )
    .get(
      "/tags/:name",
      ({ ctx, viewer, query, params }) => {
        const name = normalizeHashtag(params.name);
        const ids = tagTimeline(db, viewer?.account.id ?? null, name, webPage(query.max_id));
        return (
          <TimelinePage
            ctx={ctx}
            title={`#${name}`}
            posts={views(ids, viewer?.account.id ?? null, "public")}
            more={moreLink(`/tags/${encodeURIComponent(name)}`, ids)}
            empty={`No public posts with #${name} yet.`}
            tagFollow={
              viewer
                ? {
                    name,
                    following: followedAmong(db, viewer.account.id, [name]).has(name),
                    featured: featuresTag(db, viewer.account.id, name),
                  }
                : undefined
            }
          />
        );
      },
      { query: paging, params: t.Object({ name: t.String({ maxLength: 200 }) }) },
    )
    .get("/bookmarks", (c) => savedPage(c, "bookmarks"), { query: paging })
    .get("/favourites", (c) => savedPage(c, "favourites"), { query: paging })
    .get(
      "/timelines/home/live",
      ({ viewer, query, request }) => {
        if (!viewer) return new Response(null, { status: 204 });
        return newPostsStream(deps, viewer.account.id, query.since_id, request.signal);
      },
      { query: t.Object({ since_id: t.String({ maxLength: 64 }) }) },
    );
}

const HEARTBEAT_MS = 20_000;

/**
 * The home page's "N new posts" notice as Server-Sent Events: counted from the page's newest post
 * (so a reconnect catches up), then raised by each post the live hub brings to this member's
 * home. A comment line every 20 s keeps the connection under the server's idle timeout.
 */
function newPostsStream(deps: WebDeps, accountId: string, sinceId: string, signal: AbortSignal): Response {
  const encoder = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Posts a `hide` filter leaves out are not news.
      const shown = (views: PostView[]) => applyFilters(deps.db, accountId, "home", views);
      const newer = homeTimeline(deps.db, accountId, { sinceId, limit: 40 });
      let count = shown(loadPostViews(deps.db, deps.baseUrl, newer, accountId)).length;
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop(); // the client went away
        }
      };
      const notice = () => write(`data: ${String(<NewPostsNotice count={count} href="/" />)}\n\n`);
      if (count > 0) notice();
      const unsubscribe = deps.live.add({
        accountId,
        streams: [{ name: "user" }],
        showsNotifications: false,
        push(event) {
          if (event.type !== "update" || event.post.account.id === accountId || shown([event.post]).length === 0) return;
          count++;
          notice();
        },
      });
      const heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
      stop = () => {
        unsubscribe();
        clearInterval(heartbeat);
      };
      signal.addEventListener("abort", () => {
        stop();
        controller.close();
      });
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
