/** @jsxImportSource @kitajs/html */
import type { MediaView, PostView } from "../src/core/views.ts";
import { Compose, EmojiPicker, LanguageSelect, MediaFields, PollFields, type PollValues, quotePolicyLabels } from "./compose.tsx";
import type { PageContext } from "./context.ts";
import { CsrfField, Field } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { plain, postMeta } from "./meta.tsx";
import { PostCard, PostList } from "./post.tsx";
import { LongTime, WithTimes } from "./time.tsx";

export function ThreadPage(props: {
  ctx: PageContext;
  post: PostView;
  ancestors: PostView[];
  descendants: PostView[];
  limit: number;
}) {
  const { ctx, post } = props;
  // A filtered post keeps its words out of the title too.
  const title = post.filtered?.length
    ? `Post by ${post.account.displayName}`
    : `${post.account.displayName}: ${post.spoilerText || plain(post.contentHtml).slice(0, 60)}`;
  return (
    <Layout title={title} ctx={ctx} meta={post.filtered?.length ? null : postMeta(post)}>
      <h1 class="visually-hidden" safe>{`Post by ${post.account.displayName}`}</h1>
      <div class="thread">
        {props.ancestors.map((p) => (
          <PostCard ctx={ctx} post={p} />
        ))}
        <PostCard ctx={ctx} post={post} focused />
        <p class="post-meta">
          <LongTime date={post.createdAt} />
          {post.editedAt ? (
            <>
              {" · "}
              <a href={`${new URL(post.localUrl).pathname}/history`}>Edited, see history</a>
            </>
          ) : (
            ""
          )}
          {post.counts.reblogs ? (
            <>
              {" · "}
              <a href={`${new URL(post.localUrl).pathname}/reblogs`} safe>
                {post.counts.reblogs === 1 ? "1 boost" : `${post.counts.reblogs} boosts`}
              </a>
            </>
          ) : (
            ""
          )}
          {post.counts.favourites ? (
            <>
              {" · "}
              <a href={`${new URL(post.localUrl).pathname}/favourites`} safe>
                {post.counts.favourites === 1 ? "1 like" : `${post.counts.favourites} likes`}
              </a>
            </>
          ) : (
            ""
          )}
          {post.counts.quotes ? (
            <>
              {" · "}
              <a href={`${new URL(post.localUrl).pathname}/quotes`} safe>
                {post.counts.quotes === 1 ? "1 quote" : `${post.counts.quotes} quotes`}
              </a>
            </>
          ) : (
            ""
          )}
        </p>
        {ctx.viewer ? <Compose ctx={ctx} limit={props.limit} replyTo={post} /> : ""}
        <section aria-label="Replies" class="replies">
          {props.descendants.map((p) => (
            <PostCard ctx={ctx} post={p} />
          ))}
        </section>
      </div>
    </Layout>
  );
}

/** The first words of a post, for titles. */

/** The posts quoting a post, that the viewer may see; its author can take each quote back. */
export function QuotesPage({ ctx, post, quotes, more }: { ctx: PageContext; post: PostView; quotes: PostView[]; more?: string }) {
  return (
    <Layout title={`Quotes of ${post.account.displayName}'s post`} ctx={ctx}>
      <h1 safe>{`Quotes of ${post.account.displayName}'s post`}</h1>
      <PostCard ctx={ctx} post={post} />
      <h2>Quoted in</h2>
      <div class="feed">
        <PostList ctx={ctx} posts={quotes} more={more} empty="Nobody you can see has quoted this post." />
      </div>
    </Layout>
  );
}

export function DeletePage({ ctx, post, returnTo }: { ctx: PageContext; post: PostView; returnTo: string }) {
  return (
    <Layout title="Delete post" ctx={ctx}>
      <section class="card" aria-labelledby="delete-title">
        <h1 id="delete-title">Delete this post?</h1>
        <p>
          It disappears from this instance, and the servers of your followers are asked to delete it too. This cannot be undone.
        </p>
        <PostCard ctx={{ ...ctx, viewer: null }} post={post} />
        <form method="post" action={`/statuses/${post.id}/delete`} class="row">
          <CsrfField ctx={ctx} />
          <input type="hidden" name="return_to" value={returnTo} />
          <button type="submit" class="danger">
            Delete
          </button>
          <a href={post.localUrl}>Keep it</a>
        </form>
      </section>
    </Layout>
  );
}

export function EditPage({
  ctx,
  post,
  limit,
  errors = {},
  values,
}: {
  ctx: PageContext;
  post: PostView;
  limit: number;
  errors?: Record<string, string>;
  values?: {
    status?: string;
    spoiler_text?: string;
    quote_approval_policy?: string;
    language?: string;
    sensitive?: boolean;
    /** Its files as they will be (ticked, with the alt text typed), and its poll. */
    kept?: MediaView[];
    poll?: PollValues;
  };
}) {
  const policy = values?.quote_approval_policy ?? post.quoteApproval.automatic[0] ?? "nobody";
  return (
    <Layout title="Edit post" ctx={ctx}>
      <section class="card" aria-labelledby="edit-title">
        <h1 id="edit-title">Edit post</h1>
        <form method="post" action={`/statuses/${post.id}/edit`} enctype="multipart/form-data" novalidate>
          <CsrfField ctx={ctx} />
          <div class={errors.status ? "field invalid" : "field"}>
            <label for="status">Text</label>
            <textarea
              id="status"
              name="status"
              rows="6"
              data-counter="status-counter"
              data-limit={String(limit)}
              aria-describedby={errors.status ? "status-error" : undefined}
              safe
            >
              {values?.status ?? post.text ?? ""}
            </textarea>
            <output id="status-counter" class="counter" aria-live="polite" safe>
              {String(limit)}
            </output>
            {errors.status ? (
              <p class="error" id="status-error" safe>
                {errors.status}
              </p>
            ) : (
              ""
            )}
          </div>
          <EmojiPicker emojis={ctx.viewer?.pickerEmojis() ?? []} />
          <Field
            name="spoiler_text"
            label="Content warning (optional)"
            required={false}
            value={values?.spoiler_text ?? post.spoilerText}
            maxlength={500}
          />
          <MediaFields
            prefix="edit-"
            kept={values?.kept ?? post.media}
            error={errors.media_ids ?? errors.media ?? errors.thumbnail ?? errors.media_attributes}
            sensitive={values?.sensitive ?? false}
          />
          <PollFields
            prefix="edit-"
            values={values?.poll}
            errors={errors}
            hint="Changing the choices starts the poll again, without its votes."
            ends={post.poll?.expiresAt}
          />
          <div class="field">
            <LanguageSelect id="edit-language" value={values?.language ?? post.language ?? ""} labelShown />
          </div>
          {post.visibility === "public" || post.visibility === "unlisted" ? (
            <div class="field">
              <label for="quote-policy">Who can quote this</label>
              <select id="quote-policy" name="quote_approval_policy">
                {quotePolicyLabels.map(([value, label]) => (
                  <option value={value} selected={value === policy}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            ""
          )}
          <div class="row">
            <button type="submit">Save</button>
            <a href={post.localUrl}>Cancel</a>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface Version {
  contentHtml: string;
  spoilerText: string;
  createdAt: Date;
}

export function HistoryPage({ ctx, post, versions }: { ctx: PageContext; post: PostView; versions: Version[] }) {
  return (
    <Layout title="Edit history" ctx={ctx}>
      <section class="card" aria-labelledby="history-title">
        <h1 id="history-title">Edit history</h1>
        <p>
          <a href={post.localUrl}>Back to the post</a>
        </p>
        <ol class="history">
          {versions.map((v, i) => {
            const safeContent = v.contentHtml;
            return (
              <li>
                <p class="muted">
                  <WithTimes
                    parts={[`${i === versions.length - 1 ? "Current version" : i === 0 ? "Original" : "Edited"}, `, v.createdAt]}
                  />
                </p>
                {v.spoilerText ? (
                  <p class="cw" safe>
                    {`CW: ${v.spoilerText}`}
                  </p>
                ) : (
                  ""
                )}
                <div class="content">{safeContent}</div>
              </li>
            );
          })}
        </ol>
      </section>
    </Layout>
  );
}
