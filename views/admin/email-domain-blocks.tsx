/** @jsxImportSource @kitajs/html */
import type { EmailDomainBlock } from "../../src/core/email-domain-blocks.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

export function EmailDomainBlocksPage({
  ctx,
  blocks,
  errors = {},
  values,
}: {
  ctx: PageContext;
  blocks: (EmailDomainBlock & { members: number })[];
  errors?: Record<string, string>;
  values?: { domain?: string };
}) {
  return (
    <Layout title="E-mail domain blocks" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p class="notice" role="status">
        Nobody can sign up with an address at a blocked e-mail provider or its subdomains: the answer to a wave of sign-ups from
        throwaway mail. Members who have such an address already keep their accounts.
      </p>
      <form method="post" action="/admin/email-domain-blocks" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Block an e-mail domain</h2>
        <Field
          name="domain"
          label="E-mail domain"
          value={values?.domain}
          hint="What follows the @ in the addresses, like mail.example."
          error={errors.domain}
        />
        <button type="submit">Block</button>
      </form>
      <section class="card" aria-labelledby="blocked-title">
        <h2 id="blocked-title">Blocked e-mail domains</h2>
        {blocks.length === 0 ? <p class="muted">None.</p> : ""}
        <ul class="sessions">
          {blocks.map((b) => (
            <li>
              <div>
                <strong safe>{b.domain}</strong>
                <p class="muted" safe>
                  {`Blocked ${b.createdAt.toISOString().slice(0, 10)} · ${
                    b.members === 0 ? "no member uses it" : b.members === 1 ? "1 member uses it" : `${b.members} members use it`
                  }`}
                </p>
              </div>
              <PostButton
                ctx={ctx}
                action={`/admin/email-domain-blocks/${encodeURIComponent(b.domain)}/delete`}
                label="Unblock"
                kind="secondary"
              />
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
