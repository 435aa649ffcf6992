/** @jsxImportSource @kitajs/html */
import { LoadMore } from "./load-more.tsx";
import { groupKey } from "../src/core/notification-groups.ts";
import type { SeveranceView } from "../src/core/severances.ts";
import type { AccountView, PostView } from "../src/core/views.ts";
import type { NotificationType } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { WithEmojis } from "./emoji.tsx";
import { Layout } from "./layout.tsx";
import { PostCard } from "./post.tsx";
import { Avatar } from "./avatar.tsx";
import { AccountLine } from "./profile.tsx";
import { Time } from "./time.tsx";
import { CsrfField, PostButton } from "./form.tsx";

export interface NotificationItem {
  id: string;
  type: NotificationType;
  from: AccountView;
  post: PostView | null;
  createdAt: Date;
  unread: boolean;
  /** For staff: the report (admin.report), or whether the sign-up still waits for approval (admin.sign_up). */
  reportId?: string | null;
  /** The handle of whom the report is about. */
  reported?: string;
  waiting?: boolean;
  /** The follows a moderator's action cut (severed_relationships), as counted for this member. */
  severance?: SeveranceView;
  /** A new follower the member does not follow (or ask to) yet. */
  followBack?: boolean;
}

/** Where a notification's action link goes, and what it says. */
function actionOf(n: NotificationItem): [string, string] | undefined {
  if (n.type === "follow_request") return ["/follow_requests", "Answer"];
  if (n.type === "moderation_warning") return ["/settings/warnings", "Read it"];
  if (n.type === "severed_relationships") return ["/severed_relationships", "See whom"];
  if (n.type === "admin.report" && n.reportId) return [`/admin/reports/${n.reportId}`, "Open the report"];
  if (n.type === "admin.sign_up")
    return n.waiting ? ["/admin/registrations", "Review"] : [`/admin/accounts/${n.from.id}`, "See the account"];
  return undefined;
}

const phrases: Record<NotificationType, string> = {
  mention: "mentioned you",
  reply: "replied to your post",
  favourite: "liked your post",
  reblog: "boosted your post",
  follow: "followed you",
  follow_request: "asked to follow you",
  status: "posted",
  moderation_warning: "sent you a note from the moderators", // (shown as fromModerators says)
  poll: "ran a poll that has ended",
  quote: "quoted your post",
  update: "edited a post you boosted",
  quoted_update: "edited a post you quoted",
  "admin.sign_up": "signed up",
  "admin.report": "sent a report",
  severed_relationships: "ended some of your follows",
};

/** The line of a notice from the moderators, which names none of them (it comes from the member's own account). */
function fromModerators(n: NotificationItem): string | undefined {
  if (n.type === "moderation_warning") return "The moderators sent you a note.";
  return n.severance ? severanceText(n.severance) : undefined;
}

/** What a moderator's action cut, for the member it cut it for: "Moderators suspended far.example: …". */
export function severanceText(s: SeveranceView): string {
  const what = {
    domain_block: `The moderators suspended the server ${s.targetName}`,
    user_domain_block: `You blocked ${s.targetName}`,
    account_suspension: `The moderators suspended @${s.targetName}`,
  }[s.type];
  const parts = [
    s.followers ? `${s.followers} ${s.followers === 1 ? "follower" : "followers"}` : "",
    s.following ? `${s.following} ${s.following === 1 ? "account" : "accounts"} you followed` : "",
  ].filter(Boolean);
  return `${what}: you lost ${parts.join(" and ")}.`;
}

export function NotificationsPage({
  ctx,
  items,
  more,
  pending,
  tab,
  later,
  clearUpTo,
}: {
  ctx: PageContext;
  items: NotificationItem[];
  more?: string;
  tab: "all" | "mentions";
  /** A page further down the list (its end may hold only notifications left out). */
  later?: boolean;
  /** Senders whose notifications the member's policy held back. */
  pending: number;
  /** The newest notification shown, for "Clear all" (the whole list's first page only). */
  clearUpTo?: string;
}) {
  return (
    <Layout title="Notifications" ctx={ctx}>
      <h1>Notifications</h1>
      <nav class="tabs" aria-label="Notifications">
        <a href="/notifications" aria-current={tab === "all" ? "page" : undefined}>
          All
        </a>
        <a href="/notifications?only=mentions" aria-current={tab === "mentions" ? "page" : undefined}>
          Mentions
        </a>
      </nav>
      <div class="row notification-requests-link">
        <a href="/notifications/requests">
          {pending > 0
            ? `Filtered notifications: ${pending} ${pending === 1 ? "person" : "people"} you may not know`
            : "Filtered notifications and who may notify you"}
        </a>
        {clearUpTo && items.length > 0 ? (
          <form
            method="post"
            action="/notifications/clear"
            data-confirm="Clear all your notifications? They cannot be brought back. Filtered ones stay."
          >
            <CsrfField ctx={ctx} />
            <input type="hidden" name="up_to" value={clearUpTo} />
            <button type="submit" class="secondary" aria-label="Clear all notifications">
              Clear all
            </button>
          </form>
        ) : (
          ""
        )}
      </div>
      <NotificationFeed
        ctx={ctx}
        items={items}
        more={more}
        empty={
          later
            ? "No more notifications."
            : tab === "mentions"
              ? "No mentions yet. When someone mentions you or replies to you, you will see it here."
              : "Nothing yet. When someone follows you, mentions you or likes your posts, you will see it here."
        }
      />
    </Layout>
  );
}

/** A notification shown for several alike: the others who did the same, newest first. */
type Grouped = NotificationItem & { others: AccountView[] };

/** Sign-ups stay one a line on the page: each has its own link, to review it or to the account. */
const PAGE_GROUPED: NotificationType[] = ["favourite", "reblog", "follow"];

/**
 * Notifications as Mastodon 4.3 groups them (core/notification-groups.ts: likes of one post,
 * boosts of it, new followers, within 12 hours), each group one line ("Ana, Ben and 3 others
 * liked your post") at the place of its newest. Within a page.
 */
export function grouped(items: NotificationItem[]): Grouped[] {
  const groups = new Map<string, Grouped>();
  for (const n of items) {
    const key = groupKey({ id: n.id, type: n.type, postId: n.post?.id ?? null, filtered: false }, PAGE_GROUPED);
    const group = groups.get(key);
    if (!group) groups.set(key, { ...n, others: [] });
    else {
      if (group.from.id !== n.from.id && !group.others.some((o) => o.id === n.from.id)) group.others.push(n.from);
      group.unread ||= n.unread;
    }
  }
  return [...groups.values()];
}

/** " and 3 others": how many more than the two named. */
const andOthers = (rest: number) => ` and ${rest} ${rest === 1 ? "other" : "others"}`;

/** "Ana", "Ana and Ben", "Ana, Ben and 3 others": the names as text (for the label). */
function namesText(n: Grouped): string {
  const [second] = n.others;
  if (!second) return n.from.displayName;
  const rest = n.others.length - 1;
  return rest > 0
    ? `${n.from.displayName}, ${second.displayName}${andOthers(rest)}`
    : `${n.from.displayName} and ${second.displayName}`;
}

/** The same, with the first two names as links to their profiles. */
function Names({ n }: { n: Grouped }) {
  const link = (a: AccountView) => (
    <a href={a.localUrl}>
      <WithEmojis text={a.displayName} emojis={a.emojis} />
    </a>
  );
  const [second] = n.others;
  const rest = n.others.length - 1;
  if (!second) return link(n.from);
  return (
    <>
      {link(n.from)}
      {rest > 0 ? ", " : " and "}
      {link(second)}
      {rest > 0 ? <span safe>{andOthers(rest)}</span> : ""}
    </>
  );
}

/** Notifications, newest first, with a link to the next page. */
export function NotificationFeed({
  ctx,
  items,
  more,
  empty,
}: {
  ctx: PageContext;
  items: NotificationItem[];
  more?: string;
  empty: string;
}) {
  return (
    <div class="feed">
      {items.length === 0 ? (
        <p class="empty" safe>
          {empty}
        </p>
      ) : (
        ""
      )}
      {grouped(items).map((n) => {
        const notice = fromModerators(n);
        return (
          <section
            class={n.unread ? "notification unread" : "notification"}
            aria-label={notice ?? `${namesText(n)} ${phrases[n.type]}`}
          >
            <p class="notification-line">
              {n.type === "poll" && !n.from.domain && n.from.username === ctx.viewer?.username ? (
                <span>Your poll has ended</span>
              ) : notice ? (
                <span safe>{notice}</span>
              ) : (
                <>
                  <Names n={n} /> <span safe>{n.reported ? `reported @${n.reported}` : phrases[n.type]}</span>
                </>
              )}{" "}
              · <Time date={n.createdAt} />
              {actionLink(actionOf(n))}
            </p>
            {n.others.length > 0 ? <Faces accounts={[n.from, ...n.others]} /> : ""}
            {n.post ? (
              <PostCard ctx={ctx} post={n.post} />
            ) : notice || n.others.length > 0 ? (
              ""
            ) : (
              <div class="notification-account">
                <AccountLine account={n.from} />
                {n.followBack ? (
                  <PostButton
                    ctx={ctx}
                    action={`/accounts/${n.from.id}/follow`}
                    label={n.from.locked ? "Request to follow back" : "Follow back"}
                    kind="secondary"
                    fullLabel={`${n.from.locked ? "Request to follow back" : "Follow back"} @${n.from.acct}`}
                  />
                ) : (
                  ""
                )}
              </div>
            )}
          </section>
        );
      })}
      <LoadMore href={more} />
    </div>
  );
}

/** The avatars of those grouped in one line, each a link to them (at most a dozen). */
function Faces({ accounts }: { accounts: AccountView[] }) {
  return (
    <p class="notification-faces">
      {accounts.slice(0, 12).map((a) => (
        <a href={a.localUrl} title={`${a.displayName} (@${a.acct})`}>
          <Avatar account={a} size={32} />
        </a>
      ))}
    </p>
  );
}

function actionLink(action: [string, string] | undefined) {
  if (!action) return "";
  const [href, label] = action;
  return (
    <>
      {" · "}
      <a href={href} safe>
        {label}
      </a>
    </>
  );
}
