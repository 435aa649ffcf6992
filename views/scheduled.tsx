/** @jsxImportSource @kitajs/html */
import type { ScheduledPost } from "../src/core/scheduled-posts.ts";
import type { MediaView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, LocalTimeInput, PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { visibilityLabel } from "./post.tsx";
import { longDate } from "./time.tsx";

export interface ScheduledItem {
  post: ScheduledPost;
  media: MediaView[];
}

/** A member's posts waiting for their time: when, what, and changing the time or deleting. */
export function ScheduledPage({
  ctx,
  items,
  errors = {},
  values = {},
}: {
  ctx: PageContext;
  items: ScheduledItem[];
  /** A rescheduling problem, by the post's id. */
  errors?: Record<string, string>;
  values?: Record<string, { scheduled_at: string; utc_offset: string }>;
}) {
  return (
    <Layout title="Scheduled posts" ctx={ctx}>
      <h1>Scheduled posts</h1>
      <p class="lead">Posts you wrote to be published later. Each goes out within a minute of its time.</p>
      {items.length === 0 ? (
        <p class="muted">
          Nothing scheduled. To schedule a post, open "Schedule for later" under the compose box on <a href="/">Home</a>.
        </p>
      ) : (
        ""
      )}
      {items.map(({ post, media }) => (
        <ScheduledCard ctx={ctx} post={post} media={media} error={errors[post.id]} value={values[post.id]} />
      ))}
    </Layout>
  );
}

function ScheduledCard({
  ctx,
  post,
  media,
  error,
  value,
}: {
  ctx: PageContext;
  post: ScheduledPost;
  media: MediaView[];
  error?: string;
  value?: { scheduled_at: string; utc_offset: string };
}) {
  const p = post.params;
  return (
    <article class="card scheduled" aria-labelledby={`scheduled-${post.id}`}>
      <h2 id={`scheduled-${post.id}`} class="scheduled-when">
        <time datetime={post.scheduledAt.toISOString()} data-local safe>
          {longDate(post.scheduledAt)}
        </time>
      </h2>
      {post.error ? (
        <p class="error" role="alert" safe>
          {`${post.error} Change the time to try again, or delete it.`}
        </p>
      ) : (
        ""
      )}
      <p class="muted">
        <span>{visibilityLabel[p.visibility ?? "public"]}</span>
        {p.inReplyToId ? " · a reply" : ""}
        {p.quotedId ? " · a quote" : ""}
      </p>
      {p.spoilerText ? (
        <p class="spoiler" safe>
          {`Content warning: ${p.spoilerText}`}
        </p>
      ) : (
        ""
      )}
      <p class="scheduled-text" safe>
        {p.status}
      </p>
      {p.poll ? (
        <ul class="scheduled-poll">
          {p.poll.options.map((o) => (
            <li safe>{o}</li>
          ))}
        </ul>
      ) : (
        ""
      )}
      {media.length > 0 ? (
        <div class="scheduled-media">
          {media.map((m) =>
            m.thumbnailUrl ? (
              <img src={m.thumbnailUrl} alt={m.description} width="96" height="96" loading="lazy" />
            ) : (
              <span class="scheduled-file">{m.mime.startsWith("audio/") ? "Audio" : "Video"}</span>
            ),
          )}
        </div>
      ) : (
        ""
      )}
      <form method="post" action={`/scheduled/${post.id}/time`} class="scheduled-time">
        <CsrfField ctx={ctx} />
        <LocalTimeInput
          id={`time-${post.id}`}
          value={value?.scheduled_at}
          offset={value?.utc_offset}
          utc={value ? undefined : post.scheduledAt}
          error={error}
          label="Publish at"
          hint="At least 5 minutes from now."
        />
        <button type="submit" class="secondary">
          Change time
        </button>
      </form>
      <PostButton ctx={ctx} action={`/scheduled/${post.id}/delete`} label="Delete" kind="secondary danger" />
    </article>
  );
}
