import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { jobRuns } from "../db/schema.ts";
import { CoreError } from "./errors.ts";

/** A periodic maintenance job: what it did, in a line for the log and the admin overview. */
export interface Job {
  name: string;
  everyMs: number;
  run(now: Date): string | Promise<string>;
}

export type JobRun = typeof jobRuns.$inferSelect;

/** Whether a job is due: never run, or its interval has passed since it last started. */
export function isDue(db: Db, job: Job, now: Date): boolean {
  const last = db.select({ at: jobRuns.lastStartedAt }).from(jobRuns).where(eq(jobRuns.name, job.name)).get()?.at;
  return !last || now.getTime() - last.getTime() >= job.everyMs;
}

/** Jobs running in this process: the scheduler and an admin's "Run now" never run one twice at once. */
const inProgress = new Set<string>();

export function jobInProgress(name: string): boolean {
  return inProgress.has(name);
}

/**
 * Runs a job and records how it went; an error is recorded (and returned), never thrown.
 * Refused (409) while the same job is running.
 */
export async function runJob(db: Db, job: Job, now = new Date()): Promise<JobRun> {
  if (inProgress.has(job.name)) throw new CoreError(`The job ${job.name} is running already.`, 409);
  inProgress.add(job.name);
  try {
    return await record(db, job, now);
  } finally {
    inProgress.delete(job.name);
  }
}

async function record(db: Db, job: Job, now: Date): Promise<JobRun> {
  db.insert(jobRuns)
    .values({ name: job.name, lastStartedAt: now })
    .onConflictDoUpdate({ target: jobRuns.name, set: { lastStartedAt: now } })
    .run();
  let result: string | null = null;
  let error: string | null = null;
  try {
    result = (await job.run(now)).slice(0, 1000);
  } catch (e) {
    error = String(e).slice(0, 1000);
  }
  return db
    .update(jobRuns)
    .set({ lastFinishedAt: new Date(), lastResult: result, lastError: error, runs: sql`${jobRuns.runs} + 1` })
    .where(eq(jobRuns.name, job.name))
    .returning()
    .get() as JobRun;
}

export function listJobRuns(db: Db): JobRun[] {
  return db.select().from(jobRuns).orderBy(jobRuns.name).all();
}
