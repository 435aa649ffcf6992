import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { accounts, blocks, follows, mentions, mutes, posts } from "../db/schema.ts";
import { onDomainBlockedBy } from "./account-domain-blocks.ts";
import { onCutOffDomain } from "./domain-allows.ts";
import { onSilencedDomain } from "./domain-blocks.ts";

/**
 * Who may see a post, as one SQL condition over `posts`: public and unlisted posts are for
 * everyone; followers-only (`private`) for the author, accepted followers and those mentioned;
 * `direct` for the author and those mentioned. An author who blocked the viewer hides from them.
 * Every page, feed and search that lists posts goes through this one rule.
 */
export function visibleTo(viewerId: string | null): SQL {
  if (!viewerId) return sql`(${posts.visibility} IN ('public', 'unlisted') AND ${notSuspended})`;
  return sql`(
    (${posts.visibility} IN ('public', 'unlisted')
      OR ${posts.accountId} = ${viewerId}
      OR (${posts.visibility} = 'private' AND EXISTS (
        SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${viewerId}
          AND ${follows.followingId} = ${posts.accountId} AND ${follows.state} = 'accepted'))
      OR EXISTS (SELECT 1 FROM ${mentions} WHERE ${mentions.postId} = ${posts.id} AND ${mentions.accountId} = ${viewerId}))
    AND NOT EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.accountId} = ${posts.accountId} AND ${blocks.targetAccountId} = ${viewerId})
    AND ${notSuspended}
  )`;
}

/**
 * A suspended account's posts, and those of accounts on servers the instance does not federate
 * with (a suspended domain; in allowlist mode, any server not listed), are gone for everyone.
 */
const notSuspended = sql`(NOT EXISTS (SELECT 1 FROM ${accounts} WHERE ${accounts.id} = ${posts.accountId} AND ${accounts.suspendedAt} IS NOT NULL)
  AND NOT ${onCutOffDomain(posts.accountId)})`;

/** A limited (silenced) account's posts stay off public timelines, except for its followers. */
export function notSilencedFor(viewerId: string | null): SQL {
  const silenced = sql`(EXISTS (SELECT 1 FROM ${accounts} WHERE ${accounts.id} = ${posts.accountId} AND ${accounts.silencedAt} IS NOT NULL)
    OR ${onSilencedDomain(posts.accountId)})`;
  if (!viewerId) return sql`NOT ${silenced}`;
  return sql`(NOT ${silenced} OR ${posts.accountId} = ${viewerId} OR EXISTS (
    SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${viewerId} AND ${follows.followingId} = ${posts.accountId} AND ${follows.state} = 'accepted'))`;
}

/** A mute still in force: for good, or its time not up (the scheduler removes it within a minute or so). */
export const muteInForce = () => sql`(${mutes.expiresAt} IS NULL OR ${mutes.expiresAt} > ${Date.now()})`;

/** The viewer blocked or muted the account, or blocked its domain. */
export const silencedBy = (viewerId: string, accountId: SQLWrapper) =>
  sql`(EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.accountId} = ${viewerId} AND ${blocks.targetAccountId} = ${accountId})
    OR EXISTS (SELECT 1 FROM ${mutes} WHERE ${mutes.accountId} = ${viewerId} AND ${mutes.targetAccountId} = ${accountId} AND ${muteInForce()})
    OR ${onDomainBlockedBy(viewerId, accountId)})`;

/**
 * A post's notifications stay with the viewer unless they blocked its author or its domain, or
 * muted the author with their notifications (a mute that keeps them lets the mentions through).
 */
export function notHiddenFromNotifications(viewerId: string): SQL {
  return sql`NOT (EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.accountId} = ${viewerId} AND ${blocks.targetAccountId} = ${posts.accountId})
    OR EXISTS (SELECT 1 FROM ${mutes} WHERE ${mutes.accountId} = ${viewerId} AND ${mutes.targetAccountId} = ${posts.accountId}
      AND ${mutes.notifications} = 1 AND ${muteInForce()})
    OR ${onDomainBlockedBy(viewerId, posts.accountId)})`;
}

/**
 * Posts by accounts the viewer blocked or muted, or on a domain they blocked, stay out of their
 * timelines, and so do boosts of such accounts' posts (as on Mastodon).
 */
export function notSilencedBy(viewerId: string | null): SQL {
  if (!viewerId) return sql`1`;
  const boostedAuthor = sql`(SELECT o.account_id FROM ${posts} o WHERE o.id = ${posts.reblogOfId})`;
  return sql`NOT ${silencedBy(viewerId, posts.accountId)}
    AND (${posts.reblogOfId} IS NULL OR NOT ${silencedBy(viewerId, boostedAuthor)})`;
}

/** Only public posts are listed on public timelines, hashtag pages and feeds. */
export const listedPublicly = sql`${posts.visibility} = 'public'`;
