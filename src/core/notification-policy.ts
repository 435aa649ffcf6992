/**
 * Filtered notifications, as Mastodon 4.3 has them: each member chooses, for five kinds of
 * sender, whether their notifications come in (accept), wait for review (filter) or are ignored
 * (drop). Held-back notifications are grouped by sender into requests the member accepts (the
 * sender is let through from then on) or dismisses. Against spam waves from new accounts and
 * unsolicited private messages, the defaults hold back private mentions from strangers and
 * anything from limited accounts. The requests themselves are in notification-requests.ts.
 */
import { and, count, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import {
  accounts,
  follows,
  mentions,
  type NotificationPolicyAction,
  notificationPermissions,
  notificationPolicies,
  type NotificationType,
  posts,
  roleRank,
  users,
} from "../db/schema.ts";
import { onSilencedDomain } from "./domain-blocks.ts";

const DAY_MS = 24 * 3600_000;
/** Accounts younger than this are "new" (Mastodon's threshold). */
const NEW_ACCOUNT_MS = 30 * DAY_MS;
/** A follower of less than this long does not count as one yet, so following first is no way around the policy. */
const NEW_FOLLOWER_MS = 3 * DAY_MS;

/** What the policy may hold back: what others do to a member. Their own polls, edits of what they boosted, moderators' warnings always come. */
const FILTERABLE = new Set<NotificationType>(["mention", "reply", "favourite", "reblog", "follow", "follow_request", "quote"]);

export type NotificationPolicy = Omit<typeof notificationPolicies.$inferSelect, "accountId">;
const DEFAULT_POLICY: NotificationPolicy = {
  forNotFollowing: "accept",
  forNotFollowers: "accept",
  forNewAccounts: "accept",
  forPrivateMentions: "filter",
  forLimitedAccounts: "filter",
};

export function policyOf(db: DbOrTx, accountId: string): NotificationPolicy {
  const row = db.select().from(notificationPolicies).where(eq(notificationPolicies.accountId, accountId)).get();
  if (!row) return DEFAULT_POLICY;
  const { accountId: _, ...policy } = row;
  return policy;
}

export function updatePolicy(db: Db, accountId: string, changes: Partial<NotificationPolicy>): NotificationPolicy {
  // A choice left out (undefined) stays as it is.
  const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  const policy: NotificationPolicy = { ...policyOf(db, accountId), ...given };
  db.insert(notificationPolicies)
    .values({ accountId, ...policy })
    .onConflictDoUpdate({ target: notificationPolicies.accountId, set: policy })
    .run();
  return policy;
}

export interface Incoming {
  accountId: string;
  type: NotificationType;
  fromAccountId: string;
  postId?: string | null;
}

/** What the member's policy does with a notification: let it in, hold it back, or drop it. */
export function screen(db: DbOrTx, event: Incoming): NotificationPolicyAction {
  if (!FILTERABLE.has(event.type)) return "accept";
  const permitted = db
    .select({ n: count() })
    .from(notificationPermissions)
    .where(
      and(eq(notificationPermissions.accountId, event.accountId), eq(notificationPermissions.fromAccountId, event.fromAccountId)),
    )
    .get()?.n;
  if (permitted) return "accept";
  const sender = db
    .select({
      createdAt: accounts.createdAt,
      silencedAt: accounts.silencedAt,
      role: users.role,
      silencedDomain: onSilencedDomain(accounts.id),
    })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(eq(accounts.id, event.fromAccountId))
    .get();
  if (!sender) return "accept";
  const message = event.type === "mention" || event.type === "reply";
  // Staff can always reach the members they moderate by message (a moderator's question, say).
  const recipient = db.select({ role: users.role }).from(users).where(eq(users.accountId, event.accountId)).get();
  if (message && sender.role && recipient && roleRank[sender.role] > roleRank[recipient.role]) return "accept";

  const now = Date.now();
  const follow = (followerId: string, followingId: string) =>
    db
      .select({ createdAt: follows.createdAt })
      .from(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.followingId, followingId), eq(follows.state, "accepted")))
      .get();
  // Whom the member follows is never held back as limited, new or a stranger; "not following
  // me" is about the sender alone, so it may hold back someone the member follows.
  const stranger = follow(event.accountId, event.fromAccountId) === undefined;
  const followedBy = follow(event.fromAccountId, event.accountId);
  const policy = policyOf(db, event.accountId);
  const applies: [NotificationPolicyAction, boolean][] = [
    [policy.forLimitedAccounts, stranger && (sender.silencedAt !== null || Boolean(sender.silencedDomain))],
    [policy.forNotFollowing, stranger],
    [policy.forNotFollowers, !followedBy || followedBy.createdAt.getTime() > now - NEW_FOLLOWER_MS],
    [policy.forNewAccounts, stranger && sender.createdAt.getTime() > now - NEW_ACCOUNT_MS],
    [policy.forPrivateMentions, stranger && message && privateMentionUnprompted(db, event)],
  ];
  const actions = applies.filter(([, holds]) => holds).map(([action]) => action);
  if (actions.includes("drop")) return "drop";
  return actions.includes("filter") ? "filter" : "accept";
}

/** How far up a thread a private mention is looked at for the member's own posts (Mastodon's depth). */
const THREAD_DEPTH = 100;

/**
 * A direct post that answers no private message of the member's to its sender, up the thread: a
 * private reply to a public post of theirs is as unsolicited as a new message (Mastodon's rule).
 */
function privateMentionUnprompted(db: DbOrTx, event: Incoming): boolean {
  if (!event.postId) return false;
  const post = db.select({ visibility: posts.visibility }).from(posts).where(eq(posts.id, event.postId)).get();
  if (post?.visibility !== "direct") return false;
  const theirs = db.get<{ found: number }>(sql`WITH RECURSIVE up(id, depth) AS (
      SELECT in_reply_to_id, 1 FROM ${posts} WHERE id = ${event.postId}
      UNION ALL SELECT p.in_reply_to_id, up.depth + 1 FROM ${posts} p JOIN up ON p.id = up.id WHERE up.depth < ${THREAD_DEPTH}
    )
    SELECT 1 AS found FROM ${posts} p JOIN ${mentions} m ON m.post_id = p.id AND m.account_id = ${event.fromAccountId}
    WHERE p.id IN (SELECT id FROM up) AND p.account_id = ${event.accountId} AND p.visibility = 'direct' LIMIT 1`);
  return !theirs;
}
