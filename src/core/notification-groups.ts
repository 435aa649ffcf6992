import { and, count, desc, eq, gte, isNull, lt, lte, max, type SQL } from "drizzle-orm";
import { lowestIdAt } from "../db/ids.ts";
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
type Keyed = Pick<Row, "id" | "type" | "postId" | "filtered">;

/** When a notification was made, read from its id (a UUIDv7 starts with its milliseconds). */
const idTime = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

/** The group a notification belongs to (Mastodon's `group_key`); `groupedTypes` narrows which types group. */
export function groupKey(n: Keyed, groupedTypes: readonly NotificationType[] = GROUPABLE_TYPES): string {
  if (n.filtered || !groupedTypes.includes(n.type) || !GROUPABLE_TYPES.includes(n.type)) return `ungrouped-${n.id}`;
  const bucket = Math.floor(idTime(n.id) / GROUP_SPAN_MS);
  if (n.type === "favourite" || n.type === "reblog") return n.postId ? `${n.type}-${n.postId}-${bucket}` : `ungrouped-${n.id}`;
  return `${n.type}-${bucket}`;
}

/**
 * Which of the member's notifications a key names, as SQL (a range of ids on the member's
 * index); undefined for a key no notification could have.
 */
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
    gte(notifications.id, lowestIdAt(from)),
    lt(notifications.id, lowestIdAt(from + GROUP_SPAN_MS)),
    eq(notifications.type, type),
    eq(notifications.filtered, false),
    postId === null ? isNull(notifications.postId) : eq(notifications.postId, postId),
  );
}

export interface GroupSummary {
  key: string;
  /** The group's notifications (up to the page's newest of it, when given), and its newest. */
  count: number;
  latestId: string;
  /** Who is in it, newest first (at most `samples`). */
  accountIds: string[];
}

/**
 * A group of the member's notifications as a whole, or undefined when it has none: `upTo` (a
 * page's newest of the group) leaves out what came after, `where` what the list was narrowed to.
 */
export function groupSummary(
  db: Db,
  accountId: string,
  key: string,
  options: { samples?: number; upTo?: string; where?: SQL } = {},
): GroupSummary | undefined {
  const group = groupWhere(accountId, key);
  if (!group) return undefined;
  const where = and(group, options.upTo ? lte(notifications.id, options.upTo) : undefined, options.where);
  const total = db
    .select({ n: count(), latest: max(notifications.id) })
    .from(notifications)
    .where(where)
    .get();
  if (!total?.n || !total.latest) return undefined;
  const senders = db
    .select({ id: notifications.fromAccountId })
    .from(notifications)
    .where(where)
    .groupBy(notifications.fromAccountId)
    .orderBy(desc(max(notifications.id)))
    .limit(options.samples ?? 8)
    .all();
  return { key, count: total.n, latestId: total.latest, accountIds: senders.map((s) => s.id) };
}

/** Dismisses a whole group of the member's notifications; false when the key names none. */
export function dismissGroup(db: Db, accountId: string, key: string): boolean {
  const where = groupWhere(accountId, key);
  return where !== undefined && db.delete(notifications).where(where).returning({ id: notifications.id }).all().length > 0;
}

/**
 * Gathers notifications into at most `limit` groups, read batch by batch (`read(after)`: the next
 * batch past the last notification read, in the order of the walk) until a further group would
 * not fit or `budget` are read. `shown` cuts a batch to those the member is shown (the others
 * are passed over). Groups keep the order in which the walk met them; `first` and `last` are the
 * first and last notifications passed, shown or not (the page spans them).
 */
export function gatherGroups<T extends Keyed>(
  read: (after: T | undefined) => T[],
  limit: number,
  options: { groupedTypes?: readonly NotificationType[]; budget?: number; shown?: (batch: T[]) => T[] } = {},
) {
  const groups = new Map<string, T[]>();
  let last: T | undefined;
  const start = read(undefined);
  const first = start[0];
  for (let batch = start, total = 0; batch.length > 0; batch = read(last)) {
    const shown = new Set(options.shown ? options.shown(batch) : batch);
    for (const row of batch) {
      if (shown.has(row)) {
        const key = groupKey(row, options.groupedTypes);
        const group = groups.get(key);
        if (!group && groups.size >= limit) return { groups, first, last };
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      last = row;
    }
    total += batch.length;
    if (total >= (options.budget ?? 2000)) break;
  }
  return { groups, first, last };
}
