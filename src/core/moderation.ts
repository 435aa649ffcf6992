import { and, eq, inArray, isNotNull, isNull, ne, or, type SQLWrapper, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import {
  accounts,
  accountWarnings,
  follows,
  type PostSnapshot,
  posts,
  type Role,
  roleRank,
  sessions,
  users,
} from "../db/schema.ts";
import { snapshotPosts } from "./reports.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { notify } from "./notifications.ts";
import { recordSeverance } from "./severances.ts";
import type { MediaStore } from "../media/store.ts";
import { deletePost } from "./posts.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";

export const accountActions = ["warn", "sensitive", "unsensitive", "silence", "unsilence", "suspend", "unsuspend"] as const;
export type AccountAction = (typeof accountActions)[number];

/** Roles from most to least rights: staff act only on lower roles. */
export { roleRank };

/** The role of a local account (remote accounts rank as users). */
function roleOf(db: Db, accountId: string): Role {
  return db.select({ role: users.role }).from(users).where(eq(users.accountId, accountId)).get()?.role ?? "user";
}

/** Staff act only on accounts of a lower role than their own, never on themselves. */
export function checkReach(db: Db, staff: { id: string; role: Role }, targetId: string): typeof accounts.$inferSelect {
  const target = db.select().from(accounts).where(eq(accounts.id, targetId)).get();
  if (!target) throw new CoreError("This account does not exist.", 404);
  if (target.id === staff.id) throw new CoreError("You cannot moderate your own account.", 403);
  if (roleRank[roleOf(db, target.id)] >= roleRank[staff.role])
    throw new CoreError("Only someone with a higher role can act on this account.", 403);
  return target;
}

/** Why `staff` may not moderate the account (checkReach's refusal), or null: the page then offers no form. */
export function reachRefusal(db: Db, staff: { id: string; role: Role }, targetId: string): string | null {
  try {
    checkReach(db, staff, targetId);
    return null;
  } catch (error) {
    if (error instanceof CoreError) return error.message;
    throw error;
  }
}

/** An action in the member's history, with the reason they see; told, they get a notification and an e-mail. */
export function recordWarning(
  deps: CoreDeps,
  entry: { staffId: string; accountId: string; action: string; text: string; tellThem: boolean; posts?: PostSnapshot[] },
): void {
  const warningId = newId();
  deps.db
    .insert(accountWarnings)
    .values({
      id: warningId,
      accountId: entry.accountId,
      actorId: entry.staffId,
      action: entry.action,
      text: entry.text.slice(0, 5000),
      posts: entry.posts ?? [],
    })
    .run();
  if (!entry.tellThem) return;
  notify(deps, { accountId: entry.accountId, type: "moderation_warning", fromAccountId: entry.accountId, warningId });
  deps.events.emit("warning.issued", { warningId });
}

/** Each action as staff name it, in the appeals queue and the e-mail about an appeal. */
export const staffActionNames: Record<string, string> = {
  warn: "a warning",
  sensitive: "posts marked sensitive",
  silence: "limited",
  suspend: "suspended",
  delete_post: "a post removed",
};

/** Each action as its member reads it, on the page of notes from moderators and in the e-mail. */
export const warningTitles: Record<string, string> = {
  warn: "A warning",
  sensitive: "Your posts are marked sensitive",
  unsensitive: "Your posts are no longer marked sensitive",
  silence: "Your account is limited",
  unsilence: "The limit on your account was lifted",
  suspend: "Your account is suspended",
  unsuspend: "The suspension was lifted",
  delete_post: "A post of yours was removed",
};

/**
 * A moderator's action on an account, local or remote: a warning, marking its posts sensitive,
 * limiting it (its posts leave public timelines and it needs approval to follow), or suspending
 * it (its content disappears, it cannot log in, federation with it stops), and the undo of each.
 * Every action is recorded with its reason and, if chosen, shown to the member.
 */
export function moderateAccount(
  deps: CoreDeps,
  staff: { id: string; role: Role },
  targetId: string,
  input: { action: AccountAction; reason: string; notify: boolean },
): void {
  const { db } = deps;
  const target = checkReach(db, staff, targetId);
  // A warning is its words: without them the member got "the moderators sent you a note" and nothing.
  if (input.action === "warn" && !input.reason.trim())
    throw new ValidationError({ reason: "Write the warning: it is all the member reads." });
  const now = new Date();
  const set: Partial<typeof accounts.$inferInsert> = {
    warn: {},
    sensitive: { sensitizedAt: now },
    unsensitive: { sensitizedAt: null },
    silence: { silencedAt: now },
    unsilence: { silencedAt: null },
    suspend: { suspendedAt: now },
    unsuspend: { suspendedAt: null },
  }[input.action];
  const { severed, told } = db.transaction((tx) => {
    if (Object.keys(set).length > 0) tx.update(accounts).set(set).where(eq(accounts.id, target.id)).run();
    // A suspended member is logged out everywhere at once.
    if (input.action === "suspend" && !target.domain) {
      const user = tx.select({ id: users.id }).from(users).where(eq(users.accountId, target.id)).get();
      if (user) tx.delete(sessions).where(eq(sessions.userId, user.id)).run();
    }
    // A suspended remote account's follows end both ways, as Mastodon does: else it would go on
    // getting followers-only posts, here and through its server's shared inbox.
    if (input.action !== "suspend" || !target.domain) return { severed: [], told: [] };
    const severed = tx
      .delete(follows)
      .where(or(eq(follows.followerId, target.id), eq(follows.followingId, target.id)))
      .returning()
      .all();
    const event = { type: "account_suspension" as const, targetName: `${target.username}@${target.domain}` };
    return { severed, told: recordSeverance(tx, event, severed) };
  });
  for (const n of told) deps.events.emit("notification.created", n);
  // Its server is told, so that it stops showing our members' posts to the account.
  for (const f of severed) {
    const ended = { followerId: f.followerId, followingId: f.followingId, uri: f.uri };
    deps.events.emit(f.followerId === target.id ? "follow.rejected" : "follow.undone", ended);
  }
  recordWarning(deps, {
    staffId: staff.id,
    accountId: target.id,
    action: input.action,
    text: input.reason,
    tellThem: input.notify && !target.domain,
  });
  audit(db, {
    actorId: staff.id,
    action: `account.${input.action}`,
    targetType: "account",
    targetId: target.id,
    detail: input.reason,
  });
  deps.events.emit("account.moderated", { accountId: target.id, action: input.action });
}

export const accountStates = ["active", "pending", "disabled", "silenced", "suspended", "sensitized"] as const;

export interface StaffAccountFilter {
  origin?: "local" | "remote";
  status?: (typeof accountStates)[number];
  /** Only members with a staff role, or with one of these roles. */
  staff?: boolean;
  roles?: Role[];
  /** Usernames starting with it; display names and emails containing it; accounts of a domain. */
  username?: string;
  displayName?: string;
  email?: string;
  domain?: string;
}

/** Accounts as the moderators look them up (the moderation API's list), newest first, paged by id. */
export function findAccountsForStaff(
  db: Db,
  filter: StaffAccountFilter,
  page: { maxId?: string; sinceId?: string; minId?: string; limit: number },
) {
  const escaped = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  /** `column` (lower-cased) matching the pattern, with what was typed taken literally. */
  const matches = (column: SQLWrapper, pattern: string) => sql`lower(${column}) LIKE ${pattern} ESCAPE '\\'`;
  const state = {
    active: and(
      isNull(accounts.suspendedAt),
      or(isNull(users.id), and(isNotNull(users.approvedAt), isNotNull(users.emailConfirmedAt), isNull(users.disabledAt))),
    ),
    pending: and(isNotNull(users.id), isNull(users.approvedAt), isNotNull(users.emailConfirmedAt)),
    disabled: isNotNull(users.disabledAt),
    silenced: isNotNull(accounts.silencedAt),
    suspended: isNotNull(accounts.suspendedAt),
    sensitized: isNotNull(accounts.sensitizedAt),
  };
  const rows = db
    .select({ account: accounts, user: users })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(
      and(
        filter.origin === "local" ? isNull(accounts.domain) : filter.origin === "remote" ? isNotNull(accounts.domain) : undefined,
        filter.status ? state[filter.status] : undefined,
        filter.staff ? ne(users.role, "user") : undefined,
        filter.roles ? inArray(users.role, filter.roles) : undefined,
        filter.username ? matches(accounts.username, `${escaped(filter.username)}%`) : undefined,
        filter.displayName ? matches(accounts.displayName, `%${escaped(filter.displayName)}%`) : undefined,
        filter.email ? matches(users.email, `%${escaped(filter.email)}%`) : undefined,
        filter.domain ? eq(accounts.domain, filter.domain.toLowerCase()) : undefined,
        pageBounds(accounts.id, page),
      ),
    )
    .orderBy(pageOrder(accounts.id, page))
    .limit(page.limit)
    .all();
  return newestFirst(rows, page);
}

/** A moderator deletes a post (a local one is also deleted on other servers). */
export function removePost(
  deps: CoreDeps & { media?: MediaStore },
  staff: { id: string; role: Role },
  postId: string,
  reason: string,
  tellThem: boolean,
): void {
  const post = deps.db.select().from(posts).where(eq(posts.id, postId)).get();
  if (!post) throw new CoreError("This post does not exist.", 404);
  checkReach(deps.db, staff, post.accountId);
  // Taken before the deletion: the member and whoever answers their appeal see what was removed.
  const removed = snapshotPosts(deps.db, [postId]);
  deletePost(deps, { id: post.accountId, username: "" }, postId);
  recordWarning(deps, {
    staffId: staff.id,
    accountId: post.accountId,
    action: "delete_post",
    text: reason,
    tellThem,
    posts: removed,
  });
  audit(deps.db, { actorId: staff.id, action: "post.delete", targetType: "post", targetId: postId, detail: reason });
}
