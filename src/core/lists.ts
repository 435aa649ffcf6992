import { and, eq, inArray, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, follows, type ListRepliesPolicy, listAccounts, listRepliesPolicies, lists, posts } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { escapeLike } from "./search.ts";
import { boostNotRepeated, boostsWanted, type PageQuery, pagedPostIds } from "./timelines.ts";
import { notSilencedBy, visibleTo } from "./visibility.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";

/**
 * Lists, as Mastodon has them: a member groups accounts they follow, and reads their posts
 * in a timeline of their own. Only the owner ever sees a list; nothing here federates.
 */

export const LIST_TITLE_MAX = 100;
export const MAX_LISTS = 50;
export const MAX_LIST_ACCOUNTS = 500;

export type ListRow = typeof lists.$inferSelect;
type AccountRow = typeof accounts.$inferSelect;
type Owner = { id: string };

export interface ListInput {
  title?: string;
  repliesPolicy?: string;
  exclusive?: boolean;
}

/** The checked fields of a new list or a change; errors are keyed by the API's parameter names. */
function checked(input: ListInput): Partial<Pick<ListRow, "title" | "repliesPolicy" | "exclusive">> {
  const errors: Record<string, string> = {};
  const out: Partial<Pick<ListRow, "title" | "repliesPolicy" | "exclusive">> = {};
  if (input.title !== undefined) {
    out.title = input.title.trim();
    if (out.title.length === 0) errors.title = "Give the list a title.";
    else if (out.title.length > LIST_TITLE_MAX) errors.title = `Use at most ${LIST_TITLE_MAX} characters.`;
  }
  if (input.repliesPolicy !== undefined) {
    const policy = listRepliesPolicies.find((p) => p === input.repliesPolicy);
    if (policy) out.repliesPolicy = policy;
    else errors.replies_policy = "Choose followed, list or none.";
  }
  if (input.exclusive !== undefined) out.exclusive = input.exclusive;
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return out;
}

/** One of the owner's lists; anyone else's is answered like one that does not exist. */
export function getList(db: DbOrTx, ownerId: string, listId: string): ListRow {
  const row = ownList(db, ownerId, listId);
  if (!row) throw new CoreError("Record not found", 404);
  return row;
}

/** The member's list, or undefined when they have none by that id. */
export function ownList(db: DbOrTx, ownerId: string, listId: string): ListRow | undefined {
  return db
    .select()
    .from(lists)
    .where(and(eq(lists.id, listId), eq(lists.accountId, ownerId)))
    .get();
}

export function createList(deps: CoreDeps, owner: Owner, input: ListInput & { title: string }): ListRow {
  const values = checked(input);
  return deps.db.transaction((tx) => {
    const count = tx.select({ n: sql<number>`count(*)` }).from(lists).where(eq(lists.accountId, owner.id)).get()?.n ?? 0;
    if (count >= MAX_LISTS) throw new ValidationError({ title: `You can have at most ${MAX_LISTS} lists.` });
    return tx
      .insert(lists)
      .values({ id: newId(), accountId: owner.id, title: values.title ?? "", ...values })
      .returning()
      .get();
  });
}

export function updateList(deps: CoreDeps, owner: Owner, listId: string, input: ListInput): ListRow {
  const list = getList(deps.db, owner.id, listId);
  const values = checked(input);
  if (Object.keys(values).length === 0) return list;
  return deps.db
    .update(lists)
    .set(values)
    .where(and(eq(lists.id, listId), eq(lists.accountId, owner.id)))
    .returning()
    .get() as ListRow;
}

export function deleteList(deps: CoreDeps, owner: Owner, listId: string): void {
  getList(deps.db, owner.id, listId);
  // Its memberships go with it (cascade).
  deps.db
    .delete(lists)
    .where(and(eq(lists.id, listId), eq(lists.accountId, owner.id)))
    .run();
}

/** The owner's lists by title, each with the ids of its accounts. */
export function listsOf(db: Db, ownerId: string): (ListRow & { accountIds: string[] })[] {
  const rows = db
    .select()
    .from(lists)
    .where(eq(lists.accountId, ownerId))
    .orderBy(sql`${lists.title} COLLATE NOCASE`, lists.id)
    .all();
  const members = rows.length
    ? db
        .select()
        .from(listAccounts)
        .where(
          inArray(
            listAccounts.listId,
            rows.map((r) => r.id),
          ),
        )
        .all()
    : [];
  return rows.map((r) => ({ ...r, accountIds: members.filter((m) => m.listId === r.id).map((m) => m.accountId) }));
}

/** Those of the owner's lists that hold an account (404 for an unknown account). */
export function listsContaining(db: Db, ownerId: string, accountId: string): ListRow[] {
  if (!db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).get()) {
    throw new CoreError("Record not found", 404);
  }
  return db
    .select({ list: lists })
    .from(lists)
    .innerJoin(listAccounts, eq(listAccounts.listId, lists.id))
    .where(and(eq(lists.accountId, ownerId), eq(listAccounts.accountId, accountId)))
    .orderBy(sql`${lists.title} COLLATE NOCASE`, lists.id)
    .all()
    .map((r) => r.list);
}

/**
 * A list's accounts, paged by account id (newest account first) like Mastodon's other account
 * lists; `limit: 0` gives them all, as Mastodon does for this call.
 */
export function listMembers(db: Db, ownerId: string, listId: string, page: PageQuery = {}): AccountRow[] {
  getList(db, ownerId, listId);
  const limit = page.limit === 0 ? MAX_LIST_ACCOUNTS : Math.min(Math.max(page.limit ?? 40, 1), 80);
  const rows = db
    .select({ account: accounts })
    .from(listAccounts)
    .innerJoin(accounts, eq(accounts.id, listAccounts.accountId))
    .where(and(eq(listAccounts.listId, listId), pageBounds(accounts.id, page)))
    .orderBy(pageOrder(accounts.id, page))
    .limit(limit)
    .all()
    .map((r) => r.account);
  return newestFirst(rows, page);
}

const followedByOwner = (ownerId: string) =>
  sql`IN (SELECT ${follows.followingId} FROM ${follows} WHERE ${follows.followerId} = ${ownerId} AND ${follows.state} = 'accepted')`;

/**
 * Adds accounts to a list: each must exist (404) and be followed by the owner, or asked to be
 * (422 otherwise, as Mastodon answers; Mastodon 4.2 lets a pending request in too, and a refused
 * one takes the account out again); one already there stays once. All or nothing.
 */
export function addToList(deps: CoreDeps, owner: Owner, listId: string, accountIds: string[]): void {
  const wanted = [...new Set(accountIds)];
  deps.db.transaction((tx) => {
    getList(tx, owner.id, listId);
    const known = new Set(
      wanted.length
        ? tx
            .select({ id: accounts.id })
            .from(accounts)
            .where(and(inArray(accounts.id, wanted), isNull(accounts.suspendedAt)))
            .all()
            .map((r) => r.id)
        : [],
    );
    if (wanted.some((id) => !known.has(id))) throw new CoreError("Record not found", 404);
    const followed = new Set(
      wanted.length
        ? tx
            .select({ id: follows.followingId })
            .from(follows)
            .where(and(eq(follows.followerId, owner.id), inArray(follows.followingId, wanted)))
            .all()
            .map((r) => r.id)
        : [],
    );
    if (wanted.some((id) => !followed.has(id))) {
      throw new ValidationError({ account_ids: "You must be following this account" });
    }
    if (wanted.length === 0) return;
    tx.insert(listAccounts)
      .values(wanted.map((accountId) => ({ listId, accountId })))
      .onConflictDoNothing()
      .run();
    const count = tx.select({ n: sql<number>`count(*)` }).from(listAccounts).where(eq(listAccounts.listId, listId)).get()?.n ?? 0;
    // Thrown inside the transaction: the insert is rolled back.
    if (count > MAX_LIST_ACCOUNTS) {
      throw new ValidationError({ account_ids: `A list can hold at most ${MAX_LIST_ACCOUNTS} accounts.` });
    }
  });
}

export function removeFromList(deps: CoreDeps, owner: Owner, listId: string, accountIds: string[]): void {
  getList(deps.db, owner.id, listId);
  if (accountIds.length === 0) return;
  deps.db
    .delete(listAccounts)
    .where(and(eq(listAccounts.listId, listId), inArray(listAccounts.accountId, accountIds)))
    .run();
}

/** A follow ended: the account leaves the follower's lists (Mastodon does the same). */
export function leaveLists(db: DbOrTx, ownerId: string, accountId: string): void {
  db.delete(listAccounts)
    .where(
      and(
        eq(listAccounts.accountId, accountId),
        sql`${listAccounts.listId} IN (SELECT ${lists.id} FROM ${lists} WHERE ${lists.accountId} = ${ownerId})`,
      ),
    )
    .run();
}

/** Followed accounts not yet in the list whose name matches `q`, for the list's "add" form. */
export function listCandidates(db: Db, ownerId: string, listId: string, q: string, limit = 10): AccountRow[] {
  getList(db, ownerId, listId);
  const name = q.trim().replace(/^@/, "");
  if (!name) return [];
  const pattern = `%${escapeLike(name)}%`;
  return db
    .select()
    .from(accounts)
    .where(
      and(
        sql`${accounts.id} ${followedByOwner(ownerId)}`,
        sql`${accounts.id} NOT IN (SELECT ${listAccounts.accountId} FROM ${listAccounts} WHERE ${listAccounts.listId} = ${listId})`,
        or(
          sql`${accounts.username} LIKE ${pattern} ESCAPE '\\'`,
          sql`${accounts.displayName} LIKE ${pattern} ESCAPE '\\'`,
          sql`${accounts.domain} LIKE ${pattern} ESCAPE '\\'`,
        ),
      ),
    )
    .orderBy(sql`${accounts.domain} IS NOT NULL`, accounts.username)
    .limit(limit)
    .all();
}

/**
 * Which replies a list's timeline keeps. A thread's continuation (a reply to oneself) and a
 * reply to the owner always stay, as in Mastodon; other replies by the policy: to a member of
 * the list, to anyone the owner follows, or none. A reply whose parent is unknown goes.
 */
function repliesKept(list: ListRow): SQL {
  const to = posts.inReplyToAccountId;
  const byPolicy: Record<ListRepliesPolicy, SQL | undefined> = {
    list: sql`${to} IN (SELECT ${listAccounts.accountId} FROM ${listAccounts} WHERE ${listAccounts.listId} = ${list.id})`,
    followed: sql`${to} ${followedByOwner(list.accountId)}`,
    none: undefined,
  };
  return or(
    and(isNull(posts.inReplyToId), isNull(posts.inReplyToUri)),
    and(isNotNull(to), or(eq(to, posts.accountId), eq(to, list.accountId), byPolicy[list.repliesPolicy])),
  ) as SQL;
}

/**
 * A list's timeline: posts and boosts by its accounts that the owner still follows, as the
 * owner may see them, newest first, paged like the other timelines; a post it shows close by is
 * not shown again as a boost, as on home.
 */
export function listTimeline(db: Db, ownerId: string, listId: string, page: PageQuery = {}): string[] {
  return pagedPostIds(db, inList(getList(db, ownerId, listId)), page);
}

/** Whether a post belongs on a list's timeline (its live stream asks, post by post); a list since deleted has none. */
export function onListTimeline(db: Db, ownerId: string, listId: string, postId: string): boolean {
  const list = ownList(db, ownerId, listId);
  return (
    list !== undefined &&
    db
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.id, postId), inList(list)))
      .get() !== undefined
  );
}

function inList(list: ListRow): SQL | undefined {
  const ownerId = list.accountId;
  const members = sql`(SELECT ${listAccounts.accountId} FROM ${listAccounts} WHERE ${listAccounts.listId} = ${list.id}
      AND ${listAccounts.accountId} ${followedByOwner(ownerId)})`;
  return and(
    sql`${posts.accountId} IN ${members}`,
    repliesKept(list),
    visibleTo(ownerId),
    notSilencedBy(ownerId),
    boostsWanted(ownerId),
    boostNotRepeated(ownerId, members),
  );
}
