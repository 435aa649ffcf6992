import { Elysia, t } from "elysia";
import { type PostTranslation, readerLanguage, TranslationFailed, translatePost } from "../core/translations.ts";
import type { ApiDeps, ApiPlugin } from "./context.ts";

/** Mastodon's Translation entity. */
function translationEntity(row: PostTranslation) {
  return {
    content: row.contentHtml,
    spoiler_text: row.spoilerText,
    poll: row.pollOptions.length > 0 ? { id: row.postId, options: row.pollOptions.map((title) => ({ title })) } : null,
    media_attachments: row.media,
    detected_source_language: row.detectedLanguage ?? "",
    language: row.language,
    provider: row.provider,
  };
}

/** Translating a post (Mastodon's POST /api/v1/statuses/:id/translate), through the instance's service. */
export function translationApiRoutes(deps: ApiDeps, api: ApiPlugin) {
  return new Elysia({ name: "api-translations" }).use(api).post(
    "/api/v1/statuses/:id/translate",
    async ({ member, params, body, query, request, set }) => {
      const me = member("read:statuses");
      // As Mastodon: `lang` (in the form or the query; a bad one is ignored), else the app's Accept-Language.
      const target = readerLanguage(body?.lang ?? query.lang, request.headers.get("accept-language"));
      try {
        return translationEntity(await translatePost(deps, me.account.id, params.id, target));
      } catch (error) {
        if (!(error instanceof TranslationFailed)) throw error;
        set.status = 503;
        return { error: error.message };
      }
    },
    {
      params: t.Object({ id: t.String({ maxLength: 64 }) }),
      query: t.Object({ lang: t.Optional(t.String({ maxLength: 20 })) }),
      body: t.Optional(t.Object({ lang: t.Optional(t.String({ maxLength: 20 })) })),
    },
  );
}
