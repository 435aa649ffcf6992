import { and, asc, count, eq, gte, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import { getLogger } from "@logtape/logtape";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, mediaAttachments, type PostInput, scheduledPosts, users } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { checkPost, createPost } from "./posts.ts";
import type { PageQuery } from "./timelines.ts";
import { type MediaView, mediaView } from "./views.ts";
import { newestFirst, pageBounds, pageOrder } from "./paging.ts";

/**
 * Posts a member writes now and publishes later (Mastodon's scheduled statuses): checked by the
 * same rules as a post published at once, their images kept for them, and published by the
 * `publish-scheduled-posts` job through createPost, so they federate and notify as any post.
 */

const logger = getLogger(["skein", "scheduled"]);

export type ScheduledPost = typeof scheduledPosts.$inferSelect;

/** As Mastodon: at least five minutes ahead, 300 waiting, 25 on one (UTC) day. */
export const MIN_DELAY_MS = 5 * 60_000;
export const MAX_SCHEDULED = 300;
export const MAX_SCHEDULED_PER_DAY = 25;
const DAY_MS = 24 * 3600_000;

type Author = { id: string; username: string };

/** A time as core/times.ts read it: none, or one it could not read, is refused as "Give a date and a time.". */
const readTime = (time: Date | null | undefined): Date => time ?? new Date(Number.NaN);

/** Why this time will not do for one more scheduled post (`except`: the one being moved), or null. */
function timeProblem(db: Db, accountId: string, at: Date, except?: string): string | null {
  if (Number.isNaN(at.getTime())) return "Give a date and a time.";
  if (at.getTime() < Date.now() + MIN_DELAY_MS) return "Choose a time at least 5 minutes from now.";
  const day = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  const others = (from: Date | null, to: Date | null) =>
    db
      .select({ n: count() })
      .from(scheduledPosts)
      .where(
        and(
          eq(scheduledPosts.accountId, accountId),
          except ? sql`${scheduledPosts.id} != ${except}` : undefined,
          from ? gte(scheduledPosts.scheduledAt, from) : undefined,
          to ? lt(scheduledPosts.scheduledAt, to) : undefined,
        ),
      )
      .get()?.n ?? 0;
  if (others(null, null) >= MAX_SCHEDULED) return `You have ${MAX_SCHEDULED} scheduled posts already: the most one can have.`;
  if (others(new Date(day), new Date(day + DAY_MS)) >= MAX_SCHEDULED_PER_DAY)
    return `You have ${MAX_SCHEDULED_PER_DAY} posts scheduled on that day already: choose another day.`;
  return null;
}

/**
 * Keeps a post to publish at `time` (as core/times.ts read it). The post is checked now as if
 * published now (a ValidationError names the fields, `scheduled_at` among them); its images are
 * kept for it. The same idempotency key twice schedules one post.
 */
export function schedulePost(deps: CoreDeps, author: Author, input: PostInput, time: Date | null | undefined): ScheduledPost {
  const { db } = deps;
  const key = input.idempotencyKey?.slice(0, 200);
  if (key) {
    const earlier = db
      .select()
      .from(scheduledPosts)
      .where(and(eq(scheduledPosts.accountId, author.id), sql`${scheduledPosts.params} ->> '$.idempotencyKey' = ${key}`))
      .get();
    if (earlier) return earlier;
  }
  const at = readTime(time);
  const problem = timeProblem(db, author.id, at);
  let checked: ReturnType<typeof checkPost> | undefined;
  try {
    checked = checkPost(db, author.id, input);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError({ ...error.fields, ...(problem ? { scheduled_at: problem } : {}) });
  }
  if (problem) throw new ValidationError({ scheduled_at: problem });
  const params: PostInput = {
    ...input,
    status: checked.status,
    spoilerText: checked.spoilerText,
    visibility: checked.visibility,
    mediaIds: checked.media,
    // The media's new alt text is theirs now, not the publishing's.
    mediaAttributes: undefined,
    // Publishing twice (a crash between the post and forgetting this row) still makes one post.
    idempotencyKey: key ?? `scheduled:${newId()}`,
  };
  return db.transaction((tx) => {
    const row = tx
      .insert(scheduledPosts)
      .values({ id: newId(), accountId: author.id, scheduledAt: at, params })
      .returning()
      .get();
    if (checked.media.length > 0)
      tx.update(mediaAttachments).set({ scheduledPostId: row.id }).where(inArray(mediaAttachments.id, checked.media)).run();
    for (const [id, change] of checked.mediaChanges)
      tx.update(mediaAttachments).set(change).where(eq(mediaAttachments.id, id)).run();
    return row;
  });
}

/** A page of a member's scheduled posts for apps: newest scheduled first, paged by id (as Mastodon). */
export function listScheduled(db: Db, accountId: string, page: PageQuery): ScheduledPost[] {
  const rows = db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.accountId, accountId), pageBounds(scheduledPosts.id, page)))
    .orderBy(pageOrder(scheduledPosts.id, page))
    .limit(page.limit ?? 20)
    .all();
  return newestFirst(rows, page);
}

/** All of a member's scheduled posts (300 at most), the soonest first, for their page. */
export function scheduledByTime(db: Db, accountId: string): ScheduledPost[] {
  return db
    .select()
    .from(scheduledPosts)
    .where(eq(scheduledPosts.accountId, accountId))
    .orderBy(asc(scheduledPosts.scheduledAt), asc(scheduledPosts.id))
    .all();
}

export function countScheduled(db: Db, accountId: string): number {
  return db.select({ n: count() }).from(scheduledPosts).where(eq(scheduledPosts.accountId, accountId)).get()?.n ?? 0;
}

/** One of the member's own (404 for anyone else's, as if it did not exist). */
export function getScheduled(db: Db, accountId: string, id: string): ScheduledPost {
  const row = db
    .select()
    .from(scheduledPosts)
    .where(and(eq(scheduledPosts.id, id), eq(scheduledPosts.accountId, accountId)))
    .get();
  if (!row) throw new CoreError("Record not found", 404);
  return row;
}

/** Moves it to another time (which also clears a failed one's error: it is tried again then). */
export function reschedule(db: Db, accountId: string, id: string, time: Date | null | undefined): ScheduledPost {
  const at = readTime(time);
  getScheduled(db, accountId, id);
  const problem = timeProblem(db, accountId, at, id);
  if (problem) throw new ValidationError({ scheduled_at: problem });
  return db
    .update(scheduledPosts)
    .set({ scheduledAt: at, error: null })
    .where(eq(scheduledPosts.id, id))
    .returning()
    .get() as ScheduledPost;
}

/**
 * Cancels it; its images become plain uploads again, kept a day from now unless used (apps edit
 * a scheduled post by cancelling it and scheduling it again with the same images).
 */
export function cancelScheduled(db: Db, accountId: string, id: string): void {
  getScheduled(db, accountId, id);
  db.transaction((tx) => {
    tx.update(mediaAttachments).set({ createdAt: new Date() }).where(eq(mediaAttachments.scheduledPostId, id)).run();
    tx.delete(scheduledPosts).where(eq(scheduledPosts.id, id)).run();
  });
}

/**
 * Publishes the posts whose time has come. One that breaks a rule now (the post it replies to
 * was deleted, say) stays with the reason, for its author to change or delete; one over the
 * posting limit waits for the next run. Returns how many were published.
 */
export async function publishDuePosts(deps: CoreDeps, now: Date): Promise<number> {
  const { db } = deps;
  const due = db
    .select({ row: scheduledPosts, username: accounts.username, suspendedAt: accounts.suspendedAt, disabledAt: users.disabledAt })
    .from(scheduledPosts)
    .innerJoin(accounts, eq(accounts.id, scheduledPosts.accountId))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(lte(scheduledPosts.scheduledAt, now), isNull(scheduledPosts.error)))
    .orderBy(asc(scheduledPosts.scheduledAt))
    .limit(100)
    .all();
  let published = 0;
  for (const { row, username, suspendedAt, disabledAt } of due) {
    if (suspendedAt || disabledAt) {
      fail(db, row.id, "Not published: the account is suspended or disabled.");
      continue;
    }
    try {
      // Its images become the post's, and the row goes, inside the post's transaction.
      await createPost(deps, { id: row.accountId, username }, row.params, { scheduledId: row.id });
      published++;
    } catch (error) {
      // Over the posting limit, or the database busy: the next run tries again.
      if ((error instanceof CoreError && error.status === 429) || isBusy(error)) continue;
      const known = error instanceof ValidationError || error instanceof CoreError;
      // One post's surprise must not hold back everyone's: it waits, the others go on.
      if (!known) logger.error("Scheduled post {id} failed: {error}", { id: row.id, error });
      else logger.info("Scheduled post {id} not published: {reason}", { id: row.id, reason: error.message });
      fail(
        db,
        row.id,
        known ? `Not published: ${error.message}` : "Not published: something went wrong; the server's log says what.",
      );
    }
  }
  return published;
}

/** The images kept for each of these scheduled posts, in the order the member put them. */
export function scheduledMedia(db: Db, rows: ScheduledPost[]): Map<string, MediaView[]> {
  const ids = rows.flatMap((r) => r.params.mediaIds ?? []);
  const stored = ids.length === 0 ? [] : db.select().from(mediaAttachments).where(inArray(mediaAttachments.id, ids)).all();
  const found = new Map(stored.map((m) => [m.id, mediaView(m)]));
  return new Map(rows.map((r) => [r.id, (r.params.mediaIds ?? []).flatMap((id) => found.get(id) ?? [])]));
}

const isBusy = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error && /^SQLITE_(BUSY|LOCKED)/.test(String(error.code));

function fail(db: Db, id: string, reason: string) {
  db.update(scheduledPosts)
    .set({ error: reason.slice(0, 500) })
    .where(eq(scheduledPosts.id, id))
    .run();
}
