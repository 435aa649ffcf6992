import { getLogger } from "@logtape/logtape";
import { deleteExpiredSuspensions } from "./core/account-deletion.ts";
import type { CoreDeps } from "./core/deps.ts";
import { applyRegistrationFallback } from "./core/registrations.ts";
import { IMPORT_KEEP_DAYS, pruneFinishedImports } from "./core/imports.ts";
import { endExpiredPolls, sendPollCounts } from "./core/polls.ts";
import { isDue, type Job, jobInProgress, runJob } from "./core/jobs.ts";
import { type RetentionDeps, retentionJobs } from "./core/retention.ts";
import { publishDuePosts } from "./core/scheduled-posts.ts";
import { endExpiredMutes } from "./core/follows.ts";
import { mailNotifications, type NotificationMailDeps } from "./core/notification-mail.ts";
import { trendsJob } from "./core/trends.ts";

const logger = getLogger(["skein", "jobs"]);
const HOUR = 3600_000;

/** The instance's periodic jobs. */
export function maintenanceJobs(deps: CoreDeps & RetentionDeps & { notificationMail?: NotificationMailDeps }): Job[] {
  const { notificationMail } = deps;
  return [
    {
      name: "delete-expired-suspensions",
      everyMs: HOUR,
      run: (now) => `${deleteExpiredSuspensions(deps, now)} accounts suspended for over 30 days deleted`,
    },
    {
      name: "registration-fallback",
      everyMs: HOUR,
      run: (now) =>
        applyRegistrationFallback(deps.db, now)
          ? "no moderator was around for a week: sign-ups now need approval"
          : "registration mode unchanged",
    },
    {
      name: "prune-finished-imports",
      everyMs: 24 * HOUR,
      run: (now) => `${pruneFinishedImports(deps.db, now)} CSV imports finished over ${IMPORT_KEEP_DAYS} days ago deleted`,
    },
    {
      // Due at every check (each minute): a poll's voters hear it ended within a minute or so.
      name: "end-polls",
      everyMs: 30_000,
      run: (now) => `${endExpiredPolls(deps, now)} polls ended`,
    },
    {
      // Like end-polls, due at every check: new counts go out once a minute at most.
      name: "send-poll-counts",
      everyMs: 30_000,
      run: () => {
        const n = sendPollCounts(deps);
        return `new counts sent for ${n} ${n === 1 ? "poll" : "polls"}`;
      },
    },
    {
      // Due at every check: a mute for a while ends within a minute of its time.
      name: "end-expired-mutes",
      everyMs: 30_000,
      run: (now) => {
        const n = endExpiredMutes(deps.db, now);
        return `${n} ${n === 1 ? "mute" : "mutes"} ended`;
      },
    },
    {
      // Due at every check: a scheduled post is out within a minute of its time.
      name: "publish-scheduled-posts",
      everyMs: 30_000,
      run: async (now) => {
        const n = await publishDuePosts(deps, now);
        return `${n} scheduled ${n === 1 ? "post" : "posts"} published`;
      },
    },
    ...(notificationMail
      ? [
          {
            // Due at every check: a member away hears of a mention within a few minutes.
            name: "mail-notifications",
            everyMs: 30_000,
            run: async (now: Date) => {
              const n = await mailNotifications(notificationMail, now);
              return `${n} ${n === 1 ? "e-mail" : "e-mails"} about notifications sent`;
            },
          },
        ]
      : []),
    trendsJob(deps.db),
    ...retentionJobs(deps),
  ];
}

/**
 * Runs due jobs one after another, checking every minute (the first check soon after start).
 * Each run is recorded in the database, so a restart does not run a job again before it is due.
 */
export function startScheduler(deps: CoreDeps, jobs: Job[], checkEveryMs = 60_000) {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const check = () => {
    running = running.then(async () => {
      for (const job of jobs) {
        // An admin may be running it from the retention page.
        if (stopped || jobInProgress(job.name) || !isDue(deps.db, job, new Date())) continue;
        const run = await runJob(deps.db, job);
        if (run.lastError) logger.error("Job {name} failed: {error}", { name: job.name, error: run.lastError });
        // The jobs of every few minutes would write thousands of lines a day, most "0 polls ended":
        // their last run is on the admin overview, and in the log at debug.
        else if (job.everyMs < HOUR) logger.debug("Job {name}: {result}", { name: job.name, result: run.lastResult });
        else logger.info("Job {name}: {result}", { name: job.name, result: run.lastResult });
      }
    });
  };
  const first = setTimeout(check, 5_000);
  const timer = setInterval(check, checkEveryMs);
  return {
    /** Stops checking; waits for a job in progress to end. */
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
