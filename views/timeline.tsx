/** @jsxImportSource @kitajs/html */
import type { PostView } from "../src/core/views.ts";
import { Compose, type ComposeProps } from "./compose.tsx";
import type { PageContext } from "./context.ts";
import { PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { PostList } from "./post.tsx";

export interface TimelineProps {
  ctx: PageContext;
  title: string;
  heading?: string;
  intro?: string;
  posts: PostView[];
  more?: string;
  empty: string;
  compose?: Omit<ComposeProps, "ctx">;
  /** Polled for a "N new posts" notice. */
  newerUrl?: string;
  tabs?: { href: string; label: string }[];
  /** Links or buttons under the heading (a list's "Edit list"). */
  actions?: JSX.Element;
  /** Above the compose box on home: the staff's announcements, people to follow. */
  notices?: JSX.Element;
  /** A hashtag page's follow button: the tag (normalized) and whether the viewer follows it. */
  tagFollow?: { name: string; following: boolean; featured: boolean };
}

export function TimelineTabs({ ctx, tabs }: { ctx: PageContext; tabs: { href: string; label: string }[] }) {
  return (
    <nav class="tabs" aria-label="Timelines">
      {tabs.map((t) => (
        <a href={t.href} aria-current={ctx.path === t.href.split("?")[0] ? "page" : undefined} safe>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

export function TimelinePage(props: TimelineProps) {
  const { ctx } = props;
  const safeActions = props.actions ?? ""; // drawn by our own views, escaped there
  const safeNotices = props.notices ?? ""; // the same
  return (
    <Layout title={props.title} ctx={ctx}>
      <h1 class={props.compose ? "visually-hidden" : undefined} safe>
        {props.heading ?? props.title}
      </h1>
      {props.intro ? (
        <p class="lead" safe>
          {props.intro}
        </p>
      ) : (
        ""
      )}
      {safeActions}
      {safeNotices}
      {props.tagFollow && ctx.viewer ? <TagFollowButton ctx={ctx} {...props.tagFollow} /> : ""}
      {props.compose ? <Compose ctx={ctx} {...props.compose} /> : ""}
      {props.tabs ? <TimelineTabs ctx={ctx} tabs={props.tabs} /> : ""}
      {props.newerUrl ? <div class="new-posts" hx-sse:connect={props.newerUrl} hx-swap="innerHTML" aria-live="polite"></div> : ""}
      <div class="feed" id="feed">
        <PostList ctx={ctx} posts={props.posts} more={props.more} empty={props.empty} />
      </div>
    </Layout>
  );
}

function TagFollowButton({
  ctx,
  name,
  following,
  featured,
}: {
  ctx: PageContext;
  name: string;
  following: boolean;
  featured: boolean;
}) {
  const base = `/tags/${encodeURIComponent(name)}`;
  return (
    <div class="relation-actions">
      <PostButton
        ctx={ctx}
        action={`${base}/${following ? "unfollow" : "follow"}`}
        label={following ? `Unfollow #${name}` : `Follow #${name}`}
        kind={following ? "secondary" : undefined}
      />
      <PostButton
        ctx={ctx}
        action={`${base}/${featured ? "unfeature" : "feature"}`}
        label={featured ? "Stop featuring on profile" : "Feature on profile"}
        kind="secondary"
      />
      {following ? <p class="muted">Public posts with this hashtag appear in your home timeline.</p> : ""}
    </div>
  );
}

/** The notice streamed to the home page: a link that reloads it when there is something new. */
export function NewPostsNotice({ count, href }: { count: number; href: string }) {
  if (count === 0) return "";
  return (
    <a class="new-posts-link" href={href} safe>
      {count === 1 ? "1 new post" : `${count >= 40 ? "40+" : count} new posts`}
    </a>
  );
}
