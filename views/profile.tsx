/** @jsxImportSource @kitajs/html */
import { LoadMore } from "./load-more.tsx";
import { withEmojis } from "../src/core/custom-emojis.ts";
import { WithEmojis } from "./emoji.tsx";
import type { Relationship } from "../src/core/follows.ts";
import type { AccountView, PostView } from "../src/core/views.ts";
import type { FeaturedTagView } from "../src/core/featured-tags.ts";
import type { ProfileField } from "../src/db/schema.ts";
import { Avatar } from "./avatar.tsx";
import type { PageContext } from "./context.ts";
import { CsrfField, Field, FormMessage, PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { localLabel, WithTimes } from "./time.tsx";
import { periods } from "./compose.tsx";
import { profileMeta } from "./meta.tsx";
import { PostList } from "./post.tsx";

export interface ProfileProps {
  ctx: PageContext;
  account: AccountView;
  noteHtml: string;
  fields: (ProfileField & { valueHtml: string })[];
  counts: { posts: number; following: number; followers: number };
  relationship: Relationship | null;
  isSelf: boolean;
  hideCollections: boolean;
  tab: "posts" | "replies" | "media";
  pinned: PostView[];
  posts: PostView[];
  more?: string;
  handleHost: string;
  /** The account this one moved to, if it did. */
  movedTo: AccountView | null;
  /** The viewer's lists this account is or could be in (drawn by views/lists.tsx). */
  listPicker?: JSX.Element;
  /** How saving the viewer's private note on this account just went. */
  noteState?: "saved" | "too-long";
  /** The people this member features on their profile (core/endorsements.ts). */
  featured: AccountView[];
  /** The hashtags this member features (core/featured-tags.ts). */
  featuredTags: FeaturedTagView[];
  /** The posts shown are those with this hashtag (a featured tag's link). */
  tagged?: string;
}

function AccountAction({
  ctx,
  account,
  action,
  label,
}: {
  ctx: PageContext;
  account: AccountView;
  action: string;
  label: string;
}) {
  return (
    <PostButton
      ctx={ctx}
      action={`/accounts/${account.id}/${action}`}
      label={label}
      kind={action === "follow" ? undefined : "secondary"}
    />
  );
}

/** How long a mute lasts (0: for good). */
export const muteDurations: readonly (readonly [number, string])[] = [[0, "For good"], ...periods.filter(([s]) => s >= 1800)];

/** A mute in force, as the profile shows it and its "Change" form starts from. */
export interface CurrentMute {
  notifications: boolean;
  until: Date | null;
}

/**
 * "Mute": for how long, and whether their notifications go too (by default they do). With the
 * mute in force, "Change" offers the same choices, starting from it (its length kept).
 */
function MuteForm({ ctx, account, current }: { ctx: PageContext; account: AccountView; current?: CurrentMute }) {
  return (
    <details class="more mute-menu">
      <summary>{current ? "Change" : "Mute"}</summary>
      <form method="post" action={`/accounts/${account.id}/mute`} class="menu">
        <CsrfField ctx={ctx} />
        {current ? "" : <p class="muted">Their posts leave your timelines; they are not told.</p>}
        <MuteFields current={current} />
        <button type="submit" class="secondary" safe>
          {current ? "Save" : `Mute @${account.acct}`}
        </button>
      </form>
    </details>
  );
}

/** Whether their notifications go too, and for how long: the profile's menu and a post's "Mute @x…" page. */
function MuteFields({ current }: { current?: CurrentMute }) {
  // Short enough for a phone's width.
  const kept = current
    ? current.until
      ? localLabel("Until %s", current.until)
      : { text: "As now: for good", label: undefined, at: undefined }
    : undefined;
  return (
    <>
      <label class="check">
        <input type="checkbox" name="notifications" value="1" checked={current ? current.notifications : true} /> Hide their
        notifications too
      </label>
      <div class="field">
        <label for="mute-duration">For how long</label>
        <select id="mute-duration" name="duration">
          {kept ? (
            <option value="keep" selected data-local-label={kept.label} data-local-at={kept.at} safe>
              {kept.text}
            </option>
          ) : (
            ""
          )}
          {muteDurations.map(([seconds, label]) => (
            <option value={String(seconds)} safe>
              {label}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

/** "Mute @x…" from a post's menu: the profile's mute choices on a page of their own. */
export function ConfirmMutePage({ ctx, account }: { ctx: PageContext; account: AccountView }) {
  return (
    <Layout title={`Mute @${account.acct}`} ctx={ctx}>
      <section class="card narrow" aria-labelledby="mute-title">
        <h1 id="mute-title" safe>{`Mute @${account.acct}?`}</h1>
        <p>Their posts leave your timelines, and you can still see their profile. They are not told.</p>
        <form method="post" action={`/accounts/${account.id}/mute`}>
          <CsrfField ctx={ctx} />
          <MuteFields />
          <div class="row">
            <button type="submit">Mute</button>
            <a href={account.localUrl}>Cancel</a>
          </div>
        </form>
      </section>
    </Layout>
  );
}

function Relations({ ctx, account, rel }: { ctx: PageContext; account: AccountView; rel: Relationship }) {
  if (rel.blockedBy) return <p class="muted">This account has blocked you.</p>;
  return (
    <div class="relation-actions">
      {rel.blocking ? (
        <AccountAction ctx={ctx} account={account} action="unblock" label="Unblock" />
      ) : rel.following ? (
        <AccountAction ctx={ctx} account={account} action="unfollow" label="Unfollow" />
      ) : rel.requested ? (
        <AccountAction ctx={ctx} account={account} action="unfollow" label="Cancel follow request" />
      ) : (
        <AccountAction ctx={ctx} account={account} action="follow" label={account.locked ? "Request to follow" : "Follow"} />
      )}
      {rel.blocking ? (
        ""
      ) : rel.muting ? (
        <>
          <AccountAction ctx={ctx} account={account} action="unmute" label="Unmute" />
          <span class="muted">{rel.mutedUntil ? <WithTimes parts={["Muted until ", rel.mutedUntil]} /> : "Muted"}</span>
          <MuteForm ctx={ctx} account={account} current={{ notifications: rel.mutingNotifications, until: rel.mutedUntil }} />
        </>
      ) : (
        <MuteForm ctx={ctx} account={account} />
      )}
      <RelationMenu ctx={ctx} account={account} rel={rel} />
    </div>
  );
}

/** The rarer actions, in a menu as on Mastodon: the profile shows the few that matter most. */
function RelationMenu({ ctx, account, rel }: { ctx: PageContext; account: AccountView; rel: Relationship }) {
  const action = (name: string, label: string) => (
    <PostButton ctx={ctx} action={`/accounts/${account.id}/${name}`} label={label} />
  );
  return (
    <details class="more">
      <summary>More</summary>
      <div class="menu">
        {rel.blocking ? (
          ""
        ) : (
          <>
            <a href={`/compose?mention=${account.id}`} safe>{`Mention @${account.acct}`}</a>
            <a href={`/compose?mention=${account.id}&visibility=direct`} safe>{`Message @${account.acct}`}</a>
          </>
        )}
        {/* As on Mastodon, once followed: a request waiting has nothing to ring for yet. */}
        {rel.following ? (
          <>
            {rel.notifying ? action("unnotify", "Stop notifying me of new posts") : action("notify", "Notify me of new posts")}
            {rel.showingReblogs ? action("hide_reblogs", "Hide boosts") : action("show_reblogs", "Show boosts")}
          </>
        ) : (
          ""
        )}
        {rel.following
          ? rel.endorsed
            ? action("unendorse", "Stop featuring on profile")
            : action("endorse", "Feature on profile")
          : ""}
        {rel.followedBy && !rel.blocking ? action("remove_follower", "Remove follower") : ""}
        {/* Blocks end follows both ways: asked once more on their own page. */}
        {rel.blocking ? (
          ""
        ) : (
          <a href={`/accounts/${account.id}/block`} class="danger" safe>
            {`Block @${account.acct}…`}
          </a>
        )}
        {!account.domain ? (
          ""
        ) : rel.domainBlocking ? (
          action("unblock_domain", `Unblock ${account.domain}`)
        ) : (
          <a href={`/accounts/${account.id}/block_domain`} class="danger" safe>
            {`Block ${account.domain}…`}
          </a>
        )}
        <a href={`/report?account_id=${account.id}`} safe>
          {`Report @${account.acct}`}
        </a>
      </div>
    </details>
  );
}

/** "Block @name?" or "Block example.com?": what it does, before it is done. */
export function ConfirmBlockPage({ ctx, account, domain }: { ctx: PageContext; account: AccountView; domain: boolean }) {
  const what = domain ? (account.domain ?? "") : `@${account.acct}`;
  return (
    <Layout title={`Block ${what}`} ctx={ctx}>
      <section class="card" aria-labelledby="block-title">
        <h1 id="block-title" safe>{`Block ${what}?`}</h1>
        {domain ? (
          <p safe>
            {`You will see no posts or notifications from anyone on ${what}, and your follows with people there end, both ways. Only you are affected.`}
          </p>
        ) : (
          <p>
            They can no longer follow you or see your posts here, and you see nothing of theirs. Your follows end, both ways. They
            are not told, but may notice.
          </p>
        )}
        <div class="row">
          <PostButton
            ctx={ctx}
            action={`/accounts/${account.id}/${domain ? "block_domain" : "block"}`}
            label="Block"
            kind="danger"
          />
          <a href={account.localUrl}>Cancel</a>
        </div>
      </section>
    </Layout>
  );
}

export function ProfilePage(p: ProfileProps) {
  const { ctx, account } = p;
  const base = `/@${account.acct}`;
  const handle = account.domain ? `@${account.acct}` : `@${account.acct}@${p.handleHost}`;
  const tabs = [
    { href: base, tab: "posts", label: "Posts" },
    { href: `${base}?tab=replies`, tab: "replies", label: "Posts and replies" },
    { href: `${base}?tab=media`, tab: "media", label: "Media" },
  ];
  const safeNote = withEmojis(p.noteHtml, account.emojis ?? []);
  const safeListPicker = p.listPicker ?? ""; // drawn by our own view, escaped there
  return (
    <Layout title={`${account.displayName} (${handle})`} ctx={ctx} meta={profileMeta(account, handle, p.noteHtml)}>
      <section class="profile" aria-labelledby="profile-name">
        <div class="profile-header">
          {account.headerUrl ? (
            <img src={account.headerUrl} alt="" class="header-image" />
          ) : (
            <div class="header-image blank"></div>
          )}
        </div>
        <div class="profile-identity">
          <Avatar account={account} size={96} />
          <div>
            <h1 id="profile-name">
              <WithEmojis text={account.displayName} emojis={account.emojis} />
            </h1>
            <p class="handle" safe>
              {handle}
            </p>
            {account.bot ? <p class="tag-label">Automated account</p> : ""}
            {account.locked ? <p class="tag-label">Approves followers</p> : ""}
            {p.relationship?.followedBy ? <p class="tag-label">Follows you</p> : ""}
          </div>
        </div>
        {p.movedTo ? (
          <p class="notice">
            <span safe>{`${account.displayName} has moved to`}</span>{" "}
            <a href={p.movedTo.localUrl} safe>
              {`@${p.movedTo.acct}`}
            </a>
            .
          </p>
        ) : (
          ""
        )}
        {p.relationship ? <Relations ctx={ctx} account={account} rel={p.relationship} /> : ""}
        {p.relationship && !p.relationship.blockedBy ? (
          <NoteForm ctx={ctx} account={account} note={p.relationship.note} state={p.noteState} />
        ) : (
          ""
        )}
        {safeListPicker}
        {p.isSelf ? (
          <p>
            <a href="/settings/profile" class="button secondary">
              Edit profile
            </a>
          </p>
        ) : (
          ""
        )}
        {safeNote ? <div class="bio">{safeNote}</div> : ""}
        {p.fields.length > 0 ? (
          <dl class="fields">
            {p.fields.map((f) => {
              const safeValue = f.valueHtml;
              return (
                <div class={f.verifiedAt ? "verified" : undefined}>
                  <dt safe>{f.name}</dt>
                  <dd>
                    {safeValue}
                    {f.verifiedAt ? (
                      <span class="verified-mark" title={`Verified ${f.verifiedAt}`}>
                        {" "}
                        ✓ verified
                      </span>
                    ) : (
                      ""
                    )}
                  </dd>
                </div>
              );
            })}
          </dl>
        ) : (
          ""
        )}
        <p
          class="joined muted"
          safe
        >{`Joined ${account.createdAt.toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" })}`}</p>
        <p class="counts">
          <span>
            <strong safe>{String(p.counts.posts)}</strong> {p.counts.posts === 1 ? "post" : "posts"}
          </span>
          {p.hideCollections && !p.isSelf ? (
            ""
          ) : (
            <>
              <a href={`${base}/following`}>
                <strong safe>{String(p.counts.following)}</strong> following
              </a>
              <a href={`${base}/followers`}>
                <strong safe>{String(p.counts.followers)}</strong> {p.counts.followers === 1 ? "follower" : "followers"}
              </a>
            </>
          )}
          {account.domain ? "" : <a href={`${base}.rss`}>RSS feed</a>}
        </p>
        {account.domain ? (
          <p>
            <a href={account.url} rel="noopener" target="_blank">
              See the full profile on its server
            </a>
          </p>
        ) : (
          ""
        )}
        {p.featured.length > 0 ? (
          <section class="featured-people" aria-labelledby="featured-title">
            <h2 id="featured-title">Featured people</h2>
            <ul class="account-list">
              {p.featured.map((a) => (
                <li>
                  <AccountLine account={a} />
                </li>
              ))}
            </ul>
          </section>
        ) : (
          ""
        )}
        {p.featuredTags.length > 0 ? (
          <section class="featured-tags" aria-labelledby="featured-tags-title">
            <h2 id="featured-tags-title">Featured hashtags</h2>
            <ul>
              {p.featuredTags.map((f) => (
                <li>
                  <a
                    href={`${base}/tagged/${encodeURIComponent(f.name)}`}
                    aria-current={p.tagged === f.name ? "page" : undefined}
                  >
                    <strong safe>{`#${f.display}`}</strong>{" "}
                    <span class="muted" safe>
                      {`${f.posts} ${f.posts === 1 ? "post" : "posts"}`}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        ) : (
          ""
        )}
      </section>
      <nav class="tabs" aria-label="Posts">
        {tabs.map((t) => (
          <a href={t.href} aria-current={p.tab === t.tab && !p.tagged ? "page" : undefined} safe>
            {t.label}
          </a>
        ))}
      </nav>
      {p.tagged ? (
        <p class="tagged-notice">
          <span safe>{`Posts with #${p.tagged}`}</span> · <a href={base}>Show all posts</a>
        </p>
      ) : (
        ""
      )}
      {p.pinned.length > 0 && !p.tagged ? (
        <section aria-label="Pinned posts" class="pinned">
          <PostList ctx={ctx} posts={p.pinned} empty="" />
        </section>
      ) : (
        ""
      )}
      <div class="feed" id="feed">
        <PostList ctx={ctx} posts={p.posts} more={p.more} empty="No posts here yet." />
      </div>
    </Layout>
  );
}

export function AccountList({
  ctx,
  title,
  accounts,
  more,
  empty,
  back,
}: {
  ctx: PageContext;
  title: string;
  accounts: AccountView[];
  more?: string;
  empty: string;
  /** A link back to what the list is about (a post, say). */
  back?: { href: string; label: string };
}) {
  return (
    <Layout title={title} ctx={ctx}>
      <h1 safe>{title}</h1>
      {back ? (
        <p>
          <a href={back.href} safe>
            {back.label}
          </a>
        </p>
      ) : (
        ""
      )}
      <ul class="account-list feed">
        {accounts.length === 0 ? (
          <li class="empty" safe>
            {empty}
          </li>
        ) : (
          accounts.map((a) => (
            <li>
              <AccountLine account={a} />
            </li>
          ))
        )}
      </ul>
      <LoadMore href={more} />
    </Layout>
  );
}

export function AccountLine({ account }: { account: AccountView }) {
  return (
    <a href={account.localUrl} class="account-line">
      <Avatar account={account} size={40} />
      <span class="names">
        <strong>
          <WithEmojis text={account.displayName} emojis={account.emojis} />
        </strong>
        <span class="handle" safe>{`@${account.acct}`}</span>
      </span>
    </a>
  );
}

/** The viewer's private note on an account (Mastodon's "note"): nobody else sees it. */
function NoteForm({
  ctx,
  account,
  note,
  state,
}: {
  ctx: PageContext;
  account: AccountView;
  note: string;
  state?: "saved" | "too-long";
}) {
  return (
    <details class="private-note-box" open={note || state ? true : undefined}>
      <summary>{note ? "Your note" : "Add a note"}</summary>
      <form method="post" action={`/accounts/${account.id}/note`} class="private-note" id="note">
        <CsrfField ctx={ctx} />
        <Field
          name="comment"
          label="Note (only you see it)"
          required={false}
          multiline
          rows={2}
          value={note}
          maxlength={2000}
          error={state === "too-long" ? "Keep the note under 2000 characters." : undefined}
        />
        <FormMessage message={state === "saved" ? "Note saved." : undefined} kind="success" />
        <button type="submit" class="secondary">
          Save note
        </button>
      </form>
    </details>
  );
}
