/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import { PostCard } from "../../views/post.tsx";
import { Layout } from "../../views/layout.tsx";
import { CoreError, ValidationError } from "../core/errors.ts";
import type { Viewer } from "../core/sessions.ts";
import { type PostTranslation, TranslationFailed, translatePost } from "../core/translations.ts";
import type { PostView } from "../core/views.ts";
import { isHtmx, type PagePlugin, type WebDeps } from "./context.ts";
import { visiblePostView } from "./statuses.tsx";
import { loginFirst } from "./redirects.ts";

/** The post shown with its translated words (a boost: the boosted post's). */
function translatedView(shown: PostView, row: PostTranslation): PostView {
  const post = shown.reblog ?? shown;
  const descriptions = new Map(row.media.map((m) => [m.id, m.description]));
  const translated: PostView = {
    ...post,
    contentHtml: row.contentHtml,
    spoilerText: row.spoilerText || post.spoilerText,
    language: row.language,
    poll: post.poll && {
      ...post.poll,
      options: post.poll.options.map((o, i) => ({ ...o, title: row.pollOptions[i] || o.title })),
    },
    media: post.media.map((m) => ({ ...m, description: descriptions.get(m.id) || m.description })),
    translated: { from: row.detectedLanguage, provider: row.provider },
  };
  return shown.reblog ? { ...shown, reblog: translated } : translated;
}

/** Why a translation did not come, in the reader's words. */
function problemOf(error: unknown): string {
  if (error instanceof TranslationFailed || error instanceof ValidationError) return error.message;
  if (error instanceof CoreError && error.status !== 404) return error.message;
  throw error;
}

const statusOf = (error: unknown) => (error instanceof TranslationFailed ? 503 : error instanceof CoreError ? error.status : 422);

/** Translating a post on the pages, with the service the API uses; and a post's card again, to show the original. */
export function translationRoutes(deps: WebDeps, page: PagePlugin) {
  const view = (id: string, viewer: Viewer) => visiblePostView(deps, id, viewer);
  return new Elysia({ name: "translations" })
    .use(page)
    .post(
      "/statuses/:id/translate",
      async ({ viewer, ctx, params, body, request, set, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        const shown = view(params.id, viewer);
        if (!shown) throw new CoreError("This post does not exist, or you may not see it.", 404);
        // The thread's own post keeps its larger look.
        const focused = body?.focused === "1";
        let card: JSX.Element;
        try {
          const row = await translatePost(deps, viewer.account.id, params.id, ctx.viewer?.translateTo ?? "en");
          card = <PostCard ctx={ctx} post={translatedView(shown, row)} focused={focused} />;
        } catch (error) {
          const translationProblem = problemOf(error);
          set.status = statusOf(error);
          card = <PostCard ctx={ctx} post={shown} focused={focused} translationProblem={translationProblem} />;
        }
        if (isHtmx(request)) return card;
        return (
          <Layout title="Translation" ctx={ctx}>
            <div class="feed">{card}</div>
          </Layout>
        );
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        body: t.Optional(t.Object({ _csrf: t.Optional(t.String()), focused: t.Optional(t.String({ maxLength: 1 })) })),
      },
    )
    .get(
      "/statuses/:id/card",
      ({ viewer, ctx, params, query, request, redirect }) => {
        if (!viewer) return redirect(loginFirst("/"), 303);
        const shown = view(params.id, viewer);
        if (!shown) throw new CoreError("This post does not exist, or you may not see it.", 404);
        if (!isHtmx(request)) return redirect((shown.reblog ?? shown).localUrl, 303);
        return <PostCard ctx={ctx} post={shown} focused={query.focused === "1"} />;
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        query: t.Object({ focused: t.Optional(t.String({ maxLength: 1 })) }),
      },
    );
}
