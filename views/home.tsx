/** @jsxImportSource @kitajs/html */
import type { PostView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";
import { LoadMore } from "./load-more.tsx";
import { PostCard } from "./post.tsx";

export interface HomeProps {
  ctx: PageContext;
  name: string;
  description: string;
  members: number;
  needsSetup: boolean;
  handleDomain: string;
  /** The newest public posts of the members, a taste of the place. */
  posts: PostView[];
}

/** The landing page a visitor sees first. */
export function HomePage({ ctx, name, description, members, needsSetup, handleDomain, posts }: HomeProps) {
  return (
    <Layout title={name} ctx={ctx}>
      <section class="hero" aria-labelledby="instance-name">
        <h1 id="instance-name" safe>
          {name}
        </h1>
        <p class="lead" safe>
          {description}
        </p>
        <dl class="stats">
          <div>
            <dt>Members</dt>
            <dd safe>{String(members)}</dd>
          </div>
          <div>
            <dt>Handles look like</dt>
            <dd safe>{`@name@${handleDomain}`}</dd>
          </div>
        </dl>
        {needsSetup ? (
          ""
        ) : (
          <p class="row">
            {ctx.signUps ? (
              <a class="button" href="/signup">
                Create an account
              </a>
            ) : (
              ""
            )}
            <a class={ctx.signUps ? "button secondary" : "button"} href="/login">
              Log in
            </a>
            <a class="button secondary" href="/about">
              About and rules
            </a>
          </p>
        )}
      </section>
      {posts.length > 0 ? (
        <section aria-labelledby="recent-title" class="feed">
          <h2 id="recent-title">Recent posts</h2>
          {posts.map((post) => (
            <PostCard ctx={ctx} post={post} />
          ))}
          <LoadMore href="/public/local" label="See more on Explore" />
        </section>
      ) : (
        ""
      )}
      {needsSetup ? (
        <section class="notice" aria-labelledby="setup-heading">
          <h2 id="setup-heading">This instance is not set up yet</h2>
          <p>
            Its owner finishes the setup with the one-time link that the server printed when it started. Restarting the server
            prints a new link.
          </p>
        </section>
      ) : (
        ""
      )}
    </Layout>
  );
}
