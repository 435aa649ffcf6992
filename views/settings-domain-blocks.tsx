/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField, Field, PostButton } from "./form.tsx";
import { SettingsFrame } from "./settings.tsx";

/** The domains a member blocked for themselves, with a way to add and remove one. */
export function DomainBlocksPage({
  ctx,
  domains,
  errors = {},
  value = "",
}: {
  ctx: PageContext;
  domains: string[];
  errors?: Record<string, string>;
  value?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Blocked domains">
      <p>
        You see no posts or notifications from accounts on a domain you block. Your follows there end, both ways. Only you are
        affected: the rest of this server still sees them.
      </p>
      {domains.length === 0 ? <p class="empty">You have blocked no domains.</p> : ""}
      <ul class="sessions">
        {domains.map((domain) => (
          <li>
            <span safe>{domain}</span>
            <PostButton
              ctx={ctx}
              action={`/settings/domain-blocks/${encodeURIComponent(domain)}/unblock`}
              label={`Unblock ${domain}`}
              kind="secondary"
            />
          </li>
        ))}
      </ul>
      <form method="post" action="/settings/domain-blocks" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <Field name="domain" label="Block a domain" value={value} maxlength={300} hint="Like example.com" error={errors.domain} />
        <button type="submit" class="danger">
          Block
        </button>
      </form>
    </SettingsFrame>
  );
}
