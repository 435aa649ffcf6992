/** @jsxImportSource @kitajs/html */
import type { TrendingLink, TrendingTag } from "../src/core/trends.ts";
import type { PostView } from "../src/core/views.ts";
import type { TrendKind } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { CsrfField } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { Card, PostList } from "./post.tsx";
import { TimelineTabs } from "./timeline.tsx";

const people = (n: number) => `${n} ${n === 1 ? "person" : "people"} in the last two days`;

/** A moderator's button taking an item out of the trends. */
function HideButton({ ctx, kind, id }: { ctx: PageContext; kind: TrendKind; id: string }) {
  return (
    <form method="post" action="/admin/trends/hide">
      <CsrfField ctx={ctx} />
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="id" value={id} />
      <button type="submit" class="secondary danger small">
        Hide from trends
      </button>
    </form>
  );
}

/** Explore → Trending: hashtags, posts and links many people here and around are on now. */
export function TrendingPage({
  ctx,
  tabs,
  enabled,
  tags,
  posts,
  links,
  moderator,
}: {
  ctx: PageContext;
  tabs: { href: string; label: string }[];
  enabled: boolean;
  tags: TrendingTag[];
  posts: PostView[];
  links: TrendingLink[];
  /** The viewer may hide items from the trends. */
  moderator: boolean;
}) {
  return (
    <Layout title="Trending" ctx={ctx}>
      <h1>Explore</h1>
      <TimelineTabs ctx={ctx} tabs={tabs} />
      {!enabled ? <p class="muted">The admins of this instance switched trends off.</p> : ""}
      {enabled && tags.length + posts.length + links.length === 0 ? (
        <p class="muted">Nothing is trending right now. Hashtags, posts and links show here once several people use them.</p>
      ) : (
        ""
      )}
      {tags.length > 0 ? (
        <section aria-labelledby="trending-tags">
          <h2 id="trending-tags">Hashtags</h2>
          <ul class="trending-tags">
            {tags.map((t) => (
              <li class="card">
                <a href={`/tags/${encodeURIComponent(t.tag.name)}`}>
                  <strong safe>{`#${t.tag.display}`}</strong>
                </a>
                <span class="muted" safe>
                  {people(t.accounts)}
                </span>
                {moderator ? <HideButton ctx={ctx} kind="tag" id={t.tag.id} /> : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
      {links.length > 0 ? (
        <section aria-labelledby="trending-links">
          <h2 id="trending-links">Links</h2>
          {links.map((l) => (
            <div class="trending-link">
              <Card card={l.card} />
              <p class="muted">
                <span safe>{`Shared by ${people(l.accounts)}`}</span> ·{" "}
                <a href={`/trending/link?url=${encodeURIComponent(l.card.url)}`}>See the posts</a>
              </p>
              {moderator ? <HideButton ctx={ctx} kind="link" id={l.id} /> : ""}
            </div>
          ))}
        </section>
      ) : (
        ""
      )}
      {posts.length > 0 ? (
        <section aria-labelledby="trending-posts">
          <h2 id="trending-posts">Posts</h2>
          {posts.map((p) => (
            <div class="trending-post">
              <PostList ctx={ctx} posts={[p]} empty="" />
              {moderator ? <HideButton ctx={ctx} kind="post" id={p.id} /> : ""}
            </div>
          ))}
        </section>
      ) : (
        ""
      )}
    </Layout>
  );
}

/** On top of a trending link's posts: the link itself and how many shared it. */
export function TrendingLinkHeader({ link }: { link: TrendingLink }) {
  return (
    <div class="trending-link">
      <Card card={link.card} />
      <p class="muted" safe>
        {`Shared by ${people(link.accounts)}`}
      </p>
    </div>
  );
}
