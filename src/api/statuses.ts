import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { CoreError } from "../core/errors.ts";
import * as interactions from "../core/interactions.ts";
import { choiceIndexes, type PollInput, vote } from "../core/polls.ts";
import { quotesOf, revokeQuote, setQuotePolicy } from "../core/quotes.ts";
import { createPost, deletePost, editPost, findVisiblePost, postHistory } from "../core/posts.ts";
import { schedulePost } from "../core/scheduled-posts.ts";
import { parseUtcTime } from "../core/times.ts";
import { thread } from "../core/timelines.ts";
import { applyFilters } from "../core/filters.ts";
import { loadPostViews } from "../core/views.ts";
import { posts, quotePolicies, visibilities } from "../db/schema.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";
import { scheduledEntities } from "./scheduled.ts";
import { accountEntities, type ApiStatus, pollEntity, statusEntities } from "./entities.ts";
import { flag, limitOf, linkHeader, list, nested, nestedList, nullAsAbsent, paging, text, tFlag, tList } from "./params.ts";
import { MAX_MEDIA, type MediaChange } from "../core/media.ts";
import { optionalOneOf } from "../schemas.ts";

const id = t.Object({ id: t.String({ maxLength: 64 }) });

const statusParams = t.Object({
  status: t.Optional(t.String({ maxLength: 20_000 })),
  spoiler_text: t.Optional(t.String({ maxLength: 1000 })),
  visibility: optionalOneOf(visibilities),
  in_reply_to_id: t.Optional(t.String({ maxLength: 64 })),
  sensitive: tFlag,
  language: t.Optional(t.String({ maxLength: 10 })),
  media_ids: tList(4),
  "media_ids[]": tList(4),
  scheduled_at: t.Optional(t.String({ maxLength: 40 })),
  quoted_status_id: t.Optional(t.String({ maxLength: 64 })),
  quote_approval_policy: optionalOneOf(quotePolicies),
  // A poll as JSON, or as form fields named like `poll[options][]` (read by pollParam).
  poll: t.Optional(
    t.Object({
      options: tList(10),
      expires_in: t.Optional(t.Union([t.Number(), t.String({ maxLength: 20 })])),
      multiple: tFlag,
      hide_totals: tFlag,
    }),
  ),
  "poll[options][]": tList(10),
  "poll[options]": tList(10),
  "poll[expires_in]": t.Optional(t.String({ maxLength: 20 })),
  "poll[multiple]": tFlag,
  "poll[hide_totals]": tFlag,
});

// An edit also carries `media_attributes` (new descriptions of the post's media), as JSON or as
// flattened form fields `media_attributes[][id]`: allowed beside the named ones, bounded.
const editParams = t.Object(
  { ...statusParams.properties, media_attributes: t.Optional(t.Unknown()) },
  { additionalProperties: true, maxProperties: 60 },
);

/** The media descriptions and focal points an edit sends, by media id. */
function mediaAttributes(body: Record<string, unknown>): Record<string, MediaChange> {
  const entries = nestedList(body, "media_attributes").slice(0, MAX_MEDIA);
  return Object.fromEntries(
    entries.flatMap((e) => {
      const id = text(e.id);
      return id ? [[id, { description: text(e.description), focus: text(e.focus) }]] : [];
    }),
  );
}

/** The poll of a status's parameters, however it was sent; undefined when there is none. */
function pollParam(body: Record<string, unknown>): PollInput | undefined {
  const poll = nested(body).poll;
  if (poll === null || typeof poll !== "object") return undefined;
  const fields = poll as Record<string, unknown>;
  const options = list(fields, "options");
  if (options.length === 0 && fields.expires_in === undefined) return undefined;
  return {
    options,
    expiresIn: Number(text(fields.expires_in) ?? 86_400),
    multiple: flag(fields.multiple),
    hideTotals: flag(fields.hide_totals),
  };
}

/** Statuses: post, read, edit, delete, and the interactions on one. */
export function statusApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  const { db, baseUrl } = deps;
  /** One status as the viewer sees it; 404 when it does not exist or is not theirs to see. */
  const status = (postId: string, viewerId: string | null) => {
    const view = findVisiblePost(db, postId, viewerId) ? loadPostViews(db, baseUrl, [postId], viewerId)[0] : undefined;
    if (!view) throw new CoreError("Record not found", 404);
    // A single status: every filter of the viewer's counts (clients pick by context), none hides.
    return statusEntities(db, baseUrl, applyFilters(db, viewerId, null, [view]))[0] as ApiStatus;
  };
  const pollOf = (postId: string, viewerId: string | null) => {
    const poll = status(postId, viewerId).poll;
    if (!poll) throw new CoreError("Record not found", 404);
    return poll;
  };
  const statuses = (ids: string[], viewerId: string | null) =>
    statusEntities(db, baseUrl, applyFilters(db, viewerId, "thread", loadPostViews(db, baseUrl, ids, viewerId)));
  /** An interaction, then the status as it now is (Mastodon answers with it). */
  const interaction =
    (act: (deps: ApiDeps, actor: { id: string }, postId: string) => unknown, scope: string) =>
    ({ member, params }: { member: (scope: string) => { account: { id: string } }; params: { id: string } }) => {
      const me = member(scope);
      if (!findVisiblePost(db, params.id, me.account.id)) throw new CoreError("Record not found", 404);
      act(deps, me.account, params.id);
      return status(params.id, me.account.id);
    };

  return new Elysia({ name: "api-statuses" })
    .use(api)
    .post(
      "/api/v1/statuses",
      async ({ member, body, headers }) => {
        const me = member("write:statuses");
        const input = {
          status: body.status ?? "",
          spoilerText: body.spoiler_text,
          visibility: body.visibility,
          inReplyToId: body.in_reply_to_id || undefined,
          mediaIds: [...list(body, "media_ids")],
          sensitive: flag(body.sensitive),
          language: body.language,
          poll: pollParam(body),
          quotedId: body.quoted_status_id || undefined,
          quotePolicy: body.quote_approval_policy,
          idempotencyKey: headers["idempotency-key"],
          applicationId: me.app.id,
        };
        // With a time, Mastodon answers with the ScheduledStatus instead of a status.
        if (body.scheduled_at) {
          const at = parseUtcTime(body.scheduled_at);
          const scheduled = schedulePost(deps, me.account, input, at);
          return scheduledEntities(db, baseUrl, [scheduled])[0];
        }
        const post = await createPost(deps, me.account, input);
        return status(post.id, me.account.id);
      },
      { body: statusParams, transform: nullAsAbsent },
    )
    .get(
      "/api/v1/statuses",
      ({ authorized, token, query }) => {
        if (token) authorized("read:statuses");
        const viewer = token?.account?.id ?? null;
        // Those the viewer may see, in the order asked for; the others are left out, as in Mastodon.
        const ids = [...new Set(list(query, "id"))].filter((postId) => findVisiblePost(db, postId, viewer));
        const views = new Map(loadPostViews(db, baseUrl, ids, viewer).map((v) => [v.id, v]));
        const ordered = ids.flatMap((postId) => views.get(postId) ?? []);
        return statusEntities(db, baseUrl, applyFilters(db, viewer, null, ordered));
      },
      { query: t.Object({ id: tList(20), "id[]": tList(20) }) },
    )
    .get(
      "/api/v1/statuses/:id",
      ({ authorized, token, params }) => {
        if (token) authorized("read:statuses");
        return status(params.id, token?.account?.id ?? null);
      },
      { params: id },
    )
    .delete(
      "/api/v1/statuses/:id",
      ({ member, params, query }) => {
        const me = member("write:statuses");
        const gone = status(params.id, me.account.id);
        const source = db.select({ text: posts.text }).from(posts).where(eq(posts.id, params.id)).get();
        // Its images stay a day for "delete and redraft", unless the app says delete_media.
        deletePost(deps, me.account, params.id, { keepMedia: flag(query.delete_media) !== true });
        // With its source text, so clients can "delete and redraft".
        return { ...gone, text: source?.text ?? "" };
      },
      { params: id, query: t.Object({ delete_media: tFlag }) },
    )
    .put(
      "/api/v1/statuses/:id",
      ({ member, params, body }) => {
        const me = member("write:statuses");
        status(params.id, me.account.id);
        editPost(deps, me.account, params.id, {
          status: body.status ?? "",
          spoilerText: body.spoiler_text,
          sensitive: flag(body.sensitive),
          language: body.language,
          // An edit without a poll removes it, as on Mastodon.
          poll: pollParam(body) ?? null,
          quotePolicy: body.quote_approval_policy,
          mediaAttributes: mediaAttributes(body),
          // The files from now on, when sent (an empty list takes them all away); else they stay.
          mediaIds: "media_ids" in body || "media_ids[]" in body ? [...list(body, "media_ids")] : undefined,
        });
        return status(params.id, me.account.id);
      },
      { params: id, body: editParams, transform: nullAsAbsent },
    )
    .get(
      "/api/v1/statuses/:id/source",
      ({ member, params }) => {
        const me = member("read:statuses");
        const row = db.select().from(posts).where(eq(posts.id, params.id)).get();
        if (!row || row.accountId !== me.account.id) throw new CoreError("Record not found", 404);
        return { id: row.id, text: row.text ?? "", spoiler_text: row.spoilerText };
      },
      { params: id },
    )
    .get(
      "/api/v1/statuses/:id/history",
      ({ token, authorized, params }) => {
        if (token) authorized("read:statuses");
        const current = status(params.id, token?.account?.id ?? null);
        const edits = postHistory(db, params.id);
        const account = current.account;
        return [
          ...edits.map((e) => ({
            content: e.contentHtml,
            spoiler_text: e.spoilerText,
            sensitive: e.sensitive,
            created_at: e.createdAt.toISOString(),
            account,
            poll: null,
            media_attachments: current.media_attachments,
            emojis: current.emojis,
          })),
          {
            content: current.content,
            spoiler_text: current.spoiler_text,
            sensitive: current.sensitive,
            created_at: current.edited_at ?? current.created_at,
            account,
            poll: null,
            media_attachments: current.media_attachments,
            emojis: current.emojis,
          },
        ];
      },
      { params: id },
    )
    .get(
      "/api/v1/statuses/:id/context",
      ({ token, authorized, params }) => {
        if (token) authorized("read:statuses");
        const viewerId = token?.account?.id ?? null;
        status(params.id, viewerId);
        const { ancestors, descendants } = thread(db, viewerId, params.id);
        return { ancestors: statuses(ancestors, viewerId), descendants: statuses(descendants, viewerId) };
      },
      { params: id },
    )
    .get(
      "/api/v1/polls/:id",
      ({ authorized, token, params }) => {
        if (token) authorized("read:statuses");
        const poll = pollOf(params.id, token?.account?.id ?? null);
        // For a signed-in app, another server's open poll is fetched again in the background
        // (once a minute at most), as Mastodon does.
        const uri =
          poll.expired || !token?.account
            ? null
            : db.select({ uri: posts.uri }).from(posts).where(eq(posts.id, params.id)).get()?.uri;
        if (uri) void deps.resolver?.refreshPost(uri);
        return poll;
      },
      { params: id },
    )
    .post(
      "/api/v1/polls/:id/votes",
      ({ member, params, body }) => {
        const me = member("write:statuses");
        const given = body.choices ?? body["choices[]"] ?? [];
        return pollEntity(vote(deps, me.account, params.id, choiceIndexes(Array.isArray(given) ? given : [given])));
      },
      // Choices as numbers (JSON) or strings (form fields).
      {
        params: id,
        body: t.Object({
          choices: t.Optional(t.Union([tList(10), t.Array(t.Number(), { maxItems: 10 })])),
          "choices[]": tList(10),
        }),
      },
    )
    .post("/api/v1/statuses/:id/favourite", interaction(interactions.favourite, "write:favourites"), { params: id })
    .post("/api/v1/statuses/:id/unfavourite", interaction(interactions.unfavourite, "write:favourites"), { params: id })
    .post("/api/v1/statuses/:id/bookmark", interaction(interactions.bookmark, "write:bookmarks"), { params: id })
    .post("/api/v1/statuses/:id/unbookmark", interaction(interactions.unbookmark, "write:bookmarks"), { params: id })
    .post("/api/v1/statuses/:id/pin", interaction(interactions.pin, "write:accounts"), { params: id })
    .post("/api/v1/statuses/:id/unpin", interaction(interactions.unpin, "write:accounts"), { params: id })
    .post("/api/v1/statuses/:id/unreblog", interaction(interactions.unreblog, "write:statuses"), { params: id })
    .post("/api/v1/statuses/:id/mute", interaction(interactions.muteConversation, "write:mutes"), { params: id })
    .post("/api/v1/statuses/:id/unmute", interaction(interactions.unmuteConversation, "write:mutes"), { params: id })
    .post(
      "/api/v1/statuses/:id/reblog",
      ({ member, params }) => {
        const me = member("write:statuses");
        if (!findVisiblePost(db, params.id, me.account.id)) throw new CoreError("Record not found", 404);
        // The boost itself, carrying the boosted status.
        return status(interactions.reblog(deps, me.account, params.id), me.account.id);
      },
      { params: id },
    )
    .get(
      "/api/v1/statuses/:id/favourited_by",
      ({ token, authorized, params, query, request, set }) => {
        if (token) authorized("read:statuses");
        status(params.id, token?.account?.id ?? null);
        return accountsWho(
          interactions.whoInteracted(db, params.id, "favourites", {
            maxId: query.max_id,
            limit: limitOf(query, 40, 80),
            viewerId: token?.account?.id ?? null,
          }),
          request,
          set,
        );
      },
      { params: id, query: t.Object(paging) },
    )
    .get(
      "/api/v1/statuses/:id/quotes",
      ({ member, params, query, request, set }) => {
        const me = member("read:statuses");
        status(params.id, me.account.id);
        // Anyone who may see the post sees the quotes they may see (its author may revoke them).
        const ids = quotesOf(db, params.id, me.account.id, { maxId: query.max_id, limit: limitOf(query, 20, 40) });
        const link = linkHeader(request.url, ids);
        if (link) set.headers.link = link;
        return statuses(ids, me.account.id);
      },
      { params: id, query: t.Object(paging) },
    )
    .put(
      "/api/v1/statuses/:id/interaction_policy",
      ({ member, params, body }) => {
        const me = member("write:statuses");
        setQuotePolicy(deps, me.account.id, params.id, body.quote_approval_policy);
        return status(params.id, me.account.id);
      },
      { params: id, body: t.Object({ quote_approval_policy: optionalOneOf(quotePolicies) }) },
    )
    .post(
      "/api/v1/statuses/:id/quotes/:quoting_status_id/revoke",
      ({ member, params }) => {
        const me = member("write:statuses");
        revokeQuote(deps, me.account.id, params.id, params.quoting_status_id);
        return status(params.quoting_status_id, me.account.id);
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }), quoting_status_id: t.String({ maxLength: 64 }) }) },
    )
    .get(
      "/api/v1/statuses/:id/reblogged_by",
      ({ token, authorized, params, query, request, set }) => {
        if (token) authorized("read:statuses");
        status(params.id, token?.account?.id ?? null);
        return accountsWho(
          interactions.whoInteracted(db, params.id, "reblogs", {
            maxId: query.max_id,
            limit: limitOf(query, 40, 80),
            viewerId: token?.account?.id ?? null,
          }),
          request,
          set,
        );
      },
      { params: id, query: t.Object(paging) },
    );

  /** The accounts behind likes or boosts, paged by the likes' (or boosts') ids. */
  function accountsWho(
    rows: { id: string; accountId: string }[],
    request: Request,
    set: { headers: Record<string, string | number> },
  ) {
    const link = linkHeader(
      request.url,
      rows.map((r) => r.id),
    );
    if (link) set.headers.link = link;
    const entities = accountEntities(
      db,
      baseUrl,
      rows.map((r) => r.accountId),
    );
    return rows.flatMap((r) => entities.get(r.accountId) ?? []);
  }
}
