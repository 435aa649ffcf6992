import { Elysia, t } from "elysia";
import {
  activeAnnouncements,
  addReaction,
  type AnnouncementView,
  dismissAnnouncement,
  removeReaction,
} from "../core/announcements.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { emojiEntity } from "./entities.ts";
import { flag, tFlag } from "./params.ts";

/** Mastodon's Announcement entity, as the member sees it (their read mark, their reactions). */
export function announcementEntity(a: AnnouncementView, baseUrl: URL) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: a.id,
    content: a.html,
    starts_at: iso(a.startsAt),
    ends_at: iso(a.endsAt),
    all_day: a.allDay,
    published: a.state === "published",
    published_at: iso(a.publishedAt),
    updated_at: a.updatedAt.toISOString(),
    read: a.read,
    mentions: a.mentions.map((m) => ({
      id: m.id,
      username: m.username,
      url: m.url ?? new URL(`/@${m.username}`, baseUrl).href,
      acct: m.domain ? `${m.username}@${m.domain}` : m.username,
    })),
    statuses: [],
    tags: a.tags.map((name) => ({ name, url: new URL(`/tags/${encodeURIComponent(name)}`, baseUrl).href })),
    emojis: a.emojis.map((e) => emojiEntity(e, baseUrl)),
    reactions: a.reactions.map((r) => ({
      name: r.name,
      count: r.count,
      me: r.me,
      ...(r.emoji ? { url: emojiEntity(r.emoji, baseUrl).url, static_url: emojiEntity(r.emoji, baseUrl).static_url } : {}),
    })),
  };
}

const id = t.Object({ id: t.String({ maxLength: 64 }) });
const reaction = t.Object({ id: t.String({ maxLength: 64 }), name: t.String({ maxLength: 100 }) });

/** The staff's announcements: members list them, dismiss them and react to them. */
export function announcementApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  return new Elysia({ name: "api-announcements" })
    .use(api)
    .get(
      "/api/v1/announcements",
      ({ member, query }) =>
        activeAnnouncements(db, baseUrl, member("read").account.id, { withDismissed: flag(query.with_dismissed) ?? false }).map(
          (a) => announcementEntity(a, baseUrl),
        ),
      { query: t.Object({ with_dismissed: tFlag }) },
    )
    .post(
      "/api/v1/announcements/:id/dismiss",
      ({ member, params }) => {
        dismissAnnouncement(db, member("write:accounts").account.id, params.id);
        return {};
      },
      { params: id },
    )
    .put(
      "/api/v1/announcements/:id/reactions/:name",
      ({ member, params }) => {
        addReaction(deps, member("write:favourites").account.id, params.id, params.name);
        return {};
      },
      { params: reaction },
    )
    .delete(
      "/api/v1/announcements/:id/reactions/:name",
      ({ member, params }) => {
        removeReaction(deps, member("write:favourites").account.id, params.id, params.name);
        return {};
      },
      { params: reaction },
    );
}
