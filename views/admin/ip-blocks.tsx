/** @jsxImportSource @kitajs/html */
import type { IpBlock } from "../../src/core/ip-blocks.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

export const ipBlockLabels = {
  sign_up_requires_approval: "Sign-ups wait for a moderator",
  sign_up_block: "No sign-ups",
} as const;

/** How long a block lasts, as Mastodon's form offers (seconds; "" for good). */
export const ipBlockDurations = [
  ["", "For good"],
  ["86400", "1 day"],
  ["1209600", "2 weeks"],
  ["2592000", "30 days"],
  ["15552000", "6 months"],
  ["31536000", "1 year"],
] as const;

function FieldError({ id, text }: { id: string; text?: string }) {
  return text ? (
    <p class="error" id={id} safe>
      {text}
    </p>
  ) : (
    ""
  );
}

export function IpBlocksPage({
  ctx,
  blocks,
  now,
  errors = {},
  values,
}: {
  ctx: PageContext;
  blocks: IpBlock[];
  now: Date;
  errors?: Record<string, string>;
  values?: { ip?: string; severity?: string; expires_in?: string; comment?: string };
}) {
  return (
    <Layout title="IP blocks" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p class="notice" role="status">
        Sign-ups from a blocked address or network wait for a moderator, or are refused. Members who signed up from it keep their
        accounts. Addresses are the ones this server sees (behind a reverse proxy, the one it passes on).
      </p>
      <form method="post" action="/admin/ip-blocks" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Block an address or network</h2>
        <Field
          name="ip"
          label="Address or network"
          value={values?.ip}
          hint="Like 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32."
          error={errors.ip}
        />
        <div class={errors.severity ? "field invalid" : "field"}>
          <label for="severity">What it does</label>
          <select id="severity" name="severity" aria-describedby={errors.severity ? "severity-error" : undefined}>
            {Object.entries(ipBlockLabels).map(([value, label]) => (
              <option value={value} selected={(values?.severity ?? "sign_up_block") === value}>
                {label}
              </option>
            ))}
          </select>
          <FieldError id="severity-error" text={errors.severity} />
        </div>
        <div class={errors.expires_in ? "field invalid" : "field"}>
          <label for="expires_in">For how long</label>
          <select id="expires_in" name="expires_in" aria-describedby={errors.expires_in ? "expires_in-error" : undefined}>
            {ipBlockDurations.map(([value, label]) => (
              <option value={value} selected={(values?.expires_in ?? "") === value}>
                {label}
              </option>
            ))}
          </select>
          <FieldError id="expires_in-error" text={errors.expires_in} />
        </div>
        <Field
          name="comment"
          label="Comment (staff only)"
          required={false}
          maxlength={1000}
          value={values?.comment}
          error={errors.comment}
        />
        <button type="submit">Block</button>
      </form>
      <section class="card" aria-labelledby="ip-blocks-title">
        <h2 id="ip-blocks-title">Blocked addresses and networks</h2>
        {blocks.length === 0 ? <p class="muted">None.</p> : ""}
        <ul class="sessions">
          {blocks.map((b) => (
            <li>
              <div>
                <strong safe>{b.cidr}</strong>
                <p class="muted">
                  <WithTimes
                    parts={[
                      `${ipBlockLabels[b.severity]} · `,
                      ...(b.expiresAt === null ? ["for good"] : b.expiresAt <= now ? ["ended"] : ["until ", b.expiresAt]),
                      b.comment ? ` · ${b.comment}` : "",
                    ]}
                  />
                </p>
              </div>
              <PostButton
                ctx={ctx}
                action={`/admin/ip-blocks/${b.id}/delete`}
                label="Unblock"
                kind="secondary"
                fullLabel={`Unblock ${b.cidr}`}
              />
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
