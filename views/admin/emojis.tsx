/** @jsxImportSource @kitajs/html */
import type { EmojiView } from "../../src/core/custom-emojis.ts";
import { MAX_CATEGORY, MAX_EMOJI_BYTES } from "../../src/core/local-emojis.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

export interface EmojiFormValues {
  shortcode?: string;
  category?: string;
}

/** The instance's custom emoji: add one (shortcode, picture, category), see them all, change or remove them. */
/** Another server's emoji found by the copy search; `taken`: this instance has that shortcode. */
export interface RemoteEmojiItem {
  id: string;
  shortcode: string;
  domain: string;
  url: string;
  taken: boolean;
}

export function EmojisPage({
  ctx,
  emojis,
  remote,
  query,
  errors = {},
  values,
}: {
  ctx: PageContext;
  emojis: EmojiView[];
  remote: RemoteEmojiItem[];
  query?: string;
  errors?: Record<string, string>;
  values?: EmojiFormValues;
}) {
  return (
    <Layout title="Custom emoji" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <form method="post" action="/admin/emojis" enctype="multipart/form-data" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Add an emoji</h2>
        <p class="muted">
          Members use it by writing its shortcode between colons, like <code>:blobcat:</code>, in posts, names and bios. Other
          servers show it too.
        </p>
        <Field
          name="shortcode"
          label="Shortcode"
          value={values?.shortcode}
          maxlength={64}
          hint="2 to 64 letters, digits or underscores."
          error={errors.shortcode}
        />
        <div class={errors.image ? "field invalid" : "field"}>
          <label for="image">Picture</label>
          <input
            id="image"
            name="image"
            type="file"
            accept="image/png,image/gif,image/webp"
            required
            aria-invalid={errors.image ? "true" : undefined}
            aria-describedby={errors.image ? "image-hint image-error" : "image-hint"}
          />
          <p class="hint" id="image-hint">
            {`PNG, GIF (animated or not) or WebP, at most ${MAX_EMOJI_BYTES / 1024} KB; square pictures look best. Larger ones are scaled to 128 pixels.`}
          </p>
          {errors.image ? (
            <p class="error" id="image-error" safe>
              {errors.image}
            </p>
          ) : (
            ""
          )}
        </div>
        <Field
          name="category"
          label="Category (optional)"
          required={false}
          maxlength={MAX_CATEGORY}
          value={values?.category}
          hint="Groups emoji in the picker."
          error={errors.category}
        />
        <button type="submit">Add</button>
      </form>
      <section class="card" aria-labelledby="emojis-title">
        <h2 id="emojis-title">This instance's emoji</h2>
        {emojis.length === 0 ? <p class="muted">None yet.</p> : ""}
        <ul class="emoji-admin">
          {emojis.map((e) => (
            <EmojiRow ctx={ctx} emoji={e} error={errors[`category-${e.local?.id}`]} />
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="copy-title">
        <h2 id="copy-title">Copy from other servers</h2>
        <form method="get" action="/admin/emojis" class="search-form" role="search">
          <label for="q" class="visually-hidden">
            Shortcode to look for
          </label>
          <input id="q" name="q" type="search" value={query ?? ""} maxlength="100" placeholder="A shortcode, like blob" />
          <button type="submit" class="secondary">
            Search
          </button>
        </form>
        {errors.copy ? (
          <p class="error" id="copy-error" role="alert" safe>
            {errors.copy}
          </p>
        ) : (
          ""
        )}
        {query && remote.length === 0 ? (
          <p class="muted" safe>
            {`No emoji of other servers seen here matches "${query}".`}
          </p>
        ) : (
          ""
        )}
        <ul class="emoji-admin">
          {remote.map((e) => (
            <li>
              <img class="emoji-large" src={e.url} alt={`:${e.shortcode}:`} width="48" height="48" loading="lazy" />
              <div class="emoji-about">
                <code safe>{`:${e.shortcode}:`}</code>{" "}
                <span class="muted" safe>
                  {e.domain}
                </span>
              </div>
              {e.taken ? (
                <span class="tag-label">this shortcode is taken here</span>
              ) : (
                <form method="post" action={`/admin/emojis/copy/${e.id}`}>
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="q" value={query ?? ""} />
                  <button type="submit" class="secondary">
                    Copy
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}

function EmojiRow({ ctx, emoji, error }: { ctx: PageContext; emoji: EmojiView; error?: string }) {
  const local = emoji.local;
  if (!local) return "";
  const base = `/admin/emojis/${local.id}`;
  return (
    <li>
      <img class="emoji-large" src={emoji.url} alt={`:${emoji.shortcode}:`} width="48" height="48" />
      <div class="emoji-about">
        <code safe>{`:${emoji.shortcode}:`}</code>
        {local.visibleInPicker ? "" : <span class="tag-label">not in the picker</span>}
        <form method="post" action={`${base}/category`} class="inline-form">
          <CsrfField ctx={ctx} />
          <label for={`category-${local.id}`} class="visually-hidden" safe>
            {`Category of :${emoji.shortcode}:`}
          </label>
          <input
            id={`category-${local.id}`}
            name="category"
            type="text"
            maxlength={String(MAX_CATEGORY)}
            value={local.category ?? ""}
            placeholder="No category"
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? `category-${local.id}-error` : undefined}
          />
          <button type="submit" class="secondary">
            Save
          </button>
        </form>
        {error ? (
          <p class="error" id={`category-${local.id}-error`} safe>
            {error}
          </p>
        ) : (
          ""
        )}
      </div>
      <div class="emoji-actions">
        <PostButton
          ctx={ctx}
          action={`${base}/${local.visibleInPicker ? "hide" : "show"}`}
          label={local.visibleInPicker ? "Hide from the picker" : "Show in the picker"}
          kind="secondary"
        />
        <PostButton
          ctx={ctx}
          action={`${base}/delete`}
          label="Delete"
          kind="danger"
          confirm={`Delete :${emoji.shortcode}:? Posts that use it show its shortcode instead.`}
        />
      </div>
    </li>
  );
}
