/** @jsxImportSource @kitajs/html */
import type { SeveranceView } from "../src/core/severances.ts";
import type { AccountView, PostView } from "../src/core/views.ts";
import type { NotificationType } from "../src/db/schema.ts";
import type { PageContext } from "./context.ts";
import { WithEmojis } from "./emoji.tsx";
import { Layout } from "./layout.tsx";
import { PostCard } from "./post.tsx";
import { AccountLine } from "./profile.tsx";
import { Time } from "./time.tsx";

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
  const what = s.type === "domain_block" ? `suspended the server ${s.targetName}` : `suspended @${s.targetName}`;
  const parts = [
    s.followers ? `${s.followers} ${s.followers === 1 ? "follower" : "followers"}` : "",
    s.following ? `${s.following} ${s.following === 1 ? "account" : "accounts"} you followed` : "",
  ].filter(Boolean);
  return `The moderators ${what}: you lost ${parts.join(" and ")}.`;
}

export function NotificationsPage({
  ctx,
  items,
  more,
  pending,
  tab,
}: {
  ctx: PageContext;
  items: NotificationItem[];
  more?: string;
  tab: "all" | "mentions";
  /** Senders whose notifications the member's policy held back. */
  pending: number;
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
      <p class="notification-requests-link">
        <a href="/notifications/requests">
          {pending > 0
            ? `Filtered notifications: ${pending} ${pending === 1 ? "person" : "people"} you may not know`
            : "Filtered notifications and who may notify you"}
        </a>
      </p>
      <NotificationFeed
        ctx={ctx}
        items={items}
        more={more}
        empty={
          tab === "mentions"
            ? "No mentions yet. When someone mentions you or replies to you, you will see it here."
            : "Nothing yet. When someone follows you, mentions you or likes your posts, you will see it here."
        }
      />
    </Layout>
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
      {items.map((n) => (
        <section
          class={n.unread ? "notification unread" : "notification"}
          aria-label={fromModerators(n) ?? `${n.from.displayName} ${phrases[n.type]}`}
        >
          <p class="notification-line">
            {n.type === "poll" && !n.from.domain && n.from.username === ctx.viewer?.username ? (
              <span>Your poll has ended</span>
            ) : fromModerators(n) ? (
              <span safe>{fromModerators(n)}</span>
            ) : (
              <>
                <a href={n.from.localUrl}>
                  <WithEmojis text={n.from.displayName} emojis={n.from.emojis} />
                </a>{" "}
                <span safe>{n.reported ? `reported @${n.reported}` : phrases[n.type]}</span>
              </>
            )}{" "}
            · <Time date={n.createdAt} />
            {actionLink(actionOf(n))}
          </p>
          {n.post ? <PostCard ctx={ctx} post={n.post} /> : fromModerators(n) ? "" : <AccountLine account={n.from} />}
        </section>
      ))}
      {more ? (
        <a class="load-more" href={more}>
          Load more
        </a>
      ) : (
        ""
      )}
    </div>
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
