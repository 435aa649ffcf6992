import type { Visibility } from "../db/schema.ts";

/**
 * Domain events: core functions emit one after their transaction commits; federation (and
 * later streaming) subscribe to turn them into activities and pushes. Handlers run after the
 * emitter returns, so a slow subscriber never holds a database transaction open.
 */
export interface DomainEventMap {
  "account.created": { accountId: string };
  "account.deleted": { accountId: string; username: string };
  "post.created": { postId: string };
  /** A post from another server was stored for the first time. */
  "post.received": { postId: string };
  "post.updated": { postId: string };
  "post.deleted": { postId: string; accountId: string; uri: string | null; visibility: Visibility };
  /** Votes were cast in a poll (ids of the poll_votes rows). */
  "poll.voted": { postId: string; accountId: string; voteIds: string[] };
  /** A member took back a quote of their post (the stamps withdrawn; remote: the quote is on another server). */
  "quote.revoked": { postId: string; quotingId: string; approvalIds: string[]; remote: boolean };
  /** A local poll's counts changed since other servers last heard them (sent at most each minute). */
  "poll.counts": { postId: string };
  /** A local poll's time ran out. */
  "poll.ended": { postId: string };
  "post.favourited": { postId: string; accountId: string };
  "post.unfavourited": { postId: string; accountId: string };
  "post.reblogged": { postId: string; reblogId: string; accountId: string };
  "post.unreblogged": { postId: string; reblogId: string; accountId: string };
  "follow.requested": { followId: string };
  "follow.accepted": { followId: string };
  "follow.rejected": { followerId: string; followingId: string; uri: string | null };
  "follow.undone": { followerId: string; followingId: string; uri: string | null };
  "account.blocked": { accountId: string; targetAccountId: string };
  "account.unblocked": { accountId: string; targetAccountId: string };
  "account.updated": { accountId: string };
  "account.moved": { accountId: string; targetId: string };
  "report.filed": { reportId: string };
  /** A sign-up the staff may now see: its address confirmed, or none asked for (core/staff-notices.ts). */
  "signup.ready": { accountId: string; by?: string };
  /** The instance asked to join a relay (core/relays.ts): a Follow goes to its inbox. */
  "relay.joined": { relayId: string };
  /** The instance left a relay it had asked to join: an Undo of that Follow goes to it. */
  "relay.left": { inboxUrl: string; followUri: string; actorUri: string | null };
  "notification.created": { notificationId: string; accountId: string };
  /** A member's conversation got a new message (core/conversations.ts). */
  "conversation.updated": { conversationId: string; accountId: string };
  "account.moderated": { accountId: string; action: string };
  /** Moderators acted on a member's account and chose to tell them (core/moderation.ts). */
  "warning.issued": { warningId: string };
  /** A member appealed a moderation action; staff who may decide are told (core/appeals.ts). */
  "appeal.filed": { appealId: string };
  /** A moderator approved or rejected an appeal (lifting the action, or not); its member is told. */
  "appeal.decided": { appealId: string; lifted: boolean };
  /** An announcement was published, or changed while published (core/announcements.ts). */
  "announcement.published": { announcementId: string };
  /** An announcement was unpublished or deleted: it leaves the members' screens. */
  "announcement.removed": { announcementId: string };
  /** A member added or took back a reaction to an announcement. */
  "announcement.reacted": { announcementId: string; name: string };
}

type Listener<K extends keyof DomainEventMap> = (event: DomainEventMap[K]) => void | Promise<void>;

export class DomainEvents {
  readonly #listeners = new Map<keyof DomainEventMap, Listener<never>[]>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  on<K extends keyof DomainEventMap>(type: K, listener: Listener<K>): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener as Listener<never>]);
  }

  emit<K extends keyof DomainEventMap>(type: K, event: DomainEventMap[K]): void {
    for (const listener of (this.#listeners.get(type) ?? []) as Listener<K>[]) {
      queueMicrotask(() => Promise.resolve(listener(event)).catch(this.#onError));
    }
  }
}
