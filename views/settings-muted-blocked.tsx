/** @jsxImportSource @kitajs/html */
import { LoadMore } from "./load-more.tsx";
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { PostButton } from "./form.tsx";
import { AccountLine } from "./profile.tsx";
import { SettingsFrame } from "./settings.tsx";
import { WithTimes } from "./time.tsx";

export interface ListedAccount {
  account: AccountView;
  /** A mute's end (null: for good). */
  expiresAt: Date | null;
  /** A mute's "hide their notifications too". */
  notifications: boolean;
}

const pages = {
  mutes: {
    title: "Muted accounts",
    intro:
      "Their posts stay out of your timelines and they are not told. Unmuting shows their posts again; to change how long a mute lasts, open their profile.",
    empty: "You have muted no one.",
    action: "unmute",
    verb: "Unmute",
  },
  blocks: {
    title: "Blocked accounts",
    intro:
      "They cannot follow you or see your posts here, and you see nothing of theirs. Unblocking does not bring back the follows the block ended.",
    empty: "You have blocked no one.",
    action: "unblock",
    verb: "Unblock",
  },
} as const;

/** How long a mute lasts, and what it hides. */
function MuteDetail({ row: { expiresAt, notifications } }: { row: ListedAccount }) {
  const length = expiresAt ? ["Until ", expiresAt] : ["For good"];
  return <WithTimes parts={[...length, ` · ${notifications ? "notifications hidden too" : "notifications still shown"}`]} />;
}

/** The accounts a member mutes or blocks, each with the button that ends it. */
export function MutedOrBlockedPage({
  ctx,
  kind,
  listed,
  more,
}: {
  ctx: PageContext;
  kind: keyof typeof pages;
  listed: ListedAccount[];
  more?: string;
}) {
  const page = pages[kind];
  return (
    <SettingsFrame ctx={ctx} title={page.title}>
      <h2>{page.title}</h2>
      <p>{page.intro}</p>
      {listed.length === 0 ? <p class="empty">{page.empty}</p> : ""}
      <ul class="account-list">
        {listed.map((row) => (
          <li>
            <div class="listed-account">
              <AccountLine account={row.account} />
              {kind === "mutes" ? (
                <p class="muted">
                  <MuteDetail row={row} />
                </p>
              ) : (
                ""
              )}
            </div>
            <PostButton
              ctx={ctx}
              action={`/accounts/${row.account.id}/${page.action}`}
              label={page.verb}
              fullLabel={`${page.verb} @${row.account.acct}`}
              kind="secondary"
            />
          </li>
        ))}
      </ul>
      <LoadMore href={more} />
    </SettingsFrame>
  );
}
