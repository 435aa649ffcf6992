/** @jsxImportSource @kitajs/html */
import { optionalOneOf } from "../schemas.ts";
import { Elysia, t } from "elysia";
import { Compose, ComposePage, periods, type PollValues } from "../../views/compose.tsx";
import { PostCard } from "../../views/post.tsx";
import { DeletePage, EditPage, HistoryPage, QuotesPage, ThreadPage } from "../../views/thread.tsx";
import { Suggestions } from "../../views/compose-suggestions.tsx";
import { searchTags, suggestAccounts } from "../core/search.ts";
import { localEmojiViews } from "../core/custom-emojis.ts";
import { CoreError, ValidationError } from "../core/errors.ts";
import { getSettings } from "../core/instance.ts";
import { applyFilters } from "../core/filters.ts";
import * as interactions from "../core/interactions.ts";
import { choiceIndexes, vote } from "../core/polls.ts";
import { quotesOf, revokeQuote } from "../core/quotes.ts";
import { createPost, deletePost, editPost, findVisiblePost, postHistory, postSource } from "../core/posts.ts";
import { schedulePost } from "../core/scheduled-posts.ts";
import { parseLocalTime } from "../core/times.ts";
import type { Viewer } from "../core/sessions.ts";
import { thread } from "../core/timelines.ts";
import { accountView, loadAccountViews, loadPostViews, type PostView, reusableMediaViews } from "../core/views.ts";
import { mentionableAccount } from "../core/follows.ts";
import { AccountList } from "../../views/profile.tsx";
import type { PageContext } from "../../views/context.ts";
import { type PollInput, quotePolicies, visibilities } from "../db/schema.ts";
import { isHtmx, type PagePlugin, type WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";
import { back, loginFirst, safeNext } from "./redirects.ts";
import { moreLink, WEB_PAGE_SIZE } from "./timelines.tsx";
import { uploadsFromForm } from "./uploads.ts";

const actionNames = [
  "favourite",
  "unfavourite",
  "reblog",
  "unreblog",
  "bookmark",
  "unbookmark",
  "pin",
  "unpin",
  "mute",
  "unmute",
] as const;
const actions: Record<(typeof actionNames)[number], (deps: WebDeps, actor: { id: string }, postId: string) => unknown> = {
  favourite: interactions.favourite,
  unfavourite: interactions.unfavourite,
  reblog: interactions.reblog,
  unreblog: interactions.unreblog,
  bookmark: interactions.bookmark,
  unbookmark: interactions.unbookmark,
  pin: interactions.pin,
  unpin: interactions.unpin,
  mute: interactions.muteConversation,
  unmute: interactions.unmuteConversation,
};

const csrf = t.Optional(t.String());
const postParams = t.Object({ acct: t.String({ maxLength: 400 }), id: t.String({ maxLength: 64 }) });
const oneOrMany = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.File>>(item: T) =>
  t.Optional(t.Union([item, t.Array(item)]));

const upToFour = <T extends ReturnType<typeof t.String>>(item: T) => t.Optional(t.Union([item, t.Array(item, { maxItems: 4 })]));

const composeForm = t.Object({
  _csrf: csrf,
  status: t.String({ maxLength: 20_000 }),
  spoiler_text: t.Optional(t.String({ maxLength: 1000 })),
  visibility: t.Optional(t.Union(visibilities.map((v) => t.Literal(v)))),
  in_reply_to_id: t.Optional(t.String({ maxLength: 64 })),
  idempotency_key: t.Optional(t.String({ maxLength: 200 })),
  media: oneOrMany(t.File()),
  description: oneOrMany(t.String({ maxLength: 1500 })),
  /** A video's or audio file's cover: chosen, or a frame app.js took from the chosen video. */
  thumbnail: t.Optional(t.File()),
  quoted_status_id: t.Optional(t.String({ maxLength: 64 })),
  quote_approval_policy: optionalOneOf(quotePolicies),
  language: t.Optional(t.String({ maxLength: 10 })),
  /** The "Mark media as sensitive" box: "1" when ticked, absent when not. */
  sensitive: t.Optional(t.String({ maxLength: 1 })),
  /** Written on the Messages page: the next compose box there is for a message again. */
  context: optionalOneOf(["messages"]),
  "poll[options][]": oneOrMany(t.String({ maxLength: 200 })),
  "poll[expires_in]": t.Optional(t.String({ maxLength: 10 })),
  "poll[multiple]": t.Optional(t.String({ maxLength: 5 })),
  "poll[hide_totals]": t.Optional(t.String({ maxLength: 5 })),
  /** Publish later: a `datetime-local` time and the member's zone's offset in minutes (app.js). */
  scheduled_at: t.Optional(t.String({ maxLength: 40 })),
  utc_offset: t.Optional(t.String({ maxLength: 6 })),
  /**
   * Files uploaded already (a refused post's, a redraft's, an edited post's) with their alt text,
   * paired by order, and those of them ticked "Remove".
   */
  media_id: upToFour(t.String({ maxLength: 64 })),
  remove_media: upToFour(t.String({ maxLength: 64 })),
  media_listed: t.Optional(t.String({ maxLength: 1 })),
  media_description: upToFour(t.String({ maxLength: 5000 })),
  /** "Delete and redraft": the own post this one replaces. */
  redraft_of: t.Optional(t.String({ maxLength: 64 })),
});

/** The edit page's media descriptions, by media id. */
function pairedDescriptions(body: { media_id?: string | string[]; media_description?: string | string[] }) {
  const texts = asList(body.media_description);
  return Object.fromEntries(
    asList(body.media_id).flatMap((id, i) => (texts[i] === undefined ? [] : [[id, { description: texts[i] }]])),
  );
}

/** The files a form lists as uploaded already, but those ticked "Remove". */
function keptIds(body: { media_id?: string | string[]; remove_media?: string | string[] }): string[] {
  const removed = new Set(asList(body.remove_media));
  return asList(body.media_id).filter((id) => !removed.has(id));
}

/** The compose form's poll, when any of its choices was filled in. */
function pollFromForm(
  body: Pick<typeof composeForm.static, "poll[options][]" | "poll[expires_in]" | "poll[multiple]" | "poll[hide_totals]">,
): PollValues | undefined {
  const options = asList(body["poll[options][]"]).filter((o) => o.trim() !== "");
  if (options.length === 0) return undefined;
  return {
    options,
    expiresIn: body["poll[expires_in]"],
    multiple: body["poll[multiple]"] === "true",
    hideTotals: body["poll[hide_totals]"] === "true",
  };
}

const REFRESH_WAIT_MS = 2000;

/** A poll as the form shows it: its length the nearest the form offers (the API allows others). */
const pollValues = (poll: PollInput): PollValues => ({
  ...poll,
  expiresIn: String(
    periods.reduce<number>(
      (best, [p]) => (Math.abs(p - poll.expiresIn) < Math.abs(best - poll.expiresIn) ? p : best),
      periods[0][0],
    ),
  ),
});

/** A post as the viewer sees it, if they may see it at all. */
export function visiblePostView(deps: Pick<WebDeps, "db" | "baseUrl">, id: string, viewer: Viewer | null): PostView | undefined {
  const viewerId = viewer?.account.id ?? null;
  return findVisiblePost(deps.db, id, viewerId) ? loadPostViews(deps.db, deps.baseUrl, [id], viewerId)[0] : undefined;
}

export function statusRoutes(deps: WebDeps, page: PagePlugin) {
  const { db, baseUrl } = deps;
  const view = (id: string, viewer: Viewer | null) => visiblePostView(deps, id, viewer);
  /** A refused form's files so far, with the alt text as typed: shown again, not to be chosen again. */
  const keptViews = (viewer: Viewer, ids: string[], body: Parameters<typeof pairedDescriptions>[0], ofPost?: string) => {
    const typed = pairedDescriptions(body);
    return reusableMediaViews(db, viewer.account.id, ids, ofPost).map((m) => ({
      ...m,
      description: typed[m.id]?.description ?? m.description,
    }));
  };

  /** The post to show at /@acct/:id: it must exist, be visible, and belong to that account. */
  const threadPost = (acct: string, id: string, viewer: Viewer | null) => {
    const post = view(id, viewer);
    if (!post || post.reblog || post.account.acct.toLowerCase() !== acct.toLowerCase())
      throw new CoreError("This post does not exist or is not visible to you.", 404);
    return post;
  };

  const maxIdQuery = t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) });
  /** Who boosted or liked a post (what the counts under it link to), newest first. */
  const whoPage = (
    c: { params: { acct: string; id: string }; query: { max_id?: string }; viewer: Viewer | null; ctx: PageContext },
    kind: "reblogs" | "favourites",
  ) => {
    const post = threadPost(c.params.acct, c.params.id, c.viewer);
    const rows = interactions.whoInteracted(db, post.id, kind, {
      maxId: c.query.max_id,
      limit: WEB_PAGE_SIZE,
      viewerId: c.viewer?.account.id ?? null,
    });
    const views = loadAccountViews(
      db,
      baseUrl,
      rows.map((r) => r.accountId),
    );
    const last = rows.at(-1)?.id;
    const path = `${new URL(post.localUrl).pathname}/${kind}`;
    return (
      <AccountList
        ctx={c.ctx}
        title={`Who ${kind === "reblogs" ? "boosted" : "liked"} ${post.account.displayName}'s post`}
        accounts={rows.flatMap((r) => views.get(r.accountId) ?? [])}
        more={rows.length === WEB_PAGE_SIZE && last ? `${path}?max_id=${last}` : undefined}
        empty={kind === "reblogs" ? "No one has boosted this post yet." : "No one has liked this post yet."}
        back={{ href: new URL(post.localUrl).pathname, label: "Back to the post" }}
      />
    );
  };

  return new Elysia({ name: "statuses" })
    .use(page)
    .get(
      "/compose",
      ({ ctx, viewer, query, redirect }) => {
        if (!viewer) return redirect(loginFirst("/compose"), 303);
        const replyTo = query.in_reply_to_id ? view(query.in_reply_to_id, viewer) : undefined;
        const quote = query.quote ? view(query.quote, viewer) : undefined;
        // "Mention @name" and "Message @name" from a profile: the handle written, the audience chosen.
        const mentioned = query.mention ? mentionableAccount(db, viewer.account.id, query.mention) : undefined;
        const values = mentioned
          ? { status: `@${accountView(baseUrl, mentioned).acct} `, visibility: query.visibility }
          : undefined;
        return (
          <ComposePage ctx={ctx}>
            <Compose
              ctx={ctx}
              limit={getSettings(db).maxPostLength}
              replyTo={replyTo}
              quote={quote?.reblog ?? quote}
              values={values}
              draftBox={mentioned ? `mention-${mentioned.id}` : undefined}
            />
          </ComposePage>
        );
      },
      {
        query: t.Object({
          in_reply_to_id: t.Optional(t.String({ maxLength: 64 })),
          quote: t.Optional(t.String({ maxLength: 64 })),
          mention: t.Optional(t.String({ maxLength: 64 })),
          visibility: optionalOneOf(visibilities),
        }),
      },
    )
    .get(
      "/compose/suggestions",
      ({ viewer, query, set }) => {
        if (!viewer) {
          set.status = 401;
          return "";
        }
        // Only what the box's script asks for: a word starting with @, # or :.
        const word = query.q.slice(1);
        switch (query.q[0]) {
          case "@": {
            const ids = (word ? suggestAccounts(db, viewer.account.id, word) : []).map((a) => a.id);
            const found = loadAccountViews(db, baseUrl, ids);
            return <Suggestions accounts={ids.flatMap((id) => found.get(id) ?? [])} />;
          }
          case "#":
            return <Suggestions tags={word ? searchTags(db, word, 6).map((tag) => tag.display) : []} />;
          case ":": {
            const found =
              word.length >= 2
                ? localEmojiViews(db).filter(
                    (e) => e.local?.visibleInPicker && e.shortcode.toLowerCase().includes(word.toLowerCase()),
                  )
                : [];
            return <Suggestions emojis={found.slice(0, 6)} />;
          }
          default:
            return "";
        }
      },
      { query: t.Object({ q: t.String({ maxLength: 100 }) }) },
    )
    .post(
      "/statuses",
      async ({ body, ctx, viewer, request, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        const limit = getSettings(db).maxPostLength;
        const replyTo = body.in_reply_to_id ? view(body.in_reply_to_id, viewer) : undefined;
        const quote = body.quoted_status_id ? view(body.quoted_status_id, viewer) : undefined;
        const messages = body.context === "messages";
        const redraftOf = body.redraft_of || undefined;
        const composeProps = {
          ctx,
          limit,
          replyTo,
          messages,
        };
        const poll = pollFromForm(body);
        // What was uploaded already comes first; a refused post keeps the new uploads too.
        let mediaIds = keptIds(body);
        // The redraft page offers no schedule: only a hand-made form sends one.
        if (redraftOf && body.scheduled_at?.trim())
          throw new CoreError("A redraft is posted at once: post it, then schedule a new post.", 422);
        try {
          mediaIds = [...mediaIds, ...(await uploadsFromForm(deps, viewer.account.id, body))];
          const input = {
            poll: poll && { ...poll, expiresIn: Number(poll.expiresIn ?? 86_400) },
            quotedId: body.quoted_status_id || undefined,
            quotePolicy: body.quote_approval_policy,
            status: body.status,
            spoilerText: body.spoiler_text,
            visibility: body.visibility,
            inReplyToId: body.in_reply_to_id || undefined,
            language: body.language || undefined,
            sensitive: body.sensitive === "1",
            mediaIds,
            mediaAttributes: pairedDescriptions(body),
            idempotencyKey: body.idempotency_key,
          };
          if (body.scheduled_at?.trim()) {
            const at = parseLocalTime(body.scheduled_at, Number(body.utc_offset ?? 0));
            schedulePost(deps, viewer.account, input, at);
            if (!isHtmx(request)) return redirect("/scheduled", 303);
            set.headers["hx-redirect"] = "/scheduled";
            return "";
          }
          const post = await createPost(deps, viewer.account, input, { redraftOf });
          const created = view(post.id, viewer);
          const ownPage = created ? new URL(created.localUrl).pathname : "/";
          if (!isHtmx(request)) {
            if (redraftOf) return redirect(ownPage, 303);
            return redirect(replyTo ? replyTo.localUrl.replace(baseUrl.origin, "") : messages ? "/messages" : "/", 303);
          }
          // The compose page (a quote, a redraft, or a post begun away from a timeline) has nowhere
          // to show the post: its own page does, and says it went out.
          const from = request.headers.get("hx-current-url");
          if (redraftOf || (from && URL.canParse(from) && new URL(from).pathname === "/compose")) {
            set.headers["hx-redirect"] = ownPage;
            return "";
          }
          return (
            <>
              <Compose {...composeProps} />
              {created && !replyTo ? (
                <div hx-swap-oob="afterbegin:#feed">
                  <PostCard ctx={ctx} post={created} />
                </div>
              ) : created ? (
                <div hx-swap-oob="beforeend:.replies">
                  <PostCard ctx={ctx} post={created} />
                </div>
              ) : (
                ""
              )}
            </>
          );
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const values = {
            status: body.status,
            spoiler_text: body.spoiler_text,
            visibility: body.visibility,
            poll,
            quote_approval_policy: body.quote_approval_policy,
            scheduled_at: body.scheduled_at,
            utc_offset: body.utc_offset,
            language: body.language,
            sensitive: body.sensitive === "1",
          };
          const kept = keptViews(viewer, mediaIds, body, redraftOf);
          const form = (
            <Compose
              {...composeProps}
              quote={quote}
              values={values}
              errors={error.fields}
              kept={kept}
              redraftOf={redraftOf}
              draftBox={redraftOf ? `redraft-${redraftOf}` : undefined}
            />
          );
          return isHtmx(request) ? (
            form
          ) : (
            <ComposePage ctx={ctx} redraft={Boolean(redraftOf)}>
              {form}
            </ComposePage>
          );
        }
      },
      { body: composeForm },
    )
    .post(
      "/statuses/:id/quotes/:quotingId/revoke",
      ({ params, viewer, ctx, request, redirect }) => {
        if (!viewer) return redirect(loginFirst(back(request, "/")), 303);
        revokeQuote(deps, viewer.account.id, params.id, params.quotingId);
        if (!isHtmx(request)) return redirect(back(request, "/"), 303);
        const updated = view(params.quotingId, viewer);
        return updated ? <PostCard ctx={ctx} post={updated} /> : "";
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), quotingId: t.String({ maxLength: 64 }) }),
        body: t.Optional(t.Object({ _csrf: csrf })),
      },
    )
    .post(
      "/statuses/:id/votes",
      ({ params, body, viewer, ctx, request, set, redirect }) => {
        if (!viewer) return redirect(loginFirst(back(request, "/")), 303);
        // The form is on the post as shown: a boost votes in the boosted post's poll.
        const shown = view(params.id, viewer);
        const choices = choiceIndexes(asList(body.choices));
        let problem: string | undefined;
        try {
          vote(deps, viewer.account, shown?.reblog?.id ?? params.id, choices);
        } catch (error) {
          if (!(error instanceof CoreError) || error.status !== 422 || !isHtmx(request)) throw error;
          problem = error.message;
          set.status = 422;
        }
        if (!isHtmx(request)) return redirect(back(request, "/"), 303);
        const updated = view(params.id, viewer);
        return updated ? <PostCard ctx={ctx} post={updated} pollProblem={problem} /> : "";
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Object({ _csrf: csrf, choices: oneOrMany(t.String({ maxLength: 3 })) }),
      },
    )
    .post(
      "/statuses/:id/:action",
      ({ params, viewer, ctx, request, redirect }) => {
        if (!viewer) return redirect(loginFirst(back(request, "/")), 303);
        actions[params.action](deps, viewer.account, params.id);
        if (!isHtmx(request)) return redirect(back(request, "/"), 303);
        const updated = view(params.id, viewer);
        return updated ? <PostCard ctx={ctx} post={updated} /> : "";
      },
      {
        params: t.Object({
          id: t.String({ maxLength: 64 }),
          action: t.UnionEnum(actionNames),
        }),
        body: t.Optional(t.Object({ _csrf: csrf })),
      },
    )
    .get("/statuses/:id/delete", ({ params, viewer, ctx, request, redirect }) => {
      if (!viewer) return redirect(loginFirst(`/statuses/${params.id}/delete`), 303);
      const post = view(params.id, viewer);
      if (!post || post.account.id !== viewer.account.id) throw new CoreError("You can delete only your own posts.", 403);
      // Back where the member asked from (a timeline, a profile), unless that was the post's own page.
      const from = back(request, "");
      const returnTo = from && !from.includes(post.id) ? from : `/@${viewer.account.username}`;
      return <DeletePage ctx={ctx} post={post} returnTo={returnTo} />;
    })
    .post(
      "/statuses/:id/delete",
      ({ params, body, viewer, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        deletePost(deps, viewer.account, params.id);
        return redirect(body?.return_to ? safeNext(body.return_to) : `/@${viewer.account.username}`, 303);
      },
      { body: t.Optional(t.Object({ _csrf: t.Optional(t.String()), return_to: t.Optional(t.String({ maxLength: 2000 })) })) },
    )
    .get("/statuses/:id/redraft", ({ params, viewer, ctx, redirect }) => {
      if (!viewer) return redirect(loginFirst(`/statuses/${params.id}/redraft`), 303);
      const source = postSource(db, viewer.account, params.id);
      const replyTo = source.inReplyToId ? view(source.inReplyToId, viewer) : undefined;
      const quote = source.quotedId ? view(source.quotedId, viewer) : undefined;
      const values = {
        status: source.status,
        spoiler_text: source.spoilerText,
        visibility: source.visibility,
        quote_approval_policy: source.quotePolicy,
        language: source.language,
        sensitive: source.sensitive,
        poll: source.poll && pollValues(source.poll),
      };
      return (
        <ComposePage ctx={ctx} redraft>
          <Compose
            ctx={ctx}
            limit={getSettings(db).maxPostLength}
            replyTo={replyTo}
            quote={quote}
            values={values}
            kept={reusableMediaViews(db, viewer.account.id, source.mediaIds, params.id)}
            redraftOf={params.id}
            draftBox={`redraft-${params.id}`}
          />
        </ComposePage>
      );
    })
    .get("/statuses/:id/edit", ({ params, viewer, ctx, redirect }) => {
      if (!viewer) return redirect(loginFirst(`/statuses/${params.id}/edit`), 303);
      const post = view(params.id, viewer);
      if (!post || post.account.id !== viewer.account.id) throw new CoreError("You can edit only your own posts.", 403);
      // The post's own mark (the view's is also set by the moderators marking the account), and its poll.
      const source = postSource(db, viewer.account, post.id);
      // Its poll ends when it did unless the member picks a new length ("As now" first).
      const values = { sensitive: source.sensitive, poll: source.poll && { ...source.poll, expiresIn: "keep" } };
      return <EditPage ctx={ctx} post={post} limit={getSettings(db).maxPostLength} values={values} />;
    })
    .post(
      "/statuses/:id/edit",
      async ({ params, body, viewer, ctx, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        const poll = pollFromForm(body);
        // The files ticked, then new ones (kept when the edit is refused, as a new post's).
        let mediaIds = keptIds(body);
        try {
          const uploaded = await uploadsFromForm(deps, viewer.account.id, body);
          mediaIds = [...mediaIds, ...uploaded];
          // A form without files or poll fields (a post with none, or a form made by hand) leaves them.
          const listsFiles = body.media_listed === "1" || body.media_id !== undefined || uploaded.length > 0;
          const files = listsFiles ? mediaIds.length : (view(params.id, viewer)?.media.length ?? 0);
          editPost(deps, viewer.account, params.id, {
            status: body.status,
            spoilerText: body.spoiler_text,
            // The mark is about files: with none left it goes; a form that lists none leaves it.
            sensitive: files > 0 ? body.sensitive === "1" : listsFiles ? false : undefined,
            language: body.language,
            quotePolicy: body.quote_approval_policy,
            mediaAttributes: pairedDescriptions(body),
            mediaIds: listsFiles ? mediaIds : undefined,
            // Choices left empty take the poll away; the same choices keep its votes.
            poll:
              body["poll[options][]"] === undefined
                ? undefined
                : poll
                  ? poll.expiresIn === "keep"
                    ? { ...poll, expiresIn: 86_400, keepEnd: true }
                    : { ...poll, expiresIn: Number(poll.expiresIn ?? 86_400) }
                  : null,
          });
          return redirect(`/@${viewer.account.username}/${params.id}`, 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          const post = view(params.id, viewer);
          if (!post) throw error;
          set.status = 422;
          return (
            <EditPage
              ctx={ctx}
              post={post}
              limit={getSettings(db).maxPostLength}
              errors={error.fields}
              values={{
                status: body.status,
                spoiler_text: body.spoiler_text ?? "",
                quote_approval_policy: body.quote_approval_policy,
                language: body.language,
                sensitive: body.sensitive === "1",
                kept: keptViews(viewer, mediaIds, body, post.id),
                poll,
              }}
            />
          );
        }
      },
      // The compose form's fields but those a post keeps for good (audience, reply, quote).
      {
        body: t.Omit(composeForm, [
          "visibility",
          "in_reply_to_id",
          "quoted_status_id",
          "idempotency_key",
          "context",
          "scheduled_at",
          "utc_offset",
          "redraft_of",
        ]),
      },
    )
    .get(
      "/@:acct/:id/quotes",
      ({ params, query, viewer, ctx }) => {
        const post = threadPost(params.acct, params.id, viewer);
        const viewerId = viewer?.account.id ?? null;
        const ids = quotesOf(db, post.id, viewerId, { maxId: query.max_id, limit: WEB_PAGE_SIZE });
        const quotes = applyFilters(db, viewerId, "thread", loadPostViews(db, baseUrl, ids, viewerId));
        const more = moreLink(`${new URL(post.localUrl).pathname}/quotes`, ids);
        return <QuotesPage ctx={ctx} post={post} quotes={quotes} more={more} />;
      },
      { params: postParams, query: t.Object({ max_id: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .get("/@:acct/:id/reblogs", (c) => whoPage(c, "reblogs"), { params: postParams, query: maxIdQuery })
    .get("/@:acct/:id/favourites", (c) => whoPage(c, "favourites"), { params: postParams, query: maxIdQuery })
    .get(
      "/@:acct/:id",
      async ({ params, viewer, ctx }) => {
        let post = threadPost(params.acct, params.id, viewer);
        // A remote post's page completes its conversation from its server, once.
        if (post.account.domain) {
          await deps.resolver.fetchReplies(post.uri);
          // For a member, an open poll's counts as its server has them now (once a minute at most),
          // waited for two seconds at most: a slow server does not hold the page.
          if (viewer && post.poll && !post.poll.expired)
            await Promise.race([deps.resolver.refreshPost(post.uri), Bun.sleep(REFRESH_WAIT_MS)]);
          post = threadPost(params.acct, params.id, viewer);
        }
        const viewerId = viewer?.account.id ?? null;
        const { ancestors, descendants } = thread(db, viewerId, post.id);
        // The viewer's `thread` filters: the post the page is about is folded at most, never left out.
        const views = (ids: string[]) => applyFilters(db, viewerId, "thread", loadPostViews(db, baseUrl, ids, viewerId));
        return (
          <ThreadPage
            ctx={ctx}
            post={applyFilters(db, viewerId, "thread", [post], post.id)[0] ?? post}
            ancestors={views(ancestors)}
            descendants={views(descendants)}
            limit={getSettings(db).maxPostLength}
          />
        );
      },
      { params: postParams },
    )
    .get(
      "/@:acct/:id/history",
      ({ params, viewer, ctx }) => {
        const post = threadPost(params.acct, params.id, viewer);
        const current = findVisiblePost(db, post.id, viewer?.account.id ?? null);
        const versions = [
          ...postHistory(db, post.id),
          ...(current
            ? [
                {
                  contentHtml: current.contentHtml,
                  spoilerText: current.spoilerText,
                  createdAt: current.editedAt ?? current.createdAt,
                },
              ]
            : []),
        ];
        return <HistoryPage ctx={ctx} post={post} versions={versions} />;
      },
      { params: postParams },
    );
}
