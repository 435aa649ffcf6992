/** @jsxImportSource @kitajs/html */
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { PostButton } from "./form.tsx";
import { AccountLine } from "./profile.tsx";

/** "People to follow" on a new member's home page: follow, or say not interested. */
export function FollowSuggestions({ ctx, accounts }: { ctx: PageContext; accounts: AccountView[] }) {
  if (accounts.length === 0) return "";
  return (
    <section class="card follow-suggestions" aria-labelledby="suggestions-title">
      <h2 id="suggestions-title">People to follow</h2>
      <ul class="account-list">
        {accounts.map((a) => (
          <li class="suggestion">
            <AccountLine account={a} />
            <div class="actions">
              <PostButton ctx={ctx} action={`/accounts/${a.id}/follow`} label="Follow" />
              <PostButton ctx={ctx} action={`/suggestions/${a.id}/dismiss`} label="Not interested" kind="secondary" />
            </div>
          </li>
        ))}
      </ul>
      <p class="muted">
        <a href="/directory">More people in Explore</a>
      </p>
    </section>
  );
}
