/** @jsxImportSource @kitajs/html */
import { LoadMore } from "./load-more.tsx";
import type { NotificationPolicy } from "../src/core/notification-policy.ts";
import type { AccountView } from "../src/core/views.ts";
import type { PageContext } from "./context.ts";
import { CsrfField, FormMessage, PostButton } from "./form.tsx";
import { Layout } from "./layout.tsx";
import { type NotificationItem, NotificationFeed } from "./notifications.tsx";
import { AccountLine } from "./profile.tsx";
import { Time } from "./time.tsx";

export interface RequestItem {
  id: string;
  account: AccountView;
  count: number;
  updatedAt: Date;
}

const choices: [keyof NotificationPolicy, string, string, string][] = [
  ["forNotFollowing", "for_not_following", "People you don't follow", ""],
  ["forNotFollowers", "for_not_followers", "People who don't follow you", "Or who followed you less than 3 days ago."],
  ["forNewAccounts", "for_new_accounts", "New accounts", "Made in the last 30 days, if you don't follow them."],
  [
    "forPrivateMentions",
    "for_private_mentions",
    "Unsolicited private mentions",
    "Mentioned-people-only posts that do not answer one of yours, from people you don't follow.",
  ],
  ["forLimitedAccounts", "for_limited_accounts", "Accounts limited by the moderators", "If you don't follow them."],
];

const actionLabels = { accept: "Accept: notify me", filter: "Filter: keep for review here", drop: "Ignore: no notification" };

const notificationsCount = (n: number) => `${n} notification${n === 1 ? "" : "s"}`;

export function NotificationRequestsPage({
  ctx,
  policy,
  requests,
  more,
  message,
}: {
  ctx: PageContext;
  policy: NotificationPolicy;
  requests: RequestItem[];
  more?: string;
  message?: string;
}) {
  return (
    <Layout title="Filtered notifications" ctx={ctx}>
      <h1>Filtered notifications</h1>
      <p>
        <a href="/notifications">Back to notifications</a>
      </p>
      <section class="card" aria-labelledby="requests-title">
        <h2 id="requests-title">Held back for you to review</h2>
        {requests.length === 0 ? (
          <p class="empty">Nothing is waiting. Notifications your choices below filter show up here.</p>
        ) : (
          ""
        )}
        <ul class="account-list">
          {requests.map((r) => (
            <li class="request">
              <AccountLine account={r.account} />
              <a href={`/notifications/requests/${r.id}`} safe>
                {notificationsCount(r.count)}
              </a>
              <span class="muted">
                <Time date={r.updatedAt} />
              </span>
              <PostButton
                ctx={ctx}
                action={`/notifications/requests/${r.id}/accept`}
                label="Accept"
                fullLabel={`Accept notifications from @${r.account.acct}`}
              />
              <PostButton
                ctx={ctx}
                action={`/notifications/requests/${r.id}/dismiss`}
                label="Dismiss"
                kind="secondary"
                fullLabel={`Dismiss notifications from @${r.account.acct}`}
              />
            </li>
          ))}
        </ul>
        <LoadMore href={more} />
      </section>
      <form method="post" action="/notifications/policy" class="card" aria-labelledby="policy-title">
        <CsrfField ctx={ctx} />
        <h2 id="policy-title">Who may notify you</h2>
        <FormMessage message={message} kind="success" />
        <p class="muted">
          Accepting someone's notifications lets them through from then on. People you follow are never filtered as strangers, and
          the moderators can always message you.
        </p>
        {choices.map(([key, name, label, hint]) => (
          <div class="field">
            <label for={name} safe>
              {label}
            </label>
            <select id={name} name={name} aria-describedby={hint ? `${name}-hint` : undefined}>
              {(["accept", "filter", "drop"] as const).map((value) => (
                <option value={value} selected={policy[key] === value} safe>
                  {actionLabels[value]}
                </option>
              ))}
            </select>
            {hint ? (
              <p class="hint" id={`${name}-hint`} safe>
                {hint}
              </p>
            ) : (
              ""
            )}
          </div>
        ))}
        <button type="submit">Save</button>
      </form>
    </Layout>
  );
}

/** One sender's held-back notifications, with the decision. */
export function NotificationRequestPage({
  ctx,
  request,
  items,
}: {
  ctx: PageContext;
  request: RequestItem;
  items: NotificationItem[];
}) {
  return (
    <Layout title="Filtered notifications" ctx={ctx}>
      <h1>Filtered notifications</h1>
      <p>
        <a href="/notifications/requests">All filtered notifications</a>
      </p>
      <section class="card" aria-label={`From ${request.account.displayName}`}>
        <ul class="account-list">
          <li class="request">
            <AccountLine account={request.account} />
            <PostButton ctx={ctx} action={`/notifications/requests/${request.id}/accept`} label="Accept" />
            <PostButton ctx={ctx} action={`/notifications/requests/${request.id}/dismiss`} label="Dismiss" kind="secondary" />
          </li>
        </ul>
        <p class="muted" safe>
          {`${notificationsCount(request.count)}. Accept to move them to your notifications and let this account notify you from now on; dismiss to delete them.`}
        </p>
      </section>
      <NotificationFeed ctx={ctx} items={items} empty="No notifications are held back from this account." />
    </Layout>
  );
}
