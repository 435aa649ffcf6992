/** @jsxImportSource @kitajs/html */
import { plural } from "../words.ts";
import type { JobRun } from "../../src/core/jobs.ts";
import { formatBytes } from "../../src/core/retention.ts";
import type { AdminOverview, DailySeries } from "../../src/core/overview.ts";
import { DailyBars } from "../charts.tsx";
import type { PageContext } from "../context.ts";
import { Layout } from "../layout.tsx";
import { Time } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

/** Sizes on disk, measured by the route (core does not read the file system). */
export interface StorageFigures {
  /** Pages in use and free inside the database file, and its write-ahead log. */
  databaseBytes: number;
  freeBytes: number;
  walBytes: number;
  media: { bytes: number; files: number; complete: boolean };
}

/** "1.4 MB": decimal units, one decimal below 10 (shared with the retention jobs' log lines). */
export { formatBytes };

/** A chart card: the last 7 days in large, the 7 before in small, then 30 days of bars. */
function SeriesCard(props: { id: string; title: string; noun: string; series: DailySeries; hint: string }) {
  const { series } = props;
  return (
    <section class="overview-card" aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`} safe>
        {props.title}
      </h2>
      <p class="figure">
        <strong safe>{series.last7.toLocaleString("en")}</strong> <span class="muted">in the last 7 days</span>
      </p>
      <p class="muted compare" safe>{`${series.previous7.toLocaleString("en")} in the 7 days before`}</p>
      <DailyBars id={props.id} label={`${props.title} per day`} days={series.days} noun={props.noun} />
      <p class="hint" safe>
        {props.hint}
      </p>
    </section>
  );
}

/** A single number with a link to where it is dealt with. */
function CountCard(props: { title: string; value: number; href: string; link: string; attention?: boolean; note?: string }) {
  return (
    <section class="overview-card count-card">
      <h2 safe>{props.title}</h2>
      <p class={props.attention && props.value > 0 ? "figure attention" : "figure"}>
        <strong safe>{props.value.toLocaleString("en")}</strong>
      </p>
      {props.note ? (
        <p class="muted compare" safe>
          {props.note}
        </p>
      ) : (
        ""
      )}
      <a href={props.href} safe>
        {props.link}
      </a>
    </section>
  );
}

function Facts({ rows }: { rows: [string, JSX.Element | string, string?][] }) {
  return (
    <dl class="facts overview-facts">
      {rows.map(([term, value, cls]) => (
        <>
          <dt safe>{term}</dt>
          <dd class={cls}>{value}</dd>
        </>
      ))}
    </dl>
  );
}

function JobsTable({ jobs }: { jobs: JobRun[] }) {
  if (jobs.length === 0) return <p class="muted">No job has run yet (the first runs a few seconds after start).</p>;
  return (
    <div class="table-scroll">
      <table class="admin-table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Last run</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr>
              <th scope="row" safe>
                {job.name}
              </th>
              <td>{job.lastStartedAt ? <Time date={job.lastStartedAt} /> : "—"}</td>
              <td>
                {job.lastError ? (
                  <span class="danger error-text" safe>{`Failed: ${job.lastError}`}</span>
                ) : job.lastFinishedAt ? (
                  <span safe>{job.lastResult ?? ""}</span>
                ) : (
                  <span class="muted">running</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OverviewPage({ ctx, data, storage }: { ctx: PageContext; data: AdminOverview; storage: StorageFigures }) {
  const { counts, queue } = data;
  const media = `${storage.media.complete ? "" : "at least "}${formatBytes(storage.media.bytes)}`;
  return (
    <Layout title="Overview" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <div class="overview-grid counts-row">
        <CountCard title="Open reports" value={counts.openReports} href="/admin/reports" link="Review reports" attention />
        <CountCard
          title="Waiting sign-ups"
          value={counts.pendingSignups}
          href="/admin/registrations"
          link="Review sign-ups"
          attention
        />
        <CountCard title="Waiting appeals" value={counts.waitingAppeals} href="/admin/appeals" link="Answer appeals" attention />
        <CountCard
          title="Members"
          value={counts.localUsers}
          note={`${plural(counts.remoteAccounts, "remote account")} known`}
          href="/admin/accounts"
          link="Accounts"
        />
      </div>
      <div class="overview-grid">
        <SeriesCard
          id="signups"
          title="Sign-ups"
          noun="sign-ups"
          series={data.signups}
          hint="New local accounts, waiting ones included."
        />
        <SeriesCard
          id="active"
          title="Active members"
          noun="members"
          series={data.active}
          hint="Members who posted, signed in or visited that day. A session remembers only its latest visit, so earlier days count fewer readers."
        />
        <SeriesCard
          id="posts"
          title="Posts"
          noun="posts"
          series={data.posts}
          hint="Posts by local members, boosts not counted."
        />
        <SeriesCard
          id="reports"
          title="Reports received"
          noun="reports"
          series={data.reports}
          hint="Filed by members and by other servers."
        />
        <section class="overview-card" aria-labelledby="delivery-h">
          <h2 id="delivery-h">Delivery</h2>
          <Facts
            rows={[
              ["Waiting to be sent", queue.pending.toLocaleString("en")],
              ["Retrying", queue.retrying.toLocaleString("en")],
              ["Servers failing", data.failingHosts.toLocaleString("en"), data.failingHosts > 0 ? "danger" : undefined],
            ]}
          />
          <a href="/admin/instances?filter=failing">Failing servers</a>
        </section>
        <section class="overview-card" aria-labelledby="storage-h">
          <h2 id="storage-h">Storage</h2>
          <Facts
            rows={[
              ["Database", formatBytes(storage.databaseBytes)],
              ["Write-ahead log", formatBytes(storage.walBytes)],
              ["Media", media],
            ]}
          />
          <p class="hint" safe>
            {`${plural(storage.media.files, "media file")}${storage.media.complete ? "" : " counted before stopping"}; ${formatBytes(storage.freeBytes)} free inside the database.`}
          </p>
        </section>
      </div>
      <section class="overview-jobs" aria-labelledby="jobs-h">
        <h2 id="jobs-h">Periodic jobs</h2>
        <JobsTable jobs={data.jobs} />
      </section>
    </Layout>
  );
}
