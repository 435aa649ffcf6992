import { and, eq } from "drizzle-orm";
import { boostNotRepeated, boostsWanted } from "./timelines.ts";
import { posts } from "../db/schema.ts";
import { isFollowing } from "./accounts-read.ts";
import { onListTimeline } from "./lists.ts";
import type { CoreDeps } from "./deps.ts";
import { inChosenLanguages } from "./preferences.ts";
import { notSilencedBy, notSilencedFor, visibleTo } from "./visibility.ts";
import { loadPostViews, type PostView } from "./views.ts";

/**
 * Live updates: who should hear, right now, of a post made, edited or deleted, or of a
 * notification. The Mastodon streaming API and the web pages' "new posts" notice both subscribe
 * here, so a post streams the same way whether it was written on a page, through the API or
 * arrived from another server. Rendering (JSON entities, HTML) is the subscriber's business.
 */

export const liveStreams = [
  "user",
  "user:notification",
  "public",
  "public:local",
  "public:remote",
  "hashtag",
  "hashtag:local",
  "direct",
  "list",
] as const;
export type LiveStreamName = (typeof liveStreams)[number];
export const isLiveStream = (name: string): name is LiveStreamName => (liveStreams as readonly string[]).includes(name);

export interface LiveStream {
  name: LiveStreamName;
  tag?: string;
  /** A list of the listener's, for the `list` stream. */
  list?: string;
}

export type LiveEvent =
  | { type: "update" | "status.update"; stream: LiveStream; post: PostView }
  | { type: "delete"; stream: LiveStream; postId: string }
  | { type: "notification"; stream: LiveStream; notificationId: string }
  | { type: "conversation"; stream: LiveStream; conversationId: string }
  | { type: "announcement"; stream: LiveStream; announcementId: string }
  | { type: "announcement.delete"; stream: LiveStream; announcementId: string }
  | { type: "announcement.reaction"; stream: LiveStream; announcementId: string; name: string };

export interface LiveSubscriber {
  /** The member listening (public streams need none). */
  accountId: string | null;
  streams: LiveStream[];
  /** Shows notifications as they come (an app), or only something else (the home page's "new posts"). */
  showsNotifications: boolean;
  push(event: LiveEvent): void;
}

const ownStream = (stream: LiveStream) => stream.name === "user" || stream.name === "user:notification";

export function createLiveHub(deps: CoreDeps) {
  const { db, baseUrl, events } = deps;
  const subscribers = new Set<LiveSubscriber>();

  /** Whether a post belongs on a stream's timeline for this subscriber (`home`: their own post or one they follow). */
  const belongs = (post: PostView, stream: LiveStream, home: boolean): boolean => {
    const listed = post.visibility === "public" && !post.reblog;
    const tagged = post.tags.includes(stream.tag ?? "");
    switch (stream.name) {
      case "user":
        return home;
      case "public":
        return listed;
      case "public:local":
        return listed && post.account.domain === null;
      case "public:remote":
        return listed && post.account.domain !== null;
      case "hashtag":
        return listed && tagged;
      case "hashtag:local":
        return listed && tagged && post.account.domain === null;
      case "list":
        return true; // asked of the list's own rules (onListTimeline) before
      default:
        return false;
    }
  };

  const shownTo = (postId: string, viewerId: string | null, listed: boolean) =>
    db
      .select({ id: posts.id })
      .from(posts)
      .where(
        and(
          eq(posts.id, postId),
          visibleTo(viewerId),
          notSilencedBy(viewerId),
          listed ? notSilencedFor(viewerId) : undefined,
          listed ? inChosenLanguages(db, viewerId) : undefined,
          // Home's own rules for boosts: none from those whose boosts they hide, none of a post shown close by.
          !listed && viewerId ? and(boostsWanted(viewerId), boostNotRepeated(viewerId)) : undefined,
        ),
      )
      .get() !== undefined;

  const postEvent = (postId: string, type: "update" | "status.update") => {
    const row = db
      .select({ accountId: posts.accountId, visibility: posts.visibility })
      .from(posts)
      .where(eq(posts.id, postId))
      .get();
    if (!row) return;
    for (const sub of subscribers) {
      const home = sub.accountId !== null && (row.accountId === sub.accountId || isFollowing(db, sub.accountId, row.accountId));
      // Cheap first (posts from other servers come many a second): the streams it could be on at all.
      const streams = sub.streams.filter((s) =>
        s.name === "user"
          ? home
          : s.name === "list"
            ? // A list holds only accounts its owner follows: a stranger's post is not asked about.
              home && sub.accountId !== null && s.list !== undefined && onListTimeline(db, sub.accountId, s.list, postId)
            : s.name !== "user:notification" && s.name !== "direct" && row.visibility === "public",
      );
      if (streams.length === 0) continue;
      // Each listener sees the post as their timelines would: not at all (hidden from them, by
      // someone they blocked or muted; on public streams a limited account's, or in a language
      // they did not choose), or with their own likes and boosts.
      // (The public streams' rules include the home stream's: each asked only when needed.)
      // (A list's rules, asked above, include what the member may see.)
      const homeOk = streams.some((s) => s.name === "user") && shownTo(postId, sub.accountId, false);
      const publicOk = streams.some((s) => s.name !== "user" && s.name !== "list") && shownTo(postId, sub.accountId, true);
      const ok = (stream: LiveStream) => (stream.name === "list" ? true : stream.name === "user" ? homeOk : publicOk);
      if (!streams.some(ok)) continue;
      const post = loadPostViews(db, baseUrl, [postId], sub.accountId)[0];
      if (!post) continue;
      for (const stream of streams) if (ok(stream) && belongs(post, stream, home)) sub.push({ type, stream, post });
    }
  };

  events.on("post.created", ({ postId }) => postEvent(postId, "update"));
  events.on("post.received", ({ postId }) => postEvent(postId, "update"));
  events.on("post.updated", ({ postId }) => postEvent(postId, "status.update"));
  events.on("post.reblogged", ({ reblogId }) => postEvent(reblogId, "update"));
  events.on("post.deleted", ({ postId }) => {
    for (const sub of subscribers)
      for (const stream of sub.streams)
        if (stream.name !== "user:notification" && stream.name !== "direct") sub.push({ type: "delete", stream, postId });
  });
  events.on("notification.created", ({ notificationId, accountId }) => {
    for (const sub of subscribers) {
      if (sub.accountId !== accountId) continue;
      for (const stream of sub.streams) if (ownStream(stream)) sub.push({ type: "notification", stream, notificationId });
    }
  });

  events.on("conversation.updated", ({ conversationId, accountId }) => {
    for (const sub of subscribers) {
      if (sub.accountId !== accountId) continue;
      for (const stream of sub.streams) if (stream.name === "direct") sub.push({ type: "conversation", stream, conversationId });
    }
  });

  /** Announcements are for every member listening to their own stream. */
  const toMembers = (event: (stream: LiveStream) => LiveEvent) => {
    for (const sub of subscribers) {
      if (sub.accountId === null) continue;
      for (const stream of sub.streams) if (stream.name === "user") sub.push(event(stream));
    }
  };
  events.on("announcement.published", ({ announcementId }) =>
    toMembers((stream) => ({ type: "announcement", stream, announcementId })),
  );
  events.on("announcement.removed", ({ announcementId }) =>
    toMembers((stream) => ({ type: "announcement.delete", stream, announcementId })),
  );
  events.on("announcement.reacted", ({ announcementId, name }) =>
    toMembers((stream) => ({ type: "announcement.reaction", stream, announcementId, name })),
  );

  return {
    /** Starts listening; returns the function that stops. */
    add(subscriber: LiveSubscriber): () => void {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    /** Whether a member has an app open that shows their notifications as they come. */
    listening(accountId: string): boolean {
      for (const sub of subscribers)
        if (sub.accountId === accountId && sub.showsNotifications && sub.streams.some(ownStream)) return true;
      return false;
    },
    get size() {
      return subscribers.size;
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;
