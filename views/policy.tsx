/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";
import { Paragraphs } from "./paragraphs.tsx";

/** The privacy policy or the terms of service: the owner's plain text, as paragraphs. */
export function PolicyPage({ ctx, title, text, note }: { ctx: PageContext; title: string; text: string; note?: string }) {
  return (
    <Layout title={title} ctx={ctx}>
      <article class="card policy" aria-labelledby="policy-title">
        <h1 id="policy-title" safe>
          {title}
        </h1>
        {note ? (
          <p class="muted" safe>
            {note}
          </p>
        ) : (
          ""
        )}
        <Paragraphs text={text} />
      </article>
    </Layout>
  );
}
