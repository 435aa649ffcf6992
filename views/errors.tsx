/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";

export interface ErrorProps {
  status: number;
  title: string;
  message: string;
  /** Text the person had typed into the form that failed, so it is not lost. */
  kept?: string;
}

export function ErrorPage(props: ErrorProps & { ctx: PageContext }) {
  return (
    <Layout title={props.title} ctx={props.ctx}>
      <ErrorCard {...props} />
    </Layout>
  );
}

/** The error alone, for htmx requests that swap it in where the form was. */
export function ErrorCard({ status, title, message, kept }: ErrorProps) {
  return (
    <section class="card" aria-labelledby="error-title" role="alert">
      <p class="status-code" safe>
        {String(status)}
      </p>
      <h1 id="error-title" safe>
        {title}
      </h1>
      <p safe>{message}</p>
      {kept ? (
        <div class="field">
          <label for="kept-text">What you wrote, to copy before you reload</label>
          <textarea id="kept-text" rows="4" readonly safe>
            {kept}
          </textarea>
        </div>
      ) : (
        ""
      )}
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </section>
  );
}
