/** @jsxImportSource @kitajs/html */
import { inviteExpiries, inviteMaxUses, type InviteState } from "../src/core/invites.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, PostButton } from "./form.tsx";
import { WithTimes } from "./time.tsx";

export interface InviteRow {
  id: string;
  url: string;
  creator: string | null;
  uses: number;
  maxUses: number | null;
  expiresAt: Date | null;
  state: InviteState;
}

function Choice({
  name,
  label,
  options,
  error,
}: {
  name: string;
  label: string;
  options: [string, string, boolean][];
  error?: string;
}) {
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={name} safe>
        {label}
      </label>
      <select id={name} name={name} aria-describedby={error ? `${name}-error` : undefined}>
        {options.map(([value, text, selected]) => (
          <option value={value} selected={selected} safe>
            {text}
          </option>
        ))}
      </select>
      {error ? (
        <p class="error" id={`${name}-error`} safe>
          {error}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

/** Mastodon's choices; by default a link works without limit for a week, as there. */
export function InviteForm({ ctx, action, errors = {} }: { ctx: PageContext; action: string; errors?: Record<string, string> }) {
  const uses: [string, string, boolean][] = [
    ["", "No limit", true],
    ...inviteMaxUses.map((n): [string, string, boolean] => [String(n), n === 1 ? "1 use" : `${n} uses`, false]),
  ];
  const expiries: [string, string, boolean][] = [
    ...inviteExpiries.map(([s, text]): [string, string, boolean] => [String(s), text, s === 604800]),
    ["", "Never", false],
  ];
  return (
    <form method="post" action={action} class="card" novalidate>
      <CsrfField ctx={ctx} />
      <h2>Make an invite link</h2>
      <p class="hint">Whoever opens the link can sign up at once, even when sign-ups need approval or are closed.</p>
      <Choice name="max_uses" label="Max number of uses" options={uses} error={errors.max_uses} />
      <Choice name="expires_in" label="Expire after" options={expiries} error={errors.expires_in} />
      <button type="submit">Make the link</button>
    </form>
  );
}

const stateLabel: Record<InviteState, string> = {
  active: "active",
  revoked: "revoked",
  expired: "expired",
  "used up": "used up",
};

/** The links with their uses and expiry; the active ones can be revoked at `${revokeBase}/ID/revoke`. */
export function InviteList({
  ctx,
  invites,
  revokeBase,
  showCreator,
}: {
  ctx: PageContext;
  invites: InviteRow[];
  revokeBase: string;
  showCreator: boolean;
}) {
  return (
    <section class="card" aria-labelledby="invites-title">
      <h2 id="invites-title">Invite links</h2>
      {invites.length === 0 ? <p class="muted">No invites yet.</p> : ""}
      <ul class="sessions invites">
        {invites.map((i) => {
          const facts = [
            showCreator ? `by ${i.creator ? `@${i.creator}` : "a deleted member"}` : "",
            `uses: ${i.uses} / ${i.maxUses ?? "∞"}`,
          ].filter(Boolean);
          const expiry = i.expiresAt
            ? [` · ${i.state === "expired" ? "expired" : "expires"} `, i.expiresAt]
            : [" · never expires"];
          return (
            <li class={i.state === "active" ? "" : "inactive"}>
              <div class="grow">
                <input type="text" readonly value={i.url} aria-label="Invite link" class="invite-url" />
                <p class="muted">
                  <span class="tag-label" safe>
                    {stateLabel[i.state]}
                  </span>{" "}
                  <span>
                    <WithTimes parts={[facts.join(" · "), ...expiry]} />
                  </span>
                </p>
              </div>
              {i.state === "active" ? (
                <PostButton
                  ctx={ctx}
                  action={`${revokeBase}/${i.id}/revoke`}
                  label="Revoke"
                  kind="secondary danger"
                  confirm="Revoke this invite? Nobody can join with it any more."
                />
              ) : (
                ""
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
