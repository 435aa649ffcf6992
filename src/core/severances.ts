import { and, count, desc, eq, inArray } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import {
  accounts,
  type follows,
  notifications,
  severanceEvents,
  type severanceTypes,
  severedRelationships,
  users,
} from "../db/schema.ts";
import { toCsv } from "./csv.ts";

/**
 * Mastodon's severed relationships: when a moderator suspends a server or a remote account, or a
 * member blocks a server, the follows with it end. Each member who lost some is told, with how
 * many, and can download whom (the accounts they followed as a CSV they can import again later).
 */

type FollowRow = typeof follows.$inferSelect;
export type SeveranceType = (typeof severanceTypes)[number];

/**
 * Records, in the transaction that cut them, the follows a moderator's action ended, with a
 * notification for each member who lost some (from their own account, as on Mastodon: no
 * moderator is named). Returns the notifications, to announce once the transaction is done.
 */
export function recordSeverance(
  tx: DbOrTx,
  event: { type: SeveranceType; targetName: string },
  cut: FollowRow[],
): { notificationId: string; accountId: string }[] {
  const accepted = cut.filter((f) => f.state === "accepted");
  if (accepted.length === 0) return [];
  const ids = [...new Set(accepted.flatMap((f) => [f.followerId, f.followingId]))];
  const known = new Map<string, { id: string; username: string; domain: string | null; member: string | null }>();
  for (const batch of chunks(ids, 500))
    for (const a of tx
      .select({ id: accounts.id, username: accounts.username, domain: accounts.domain, member: users.id })
      .from(accounts)
      .leftJoin(users, eq(users.accountId, accounts.id))
      .where(inArray(accounts.id, batch))
      .all())
      known.set(a.id, a);
  const lost = accepted.flatMap((f) => {
    const [follower, following] = [known.get(f.followerId), known.get(f.followingId)];
    if (!follower || !following) return [];
    const [member, remote, direction] = follower.member
      ? [follower, following, "following" as const]
      : [following, follower, "follower" as const];
    if (!member.member || !remote.domain) return [];
    const remoteAcct = `${remote.username}@${remote.domain}`;
    return [{ accountId: member.id, remoteAcct, direction, showReblogs: f.showReblogs, notify: f.notify }];
  });
  if (lost.length === 0) return [];
  const eventId = newId();
  tx.insert(severanceEvents)
    .values({ id: eventId, ...event })
    .run();
  for (const batch of chunks(lost, 500))
    tx.insert(severedRelationships)
      .values(batch.map((l) => ({ eventId, ...l })))
      .onConflictDoNothing()
      .run();
  return [...new Set(lost.map((l) => l.accountId))].map((accountId) => {
    const notificationId = newId();
    tx.insert(notifications)
      .values({
        id: notificationId,
        accountId,
        type: "severed_relationships",
        fromAccountId: accountId,
        severanceEventId: eventId,
      })
      .run();
    return { notificationId, accountId };
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

export interface SeveranceView {
  id: string;
  type: SeveranceType;
  targetName: string;
  createdAt: Date;
  /** How many of the member's followers, and of the accounts they followed, it cut. */
  followers: number;
  following: number;
}

/** The events that cut some of the member's follows, newest first (or the one with this id). */
export function severancesOf(db: Db, accountId: string, eventId?: string): SeveranceView[] {
  const rows = db
    .select({ event: severanceEvents, direction: severedRelationships.direction, n: count() })
    .from(severedRelationships)
    .innerJoin(severanceEvents, eq(severanceEvents.id, severedRelationships.eventId))
    .where(and(eq(severedRelationships.accountId, accountId), eventId ? eq(severanceEvents.id, eventId) : undefined))
    .groupBy(severanceEvents.id, severedRelationships.direction)
    .orderBy(desc(severanceEvents.id))
    .all();
  const views = new Map<string, SeveranceView>();
  for (const { event, direction, n } of rows) {
    const view = views.get(event.id) ?? { ...event, followers: 0, following: 0 };
    if (direction === "follower") view.followers = n;
    else view.following = n;
    views.set(event.id, view);
  }
  return [...views.values()];
}

/** A handle as other servers' imports take it; anything else is left out of a download (a cell a spreadsheet could run). */
const IMPORTABLE = /^[\w.-]+@[a-z0-9.-]+(?::\d+)?$/i;

/**
 * Whom the member lost in this event, as Mastodon's CSV: the accounts they followed in the
 * follows-import format (with boosts and the bell as they were), or their followers' addresses.
 * Null when the event cut none of the member's follows that way.
 */
export function severedCsv(db: Db, accountId: string, eventId: string, direction: "following" | "follower"): string | null {
  const rows = db
    .select()
    .from(severedRelationships)
    .where(
      and(
        eq(severedRelationships.eventId, eventId),
        eq(severedRelationships.accountId, accountId),
        eq(severedRelationships.direction, direction),
      ),
    )
    .orderBy(severedRelationships.remoteAcct)
    .all()
    .filter((r) => IMPORTABLE.test(r.remoteAcct));
  if (rows.length === 0) return null;
  return direction === "following"
    ? toCsv([
        ["Account address", "Show boosts", "Notify on new posts", "Languages"],
        ...rows.map((r) => [r.remoteAcct, r.showReblogs, r.notify, ""]),
      ])
    : toCsv([["Account address"], ...rows.map((r) => [r.remoteAcct])]);
}

/** A notification's event, as counted for the member it is for. */
export function severanceOfNotification(db: Db, notification: { accountId: string; severanceEventId: string | null }) {
  return notification.severanceEventId ? severancesOf(db, notification.accountId, notification.severanceEventId)[0] : undefined;
}
