/** @jsxImportSource @kitajs/html */
import type { AccountView, PostView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";
import { PostCard } from "./post.tsx";
import { AccountLine } from "./profile.tsx";

export function SearchPage({
  ctx,
  q,
  accounts,
  tags,
  posts,
}: {
  ctx: PageContext;
  q: string;
  accounts: AccountView[];
  tags: { name: string; display: string }[];
  posts: PostView[];
}) {
  const nothing = q && accounts.length === 0 && tags.length === 0 && posts.length === 0;
  return (
    <Layout title={q ? `Search: ${q}` : "Search"} ctx={ctx}>
      <h1>Search</h1>
      <form method="get" action="/search" role="search" class="search-form">
        <label for="q" class="visually-hidden">
          Search accounts, hashtags and posts
        </label>
        <input
          id="q"
          name="q"
          type="search"
          value={q}
          placeholder="Accounts, #hashtags, words in posts"
          maxlength="200"
          aria-describedby="search-hint"
        />
        <button type="submit">Search</button>
        <p class="hint" id="search-hint">
          Narrow posts with from:me, from:name, has:media, has:poll, is:reply, language:de, before:2026-01-31, after: or during: a
          day, "a phrase", or -word to leave out.
        </p>
      </form>
      {nothing ? <p class="empty" safe>{`Nothing found for “${q}”.`}</p> : ""}
      {accounts.length > 0 ? (
        <section aria-labelledby="found-accounts">
          <h2 id="found-accounts">Accounts</h2>
          <ul class="account-list">
            {accounts.map((a) => (
              <li>
                <AccountLine account={a} />
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
      {tags.length > 0 ? (
        <section aria-labelledby="found-tags">
          <h2 id="found-tags">Hashtags</h2>
          <ul class="tag-list">
            {tags.map((t) => (
              <li>
                <a href={`/tags/${encodeURIComponent(t.name)}`} safe>{`#${t.display}`}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
      {posts.length > 0 ? (
        <section aria-labelledby="found-posts">
          <h2 id="found-posts">Posts</h2>
          <div class="feed">
            {posts.map((p) => (
              <PostCard ctx={ctx} post={p} />
            ))}
          </div>
        </section>
      ) : (
        ""
      )}
    </Layout>
  );
}
