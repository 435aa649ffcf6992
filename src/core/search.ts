import { and, desc, inArray, isNull, like, ne, or, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { seenByOthers } from "./accounts.ts";
import { onDomainBlockedBy } from "./account-domain-blocks.ts";
import { onCutOffDomain } from "./domain-allows.ts";
import { accounts, blocks, follows, posts, tags } from "../db/schema.ts";
import { normalizeHashtag } from "./text.ts";
import { notSilencedBy, visibleTo } from "./visibility.ts";

/** `%` and `_` typed by a person are literal characters, not wildcards. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Accounts by handle or display name, local first. */
/** Accounts by name; sign-ups not yet complete only for the staff (`everyone`). */
export function searchAccounts(db: Db, query: string, limit = 10, everyone = false) {
  const q = query.trim().replace(/^@/, "");
  if (!q) return [];
  const [name = "", domain] = q.split("@", 2);
  const pattern = `%${escapeLike(name)}%`;
  return db
    .select()
    .from(accounts)
    .where(
      and(
        domain
          ? and(sql`lower(${accounts.username}) = lower(${name})`, sql`lower(${accounts.domain}) = lower(${domain})`)
          : or(sql`${accounts.username} LIKE ${pattern} ESCAPE '\\'`, sql`${accounts.displayName} LIKE ${pattern} ESCAPE '\\'`),
        everyone ? undefined : seenByOthers(),
      ),
    )
    .orderBy(sql`${accounts.domain} IS NOT NULL`, accounts.username)
    .limit(limit)
    .all();
}

/**
 * People to offer when a member types `@name` (or `@name@dom`) in the compose box: a handle or a
 * word of the name starting so, those the member follows first, then this server's. Left out:
 * the member, accounts suspended, moved, on a server cut off, blocked either way or on a server
 * the member blocked.
 */
export function suggestAccounts(db: Db, viewerId: string, query: string, limit = 6) {
  const [name = "", domain] = query.trim().replace(/^@/, "").split("@", 2);
  if (!name) return [];
  const prefix = `${escapeLike(name)}%`;
  const followed = sql`EXISTS (SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${viewerId}
    AND ${follows.followingId} = ${accounts.id} AND ${follows.state} = 'accepted')`;
  const blockedEitherWay = sql`EXISTS (SELECT 1 FROM ${blocks} WHERE (${blocks.accountId} = ${viewerId} AND ${blocks.targetAccountId} = ${accounts.id})
    OR (${blocks.accountId} = ${accounts.id} AND ${blocks.targetAccountId} = ${viewerId}))`;
  return db
    .select()
    .from(accounts)
    .where(
      and(
        or(
          sql`${accounts.username} LIKE ${prefix} ESCAPE '\\'`,
          sql`${accounts.displayName} LIKE ${prefix} ESCAPE '\\'`,
          sql`${accounts.displayName} LIKE ${`% ${prefix}`} ESCAPE '\\'`,
        ),
        domain === undefined ? undefined : sql`${accounts.domain} LIKE ${`${escapeLike(domain)}%`} ESCAPE '\\'`,
        ne(accounts.id, viewerId),
        seenByOthers(),
        isNull(accounts.suspendedAt),
        isNull(accounts.movedToId),
        sql`NOT ${blockedEitherWay}`,
        sql`NOT ${onDomainBlockedBy(viewerId, accounts.id)}`,
        sql`NOT ${onCutOffDomain(accounts.id)}`,
      ),
    )
    .orderBy(desc(followed), sql`${accounts.domain} IS NOT NULL`, accounts.username)
    .limit(limit)
    .all();
}

export function searchTags(db: Db, query: string, limit = 10) {
  const q = normalizeHashtag(query.trim().replace(/^#/, ""));
  if (!q) return [];
  return db
    .select()
    .from(tags)
    .where(like(tags.name, `${escapeLike(q)}%`))
    .orderBy(tags.name)
    .limit(limit)
    .all();
}

/**
 * Full-text search over the posts this instance holds (SQLite FTS5), limited to what the
 * viewer may see, unlisted ones excepted. Each word must appear; quotes are dropped so input is
 * never FTS syntax.
 */
export function searchPosts(db: Db, viewerId: string | null, query: string, limit = 20): string[] {
  const words = query
    .replace(/["*^():]/g, " ")
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .slice(0, 10);
  if (words.length === 0) return [];
  const match = words.map((w) => `"${w}"`).join(" ");
  const hits = db
    .all<{ post_id: string }>(sql`SELECT post_id FROM posts_search WHERE posts_search MATCH ${match} ORDER BY rank LIMIT 200`)
    .map((r) => r.post_id);
  if (hits.length === 0) return [];
  return (
    db
      .select({ id: posts.id })
      .from(posts)
      // Unlisted posts stay out of discovery: only their author finds them by search.
      .where(
        and(
          inArray(posts.id, hits),
          isNull(posts.reblogOfId),
          visibleTo(viewerId),
          notSilencedBy(viewerId),
          viewerId
            ? sql`(${posts.visibility} <> 'unlisted' OR ${posts.accountId} = ${viewerId})`
            : sql`${posts.visibility} <> 'unlisted'`,
        ),
      )
      .orderBy(desc(posts.id))
      .limit(limit)
      .all()
      .map((r) => r.id)
  );
}
