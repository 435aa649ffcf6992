import { and, count, desc, eq, isNotNull, isNull, lt, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { newId } from "../db/ids.ts";
import { accounts, blocks, bookmarks, favourites, mutes, posts } from "../db/schema.ts";
import { addConversationMute, removeConversationMute } from "./conversation-mutes.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError } from "./errors.ts";
import { notify, withdrawNotification } from "./notifications.ts";
import { findVisiblePost } from "./posts.ts";

export const MAX_PINNED = 5;

type Actor = { id: string };

/** The original a viewer acts on: a boost stands for the post it boosts. */
function target(deps: CoreDeps, actor: Actor, postId: string) {
  const post = findVisiblePost(deps.db, postId, actor.id);
  if (!post) throw new CoreError("This post is gone or not visible to you.", 404);
  if (!post.reblogOfId) return post;
  const original = findVisiblePost(deps.db, post.reblogOfId, actor.id);
  if (!original) throw new CoreError("This post is gone or not visible to you.", 404);
  return original;
}

export function favourite(deps: CoreDeps, actor: Actor, postId: string, options: { uri?: string } = {}): void {
  const post = target(deps, actor, postId);
  const added = deps.db
    .insert(favourites)
    .values({ id: newId(), accountId: actor.id, postId: post.id, uri: options.uri ?? null })
    .onConflictDoNothing()
    .returning({ id: favourites.id })
    .all();
  if (added.length === 0) return;
  notify(deps, { accountId: post.accountId, type: "favourite", fromAccountId: actor.id, postId: post.id });
  deps.events.emit("post.favourited", { postId: post.id, accountId: actor.id });
}

export function unfavourite(deps: CoreDeps, actor: Actor, postId: string): void {
  const post = target(deps, actor, postId);
  const removed = deps.db
    .delete(favourites)
    .where(and(eq(favourites.accountId, actor.id), eq(favourites.postId, post.id)))
    .returning({ id: favourites.id })
    .all();
  if (removed.length === 0) return;
  withdrawNotification(deps.db, { accountId: post.accountId, type: "favourite", fromAccountId: actor.id, postId: post.id });
  deps.events.emit("post.unfavourited", { postId: post.id, accountId: actor.id });
}

/** Boosts a public or unlisted post (followers-only and direct posts cannot be boosted). */
export function reblog(deps: CoreDeps, actor: Actor, postId: string, options: { uri?: string; at?: Date } = {}): string {
  const post = target(deps, actor, postId);
  if (post.visibility !== "public" && post.visibility !== "unlisted") {
    throw new CoreError("Only public and unlisted posts can be boosted.", 403);
  }
  const existing = deps.db
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.accountId, actor.id), eq(posts.reblogOfId, post.id)))
    .get();
  if (existing) return existing.id;
  const id = newId(options.at);
  deps.db
    .insert(posts)
    .values({
      id,
      accountId: actor.id,
      reblogOfId: post.id,
      visibility: post.visibility,
      uri: options.uri ?? null,
      createdAt: options.at ?? new Date(),
    })
    .run();
  notify(deps, { accountId: post.accountId, type: "reblog", fromAccountId: actor.id, postId: post.id });
  deps.events.emit("post.reblogged", { postId: post.id, reblogId: id, accountId: actor.id });
  return id;
}

export function unreblog(deps: CoreDeps, actor: Actor, postId: string): void {
  const post = target(deps, actor, postId);
  const removed = deps.db
    .delete(posts)
    .where(and(eq(posts.accountId, actor.id), eq(posts.reblogOfId, post.id)))
    .returning({ id: posts.id })
    .all();
  const reblogId = removed[0]?.id;
  if (!reblogId) return;
  withdrawNotification(deps.db, { accountId: post.accountId, type: "reblog", fromAccountId: actor.id, postId: post.id });
  deps.events.emit("post.unreblogged", { postId: post.id, reblogId, accountId: actor.id });
}

export function bookmark(deps: CoreDeps, actor: Actor, postId: string): void {
  const post = target(deps, actor, postId);
  deps.db.insert(bookmarks).values({ id: newId(), accountId: actor.id, postId: post.id }).onConflictDoNothing().run();
}

export function unbookmark(deps: CoreDeps, actor: Actor, postId: string): void {
  const post = target(deps, actor, postId);
  deps.db
    .delete(bookmarks)
    .where(and(eq(bookmarks.accountId, actor.id), eq(bookmarks.postId, post.id)))
    .run();
}

/** Pins one's own public or unlisted post to the profile (up to five). */
export function pin(deps: CoreDeps, actor: Actor, postId: string): void {
  const post = target(deps, actor, postId);
  if (post.accountId !== actor.id) throw new CoreError("You can pin only your own posts.", 403);
  if (post.visibility !== "public" && post.visibility !== "unlisted") {
    throw new CoreError("Only public and unlisted posts can be pinned.", 403);
  }
  if (post.pinnedAt) return;
  const pinned =
    deps.db
      .select({ n: count() })
      .from(posts)
      .where(and(eq(posts.accountId, actor.id), isNotNull(posts.pinnedAt), isNull(posts.reblogOfId)))
      .get()?.n ?? 0;
  if (pinned >= MAX_PINNED) throw new CoreError(`You can pin at most ${MAX_PINNED} posts; unpin one first.`, 403);
  deps.db.update(posts).set({ pinnedAt: new Date() }).where(eq(posts.id, post.id)).run();
  deps.events.emit("account.updated", { accountId: actor.id });
}

export function unpin(deps: CoreDeps, actor: Actor, postId: string): void {
  const post = target(deps, actor, postId);
  if (post.accountId !== actor.id) throw new CoreError("You can unpin only your own posts.", 403);
  deps.db.update(posts).set({ pinnedAt: null }).where(eq(posts.id, post.id)).run();
  deps.events.emit("account.updated", { accountId: actor.id });
}

/** Mutes the post's thread for the actor: no more notifications from it (Mastodon's mute conversation). */
export function muteConversation(deps: CoreDeps, actor: Actor, postId: string): void {
  addConversationMute(deps.db, actor.id, target(deps, actor, postId).id);
}

export function unmuteConversation(deps: CoreDeps, actor: Actor, postId: string): void {
  removeConversationMute(deps.db, actor.id, target(deps, actor, postId).id);
}

/** Who liked, or boosted, a post: newest first, paged by the like's (or boost's) id. */
export function whoInteracted(
  db: Db,
  postId: string,
  kind: "favourites" | "reblogs",
  page: { maxId?: string; limit: number; viewerId: string | null },
) {
  // Suspended accounts are left out, and for a viewer those they blocked or muted (as Mastodon's lists).
  const shown = (accountId: SQLWrapper) =>
    and(
      sql`NOT EXISTS (SELECT 1 FROM ${accounts} a WHERE a.id = ${accountId} AND a.suspended_at IS NOT NULL)`,
      page.viewerId
        ? sql`NOT EXISTS (SELECT 1 FROM ${blocks} b WHERE b.account_id = ${page.viewerId} AND b.target_account_id = ${accountId})
          AND NOT EXISTS (SELECT 1 FROM ${mutes} m WHERE m.account_id = ${page.viewerId} AND m.target_account_id = ${accountId})`
        : undefined,
    );
  if (kind === "favourites")
    return db
      .select({ id: favourites.id, accountId: favourites.accountId })
      .from(favourites)
      .where(
        and(eq(favourites.postId, postId), shown(favourites.accountId), page.maxId ? lt(favourites.id, page.maxId) : undefined),
      )
      .orderBy(desc(favourites.id))
      .limit(page.limit)
      .all();
  return db
    .select({ id: posts.id, accountId: posts.accountId })
    .from(posts)
    .where(and(eq(posts.reblogOfId, postId), shown(posts.accountId), page.maxId ? lt(posts.id, page.maxId) : undefined))
    .orderBy(desc(posts.id))
    .limit(page.limit)
    .all();
}
