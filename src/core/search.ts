import { and, desc, eq, gte, inArray, isNull, like, lt, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { lowestIdAt } from "../db/ids.ts";
import { seenByOthers } from "./accounts.ts";
import { findAccountByAcct } from "./accounts-read.ts";
import { onDomainBlockedBy } from "./account-domain-blocks.ts";
import { onCutOffDomain } from "./domain-allows.ts";
import { accounts, blocks, follows, mediaAttachments, polls, posts, tags } from "../db/schema.ts";
import { hasOperators, parsePostSearch, type PostSearch } from "./search-query.ts";
import { normalizeHashtag } from "./text.ts";
import { notSilencedBy, notSilencedFor, visibleTo } from "./visibility.ts";

/** `%` and `_` typed by a person are literal characters, not wildcards. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Accounts by handle or display name, local first; a full handle finds its account (ours by
 * this server's name too). Sign-ups not yet complete only for the staff (`everyone`).
 */
export function searchAccounts(
  db: Db,
  query: string,
  { localHost, limit = 10, everyone = false }: { localHost: string; limit?: number; everyone?: boolean },
) {
  const q = query.trim().replace(/^@/, "");
  if (!q) return [];
  const [name = "", domain] = q.split("@", 2);
  const pattern = `%${escapeLike(name)}%`;
  const onDomain =
    domain?.toLowerCase() === localHost.toLowerCase()
      ? isNull(accounts.domain)
      : sql`lower(${accounts.domain}) = lower(${domain})`;
  return db
    .select()
    .from(accounts)
    .where(
      and(
        domain
          ? and(sql`lower(${accounts.username}) = lower(${name})`, onDomain)
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
 * viewer may see, unlisted ones excepted, newest first. Each word or "phrase" must appear, none
 * of the -excluded ones; Mastodon's operators narrow the posts (core/search-query.ts). A search
 * of operators alone (`from:me has:media`) lists the posts they allow.
 */
export function searchPosts(
  db: Db,
  viewerId: string | null,
  query: string,
  options: {
    limit?: number;
    /** This instance's host: `from:name@host` is one of its members. */
    host?: string;
    /** Only this account's posts (the API's `account_id`). */
    accountId?: string;
  } = {},
): string[] {
  const search = parsePostSearch(query);
  const operators = hasOperators(search);
  // Operators alone may read through many posts: for members only (Mastodon has no post search for visitors).
  if (search.words.length === 0 && (!operators || !viewerId)) return [];
  const narrowing = operatorConditions(db, viewerId, search, options.host);
  if (!narrowing) return [];
  if (options.accountId) narrowing.push(eq(posts.accountId, options.accountId));
  const phrases = (list: string[], joiner: string) => list.map((w) => `"${w}"`).join(joiner);
  const match = () => [phrases(search.words, " "), ...search.excluded.map((w) => `NOT "${w}"`)].join(" ");
  let hits: string[] | undefined;
  if (search.words.length > 0 && !operators) {
    // Words alone: the best matches by rank, then newest first.
    hits = db
      .all<{ post_id: string }>(sql`SELECT post_id FROM posts_search WHERE posts_search MATCH ${match()} ORDER BY rank LIMIT 200`)
      .map((r) => r.post_id);
    if (hits.length === 0) return [];
  } else if (search.words.length > 0) {
    // With operators, every match counts (the best by rank may all be someone else's).
    narrowing.push(sql`${posts.id} IN (SELECT post_id FROM posts_search WHERE posts_search MATCH ${match()})`);
  } else if (search.excluded.length > 0) {
    // Only words to leave out (FTS cannot start with NOT): those posts are passed over.
    narrowing.push(
      sql`${posts.id} NOT IN (SELECT post_id FROM posts_search WHERE posts_search MATCH ${phrases(search.excluded, " OR ")})`,
    );
  }
  return (
    db
      .select({ id: posts.id })
      .from(posts)
      // Unlisted posts stay out of discovery: only their author finds them by search.
      .where(
        and(
          hits ? inArray(posts.id, hits) : undefined,
          ...narrowing,
          isNull(posts.reblogOfId),
          visibleTo(viewerId),
          notSilencedBy(viewerId),
          // Limited accounts and servers only to their followers, as on public timelines.
          notSilencedFor(viewerId),
          viewerId
            ? sql`(${posts.visibility} <> 'unlisted' OR ${posts.accountId} = ${viewerId})`
            : sql`${posts.visibility} <> 'unlisted'`,
        ),
      )
      .orderBy(desc(posts.id))
      .limit(options.limit ?? 20)
      .all()
      .map((r) => r.id)
  );
}

/** The account a `from:` names (`me`, a username here, or user@domain), if others may see it. */
const fromAccount = (db: Db, viewerId: string | null, handle: string, host = "") =>
  handle === "me" ? (viewerId ?? undefined) : findAccountByAcct(db, handle, host)?.id;

/** What the operators of a search ask of a post, as SQL; undefined when no post can match (an unknown from:). */
function operatorConditions(db: Db, viewerId: string | null, search: PostSearch, host?: string): SQL[] | undefined {
  const conditions: SQL[] = [];
  const either = (negated: boolean, condition: SQL) => (negated ? sql`NOT ${condition}` : condition);
  const authors = search.from.map(({ value, negated }) => ({ id: fromAccount(db, viewerId, value, host), negated }));
  const wanted = authors.filter((a) => !a.negated);
  // from: only accounts unknown here: no post is theirs.
  if (wanted.length > 0 && wanted.every((a) => !a.id)) return undefined;
  const wantedIds = wanted.flatMap((a) => (a.id ? [a.id] : []));
  if (wantedIds.length > 0) conditions.push(inArray(posts.accountId, wantedIds));
  for (const a of authors) if (a.negated && a.id) conditions.push(ne(posts.accountId, a.id));
  for (const { value, negated } of search.has) {
    // As lists of posts (the media and polls tables are small beside posts).
    const media = (mime?: string) =>
      sql`${posts.id} IN (SELECT ${mediaAttachments.postId} FROM ${mediaAttachments} WHERE ${mediaAttachments.postId} IS NOT NULL${mime ? sql` AND ${mediaAttachments.mime} LIKE ${`${mime}/%`}` : sql``})`;
    const condition =
      value === "poll"
        ? sql`${posts.id} IN (SELECT ${polls.postId} FROM ${polls})`
        : media(value === "media" ? undefined : value);
    conditions.push(either(negated, condition));
  }
  for (const { value, negated } of search.is) {
    conditions.push(either(negated, value === "reply" ? sql`${posts.inReplyToId} IS NOT NULL` : sql`${posts.sensitive} = 1`));
  }
  const languages = search.languages.filter((l) => !l.negated).map((l) => l.value);
  if (languages.length > 0) conditions.push(inArray(posts.language, languages));
  for (const l of search.languages) if (l.negated) conditions.push(sql`coalesce(${posts.language}, '') <> ${l.value}`);
  // Ids are made from the post's time: a window of days is a key range.
  if (search.before) conditions.push(lt(posts.id, lowestIdAt(search.before.getTime())));
  if (search.after) conditions.push(gte(posts.id, lowestIdAt(search.after.getTime())));
  return conditions;
}
