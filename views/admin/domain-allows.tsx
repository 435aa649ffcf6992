/** @jsxImportSource @kitajs/html */
import type { DomainAllow } from "../../src/core/domain-allows.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { AdminTabs } from "./tabs.tsx";

export interface AllowedDomainView extends DomainAllow {
  /** A domain block suspends it: the block wins over the allow-list. */
  suspended: boolean;
}

export function DomainAllowsPage({
  ctx,
  allows,
  allowlistMode,
  errors = {},
  values,
}: {
  ctx: PageContext;
  allows: AllowedDomainView[];
  allowlistMode: boolean;
  errors?: Record<string, string>;
  values?: { domain?: string; comment?: string };
}) {
  return (
    <Layout title="Allowed domains" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p class="notice" role="status">
        {allowlistMode ? (
          <>
            Allowlist mode is on: the instance federates only with the servers below and their subdomains. Suspensions under{" "}
            <a href="/admin/domain-blocks">Domain blocks</a> still apply.
          </>
        ) : (
          <>
            Allowlist mode is off: this list has no effect until you choose allowlist under{" "}
            <a href="/admin/settings">Instance settings</a>. Fill it first: switching cuts off every server not listed.
          </>
        )}
      </p>
      <form method="post" action="/admin/domain-allows" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Allow a server</h2>
        <Field
          name="domain"
          label="Domain"
          value={values?.domain}
          hint="Covers its subdomains. Add :port if the server uses one."
          error={errors.domain}
        />
        <Field
          name="comment"
          label="Comment (staff only)"
          required={false}
          maxlength={1000}
          value={values?.comment}
          error={errors.comment}
        />
        <button type="submit">Allow</button>
      </form>
      <section class="card" aria-labelledby="allowed-title">
        <h2 id="allowed-title">Allowed servers</h2>
        {allows.length === 0 ? <p class="muted">None.</p> : ""}
        <ul class="sessions">
          {allows.map((a) => (
            <li>
              <div>
                <strong safe>{a.domain}</strong>
                {a.suspended ? <span class="tag-label blocked">suspended: the block wins</span> : ""}
                {a.comment ? (
                  <p class="muted" safe>
                    {a.comment}
                  </p>
                ) : (
                  ""
                )}
              </div>
              <PostButton
                ctx={ctx}
                action={`/admin/domain-allows/${encodeURIComponent(a.domain)}/delete`}
                label="Remove"
                kind="secondary"
              />
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
