/** @jsxImportSource @kitajs/html */
import { Elysia, t } from "elysia";
import type { PagePlugin, WebDeps } from "../context.ts";
import { loginFirst } from "../redirects.ts";
import { requireRole, staffGate } from "./guard.ts";
import { RetentionPage } from "../../../views/admin/retention.tsx";
import { audit } from "../../core/audit.ts";
import { CoreError, ValidationError } from "../../core/errors.ts";
import { type JobRun, jobInProgress, listJobRuns, runJob } from "../../core/jobs.ts";
import { type RetentionInput, retentionJobs, retentionValues, saveRetentionSettings } from "../../core/retention.ts";

/** How long "Run now" waits for the job before answering. */
const RUN_WAIT_MS = 10_000;

/** Retention settings and jobs: admins only, as the instance settings. */
export function retentionRoutes(deps: WebDeps, page: PagePlugin) {
  const { db } = deps;
  const jobs = retentionJobs(deps);
  const jobRows = () => {
    const runs = new Map(listJobRuns(db).map((r) => [r.name, r]));
    return jobs.map((job) => ({ name: job.name, run: runs.get(job.name), running: jobInProgress(job.name) }));
  };
  const formValues = (): RetentionInput => {
    const v = retentionValues(db);
    return {
      content_cache_retention_period: String(v.remotePostRetentionDays),
      media_cache_retention_period: String(v.remoteMediaCacheDays),
    };
  };

  return new Elysia({ name: "admin/retention" })
    .use(page)
    .onTransform(staffGate)
    .get(
      "/admin/retention",
      ({ viewer, ctx, query, redirect, path }) => {
        if (!viewer) return redirect(loginFirst(path), 303);
        requireRole(viewer, "admin", path);
        const ran: JobRun | undefined =
          query.ran && !jobInProgress(query.ran) ? listJobRuns(db).find((r) => r.name === query.ran) : undefined;
        return <RetentionPage ctx={ctx} values={formValues()} jobs={jobRows()} saved={query.saved === "1"} ran={ran} />;
      },
      { query: t.Object({ saved: t.Optional(t.String({ maxLength: 5 })), ran: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .post(
      "/admin/retention",
      ({ viewer, ctx, body, set, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const input = {
          content_cache_retention_period: body.content_cache_retention_period,
          media_cache_retention_period: body.media_cache_retention_period,
        };
        try {
          const { before, after } = saveRetentionSettings(db, input);
          const changed = Object.entries(after).filter(([key, value]) => before[key as keyof typeof before] !== value);
          if (changed.length > 0)
            audit(db, {
              actorId: staff.account.id,
              action: "settings.update",
              targetType: "settings",
              detail: JSON.stringify(Object.fromEntries(changed)),
            });
          return redirect("/admin/retention?saved=1", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return <RetentionPage ctx={ctx} values={input} jobs={jobRows()} errors={error.fields} />;
        }
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          // Strings: the core's check gives the message next to the field.
          content_cache_retention_period: t.String({ maxLength: 20 }),
          media_cache_retention_period: t.String({ maxLength: 20 }),
        }),
      },
    )
    .post(
      "/admin/retention/jobs/:name",
      async ({ viewer, params, redirect, path }) => {
        const staff = requireRole(viewer, "admin", path);
        const job = jobs.find((j) => j.name === params.name);
        if (!job) throw new CoreError("There is no such job.", 404);
        if (jobInProgress(job.name)) throw new CoreError(`The job ${job.name} is running already.`, 409);
        audit(db, { actorId: staff.account.id, action: "job.run", targetType: "job", targetId: job.name });
        // A long run (a large backlog of posts) goes on after the answer: the page then shows it running.
        const run = runJob(db, job);
        await Promise.race([run, Bun.sleep(RUN_WAIT_MS)]);
        return redirect(`/admin/retention?ran=${encodeURIComponent(job.name)}`, 303);
      },
      { params: t.Object({ name: t.String({ maxLength: 100 }) }), body: t.Optional(t.Object({ _csrf: t.Optional(t.String()) })) },
    );
}
