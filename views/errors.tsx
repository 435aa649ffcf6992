/** @jsxImportSource @kitajs/html */
import { Layout } from "./layout.tsx";

export function ErrorPage({ instanceName, status, title, message }: { instanceName: string; status: number; title: string; message: string }) {
  return (
    <Layout title={title} instanceName={instanceName}>
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
