/** @jsxImportSource @kitajs/html */
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, PostButton } from "./form.tsx";
import { SettingsFrame } from "./settings.tsx";
import { WithTimes } from "./time.tsx";

export interface MigrationValues {
  /** This account's own id, the one to name as an alias on the new account. */
  myUri: string;
  aliases: string[];
  movedTo: AccountView | null;
  movedAt: Date | null;
}

/** Moving between accounts: aliases for moving here, and the move away (as in Mastodon). */
export function MigrationPage({
  ctx,
  values,
  errors = {},
  input = {},
  message,
}: {
  ctx: PageContext;
  values: MigrationValues;
  errors?: Record<string, string>;
  input?: Record<string, string>;
  message?: string;
}) {
  return (
    <SettingsFrame ctx={ctx} title="Moving accounts">
      <FormMessage message={message} kind="success" />
      <section class="card" aria-labelledby="move-away-title">
        <h2 id="move-away-title">Move to a different account</h2>
        {values.movedTo ? (
          <>
            <p>
              This account redirects to{" "}
              <a href={values.movedTo.localUrl} safe>
                {`@${values.movedTo.acct}`}
              </a>{" "}
              {values.movedAt ? <WithTimes parts={["since ", values.movedAt]} /> : ""}. Your followers were asked to follow that
              account; you cannot post from this one.
            </p>
            <PostButton ctx={ctx} action="/settings/migration/cancel" label="Stop redirecting" kind="secondary" />
          </>
        ) : (
          <form method="post" action="/settings/migration" novalidate>
            <CsrfField ctx={ctx} />
            <p>
              Your followers are moved to the new account: their servers follow it instead. Posts stay here. First add this
              account as an alias on the new one; its address is <code safe>{values.myUri}</code>.
            </p>
            <Field
              name="acct"
              label="Handle of the new account"
              hint="Like @name@example.social"
              value={input.acct}
              error={errors.acct}
              maxlength={300}
            />
            <Field
              name="current_password"
              label="Your password, to confirm"
              type="password"
              autocomplete="current-password"
              error={errors.current_password}
            />
            <button type="submit" class="danger">
              Move my followers
            </button>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="aliases-title">
        <h2 id="aliases-title">Move from a different account</h2>
        <p>
          Before an old account can move here, name it as an alias of this one. An alias alone changes nothing; it only allows the
          move.
        </p>
        {values.aliases.length > 0 ? (
          <ul class="sessions">
            {values.aliases.map((uri) => (
              <li>
                <code safe>{uri}</code>
                <form method="post" action="/settings/aliases/delete">
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="uri" value={uri} />
                  <button type="submit" class="secondary">
                    Remove
                  </button>
                </form>
              </li>
            ))}
          </ul>
        ) : (
          ""
        )}
        <form method="post" action="/settings/aliases" novalidate>
          <CsrfField ctx={ctx} />
          <Field
            name="alias"
            label="Handle of the old account"
            hint="Like @name@old.example"
            value={input.alias}
            error={errors.alias}
            maxlength={300}
          />
          <button type="submit">Add alias</button>
        </form>
      </section>
    </SettingsFrame>
  );
}
