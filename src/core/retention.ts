import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import { describePrune, type RemoteMediaCache } from "../media/remote-cache.ts";
import type { MediaStore } from "../media/store.ts";
import { ValidationError } from "./errors.ts";
import { getSettings, updateSettings } from "./instance.ts";
import type { Job } from "./jobs.ts";
import { mediaFile, pruneOrphanMedia, pruneUnattachedMedia } from "./media.ts";
import { DAY_MS, databaseSize } from "./overview.ts";
import { lowestIdAt } from "../db/ids.ts";

/**
 * What the instance forgets on its own, so that it does not grow without bound: remote posts and
 * accounts nobody here cares about, expired credentials and cache entries, and the free pages
 * all that leaves inside the database file. Each function returns a line for the log and the
 * admin overview, with the database's size before and after.
 */

export interface RetentionDeps {
  db: Db;
  media: MediaStore;
  /** Cached remote images (absent where nothing is cached, as in the CLI). */
  remoteMedia?: RemoteMediaCache;
}

/** Rows deleted per transaction: small enough that requests waiting on the database go on. */
export const RETENTION_BATCH = 500;
/** The bounds of a retention period in days; 0 means keep forever. */
export const MAX_RETENTION_DAYS = 3650;

/** Lets requests that arrived meanwhile run between two batches (bun:sqlite is synchronous). */
const breathe = () => Bun.sleep(5);

/**
 * Remote posts that may go: older than the cut-off (ids are UUIDv7 made from the post's date)
 * and untouched by this instance. The rules are those of Mastodon's `tootctl statuses remove`:
 * a post stays when it has a reply stored here (threads erode from their leaves, so no reply
 * loses its parent), is a boost of a local post, is boosted by a member or by a boost newer than
 * the cut-off, is pinned, mentions a member, is favourited or bookmarked by a member, or its
 * author is followed by a member (tootctl's default without --clean-followed). Added here: a
 * reply to a member's post (its thread stays readable even without a mention), a poll a member
 * voted in, a post that a post stored here quotes, and a post in an open report. Not checked: taking part deeper in a thread than the direct reply or a mention
 * (a recursive walk per post; the reply and mention rules keep the usual cases).
 */
function prunablePosts(db: DbOrTx, cutoffId: string, after: string, limit: number): string[] {
  return db
    .all<{ id: string }>(sql`
      SELECT p.id FROM posts p JOIN accounts a ON a.id = p.account_id
      WHERE p.id > ${after} AND p.id < ${cutoffId} AND a.domain IS NOT NULL AND p.pinned_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM posts r WHERE r.in_reply_to_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM posts q WHERE q.quote_of_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM posts parent JOIN accounts pa ON pa.id = parent.account_id
          WHERE parent.id = p.in_reply_to_id AND pa.domain IS NULL)
        AND NOT EXISTS (SELECT 1 FROM posts o JOIN accounts oa ON oa.id = o.account_id
          WHERE o.id = p.reblog_of_id AND oa.domain IS NULL)
        AND NOT EXISTS (SELECT 1 FROM posts b JOIN accounts ba ON ba.id = b.account_id
          WHERE b.reblog_of_id = p.id AND (ba.domain IS NULL OR b.id >= ${cutoffId}))
        AND NOT EXISTS (SELECT 1 FROM mentions m JOIN accounts ma ON ma.id = m.account_id
          WHERE m.post_id = p.id AND ma.domain IS NULL)
        AND NOT EXISTS (SELECT 1 FROM favourites f JOIN accounts fa ON fa.id = f.account_id
          WHERE f.post_id = p.id AND fa.domain IS NULL)
        AND p.id NOT IN (SELECT post_id FROM bookmarks)
        AND NOT EXISTS (SELECT 1 FROM poll_votes v JOIN accounts va ON va.id = v.account_id
          WHERE v.post_id = p.id AND va.domain IS NULL)
        AND NOT EXISTS (SELECT 1 FROM follows fo JOIN accounts foa ON foa.id = fo.follower_id
          WHERE fo.following_id = p.account_id AND foa.domain IS NULL)
        AND p.id NOT IN (SELECT j.value FROM reports rp, json_each(rp.post_ids) j WHERE rp.resolved_at IS NULL)
      ORDER BY p.id LIMIT ${limit}`)
    .map((r) => r.id);
}

const idList = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/**
 * Removes remote posts no member interacted with, older than `days` (0: never), in batches of
 * RETENTION_BATCH. Their mentions, tags, media rows, favourites, notifications and edits go by
 * foreign-key cascade; cached media files and the search index are cleaned here.
 */
export async function pruneRemotePosts(deps: RetentionDeps, now: Date, days: number): Promise<string> {
  if (days <= 0) return "kept forever (remote post retention is off)";
  const { db } = deps;
  const before = databaseSize(db);
  const cutoffId = lowestIdAt(now.getTime() - days * DAY_MS);
  let after = "";
  let removed = 0;
  for (;;) {
    const files: (string | null)[] = [];
    const batch = db.transaction((tx) => {
      const ids = prunablePosts(tx, cutoffId, after, RETENTION_BATCH);
      if (ids.length === 0) return ids;
      const media = tx.all<{ path: string | null; thumb: string | null }>(
        sql`SELECT path, thumbnail_path AS thumb FROM media_attachments WHERE post_id IN (${idList(ids)})`,
      );
      for (const m of media) files.push(m.path, m.thumb);
      tx.run(sql`DELETE FROM posts WHERE id IN (${idList(ids)})`);
      return ids;
    });
    for (const file of files) await deps.media.remove(file);
    removed += batch.length;
    if (batch.length < RETENTION_BATCH) break;
    after = batch.at(-1) as string;
    await breathe();
  }
  if (removed > 0) await sweepSearchIndex(db);
  return `${count(removed, "remote post")} older than ${count(days, "day")} removed; ${sizeChange(before, databaseSize(db))}`;
}

/** FTS rows read per statement of the search-index sweep. */
const SWEEP_ROWS = 20_000;

/**
 * Removes search-index rows whose post is gone, a range of rowids at a time. The index cannot
 * find a row by post id without reading all of it (post_id is UNINDEXED in the FTS table), so
 * one sweep after the batches costs one read of the index instead of one per batch.
 */
async function sweepSearchIndex(db: Db): Promise<void> {
  const last = db.all<{ last: number | null }>(sql`SELECT max(rowid) AS last FROM posts_search`)[0]?.last ?? 0;
  for (let from = 0; from < last; from += SWEEP_ROWS) {
    db.run(sql`DELETE FROM posts_search WHERE rowid > ${from} AND rowid <= ${from + SWEEP_ROWS}
      AND NOT EXISTS (SELECT 1 FROM posts WHERE posts.id = posts_search.post_id)`);
    await breathe();
  }
}

/**
 * Remote accounts with no tie to this instance, by the rules of Mastodon's `tootctl accounts
 * prune`: no posts stored (posts are pruned first), not mentioned, no favourites, no follow or
 * follow request either way, no block either way, not muted, not reported; bots (relays, group
 * actors) and suspended or silenced accounts stay (a moderation decision must not be forgotten).
 * Added here, since the job runs unattended: a vote in a local poll, an approved quote, list
 * membership, a notification, a report filed, a moderators' note, a local account's move or alias, and a grace
 * period (an account fetched or refreshed in the last `days` days stays: someone may be looking
 * at it).
 */
function prunableAccounts(db: DbOrTx, cutoffMs: number, after: string, limit: number) {
  return db.all<{ id: string; avatar: string | null; header: string | null }>(sql`
    SELECT a.id, a.avatar_url AS avatar, a.header_url AS header FROM accounts a
    WHERE a.domain IS NOT NULL AND a.id > ${after}
      AND a.bot = 0 AND a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.sensitized_at IS NULL
      AND a.updated_at < ${cutoffMs} AND coalesce(a.fetched_at, 0) < ${cutoffMs}
      AND NOT EXISTS (SELECT 1 FROM posts WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM mentions WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM favourites WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM poll_votes WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM quote_approvals WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM follows WHERE follower_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM follows WHERE following_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM blocks WHERE target_account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM mutes WHERE target_account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM reports WHERE target_account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM account_moderation_notes WHERE account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM list_accounts WHERE account_id = a.id)
      AND a.id NOT IN (SELECT reporter_id FROM reports WHERE reporter_id IS NOT NULL)
      AND a.id NOT IN (SELECT from_account_id FROM notifications)
      AND a.id NOT IN (SELECT moved_to_id FROM accounts WHERE moved_to_id IS NOT NULL)
      AND coalesce(a.uri, '') NOT IN (SELECT j.value FROM accounts l, json_each(l.also_known_as) j WHERE l.domain IS NULL)
    ORDER BY a.id LIMIT ${limit}`);
}

/** Removes remote accounts with no tie to this instance, unseen for `days` days (0: never). */
export async function pruneRemoteAccounts(deps: RetentionDeps, now: Date, days: number): Promise<string> {
  if (days <= 0) return "kept forever (remote post retention is off)";
  const { db } = deps;
  const before = databaseSize(db);
  const cutoffMs = now.getTime() - days * DAY_MS;
  let after = "";
  let removed = 0;
  for (;;) {
    const batch = db.transaction((tx) => {
      const rows = prunableAccounts(tx, cutoffMs, after, RETENTION_BATCH);
      if (rows.length > 0) tx.run(sql`DELETE FROM accounts WHERE id IN (${idList(rows.map((r) => r.id))})`);
      return rows;
    });
    for (const row of batch) {
      await deps.media.remove(mediaFile(row.avatar));
      await deps.media.remove(mediaFile(row.header));
    }
    removed += batch.length;
    if (batch.length < RETENTION_BATCH) break;
    after = batch.at(-1)?.id as string;
    await breathe();
  }
  return `${count(removed, "remote account")} with no tie here removed; ${sizeChange(before, databaseSize(db))}`;
}

/** How long a used or expired authorization code is kept: a second use of it still revokes its tokens. */
const CODE_KEPT_MS = DAY_MS;
/** A queued message whose handler kept failing this long is dropped (it also holds up its ordering key). */
const DEAD_MESSAGE_MS = DAY_MS;
const DEAD_MESSAGE_ATTEMPTS = 5;
/** An Idempotency-Key guards against a resent post for a day (Mastodon keeps them an hour). */
const IDEMPOTENCY_KEPT_MS = DAY_MS;
/** As core/rejections.ts: a turned-away person may read the moderators' message for 30 days. */
const REJECTION_KEPT_MS = 30 * DAY_MS;
/** As Mastodon: a sign-up that has not confirmed its address in a week is removed (the mail says so). */
const UNCONFIRMED_KEPT_MS = 7 * DAY_MS;

/**
 * Deletes what has expired: sessions, password links, unconfirmed new e-mail addresses, authorization codes, revoked tokens, Fedify's expired cache
 * entries, sign-up rejections past 30 days, sign-ups that never confirmed their address in a week, idempotency keys past a day, uploads never attached to a post, link
 * previews no post shows any more, and queued
 * messages that failed for over a day (delivered messages are deleted by the queue as they
 * succeed; Fedify gives up on a failing delivery itself, so only a message whose handler throws
 * again and again stays, and it holds up the messages queued behind it with its ordering key).
 */
export async function pruneExpiredRecords(deps: RetentionDeps, now: Date): Promise<string> {
  const { db } = deps;
  const ms = now.getTime();
  const before = databaseSize(db);
  // drizzle types bun:sqlite's run() as void; it returns the statement's Changes.
  const changes = (statement: ReturnType<typeof sql>) => (db.run(statement) as unknown as { changes: number }).changes;
  // Sign-ups that never confirmed their address: a week after joining and once their latest link
  // has expired (so a link asked for on the sixth day still works its day). Staff and accounts the
  // moderators acted on stay (the name of a suspended spammer must not be free again).
  const neverConfirmed = sql`u.email_confirmed_at IS NULL AND u.role = 'user' AND u.disabled_at IS NULL
    AND u.created_at < ${ms - UNCONFIRMED_KEPT_MS}
    AND NOT EXISTS (SELECT 1 FROM email_changes e WHERE e.user_id = u.id AND e.expires_at > ${ms})
    AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = u.account_id AND a.suspended_at IS NOT NULL)`;
  const counts = db.transaction(() => ({
    sessions: changes(sql`DELETE FROM sessions WHERE expires_at < ${ms}`),
    resets: changes(sql`DELETE FROM password_resets WHERE expires_at < ${ms}`),
    addresses: changes(sql`DELETE FROM email_changes WHERE expires_at < ${ms}`),
    codes: changes(sql`DELETE FROM oauth_codes WHERE expires_at < ${ms - CODE_KEPT_MS}`),
    tokens: changes(sql`DELETE FROM oauth_tokens WHERE revoked_at < ${ms - CODE_KEPT_MS}`),
    cache: changes(sql`DELETE FROM fedify_kv WHERE expires_at <= ${ms}`),
    rejections: changes(sql`DELETE FROM signup_rejections WHERE created_at < ${ms - REJECTION_KEPT_MS}`),
    // Their invites get the use back; then the account goes with its row, freeing name and address
    // (it never logged in, and no other server could see it: nothing to federate).
    invites:
      changes(sql`UPDATE invites SET uses = max(0, uses - (SELECT count(*) FROM users u WHERE u.invite_id = invites.id AND ${neverConfirmed}))
      WHERE id IN (SELECT u.invite_id FROM users u WHERE ${neverConfirmed})`),
    signups: changes(sql`DELETE FROM accounts WHERE id IN (SELECT u.account_id FROM users u WHERE ${neverConfirmed})`),
    keys: changes(sql`DELETE FROM idempotency_keys WHERE created_at < ${ms - IDEMPOTENCY_KEPT_MS}`),
    cards: changes(
      sql`DELETE FROM preview_cards WHERE fetched_at < ${ms - DAY_MS} AND id NOT IN (SELECT card_id FROM post_cards)`,
    ),
    queue: changes(sql`DELETE FROM queue_messages
      WHERE attempts >= ${DEAD_MESSAGE_ATTEMPTS} AND created_at < ${ms - DEAD_MESSAGE_MS}
        AND (locked_until IS NULL OR locked_until < ${ms})`),
  }));
  const uploads = await pruneUnattachedMedia(deps);
  const parts = [
    count(counts.sessions, "expired session"),
    count(counts.resets, "expired password link"),
    count(counts.addresses, "unconfirmed e-mail address", "unconfirmed e-mail addresses"),
    count(counts.codes, "authorization code"),
    count(counts.tokens, "revoked token"),
    count(counts.cache, "expired cache entry", "expired cache entries"),
    count(counts.rejections, "old sign-up rejection"),
    count(counts.signups, "sign-up never confirmed", "sign-ups never confirmed"),
    count(counts.keys, "idempotency key"),
    count(counts.cards, "unused link preview"),
    count(counts.queue, "failed queued message"),
    count(uploads, "unattached upload"),
  ].filter((part) => !part.startsWith("0 "));
  if (parts.length === 0) return `nothing had expired; ${sizeChange(before, databaseSize(db))}`;
  return `${parts.join(", ")} removed; ${sizeChange(before, databaseSize(db))}`;
}

/** Pages freed per step of the incremental vacuum (4 MB with 4 kB pages), with a pause between steps. */
const VACUUM_STEP_PAGES = 1000;

/**
 * Runs `PRAGMA optimize` (refreshes the query planner's statistics where they are stale) and
 * gives the database's free pages back to the file system with an incremental vacuum, a step at
 * a time. That needs auto_vacuum=INCREMENTAL, set on new databases and by a one-time VACUUM at
 * start for older ones (db/open.ts enableIncrementalVacuum).
 */
export async function optimizeDatabase(db: Db): Promise<string> {
  const before = databaseSize(db);
  db.run(sql`PRAGMA optimize`);
  // db.all gives rows as objects (db.get gives raw values for plain SQL).
  const pragma = (name: string) => Object.values(db.all<Record<string, number>>(sql.raw(`PRAGMA ${name}`))[0] ?? {})[0];
  const mode = pragma("auto_vacuum");
  if (mode !== 2)
    return `statistics refreshed; no incremental vacuum (auto_vacuum is ${mode}); ${sizeChange(before, databaseSize(db))}`;
  // Bounded: pages freed meanwhile by other writes wait for the next run.
  for (let step = 0; step < 10_000; step++) {
    if (!pragma("freelist_count")) break;
    db.run(sql.raw(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`));
    await breathe();
  }
  return `statistics refreshed, free pages returned; ${sizeChange(before, databaseSize(db))}`;
}

/** "database 12.3 MB (1.2 MB free) → 11.1 MB (0 bytes free)" */
function sizeChange(before: { bytes: number; freeBytes: number }, after: { bytes: number; freeBytes: number }): string {
  const size = (s: typeof before) => `${formatBytes(s.bytes)} (${formatBytes(s.freeBytes)} free)`;
  return `database ${size(before)} → ${size(after)}`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** Decimal units, as the admin overview shows them. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? count(bytes, "byte") : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The retention settings as the admin page edits them (field names as Mastodon's admin form). */
export interface RetentionInput {
  content_cache_retention_period: string;
  media_cache_retention_period: string;
}

/** Checks and saves the retention periods; problems are reported by field and nothing is saved then. */
export function saveRetentionSettings(db: Db, input: RetentionInput): { before: RetentionValues; after: RetentionValues } {
  const problems: Record<string, string> = {};
  const days = (field: keyof RetentionInput) => {
    const text = input[field].trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n > MAX_RETENTION_DAYS) {
      problems[field] = `Enter a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or 0 to keep them forever.`;
    }
    return n;
  };
  const values = {
    remotePostRetentionDays: days("content_cache_retention_period"),
    remoteMediaCacheDays: days("media_cache_retention_period"),
  };
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  const before = retentionValues(db);
  updateSettings(db, values);
  return { before, after: values };
}

export type RetentionValues = Pick<ReturnType<typeof getSettings>, "remotePostRetentionDays" | "remoteMediaCacheDays">;

export function retentionValues(db: Db): RetentionValues {
  const { remotePostRetentionDays, remoteMediaCacheDays } = getSettings(db);
  return { remotePostRetentionDays, remoteMediaCacheDays };
}

const HOUR_MS = 3600_000;

/**
 * The retention jobs, in the order the scheduler runs them when several are due: posts first
 * (accounts lose their last posts), the vacuum last (it returns what the others freed).
 */
export function retentionJobs(deps: RetentionDeps): Job[] {
  const days = () => getSettings(deps.db).remotePostRetentionDays;
  return [
    { name: "prune-remote-posts", everyMs: DAY_MS, run: (now) => pruneRemotePosts(deps, now, days()) },
    { name: "prune-remote-accounts", everyMs: DAY_MS, run: (now) => pruneRemoteAccounts(deps, now, days()) },
    { name: "prune-expired-records", everyMs: HOUR_MS, run: (now) => pruneExpiredRecords(deps, now) },
    {
      name: "prune-orphan-media",
      everyMs: DAY_MS,
      run: async (now) => {
        const { files, bytes } = await pruneOrphanMedia(deps, now);
        return `${count(files, "stored file")} no post, profile or emoji uses removed (${formatBytes(bytes)})`;
      },
    },
    ...(deps.remoteMedia ? [pruneRemoteMediaJob(deps.db, deps.remoteMedia)] : []),
    { name: "optimize-database", everyMs: DAY_MS, run: () => optimizeDatabase(deps.db) },
  ];
}

/** Cached remote images older than their period go, then the oldest while over the size cap. */
function pruneRemoteMediaJob(db: Db, cache: RemoteMediaCache): Job {
  return {
    name: "prune-remote-media",
    everyMs: HOUR_MS,
    run: async (now) => describePrune(await cache.prune(now, getSettings(db).remoteMediaCacheDays)),
  };
}
