import { Elysia, t } from "elysia";
import {
  cancelScheduled,
  getScheduled,
  listScheduled,
  reschedule,
  type ScheduledPost,
  scheduledMedia,
} from "../core/scheduled-posts.ts";
import { parseUtcTime } from "../core/times.ts";
import type { Db } from "../db/open.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { mediaEntity } from "./entities.ts";
import { linkHeader, pageQuery, paging } from "./params.ts";

/** Mastodon's ScheduledStatus entity: the post's parameters as the app sent them, and its images. */
export function scheduledEntities(db: Db, baseUrl: URL, rows: ScheduledPost[]) {
  const media = scheduledMedia(db, rows);
  return rows.map((row) => {
    const p = row.params;
    return {
      id: row.id,
      scheduled_at: row.scheduledAt.toISOString(),
      params: {
        text: p.status,
        poll: p.poll
          ? {
              options: p.poll.options,
              expires_in: String(p.poll.expiresIn),
              multiple: !!p.poll.multiple,
              hide_totals: !!p.poll.hideTotals,
            }
          : null,
        media_ids: p.mediaIds?.length ? p.mediaIds : null,
        sensitive: p.sensitive ?? null,
        spoiler_text: p.spoilerText || null,
        visibility: p.visibility ?? "public",
        in_reply_to_id: p.inReplyToId ?? null,
        language: p.language ?? null,
        application_id: null,
        scheduled_at: null,
        idempotency: null,
        with_rate_limit: false,
        quoted_status_id: p.quotedId ?? null,
        quote_approval_policy: p.quotePolicy ?? null,
      },
      media_attachments: (media.get(row.id) ?? []).map((m) => mediaEntity(m, baseUrl)),
      // Skein's: why it was not published when its time came (null while it waits).
      error: row.error,
    };
  });
}

const id = t.Object({ id: t.String({ maxLength: 64 }) });

/** A member's scheduled posts: list, read, move to another time, cancel. */
export function scheduledApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  const one = (accountId: string, scheduledId: string) =>
    scheduledEntities(db, baseUrl, [getScheduled(db, accountId, scheduledId)])[0];
  return new Elysia({ name: "api-scheduled" })
    .use(api)
    .get(
      "/api/v1/scheduled_statuses",
      ({ member, query, request, set }) => {
        const rows = listScheduled(db, member("read:statuses").account.id, pageQuery(query));
        const link = linkHeader(
          request.url,
          rows.map((r) => r.id),
        );
        if (link) set.headers.link = link;
        return scheduledEntities(db, baseUrl, rows);
      },
      { query: t.Object(paging) },
    )
    .get("/api/v1/scheduled_statuses/:id", ({ member, params }) => one(member("read:statuses").account.id, params.id), {
      params: id,
    })
    .put(
      "/api/v1/scheduled_statuses/:id",
      ({ member, params, body }) => {
        const me = member("write:statuses");
        reschedule(db, me.account.id, params.id, parseUtcTime(body.scheduled_at ?? ""));
        return one(me.account.id, params.id);
      },
      { params: id, body: t.Object({ scheduled_at: t.Optional(t.String({ maxLength: 40 })) }) },
    )
    .delete(
      "/api/v1/scheduled_statuses/:id",
      ({ member, params }) => {
        cancelScheduled(db, member("write:statuses").account.id, params.id);
        return {};
      },
      { params: id },
    );
}
