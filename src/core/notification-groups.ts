import { and, count, desc, eq, gte, isNull, lt, max, type SQL } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { type NotificationType, notifications } from "../db/schema.ts";

/**
 * Notification groups, as Mastodon 4.3 makes them: likes of one post, boosts of one post, new
 * followers and sign-ups, each within the same 12 hours, are one group; anything else is a group
 * of its own. The page and the API (/api/v2/notifications) group by the same key.
 */

export const GROUPABLE_TYPES: readonly NotificationType[] = ["favourite", "reblog", "follow", "admin.sign_up"];
const GROUP_SPAN_MS = 12 * 3600_000;

type Row = typeof notifications.$inferSelect;
type Keyed = Pick<Row, "id" | "type" | "postId" | "createdAt" | "filtered">;

/** The group a notification belongs to (Mastodon's `group_key`); `groupedTypes` narrows which types group. */
export function groupKey(n: Keyed, groupedTypes: readonly NotificationType[] = GROUPABLE_TYPES): string {
  if (n.filtered || !groupedTypes.includes(n.type) || !GROUPABLE_TYPES.includes(n.type)) return `ungrouped-${n.id}`;
  const bucket = Math.floor(n.createdAt.getTime() / GROUP_SPAN_MS);
  return n.type === "favourite" || n.type === "reblog" ? `${n.type}-${n.postId}-${bucket}` : `${n.type}-${bucket}`;
}

/** Which of the member's notifications a key names, as SQL; undefined for a key no notification could have. */
function groupWhere(accountId: string, key: string): SQL | undefined {
  const mine = eq(notifications.accountId, accountId);
  if (key.startsWith("ungrouped-")) return and(mine, eq(notifications.id, key.slice("ungrouped-".length)));
  const bucketText = /-(\d{1,12})$/.exec(key)?.[1];
  if (!bucketText) return undefined;
  const rest = key.slice(0, -(bucketText.length + 1));
  const type = GROUPABLE_TYPES.find((t) => rest === t || rest.startsWith(`${t}-`));
  if (!type) return undefined;
  const postId = rest === type ? null : rest.slice(type.length + 1);
  if ((type === "favourite" || type === "reblog") !== (postId !== null)) return undefined;
  const from = Number(bucketText) * GROUP_SPAN_MS;
  return and(
    mine,
    eq(notifications.type, type),
    eq(notifications.filtered, false),
    postId === null ? isNull(notifications.postId) : eq(notifications.postId, postId),
    gte(notifications.createdAt, new Date(from)),
    lt(notifications.createdAt, new Date(from + GROUP_SPAN_MS)),
  );
}

export interface GroupSummary {
  key: string;
  /** All the group's notifications, and its newest. */
  count: number;
  latestId: string;
  /** Who is in it, newest first (at most `samples`). */
  accountIds: string[];
}

/** A group of the member's notifications as a whole (beyond any page), or undefined when it has none. */
export function groupSummary(db: Db, accountId: string, key: string, samples = 8): GroupSummary | undefined {
  const where = groupWhere(accountId, key);
  if (!where) return undefined;
  const total = db
    .select({ n: count(), latest: max(notifications.id) })
    .from(notifications)
    .where(where)
    .get();
  if (!total?.n || !total.latest) return undefined;
  const senders = db
    .select({ id: notifications.fromAccountId, newest: max(notifications.id) })
    .from(notifications)
    .where(where)
    .groupBy(notifications.fromAccountId)
    .orderBy(desc(max(notifications.id)))
    .limit(samples)
    .all();
  return { key, count: total.n, latestId: total.latest, accountIds: senders.map((s) => s.id) };
}

/** Dismisses a whole group of the member's notifications; false when the key names none. */
export function dismissGroup(db: Db, accountId: string, key: string): boolean {
  const where = groupWhere(accountId, key);
  return where !== undefined && db.delete(notifications).where(where).returning({ id: notifications.id }).all().length > 0;
}

/**
 * Notifications (newest first) gathered into at most `limit` groups, in the order of each
 * group's newest; `used` are the notifications taken (the page ends at the last of them).
 */
export function gatherGroups<T extends Keyed>(rows: T[], limit: number, groupedTypes?: readonly NotificationType[]) {
  const groups = new Map<string, T[]>();
  const used: T[] = [];
  for (const row of rows) {
    const key = groupKey(row, groupedTypes);
    const group = groups.get(key);
    if (!group && groups.size >= limit) break;
    if (group) group.push(row);
    else groups.set(key, [row]);
    used.push(row);
  }
  return { groups, used };
}
