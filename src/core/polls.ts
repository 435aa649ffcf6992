import { and, countDistinct, eq, inArray, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { accounts, notifications, type PollOption, pollVotes, polls, posts } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError } from "./errors.ts";
import { notify } from "./notifications.ts";
import { findVisiblePost } from "./posts.ts";

/*
 * Polls: a local member's (counted here from poll_votes) and other servers' (counted there: we keep
 * what their Question last said, plus our members' own votes). Voting from the pages, the API and
 * another server's vote Note all go through `vote`.
 */

/** Mastodon's defaults, as the instance's configuration announces them. */
export const POLL_LIMITS = {
  maxOptions: 4,
  maxCharactersPerOption: 50,
  minExpiration: 300,
  maxExpiration: 2_629_746, // a month
} as const;

import type { PollInput } from "../db/schema.ts";

export type { PollInput };

export type PollRow = typeof polls.$inferSelect;

/** The poll as a page or the API shows it to one viewer. */
export interface PollView {
  id: string;
  expiresAt: Date | null;
  expired: boolean;
  multiple: boolean;
  votesCount: number;
  votersCount: number;
  /** The counts are hidden until it ends (its author still sees them). */
  hidden: boolean;
  /** votes null while the counts are hidden from this viewer. */
  options: { title: string; votes: number | null }[];
  /** null for a visitor. */
  voted: boolean | null;
  ownVotes: number[];
}

/** The problems of a poll someone is about to post (field names as the API's). */
export function checkPoll(input: PollInput, problems: Record<string, string>): void {
  const options = input.options.map((o) => o.trim());
  const { maxOptions, maxCharactersPerOption: max, minExpiration, maxExpiration } = POLL_LIMITS;
  if (options.some((o) => o === "")) problems["poll[options]"] = "A poll's choices cannot be empty.";
  else if (options.length < 2) problems["poll[options]"] = "A poll needs at least 2 choices.";
  else if (options.length > maxOptions) problems["poll[options]"] = `A poll has at most ${maxOptions} choices.`;
  else if (options.some((o) => [...o].length > max)) problems["poll[options]"] = `Poll options are at most ${max} characters.`;
  else if (new Set(options.map((o) => o.toLowerCase())).size < options.length)
    problems["poll[options]"] = "Each option of a poll must be different.";
  const badLength = !Number.isFinite(input.expiresIn) || input.expiresIn < minExpiration || input.expiresIn > maxExpiration;
  if (badLength && !input.keepEnd) problems["poll[expires_in]"] = "A poll runs from 5 minutes to a month.";
}

/** Choices as a form or an API call sends them (strings or numbers): anything else is no option (NaN). */
export function choiceIndexes(given: (string | number)[]): number[] {
  return given.map((c) => (c === "" ? Number.NaN : Number(c)));
}

/** Stores a new local post's poll (inside createPost's transaction; already checked). */
export function insertPoll(tx: DbOrTx, postId: string, input: PollInput, now = Date.now()): void {
  tx.insert(polls)
    .values({
      postId,
      options: input.options.map((title) => ({ title: title.trim(), votes: 0 })),
      multiple: Boolean(input.multiple),
      hideTotals: Boolean(input.hideTotals),
      expiresAt: new Date(now + Math.trunc(input.expiresIn) * 1000),
    })
    .run();
}

/**
 * An edit that sends the poll again, as on Mastodon: unchanged choices keep their votes, and take
 * the new length (from now, while it runs) and whether totals hide; other choices (or one choice
 * instead of several) start it again, with no votes. keepEnd leaves the end where it was.
 */
export function replacePoll(tx: DbOrTx, postId: string, input: PollInput, now = Date.now()): void {
  const before = tx.select().from(polls).where(eq(polls.postId, postId)).get();
  const titles = input.options.map((o) => o.trim());
  if (before && before.multiple === Boolean(input.multiple) && sameTitles(before.options, titles)) {
    const expiresAt = input.keepEnd || before.endedAt ? before.expiresAt : new Date(now + Math.trunc(input.expiresIn) * 1000);
    tx.update(polls)
      .set({ hideTotals: Boolean(input.hideTotals), expiresAt })
      .where(eq(polls.postId, postId))
      .run();
    return;
  }
  // New choices kept to the old end, while it is still ahead; else a day.
  const ahead = before?.expiresAt && before.expiresAt.getTime() > now ? (before.expiresAt.getTime() - now) / 1000 : 86_400;
  removePoll(tx, postId);
  insertPoll(tx, postId, input.keepEnd ? { ...input, expiresIn: ahead } : input, now);
}

const sameTitles = (options: PollOption[], titles: string[]) =>
  options.length === titles.length && options.every((o, i) => o.title === titles[i]);

/** A poll started again: its votes go, and so do the notices of its earlier end (it may end again). */
function forgetVotes(tx: DbOrTx, postId: string): void {
  tx.delete(pollVotes).where(eq(pollVotes.postId, postId)).run();
  tx.delete(notifications)
    .where(and(eq(notifications.postId, postId), eq(notifications.type, "poll")))
    .run();
}

/** An edit through the API that sends no poll takes it away, as on Mastodon. */
export function removePoll(tx: DbOrTx, postId: string): void {
  forgetVotes(tx, postId);
  tx.delete(polls).where(eq(polls.postId, postId)).run();
}

/** A post's poll choices, each on a line after a line break, for the search index ("" without a poll). */
export function pollText(tx: DbOrTx, postId: string): string {
  const poll = tx.select({ options: polls.options }).from(polls).where(eq(polls.postId, postId)).get();
  return poll ? `\n${poll.options.map((o) => o.title).join("\n")}` : "";
}

/** What another server's Question says about its poll. */
export interface RemotePollData {
  options: PollOption[];
  multiple: boolean;
  expiresAt: Date | null;
  votersCount: number | null;
}

/**
 * Keeps a remote post's poll as its server last described it. Changed options (an edit that
 * rewrote the poll) throw away the votes cast here, as on Mastodon.
 */
export function saveRemotePoll(tx: DbOrTx, postId: string, data: RemotePollData | null): void {
  const before = tx.select().from(polls).where(eq(polls.postId, postId)).get();
  if (!data) {
    if (before) tx.delete(polls).where(eq(polls.postId, postId)).run();
    return;
  }
  const restarted =
    before !== undefined &&
    !sameTitles(
      before.options,
      data.options.map((o) => o.title),
    );
  if (restarted) forgetVotes(tx, postId);
  const values = {
    ...(restarted ? { endedAt: null } : {}),
    options: data.options,
    multiple: data.multiple,
    expiresAt: data.expiresAt,
    votersCount: data.votersCount ?? Math.max(0, ...data.options.map((o) => o.votes)),
  };
  tx.insert(polls)
    .values({ postId, ...values })
    .onConflictDoUpdate({ target: polls.postId, set: values })
    .run();
}

/**
 * Casts a voter's choices (indexes into the options). A member votes once, with all their
 * choices; another server sends one Note per choice, so a remote voter's choices in a
 * multiple-choice poll may come one by one. Nothing changes when a rule is broken.
 */
export function vote(
  deps: Pick<CoreDeps, "db" | "events">,
  voter: { id: string },
  postId: string,
  choices: number[],
  remote?: { uri: string | null },
): PollView {
  const { db } = deps;
  const post = findVisiblePost(db, postId, voter.id);
  const poll = post ? db.select().from(polls).where(eq(polls.postId, postId)).get() : undefined;
  if (!post || !poll) throw new CoreError("Record not found", 404);
  if (post.accountId === voter.id) throw new CoreError("You cannot vote in your own poll.", 422);
  if (isExpired(poll)) throw new CoreError("This poll has ended.", 422);
  const picked = [...new Set(choices)];
  if (picked.length === 0 || picked.some((c) => !Number.isInteger(c) || c < 0 || c >= poll.options.length))
    throw new CoreError("Choose among the poll's options.", 422);
  if (!poll.multiple && picked.length > 1) throw new CoreError("This poll takes one choice.", 422);
  const earlier = db
    .select({ choice: pollVotes.choice })
    .from(pollVotes)
    .where(and(eq(pollVotes.postId, postId), eq(pollVotes.accountId, voter.id)))
    .all();
  const again = remote ? !poll.multiple || earlier.some((e) => picked.includes(e.choice)) : true;
  if (earlier.length > 0 && again) throw new CoreError("You have already voted in this poll.", 422);

  const voteIds = picked.map(() => newId());
  db.transaction((tx) => {
    picked.forEach((choice, i) => {
      tx.insert(pollVotes)
        .values({ id: voteIds[i] as string, postId, accountId: voter.id, choice, uri: remote?.uri ?? null })
        .run();
    });
    if (post.uri === null) recount(tx, postId);
    else {
      // Another server's poll: its own count comes with its next Update; until then ours is added.
      const options = poll.options.map((o, i) => ({ ...o, votes: o.votes + (picked.includes(i) ? 1 : 0) }));
      const votersCount = poll.votersCount + (earlier.length === 0 ? 1 : 0);
      tx.update(polls).set({ options, votersCount }).where(eq(polls.postId, postId)).run();
    }
  });
  deps.events.emit("poll.voted", { postId, accountId: voter.id, voteIds });
  return pollsOf(db, [{ id: postId, accountId: post.accountId }], voter.id).get(postId) as PollView;
}

/** The local polls an account voted in. */
export function localPollsVotedBy(db: DbOrTx, accountId: string): string[] {
  return db
    .selectDistinct({ postId: pollVotes.postId })
    .from(pollVotes)
    .innerJoin(posts, eq(posts.id, pollVotes.postId))
    .where(and(eq(pollVotes.accountId, accountId), isNull(posts.uri)))
    .all()
    .map((r) => r.postId);
}

/** A local poll's counts, from its votes. */
/** Counts a local poll's votes again; sendPollCounts tells other servers. */
export function recount(tx: DbOrTx, postId: string): void {
  const poll = tx.select().from(polls).where(eq(polls.postId, postId)).get();
  if (!poll) return;
  const rows = tx
    .select({ choice: pollVotes.choice, n: sql<number>`count(*)` })
    .from(pollVotes)
    .where(eq(pollVotes.postId, postId))
    .groupBy(pollVotes.choice)
    .all();
  const counts = new Map(rows.map((r) => [r.choice, r.n]));
  const voters = tx
    .select({ n: countDistinct(pollVotes.accountId) })
    .from(pollVotes)
    .where(eq(pollVotes.postId, postId))
    .get();
  tx.update(polls)
    .set({
      options: poll.options.map((o, i) => ({ ...o, votes: counts.get(i) ?? 0 })),
      votersCount: voters?.n ?? 0,
      countsUnsent: true,
    })
    .where(eq(polls.postId, postId))
    .run();
}

/**
 * Local polls whose counts changed since they were last sent: `poll.counts` sends each one's
 * new counts to other servers. A job runs it each minute, so a busy poll goes out at most once a
 * minute (Mastodon waits three), not once per vote, and a restart loses nothing.
 */
export function sendPollCounts(deps: Pick<CoreDeps, "db" | "events">): number {
  const changed = deps.db
    .update(polls)
    .set({ countsUnsent: false })
    .where(eq(polls.countsUnsent, true))
    .returning({ postId: polls.postId })
    .all();
  for (const { postId } of changed) deps.events.emit("poll.counts", { postId });
  return changed.length;
}

const isExpired = (poll: PollRow, now = Date.now()) => poll.expiresAt !== null && poll.expiresAt.getTime() <= now;

/** The polls of these posts as the viewer sees them (the author always sees the counts). */
export function pollsOf(
  db: Db,
  postsOf: { id: string; accountId: string }[],
  viewerId: string | null,
  now = Date.now(),
): Map<string, PollView> {
  const ids = postsOf.map((p) => p.id);
  if (ids.length === 0) return new Map();
  const rows = db.select().from(polls).where(inArray(polls.postId, ids)).all();
  if (rows.length === 0) return new Map();
  const mine = viewerId
    ? db
        .select({ postId: pollVotes.postId, choice: pollVotes.choice })
        .from(pollVotes)
        .where(
          and(
            eq(pollVotes.accountId, viewerId),
            inArray(
              pollVotes.postId,
              rows.map((r) => r.postId),
            ),
          ),
        )
        .all()
    : [];
  const authorOf = new Map(postsOf.map((p) => [p.id, p.accountId]));
  return new Map(
    rows.map((poll) => {
      const expired = isExpired(poll, now);
      const shown = !poll.hideTotals || expired || authorOf.get(poll.postId) === viewerId;
      const ownVotes = mine.filter((m) => m.postId === poll.postId).map((m) => m.choice);
      const view: PollView = {
        id: poll.postId,
        expiresAt: poll.expiresAt,
        expired,
        multiple: poll.multiple,
        votesCount: poll.options.reduce((sum, o) => sum + o.votes, 0),
        votersCount: poll.votersCount,
        hidden: poll.hideTotals && !expired,
        options: poll.options.map((o) => ({ title: o.title, votes: shown ? o.votes : null })),
        voted: viewerId ? ownVotes.length > 0 || authorOf.get(poll.postId) === viewerId : null,
        ownVotes,
      };
      return [poll.postId, view];
    }),
  );
}

/** The option a remote voter's Note names (its `name` is the option's title): -1 for none; undefined: no poll. */
export function choiceNamed(db: Db, postId: string, title: string): number | undefined {
  const poll = db.select({ options: polls.options }).from(polls).where(eq(polls.postId, postId)).get();
  return poll?.options.findIndex((o) => o.title === title);
}

/** The choices a member's vote in a remote poll sends: the poll's author, the titles, the vote ids. */
export function votesToSend(db: Db, voteIds: string[]) {
  if (voteIds.length === 0) return [];
  return db
    .select({ id: pollVotes.id, choice: pollVotes.choice, options: polls.options, postUri: posts.uri, authorId: posts.accountId })
    .from(pollVotes)
    .innerJoin(polls, eq(polls.postId, pollVotes.postId))
    .innerJoin(posts, eq(posts.id, pollVotes.postId))
    .where(inArray(pollVotes.id, voteIds))
    .all()
    .map((v) => ({ id: v.id, title: v.options[v.choice]?.title ?? "", postUri: v.postUri, authorId: v.authorId }));
}

/** Other servers' accounts that voted in a local poll (they hear of its counts). */
export function remoteVoters(db: Db, postId: string): string[] {
  return db
    .selectDistinct({ id: pollVotes.accountId })
    .from(pollVotes)
    .innerJoin(accounts, eq(accounts.id, pollVotes.accountId))
    .where(and(eq(pollVotes.postId, postId), isNotNull(accounts.domain)))
    .all()
    .map((r) => r.id);
}

/**
 * Polls whose time is up: each is marked ended once; the members who voted (and a local poll's
 * author) are notified, and `poll.ended` sends a local poll's final count to other servers.
 */
export function endExpiredPolls(deps: Pick<CoreDeps, "db" | "events">, now = new Date()): number {
  const { db } = deps;
  const due = db
    .select({ postId: polls.postId, authorId: posts.accountId, local: sql<number>`${posts.uri} IS NULL` })
    .from(polls)
    .innerJoin(posts, eq(posts.id, polls.postId))
    .where(and(isNull(polls.endedAt), lte(polls.expiresAt, now)))
    .limit(500)
    .all();
  for (const poll of due) {
    // The final count goes with poll.ended.
    db.update(polls).set({ endedAt: now, countsUnsent: false }).where(eq(polls.postId, poll.postId)).run();
    const voters = db
      .selectDistinct({ id: pollVotes.accountId })
      .from(pollVotes)
      .where(eq(pollVotes.postId, poll.postId))
      .all()
      .map((v) => v.id);
    const told = poll.local ? [poll.authorId, ...voters] : voters;
    for (const accountId of told) notify(deps, { accountId, type: "poll", fromAccountId: poll.authorId, postId: poll.postId });
    if (poll.local) deps.events.emit("poll.ended", { postId: poll.postId });
  }
  return due.length;
}
