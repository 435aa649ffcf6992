import { eq } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { users } from "../db/schema.ts";
import { markNotificationsRead } from "./notifications.ts";

/** Where a member stopped reading a timeline, as Mastodon's markers keep it for their apps. */
export interface Marker {
  lastReadId: string;
  updatedAt: Date;
}

export const markerTimelines = ["home", "notifications"] as const;
export type MarkerTimeline = (typeof markerTimelines)[number];

/** The member's markers that are set. */
export function markersOf(db: Db, accountId: string): Partial<Record<MarkerTimeline, Marker>> {
  const user = db.select().from(users).where(eq(users.accountId, accountId)).get();
  if (!user) return {};
  const marker = (id: string | null, at: Date | null) => (id ? { lastReadId: id, updatedAt: at ?? new Date(0) } : undefined);
  const home = marker(user.homeReadId, user.homeReadAt);
  const notifications = marker(user.notificationsReadId, user.notificationsReadAt);
  return { ...(home ? { home } : {}), ...(notifications ? { notifications } : {}) };
}

/**
 * Saves where the member stopped reading. Home keeps what the app says (it may go back); the
 * notifications' marker is the unread badge's too, which only moves forward.
 */
export function saveMarkers(db: Db, accountId: string, given: Partial<Record<MarkerTimeline, string>>): void {
  if (given.home)
    db.update(users).set({ homeReadId: given.home, homeReadAt: new Date() }).where(eq(users.accountId, accountId)).run();
  if (given.notifications) markNotificationsRead(db, accountId, given.notifications);
}
