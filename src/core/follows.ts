import { and, count, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accountDomainBlocks, accountNotes, accounts, blocks, follows, mutes, notifications } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { seenByOthers } from "./accounts.ts";
import { domainBlockedBy } from "./account-domain-blocks.ts";
import { countAccountAction } from "./account-limits.ts";
import { blockFor, normalizeDomain } from "./domain-blocks.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { muteInForce } from "./visibility.ts";
import { isEndorsed, unendorse } from "./endorsements.ts";
import { leaveLists } from "./lists.ts";
import { notify, withdrawNotification } from "./notifications.ts";
import { recordSeverance } from "./severances.ts";

type Actor = { id: string };

export interface Relationship {
  following: boolean;
  requested: boolean;
  followedBy: boolean;
  /** Someone who asked to follow the viewer and waits for an answer. */
  requestedBy: boolean;
  blocking: boolean;
  blockedBy: boolean;
  muting: boolean;
  /** The mute hides the account's notifications too. */
  mutingNotifications: boolean;
  /** When a mute for a while ends (null: for good, or no mute). */
  mutedUntil: Date | null;
  /** The viewer blocked the account's whole domain. */
  domainBlocking: boolean;
  /** The viewer features the account on their profile (core/endorsements.ts). */
  endorsed: boolean;
  /** The viewer's private note on the account ("" for none). */
  note: string;
  /** Whether the viewer's home shows the account's boosts (true when not following). */
  showingReblogs: boolean;
  /** The viewer is told of each new post of the account (the bell). */
  notifying: boolean;
}

/** An account others may see: a local sign-up not yet complete cannot be followed, blocked or muted, from here or elsewhere. */
function account(db: Db, id: string) {
  const row = db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), seenByOthers()))
    .get();
  if (!row) throw new CoreError("This account does not exist.", 404);
  return row;
}

/** `from` blocks `to`. */
function blocking(db: Db, from: string, to: string): boolean {
  return (
    db
      .select({ id: blocks.id })
      .from(blocks)
      .where(and(eq(blocks.accountId, from), eq(blocks.targetAccountId, to)))
      .get() !== undefined
  );
}

function muting(db: DbOrTx, viewerId: string, targetId: string) {
  const mute = db
    .select({ notifications: mutes.notifications, expiresAt: mutes.expiresAt })
    .from(mutes)
    .where(and(eq(mutes.accountId, viewerId), eq(mutes.targetAccountId, targetId), muteInForce()))
    .get();
  return {
    muting: mute !== undefined,
    mutingNotifications: mute?.notifications ?? false,
    mutedUntil: mute?.expiresAt ?? null,
  };
}

/**
 * An account the viewer may write to from its profile ("Mention", "Message"): one others may see,
 * not suspended, with no block either way; else undefined.
 */
export function mentionableAccount(db: Db, viewerId: string, accountId: string) {
  const account = db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, accountId), isNull(accounts.suspendedAt), seenByOthers()))
    .get();
  return account && !blocking(db, viewerId, accountId) && !blocking(db, accountId, viewerId) ? account : undefined;
}

export function relationship(db: Db, viewerId: string, targetId: string): Relationship {
  const out = db
    .select()
    .from(follows)
    .where(and(eq(follows.followerId, viewerId), eq(follows.followingId, targetId)))
    .get();
  const back = db
    .select()
    .from(follows)
    .where(and(eq(follows.followerId, targetId), eq(follows.followingId, viewerId)))
    .get();
  return {
    following: out?.state === "accepted",
    requested: out?.state === "pending",
    followedBy: back?.state === "accepted",
    requestedBy: back?.state === "pending",
    blocking: blocking(db, viewerId, targetId),
    blockedBy: blocking(db, targetId, viewerId),
    endorsed: isEndorsed(db, viewerId, targetId),
    ...muting(db, viewerId, targetId),
    // A plain read: any known id has a relationship (an incomplete sign-up's is all false).
    domainBlocking: domainBlockedBy(
      db,
      viewerId,
      db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, targetId)).get()?.domain ?? null,
    ),
    showingReblogs: out?.showReblogs ?? true,
    notifying: out?.notify ?? false,
    note:
      db
        .select({ comment: accountNotes.comment })
        .from(accountNotes)
        .where(and(eq(accountNotes.accountId, viewerId), eq(accountNotes.targetAccountId, targetId)))
        .get()?.comment ?? "",
  };
}

/**
 * Changes how the member follows an account: its boosts in their home or not, a notification for
 * each new post or not. Only for an account they follow or asked to follow.
 */
export function setFollowOptions(
  deps: CoreDeps,
  actor: Actor,
  targetId: string,
  options: { showReblogs?: boolean; notify?: boolean },
) {
  const pair = and(eq(follows.followerId, actor.id), eq(follows.followingId, targetId));
  const existing = deps.db.select({ id: follows.id }).from(follows).where(pair).get();
  if (!existing) throw new CoreError("You do not follow this account.", 422);
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  if (Object.keys(given).length > 0) deps.db.update(follows).set(given).where(eq(follows.id, existing.id)).run();
}

const NOTE_MAX = 2000;

/** Sets (or, when empty, clears) the member's private note on an account. */
export function setAccountNote(deps: CoreDeps, actor: Actor, targetId: string, comment: string): void {
  account(deps.db, targetId);
  const text = comment.trim();
  if ([...text].length > NOTE_MAX) throw new ValidationError({ comment: `Keep the note under ${NOTE_MAX} characters.` });
  const pair = and(eq(accountNotes.accountId, actor.id), eq(accountNotes.targetAccountId, targetId));
  if (!text) {
    deps.db.delete(accountNotes).where(pair).run();
    return;
  }
  deps.db
    .insert(accountNotes)
    .values({ accountId: actor.id, targetAccountId: targetId, comment: text })
    .onConflictDoUpdate({
      target: [accountNotes.accountId, accountNotes.targetAccountId],
      set: { comment: text, updatedAt: new Date() },
    })
    .run();
}

/**
 * Follows an account: at once for an open local account, as a request for a locked one or a
 * remote one (whose server answers with Accept or Reject).
 */
export function follow(
  deps: CoreDeps,
  actor: Actor,
  targetId: string,
  options: { showReblogs?: boolean; notify?: boolean } = {},
) {
  const { db } = deps;
  if (actor.id === targetId) throw new CoreError("You cannot follow yourself.", 403);
  const target = account(db, targetId);
  if (blocking(db, targetId, actor.id) || blocking(db, actor.id, targetId)) {
    throw new CoreError("You cannot follow an account that blocks you or that you block.", 403);
  }
  if (domainBlockedBy(db, actor.id, target.domain))
    throw new CoreError(`You blocked ${target.domain}; unblock it to follow accounts there.`, 403);
  const existing = db
    .select()
    .from(follows)
    .where(and(eq(follows.followerId, actor.id), eq(follows.followingId, targetId)))
    .get();
  if (existing) {
    setFollowOptions(deps, actor, targetId, options);
    return existing.state;
  }
  countAccountAction(db, "follow", actor.id);
  // A limited account's follow requests need approval, whatever the other side's setting.
  const limited = db.select({ at: accounts.silencedAt }).from(accounts).where(eq(accounts.id, actor.id)).get()?.at != null;
  const state = target.locked || target.domain || limited ? "pending" : "accepted";
  const id = newId();
  db.insert(follows)
    .values({
      id,
      followerId: actor.id,
      followingId: targetId,
      state,
      showReblogs: options.showReblogs ?? true,
      notify: options.notify ?? false,
    })
    .run();
  notify(deps, { accountId: targetId, type: state === "pending" ? "follow_request" : "follow", fromAccountId: actor.id });
  deps.events.emit("follow.requested", { followId: id });
  return state;
}

export function unfollow(deps: CoreDeps, actor: Actor, targetId: string): void {
  const row = deps.db.transaction((tx) => {
    followEnded(tx, actor.id, targetId);
    return tx
      .delete(follows)
      .where(and(eq(follows.followerId, actor.id), eq(follows.followingId, targetId)))
      .returning()
      .get();
  });
  if (!row) return;
  withdrawNotification(deps.db, {
    accountId: targetId,
    type: row.state === "pending" ? "follow_request" : "follow",
    fromAccountId: actor.id,
  });
  deps.events.emit("follow.undone", { followerId: actor.id, followingId: targetId, uri: row.uri });
}

/** The followed side answers a pending request. */
export function acceptFollowRequest(deps: CoreDeps, actor: Actor, followerId: string): void {
  const row = deps.db
    .update(follows)
    .set({ state: "accepted" })
    .where(and(eq(follows.followerId, followerId), eq(follows.followingId, actor.id), eq(follows.state, "pending")))
    .returning()
    .get();
  if (!row) throw new CoreError("There is no such follow request.", 404);
  withdrawNotification(deps.db, { accountId: actor.id, type: "follow_request", fromAccountId: followerId });
  notify(deps, { accountId: actor.id, type: "follow", fromAccountId: followerId });
  deps.events.emit("follow.accepted", { followId: row.id });
}

export function rejectFollowRequest(deps: CoreDeps, actor: Actor, followerId: string): void {
  if (!turnAway(deps, actor, followerId, "pending")) throw new CoreError("There is no such follow request.", 404);
  withdrawNotification(deps.db, { accountId: actor.id, type: "follow_request", fromAccountId: followerId });
}

/** Ends a follow of the member, or a request for one; the follower's server gets a Reject. */
function turnAway(deps: CoreDeps, actor: Actor, followerId: string, state: "pending" | "accepted"): boolean {
  const row = deps.db.transaction((tx) => {
    followEnded(tx, followerId, actor.id);
    return tx
      .delete(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.followingId, actor.id), eq(follows.state, state)))
      .returning()
      .get();
  });
  if (row) deps.events.emit("follow.rejected", { followerId, followingId: actor.id, uri: row.uri });
  return row !== undefined;
}

/**
 * Stops an account following the member (Mastodon's "remove from followers"): its server is
 * told as if the request had been turned down. Nothing to do when it did not follow.
 */
export function removeFollower(deps: CoreDeps, actor: Actor, followerId: string): void {
  turnAway(deps, actor, followerId, "accepted");
}

/** Blocks an account: follows end both ways and its posts and notifications disappear. */
export function block(deps: CoreDeps, actor: Actor, targetId: string): void {
  if (actor.id === targetId) throw new CoreError("You cannot block yourself.", 403);
  account(deps.db, targetId);
  deps.db.transaction((tx) => {
    tx.delete(follows)
      .where(
        or(
          and(eq(follows.followerId, actor.id), eq(follows.followingId, targetId)),
          and(eq(follows.followerId, targetId), eq(follows.followingId, actor.id)),
        ),
      )
      .run();
    followEnded(tx, actor.id, targetId);
    followEnded(tx, targetId, actor.id);
    tx.insert(blocks).values({ id: newId(), accountId: actor.id, targetAccountId: targetId }).onConflictDoNothing().run();
    dropNotificationsFrom(tx, actor.id, targetId);
  });
  deps.events.emit("account.blocked", { accountId: actor.id, targetAccountId: targetId });
}

export function unblock(deps: CoreDeps, actor: Actor, targetId: string): void {
  const removed = deps.db
    .delete(blocks)
    .where(and(eq(blocks.accountId, actor.id), eq(blocks.targetAccountId, targetId)))
    .returning({ id: blocks.id })
    .all();
  if (removed.length > 0) deps.events.emit("account.unblocked", { accountId: actor.id, targetAccountId: targetId });
}

/** The longest mute with an end (Mastodon sets none): a year; a longer one is for good. */
export const MAX_MUTE_SECONDS = 365 * 86_400;

/**
 * Mutes an account, as Mastodon does: its posts leave the member's timelines; its notifications
 * too unless `notifications` is false; for `durationSeconds` if given (0: for good). Muting again
 * changes both.
 */
export function mute(
  deps: CoreDeps,
  actor: Actor,
  targetId: string,
  /** `keepExpiry`: a change of a mute in force that keeps when it ends (a new mute is for good). */
  options: { notifications?: boolean; durationSeconds?: number; keepExpiry?: boolean } = {},
): void {
  if (actor.id === targetId) throw new CoreError("You cannot mute yourself.", 403);
  const seconds = Math.trunc(options.durationSeconds ?? 0);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ValidationError({ duration: "Choose how long, or for good." });
  account(deps.db, targetId);
  const notificationsToo = options.notifications ?? true;
  const expiresAt = seconds > 0 && seconds <= MAX_MUTE_SECONDS ? new Date(Date.now() + seconds * 1000) : null;
  const choice = options.keepExpiry ? { notifications: notificationsToo } : { notifications: notificationsToo, expiresAt };
  deps.db.transaction((tx) => {
    // A change of a mute that has ended meanwhile (a page left open) changes nothing.
    if (options.keepExpiry && !muting(tx, actor.id, targetId).muting) return;
    tx.insert(mutes)
      .values({ id: newId(), accountId: actor.id, targetAccountId: targetId, expiresAt, ...choice })
      .onConflictDoUpdate({ target: [mutes.accountId, mutes.targetAccountId], set: choice })
      .run();
    // As Mastodon does: a mute that hides their notifications takes those already there too.
    if (notificationsToo) dropNotificationsFrom(tx, actor.id, targetId);
  });
}

/** A block, or a mute with notifications, takes the member's notifications from that account (as Mastodon's). */
function dropNotificationsFrom(tx: DbOrTx, accountId: string, fromAccountId: string) {
  tx.delete(notifications)
    .where(and(eq(notifications.accountId, accountId), eq(notifications.fromAccountId, fromAccountId)))
    .run();
}

/** An import's mute of someone already muted keeps that mute as it is, but for the notifications choice the file gives. */
export function muteFromImport(deps: CoreDeps, actor: Actor, targetId: string, notificationsHidden?: boolean): void {
  const existing = deps.db
    .select({ notifications: mutes.notifications })
    .from(mutes)
    .where(and(eq(mutes.accountId, actor.id), eq(mutes.targetAccountId, targetId)))
    .get();
  if (!existing) return mute(deps, actor, targetId, { notifications: notificationsHidden ?? true });
  if (notificationsHidden === undefined || notificationsHidden === existing.notifications) return;
  deps.db
    .update(mutes)
    .set({ notifications: notificationsHidden })
    .where(and(eq(mutes.accountId, actor.id), eq(mutes.targetAccountId, targetId)))
    .run();
}

/** Lifts the mutes whose time is up (the scheduler, each minute); how many. */
export function endExpiredMutes(db: Db, now = new Date()): number {
  return db.delete(mutes).where(lte(mutes.expiresAt, now)).returning({ id: mutes.id }).all().length;
}

export function unmute(deps: CoreDeps, actor: Actor, targetId: string): void {
  deps.db
    .delete(mutes)
    .where(and(eq(mutes.accountId, actor.id), eq(mutes.targetAccountId, targetId)))
    .run();
}

// Enough for anyone's own list (Mastodon sets none); a bound on what one member can store.
const MAX_DOMAIN_BLOCKS = 10_000;

/**
 * Blocks a whole domain for the member (Mastodon's "Block domain"): its accounts' posts and
 * notifications are hidden from them (account-domain-blocks.ts). As Mastodon 4.3 does, their
 * follows there end both ways (those servers are told) and its notifications are cleared.
 * Returns the domain as stored.
 */
export function blockDomainFor(deps: CoreDeps, actor: Actor, input: string): string {
  const { db } = deps;
  const domain = memberDomain(input);
  if (domain === deps.baseUrl.host) throw new CoreError("You cannot block your own server.", 422);
  const blocked = db.select({ n: count() }).from(accountDomainBlocks).where(eq(accountDomainBlocks.accountId, actor.id)).get();
  if (!domainBlockedBy(db, actor.id, domain) && (blocked?.n ?? 0) >= MAX_DOMAIN_BLOCKS)
    throw new CoreError(`You can block at most ${MAX_DOMAIN_BLOCKS} domains; unblock one first.`, 422);
  db.insert(accountDomainBlocks).values({ accountId: actor.id, domain }).onConflictDoNothing().run();
  const there = db.select({ id: accounts.id }).from(accounts).where(eq(accounts.domain, domain));
  const mine = db
    .select()
    .from(follows)
    .where(and(eq(follows.followerId, actor.id), inArray(follows.followingId, there)))
    .all();
  const theirs = db
    .select()
    .from(follows)
    .where(and(eq(follows.followingId, actor.id), inArray(follows.followerId, there)))
    .all();
  for (const f of mine) unfollow(deps, actor, f.followingId);
  for (const f of theirs) turnAway(deps, actor, f.followerId, f.state);
  // Whom the member lost, kept for them to download, as Mastodon does (once the follows are cut).
  const told = db.transaction((tx) =>
    recordSeverance(tx, { type: "user_domain_block", targetName: domain }, [...mine, ...theirs]),
  );
  for (const n of told) deps.events.emit("notification.created", n);
  db.delete(notifications)
    .where(and(eq(notifications.accountId, actor.id), inArray(notifications.fromAccountId, there)))
    .run();
  return domain;
}

export function unblockDomainFor(deps: CoreDeps, actor: Actor, input: string): void {
  const domain = memberDomain(input);
  deps.db
    .delete(accountDomainBlocks)
    .where(and(eq(accountDomainBlocks.accountId, actor.id), eq(accountDomainBlocks.domain, domain)))
    .run();
}

function memberDomain(input: string): string {
  const domain = normalizeDomain(input);
  if (!domain) throw new CoreError("Enter a domain name, such as example.com.", 422);
  return domain;
}

/**
 * A Follow arrived from another server for a local account: accepted at once unless the
 * account approves followers by hand or has blocked the follower (then refused).
 */
export function receiveFollow(
  deps: CoreDeps,
  followerId: string,
  targetId: string,
  uri: string,
): "accepted" | "pending" | "rejected" {
  const { db } = deps;
  const target = account(db, targetId);
  const follower = account(db, followerId);
  // A suspended follower is refused too: following would bring it the posts suspension keeps from it.
  if (
    target.suspendedAt ||
    follower.suspendedAt ||
    blocking(db, targetId, followerId) ||
    domainBlockedBy(db, targetId, follower.domain)
  )
    return "rejected";
  const existing = db
    .select()
    .from(follows)
    .where(and(eq(follows.followerId, followerId), eq(follows.followingId, targetId)))
    .get();
  if (existing) {
    db.update(follows).set({ uri }).where(eq(follows.id, existing.id)).run();
    if (existing.state === "accepted") deps.events.emit("follow.accepted", { followId: existing.id });
    return existing.state;
  }
  // A limited account (or one on a limited server) asks, as it does when following from here.
  const limited = follower.silencedAt !== null || blockFor(db, follower.domain)?.severity === "silence";
  const state = target.locked || limited ? "pending" : "accepted";
  const id = newId();
  db.insert(follows).values({ id, followerId, followingId: targetId, state, uri }).run();
  notify(deps, { accountId: targetId, type: state === "pending" ? "follow_request" : "follow", fromAccountId: followerId });
  if (state === "accepted") deps.events.emit("follow.accepted", { followId: id });
  return state;
}

/** The remote side accepted a local member's follow request. */
export function followAccepted(db: Db, followerId: string, followingId: string): boolean {
  return (
    db
      .update(follows)
      .set({ state: "accepted" })
      .where(and(eq(follows.followerId, followerId), eq(follows.followingId, followingId)))
      .returning({ id: follows.id })
      .all().length > 0
  );
}

/** The remote side refused (or later removed) a local member's follow. */
export function followRejected(db: Db, followerId: string, followingId: string): void {
  db.transaction((tx) => {
    followEnded(tx, followerId, followingId);
    tx.delete(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.followingId, followingId)))
      .run();
  });
}

/** A follow ended: the followed account leaves the follower's lists and profile features. */
function followEnded(tx: DbOrTx, followerId: string, followingId: string): void {
  leaveLists(tx, followerId, followingId);
  unendorse(tx, followerId, followingId);
}

/** Records the id of the Follow activity sent for a follow, so Accept and Undo can name it. */
export function setFollowUri(db: Db, followId: string, uri: string): void {
  db.update(follows).set({ uri }).where(eq(follows.id, followId)).run();
}

/** Local members who follow an account (accepted follows only). */
export function localFollowers(deps: CoreDeps, accountId: string): string[] {
  return deps.db
    .select({ id: follows.followerId })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.followerId))
    .where(and(eq(follows.followingId, accountId), eq(follows.state, "accepted"), isNull(accounts.domain)))
    .all()
    .map((r) => r.id);
}
