/** @jsxImportSource @kitajs/html */
import type { EmojiView } from "../src/core/custom-emojis.ts";
import { languageChoices } from "../src/core/languages.ts";
import { MAX_PLAYABLE_BYTES, MAX_UPLOAD_BYTES, UPLOAD_TYPES } from "../src/core/media.ts";
import type { MediaView, PostView } from "../src/core/views.ts";
import type { PropsWithChildren } from "@kitajs/html";
import type { PageContext } from "./context.ts";
import { CsrfField, ErrorText, LocalTimeInput } from "./form.tsx";
import { QuotedPost } from "./post.tsx";
import { Layout } from "./layout.tsx";
import { localLabel } from "./time.tsx";

export interface ComposeProps {
  ctx: PageContext;
  limit: number;
  replyTo?: PostView;
  /** The post being quoted (from its "Quote" action). */
  quote?: PostView;
  values?: {
    status?: string;
    spoiler_text?: string;
    visibility?: string;
    poll?: PollValues;
    quote_approval_policy?: string;
    scheduled_at?: string;
    utc_offset?: string;
    language?: string;
    sensitive?: boolean;
  };
  errors?: Record<string, string>;
  /** On the Messages page: a message, and the box after it is one again. */
  messages?: boolean;
  /** Where its words are kept while the member looks elsewhere, when not the usual box's (a mention from a profile). */
  draftBox?: string;
  /** Files already uploaded that the post takes unless unticked: a refused post's, a redrafted post's. */
  kept?: MediaView[];
  /** "Delete and redraft": the post that goes when this one is posted (core/posts.ts createPost). */
  redraftOf?: string;
}

/** A poll as the form sent it, to show it again with a problem. */
export interface PollValues {
  options: string[];
  expiresIn?: string;
  multiple?: boolean;
  hideTotals?: boolean;
}

/** How long a poll runs, or a mute lasts, as Mastodon's apps offer them: seconds and words. */
export const periods = [
  [300, "5 minutes"],
  [1800, "30 minutes"],
  [3600, "1 hour"],
  [21_600, "6 hours"],
  [86_400, "1 day"],
  [259_200, "3 days"],
  [604_800, "7 days"],
] as const;

/** Up to four options, how long it runs, one choice or several. Left empty, the post has no poll. */
export function PollFields({
  prefix,
  values,
  errors,
  hint,
  ends,
}: {
  prefix: string;
  values?: PollValues;
  errors: Record<string, string>;
  hint?: string;
  /** An edited post's poll: when it ends, offered first as "As now" (the "keep" length). */
  ends?: Date | null;
}) {
  const kept = ends ? localLabel(ends.getTime() > Date.now() ? "As now: ends %s" : "As now: ended %s", ends) : undefined;
  const problem = errors["poll[options]"] ?? errors["poll[expires_in]"];
  const length = values?.expiresIn ?? "86400";
  return (
    <details class="compose-options" open={values || problem ? true : undefined}>
      <summary>Poll</summary>
      <fieldset class={problem ? "poll-fields invalid" : "poll-fields"}>
        <legend>Choices (2 to 4; leave them empty for no poll)</legend>
        {hint ? (
          <p class="hint" safe>
            {hint}
          </p>
        ) : (
          ""
        )}
        {[0, 1, 2, 3].map((i) => (
          <div class="field">
            <label for={`${prefix}poll-option-${i + 1}`} safe>{`Choice ${i + 1}`}</label>
            <input
              id={`${prefix}poll-option-${i + 1}`}
              name="poll[options][]"
              type="text"
              maxlength="50"
              value={values?.options[i] ?? ""}
              aria-describedby={problem ? `${prefix}poll-error` : undefined}
              autofocus={problem !== undefined && i === 0}
            />
          </div>
        ))}
        <ErrorText id={`${prefix}poll-error`} text={problem} />
      </fieldset>
      <div class="field">
        <label for={`${prefix}poll-length`}>Poll length</label>
        <select id={`${prefix}poll-length`} name="poll[expires_in]">
          {kept ? (
            <option value="keep" selected={length === "keep"} data-local-label={kept.label} data-local-at={kept.at} safe>
              {kept.text}
            </option>
          ) : (
            ""
          )}
          {periods.map(([seconds, label]) => (
            <option value={String(seconds)} selected={String(seconds) === length}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <label class="check">
        <input type="checkbox" name="poll[multiple]" value="true" checked={values?.multiple} /> Allow several choices
      </label>
      <label class="check">
        <input type="checkbox" name="poll[hide_totals]" value="true" checked={values?.hideTotals} /> Hide the results until it
        ends
      </label>
    </details>
  );
}

export const quotePolicyLabels = [
  ["public", "Anyone can quote"],
  ["followers", "Followers can quote"],
  ["nobody", "Only you can quote"],
] as const;

export const visibilities = [
  ["public", "Public"],
  ["unlisted", "Unlisted: not on public timelines"],
  ["private", "Followers only"],
  ["direct", "Mentioned people only"],
] as const;

/**
 * The instance's custom emoji, by category: a click writes `:shortcode:` into the text (app.js);
 * without JavaScript the names are there to type.
 */
export function EmojiPicker({ emojis }: { emojis: EmojiView[] }) {
  if (emojis.length === 0) return "";
  const categories = [...new Set(emojis.map((e) => e.local?.category ?? ""))];
  return (
    <details class="compose-options emoji-picker">
      <summary>Custom emoji</summary>
      {categories.map((category) => (
        <>
          {category ? <h3 safe>{category}</h3> : ""}
          <ul class="emoji-list">
            {emojis
              .filter((e) => (e.local?.category ?? "") === category)
              .map((e) => (
                <li>
                  <button type="button" data-emoji={`:${e.shortcode}:`} title={`:${e.shortcode}:`}>
                    <img src={e.url} alt={`:${e.shortcode}:`} loading="lazy" />
                  </button>
                </li>
              ))}
          </ul>
        </>
      ))}
    </details>
  );
}

/** The compose box: plain form fields named like the Mastodon API, images with alt text. */
export function Compose({
  ctx,
  limit,
  replyTo,
  quote,
  values = {},
  errors = {},
  messages = false,
  draftBox,
  kept = [],
  redraftOf,
}: ComposeProps) {
  const prefill = replyTo
    ? [replyTo.account, ...replyTo.mentions]
        .filter(
          (a, i, all) => all.findIndex((b) => b.id === a.id) === i && !(a.domain === null && a.username === ctx.viewer?.username),
        )
        .map((a) => `@${a.acct} `)
        .join("")
    : "";
  const preferences = ctx.viewer?.preferences;
  const visibility =
    values.visibility ??
    (messages ? "direct" : replyTo && replyTo.visibility !== "public" ? replyTo.visibility : preferences?.defaultVisibility);
  const key = crypto.randomUUID();
  const prefix = replyTo ? "reply-" : "";
  // Where the words being written are kept while the member looks elsewhere (app.js): one per
  // member and per box (a new post, a reply to one post, a quote, a message).
  const box = draftBox ?? (replyTo ? `reply-${replyTo.id}` : quote ? `quote-${quote.id}` : messages ? "message" : "post");
  const draftKey = `${ctx.viewer?.username ?? ""}:${box}`;
  // A refused post comes back with the focus on the first field refused: each refused field has
  // autofocus, and htmx (or the browser, without it) focuses the first, its message read with it.
  const statusError = errors.status ?? errors.in_reply_to_id ?? errors.quoted_status_id;
  const mediaError = errors.media_ids ?? errors.media ?? errors.thumbnail ?? errors.media_attributes;
  return (
    <form
      class="compose card"
      id={replyTo ? "reply" : "compose"}
      method="post"
      action="/statuses"
      enctype="multipart/form-data"
      hx-post="/statuses"
      hx-target="this"
      hx-swap="outerHTML"
      hx-encoding="multipart/form-data"
      data-draft={draftKey}
    >
      <CsrfField ctx={ctx} />
      <input type="hidden" name="idempotency_key" value={key} />
      {replyTo ? <input type="hidden" name="in_reply_to_id" value={replyTo.id} /> : ""}
      {quote ? <input type="hidden" name="quoted_status_id" value={quote.id} /> : ""}
      {messages ? <input type="hidden" name="context" value="messages" /> : ""}
      {redraftOf ? <input type="hidden" name="redraft_of" value={redraftOf} /> : ""}
      <div class={errors.status ? "field invalid" : "field"}>
        <label for={replyTo ? "reply-status" : "status"}>
          {replyTo ? "Your reply" : messages ? "Your message" : quote ? "Your words on this post" : "What's on your mind?"}
        </label>
        <textarea
          id={replyTo ? "reply-status" : "status"}
          name="status"
          rows="4"
          maxlength={String(limit * 4)}
          data-counter={replyTo ? "reply-counter" : "status-counter"}
          data-start={prefill}
          data-limit={String(limit)}
          aria-invalid={statusError ? "true" : undefined}
          aria-describedby={statusError ? "status-error" : undefined}
          autofocus={statusError !== undefined}
          safe
        >
          {values.status ?? prefill}
        </textarea>
        <ErrorText id="status-error" text={statusError} />
      </div>
      <EmojiPicker emojis={ctx.viewer?.pickerEmojis() ?? []} />
      {quote ? <QuotedPost post={quote} reading={ctx.viewer?.preferences} /> : ""}
      <details class="compose-options" open={values.spoiler_text || kept.length > 0 || mediaError ? true : undefined}>
        <summary>Content warning, images and video</summary>
        <div class="field">
          <label for={replyTo ? "reply-spoiler" : "spoiler_text"}>Content warning (optional)</label>
          <input
            id={replyTo ? "reply-spoiler" : "spoiler_text"}
            name="spoiler_text"
            type="text"
            maxlength="500"
            value={values.spoiler_text ?? replyTo?.spoilerText ?? ""}
            data-start={replyTo?.spoilerText ?? ""}
          />
        </div>
        <MediaFields
          prefix={prefix}
          kept={kept}
          error={mediaError}
          sensitive={values.sensitive ?? preferences?.defaultSensitive ?? false}
        />
      </details>
      <PollFields prefix={prefix} values={values.poll} errors={errors} />
      {redraftOf ? (
        ""
      ) : (
        <ScheduleField prefix={prefix} value={values.scheduled_at} offset={values.utc_offset} error={errors.scheduled_at} />
      )}
      <div class="compose-footer">
        <label for={replyTo ? "reply-visibility" : "visibility"} class="visually-hidden">
          Who can see this
        </label>
        <select id={replyTo ? "reply-visibility" : "visibility"} name="visibility">
          {visibilities.map(([value, label]) => (
            <option value={value} selected={value === visibility}>
              {label}
            </option>
          ))}
        </select>
        {messages ? (
          ""
        ) : (
          <>
            <label for={replyTo ? "reply-quote-policy" : "quote-policy"} class="visually-hidden">
              Who can quote this
            </label>
            <select id={replyTo ? "reply-quote-policy" : "quote-policy"} name="quote_approval_policy">
              {quotePolicyLabels.map(([value, label]) => (
                <option
                  value={value}
                  selected={value === (values.quote_approval_policy ?? preferences?.defaultQuotePolicy ?? "public")}
                >
                  {label}
                </option>
              ))}
            </select>
          </>
        )}
        <LanguageSelect id={`${prefix}language`} value={values.language ?? preferences?.defaultLanguage ?? ""} />
        <output id={replyTo ? "reply-counter" : "status-counter"} class="counter" aria-live="polite" safe>
          {String(limit)}
        </output>
        <button type="submit">{replyTo ? "Reply" : "Post"}</button>
      </div>
    </form>
  );
}

/**
 * The files of a post: those uploaded already (ticked to keep, their alt text editable), fields
 * for new ones up to four in all, a cover for a video, and the sensitive mark. The compose box and
 * the edit page share it.
 */
export function MediaFields({
  prefix,
  kept,
  error: mediaError,
  sensitive,
}: {
  prefix: string;
  kept: MediaView[];
  error?: string;
  sensitive: boolean;
}) {
  return (
    <fieldset class="images">
      <legend>Images, a video or an audio file</legend>
      {/* Says the form lists the files: an edit with every file removed sends no media_id at all. */}
      <input type="hidden" name="media_listed" value="1" />
      <p class="hint">
        {`Up to 4 images (JPEG, PNG, WebP or GIF, ${MAX_UPLOAD_BYTES / 2 ** 20} MB each), or one video (MP4 or WebM) or audio file (MP3, Ogg, WAV, FLAC, M4A) up to ${MAX_PLAYABLE_BYTES / 2 ** 20} MB. Pictures pasted or dropped on the text box come here too.`}
      </p>
      {kept.map((m, i) => (
        <KeptFile media={m} n={i + 1} prefix={prefix} />
      ))}
      {[1, 2, 3, 4].slice(kept.length).map((n) => (
        <div class="image-row">
          <label for={`${prefix}media-${n}`} safe>{`File ${n}`}</label>
          <input
            id={`${prefix}media-${n}`}
            name="media"
            type="file"
            accept={UPLOAD_TYPES.join(",")}
            data-media-file=""
            aria-describedby={mediaError ? "media-error" : undefined}
            autofocus={mediaError !== undefined && n === kept.length + 1}
          />
          <label for={`${prefix}description-${n}`} safe>{`Description of file ${n} (alt text)`}</label>
          <input id={`${prefix}description-${n}`} name="description" type="text" maxlength="1500" />
        </div>
      ))}
      <div class="image-row">
        <label for={`${prefix}thumbnail`}>Cover for a video or audio file (optional)</label>
        <input
          id={`${prefix}thumbnail`}
          name="thumbnail"
          type="file"
          accept="image/jpeg,image/png,image/webp,image/gif"
          aria-describedby={`${prefix}thumbnail-hint`}
        />
        <p class="hint" id={`${prefix}thumbnail-hint`}>
          Without one, a video shows a frame from its start.
        </p>
      </div>
      <ErrorText id="media-error" text={mediaError} />
      <label class="check">
        <input type="checkbox" name="sensitive" value="1" checked={sensitive} /> Mark media as sensitive (hidden until someone
        chooses to see it)
      </label>
    </fieldset>
  );
}

/** A file uploaded already: shown small, its alt text editable, taken unless ticked "Remove". */
function KeptFile({ media, n, prefix }: { media: MediaView; n: number; prefix: string }) {
  const id = `${prefix}kept-${n}`;
  return (
    <div class="image-row kept-file">
      <input type="hidden" name="media_id" value={media.id} />
      <span class="kept-name" safe>{`File ${n}: ${media.mime.split("/")[0]}, uploaded`}</span>
      {media.thumbnailUrl ? <img src={media.thumbnailUrl} alt="" class="media-preview" /> : ""}
      <label for={id} safe>{`Description of file ${n} (alt text)`}</label>
      <input id={id} name="media_description" type="text" maxlength="1500" value={media.description} />
      <label class="check">
        <input type="checkbox" name="remove_media" value={media.id} />
        <span safe>{`Remove file ${n}`}</span>
      </label>
    </div>
  );
}

/**
 * The post's language (others filter and translate by it): the member's own default first; "" is
 * none chosen, and the post gets the instance's default.
 */
export function LanguageSelect({ id, value, labelShown = false }: { id: string; value: string; labelShown?: boolean }) {
  return (
    <>
      <label for={id} class={labelShown ? undefined : "visually-hidden"}>
        Language of the post
      </label>
      <select id={id} name="language" class="language" title="Language of the post">
        <option value="" selected={!value}>
          Language
        </option>
        {languageChoices().map(({ code, name }) => (
          <option value={code} selected={code === value} safe>
            {name}
          </option>
        ))}
      </select>
    </>
  );
}

function ScheduleField({ prefix, value, offset, error }: { prefix: string; value?: string; offset?: string; error?: string }) {
  return (
    <details class="compose-options" open={value || error ? true : undefined}>
      <summary>Schedule for later</summary>
      <LocalTimeInput
        id={`${prefix}scheduled-at`}
        value={value}
        offset={offset}
        error={error}
        label="Publish at"
        hint="Leave it empty to post now."
      />
      <p>
        <a href="/scheduled">Your scheduled posts</a>
      </p>
    </details>
  );
}

/** The compose box on a page of its own (/compose, and a failed post without JavaScript). */
export function ComposePage({
  ctx,
  redraft = false,
  children,
}: PropsWithChildren<{ ctx: PageContext /** "Delete and redraft": says what happens to the post. */; redraft?: boolean }>) {
  return (
    <Layout title={redraft ? "Delete & redraft" : "New post"} ctx={ctx}>
      <h1>{redraft ? "Delete & redraft" : "New post"}</h1>
      {redraft ? (
        <p class="hint">
          Posting this deletes your original post and publishes this one in its place. Its likes, boosts and poll votes are lost,
          and replies to it are no longer attached to it. Leave this page to keep the original.
        </p>
      ) : (
        ""
      )}
      {children}
    </Layout>
  );
}
