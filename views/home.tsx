/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";

export interface HomeProps {
  ctx: PageContext;
  name: string;
  description: string;
  members: number;
  needsSetup: boolean;
  handleDomain: string;
}

/** The landing page a visitor sees first. */
export function HomePage({ ctx, name, description, members, needsSetup, handleDomain }: HomeProps) {
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
      </section>
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
