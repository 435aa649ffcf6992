/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";

export function ErrorPage({ ctx, status, title, message }: { ctx: PageContext; status: number; title: string; message: string }) {
  return (
    <Layout title={title} ctx={ctx}>
      <section class="card" aria-labelledby="error-title">
        <p class="status-code" safe>{String(status)}</p>
        <h1 id="error-title" safe>
          {title}
        </h1>
        <p safe>{message}</p>
        <p>
          <a href="/">Go to the home page</a>
        </p>
      </section>
    </Layout>
  );
}
