/** @jsxImportSource @kitajs/html */
import type { JobRun } from "../../src/core/jobs.ts";
import { MAX_RETENTION_DAYS, type RetentionInput } from "../../src/core/retention.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, FormMessage, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { Time } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

/** What each job does, in the words an admin reads on the page. */
export const jobDescriptions: Record<string, string> = {
  "prune-remote-posts":
    "Daily. Removes remote posts older than the period above that no member replied to, boosted, favourited, bookmarked, quoted or was mentioned in, that do not reply to a member, and whose author no member follows.",
  "prune-remote-accounts":
    "Daily. Removes remote accounts with no posts kept and no tie to a member (follows, blocks, mutes, lists, mentions, notifications, reports), unseen for the same period. Bots and moderated accounts stay.",
  "prune-remote-media":
    "Hourly. Removes cached copies of remote images older than the period above, then the oldest while the cache is over 1 GB; they are fetched again when viewed.",
  "prune-expired-records":
    "Hourly. Removes expired sessions and authorization codes, revoked tokens, expired cache entries, day-old idempotency keys, unattached uploads and queued messages that failed for over a day.",
  "prune-orphan-media":
    "Daily. Removes stored files that no post, profile picture or custom emoji uses any more (a deletion normally removes them at once), once they are a day old.",
  "optimize-database":
    "Daily. Refreshes the query planner's statistics and gives free space inside the database back to the disk.",
};

export function RetentionPage({
  ctx,
  values,
  jobs,
  errors = {},
  saved,
  ran,
}: {
  ctx: PageContext;
  values: RetentionInput;
  /** The retention jobs by name, with their last run if they ran. */
  jobs: { name: string; run?: JobRun; running: boolean }[];
  errors?: Record<string, string>;
  saved?: boolean;
  /** A job just run with "Run now" (absent while it still runs). */
  ran?: JobRun;
}) {
  const failed = Object.keys(errors).length > 0;
  const hint = `Days, from 1 to ${MAX_RETENTION_DAYS}; 0 keeps them forever.`;
  return (
    <Layout title="Retention" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <form method="post" action="/admin/retention" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Retention</h2>
        <FormMessage
          message={saved ? "Saved." : failed ? "Nothing was saved: fix the fields marked below." : undefined}
          kind={saved ? "success" : "error"}
        />
        <p class="hint">
          Posts and media from other servers are copies: removing them keeps the database small. Members' own posts, and remote
          posts they interacted with, are never removed.
        </p>
        <Field
          name="content_cache_retention_period"
          label="Keep remote posts nobody here interacted with for"
          type="number"
          value={values.content_cache_retention_period}
          hint={`${hint} Remote accounts with no tie to a member go after the same time.`}
          error={errors.content_cache_retention_period}
        />
        <Field
          name="media_cache_retention_period"
          label="Keep cached remote media for"
          type="number"
          value={values.media_cache_retention_period}
          hint={`${hint} Removed media is fetched again when someone views it.`}
          error={errors.media_cache_retention_period}
        />
        <button type="submit">Save retention settings</button>
      </form>
      <section aria-labelledby="retention-jobs-h">
        <h2 id="retention-jobs-h">Jobs</h2>
        {ran ? (
          <p class={ran.lastError ? "error form-message" : "success form-message"} role="status" safe>
            {ran.lastError ? `${ran.name} failed: ${ran.lastError}` : `${ran.name}: ${ran.lastResult ?? ""}`}
          </p>
        ) : (
          ""
        )}
        <ul class="job-list">
          {jobs.map(({ name, run, running }) => (
            <li class="card job">
              <h3 safe>{name}</h3>
              <p class="hint" safe>
                {jobDescriptions[name] ?? ""}
              </p>
              <p>
                {"Last run: "}
                {run?.lastStartedAt ? <Time date={run.lastStartedAt} /> : "never"}
                {running ? (
                  <span class="muted">, running now (reload the page to see its result)</span>
                ) : run?.lastError ? (
                  <span class="danger error-text" safe>{` — Failed: ${run.lastError}`}</span>
                ) : run?.lastFinishedAt ? (
                  <span safe>{` — ${run.lastResult ?? ""}`}</span>
                ) : (
                  ""
                )}
              </p>
              <PostButton
                ctx={ctx}
                action={`/admin/retention/jobs/${name}`}
                label="Run now"
                kind="secondary"
                fullLabel={`Run ${name} now`}
              />
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
