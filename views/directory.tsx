/** @jsxImportSource @kitajs/html */
import { LoadMore } from "./load-more.tsx";
import type { DirectoryOrder } from "../src/core/directory.ts";
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { AccountLine } from "./profile.tsx";
import { TimelineTabs } from "./timeline.tsx";

export interface DirectoryEntry {
  account: AccountView;
  /** The bio as HTML: escaped and linked (members) or sanitized (other servers'), emoji drawn. */
  safeBio: string;
  posts: number;
  followers: number;
  /** Whether the viewer follows (or asked to follow) the account; undefined for visitors and oneself. */
  following?: boolean;
}

const orders: [DirectoryOrder, string][] = [
  ["active", "Recently active"],
  ["new", "New here"],
];

/** Explore → People: discoverable accounts, this instance's members or everyone known here. */
export function DirectoryPage({
  ctx,
  tabs,
  entries,
  local,
  order,
  more,
}: {
  ctx: PageContext;
  tabs: { href: string; label: string }[];
  entries: DirectoryEntry[];
  local: boolean;
  order: DirectoryOrder;
  more?: string;
}) {
  return (
    <Layout title="People" ctx={ctx}>
      <h1>Explore</h1>
      <TimelineTabs ctx={ctx} tabs={tabs} />
      <form method="get" action="/directory" class="directory-filters">
        <label for="scope">Who</label>
        <select id="scope" name="local">
          <option value="1" selected={local}>
            Members of this instance
          </option>
          <option value="0" selected={!local}>
            Everyone known here
          </option>
        </select>
        <label for="order">Order</label>
        <select id="order" name="order">
          {orders.map(([value, label]) => (
            <option value={value} selected={value === order} safe>
              {label}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <p class="muted">Only people who chose to be listed in the directory (in their profile settings) appear here.</p>
      <ul class="directory">
        {entries.length === 0 ? <li class="empty">Nobody to show yet.</li> : ""}
        {entries.map((e) => (
          <DirectoryCard ctx={ctx} entry={e} />
        ))}
      </ul>
      <LoadMore href={more} />
    </Layout>
  );
}

function DirectoryCard({ ctx, entry }: { ctx: PageContext; entry: DirectoryEntry }) {
  const { safeBio, posts, followers } = entry;
  return (
    <li class="card directory-entry">
      <div class="directory-head">
        <AccountLine account={entry.account} />
        {entry.following === false ? <PostButton ctx={ctx} action={`/accounts/${entry.account.id}/follow`} label="Follow" /> : ""}
      </div>
      {safeBio ? <div class="bio">{safeBio}</div> : ""}
      <p class="muted" safe>
        {`${posts} ${posts === 1 ? "post" : "posts"} · ${followers} ${followers === 1 ? "follower" : "followers"}`}
      </p>
    </li>
  );
}
