/** @jsxImportSource @kitajs/html */
import { plural } from "../words.ts";
import type { InstanceFilter, InstanceSummary } from "../../src/core/instances.ts";
import type { Report } from "../../src/core/reports.ts";
import type { inboxStatus } from "../../src/db/schema.ts";
import type { PageContext } from "../context.ts";
import { Layout } from "../layout.tsx";
import { Time, WithTimes } from "../time.tsx";
import { DomainBlockForm, severityLabel } from "./domain-blocks.tsx";
import { AdminTabs } from "./tabs.tsx";

export const instancePath = (domain: string) => `/admin/instances/${encodeURIComponent(domain)}`;

/** The block on a server as a small label, naming the parent domain when the block is on it. */
function BlockLabel({ instance }: { instance: InstanceSummary }) {
  const { block } = instance;
  if (!block) return "";
  const on = block.domain === instance.domain ? "" : ` (${block.domain})`;
  return (
    <span
      class={block.severity === "noop" ? "tag-label" : "tag-label blocked"}
      safe
    >{`${severityLabel[block.severity]}${on}`}</span>
  );
}

/** Delivery in a few words: failing, working, or nothing sent yet. */
function DeliveryState({ instance }: { instance: InstanceSummary }) {
  const gone = instance.goneInboxes > 0 ? <span class="muted" safe>{` · ${instance.goneInboxes} gone`}</span> : "";
  if (instance.failingInboxes > 0)
    return (
      <>
        <span class="danger">Failing</span>
        {instance.lastFailureAt ? (
          <span class="muted">
            {" "}
            <Time date={instance.lastFailureAt} />
          </span>
        ) : (
          ""
        )}
        {gone}
      </>
    );
  if (instance.lastSuccessAt)
    return (
      <>
        OK{" "}
        <span class="muted">
          <Time date={instance.lastSuccessAt} />
        </span>
        {gone}
      </>
    );
  if (instance.inboxes > 0) return <span class="muted" safe>{`${instance.goneInboxes} gone`}</span>;
  return <span class="muted">—</span>;
}

/** Delivery on the instance page: how many inboxes fail, without the age the list shows. */
function DeliveryFact({ instance }: { instance: InstanceSummary }) {
  const live = instance.inboxes - instance.goneInboxes;
  const gone = instance.goneInboxes > 0 ? ` · ${instance.goneInboxes} gone (no longer sent to)` : "";
  if (instance.inboxes === 0) return <span>nothing sent yet</span>;
  if (instance.failingInboxes > 0)
    return (
      <>
        <span class="danger">Failing</span>
        <span safe>{`: ${instance.failingInboxes} of ${live} ${live === 1 ? "inbox" : "inboxes"}${gone}`}</span>
      </>
    );
  return <span safe>{`${live > 0 ? "Working" : "No inbox left"}${gone}`}</span>;
}

export function InstancesPage(props: {
  ctx: PageContext;
  rows: InstanceSummary[];
  q: string;
  filter: InstanceFilter;
  next: string | null;
  queue: { pending: number; retrying: number; fanout: number };
  failingHosts: number;
}) {
  const { ctx, q, filter } = props;
  const link = (params: Record<string, string>) => {
    const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== "all"));
    return `/admin/instances${search.size > 0 ? `?${search}` : ""}`;
  };
  const labels = { all: "All", failing: "Failing", blocked: "Blocked" } as const;
  return (
    <Layout title="Instances" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <dl class="stats admin-stats">
        <div>
          <dt>Deliveries waiting</dt>
          <dd safe>{String(props.queue.pending)}</dd>
        </div>
        <div>
          <dt>Retrying</dt>
          <dd safe>{String(props.queue.retrying)}</dd>
        </div>
        <div>
          <dt>Servers failing</dt>
          <dd class={props.failingHosts > 0 ? "danger" : undefined} safe>
            {String(props.failingHosts)}
          </dd>
        </div>
      </dl>
      <form method="get" action="/admin/instances" role="search" class="search-form">
        <label for="q" class="visually-hidden">
          Find a server
        </label>
        <input id="q" name="q" type="search" value={q} placeholder="Part of a domain" maxlength="200" />
        {filter !== "all" ? <input type="hidden" name="filter" value={filter} /> : ""}
        <button type="submit">Find</button>
      </form>
      <nav class="filters" aria-label="Show">
        {(["all", "failing", "blocked"] as const).map((f) => (
          <a href={link({ q, filter: f })} aria-current={f === filter ? "page" : undefined}>
            {labels[f]}
          </a>
        ))}
      </nav>
      {props.rows.length === 0 ? <p class="empty">No servers here.</p> : ""}
      {props.rows.length > 0 ? (
        <div class="table-scroll">
          <table class="admin-table">
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col" class="num" title="Its accounts known here">
                  Accounts
                </th>
                <th scope="col" class="num" title="Local accounts following its accounts">
                  Followed by
                </th>
                <th scope="col" class="num" title="Local accounts its accounts follow">
                  Following
                </th>
                <th scope="col" class="num" title="Open reports about its accounts">
                  Reports
                </th>
                <th scope="col">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <th scope="row">
                    <a href={instancePath(row.domain)} safe>
                      {row.domain}
                    </a>{" "}
                    <BlockLabel instance={row} />
                  </th>
                  <td class="num" safe>
                    {String(row.accounts)}
                  </td>
                  <td class="num" safe>
                    {String(row.followedBy)}
                  </td>
                  <td class="num" safe>
                    {String(row.following)}
                  </td>
                  <td class={row.openReports > 0 ? "num danger" : "num"} safe>
                    {String(row.openReports)}
                  </td>
                  <td>
                    <DeliveryState instance={row} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        ""
      )}
      {props.next ? (
        <p class="load-more">
          <a href={link({ q, filter, after: props.next })} rel="next">
            Next page
          </a>
        </p>
      ) : (
        ""
      )}
    </Layout>
  );
}

export interface InstanceDetail {
  instance: InstanceSummary;
  accounts: { id: string; acct: string; flags: string }[];
  reports: { report: Report; acct: string }[];
  inboxes: (typeof inboxStatus.$inferSelect)[];
  queue: { pending: number; retrying: number };
  /** Only admins manage domain blocks. */
  canBlock: boolean;
}

export function InstancePage({ ctx, detail }: { ctx: PageContext; detail: InstanceDetail }) {
  const { instance } = detail;
  const fact = (label: string, value: string | Date) => (
    <>
      <dt safe>{label}</dt>
      <dd>
        <WithTimes parts={[value]} />
      </dd>
    </>
  );
  return (
    <Layout title={instance.domain} ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p class="breadcrumb">
        <a href="/admin/instances">All instances</a>
      </p>
      <section class="card" aria-labelledby="instance-title">
        <h2 id="instance-title" safe>
          {instance.domain}
        </h2>
        <dl class="facts">
          {fact("Known accounts", String(instance.accounts))}
          {fact("Local accounts following them", String(instance.followedBy))}
          {fact("Local accounts they follow", String(instance.following))}
          {fact("Open reports", String(instance.openReports))}
          <dt>Delivery</dt>
          <dd>
            <DeliveryFact instance={instance} />
          </dd>
          <dt>Domain block</dt>
          <dd>{instance.block ? <BlockLabel instance={instance} /> : <span class="muted">none</span>}</dd>
          {fact("Last success", instance.lastSuccessAt ?? "none recorded")}
          {fact("Last failure", instance.lastFailureAt ?? "none")}
          {fact(
            "In the queue",
            `${plural(detail.queue.pending, "delivery", "deliveries")}${detail.queue.retrying > 0 ? `, ${detail.queue.retrying} retrying` : ""}`,
          )}
        </dl>
      </section>
      <section class="card" aria-labelledby="inboxes-title">
        <h2 id="inboxes-title">Delivery per inbox</h2>
        {detail.inboxes.length === 0 ? <p class="muted">Nothing delivered there yet.</p> : ""}
        <ul class="inbox-list">
          {detail.inboxes.map((inbox) => (
            <li>
              <code safe>{inbox.inboxUrl}</code>
              <p class="muted">
                {inbox.goneAt ? (
                  <>
                    <span class="danger">Gone</span>
                    <WithTimes parts={[" (nothing more is sent) since ", inbox.goneAt, " · "]} />
                  </>
                ) : (
                  ""
                )}
                <span class={inbox.failures > 0 ? "danger" : undefined} safe>
                  {plural(inbox.failures, "failure")}
                </span>
                {inbox.lastFailureAt ? <WithTimes parts={[" · last failure ", inbox.lastFailureAt]} /> : ""}
                {inbox.lastSuccessAt ? <WithTimes parts={[" · last success ", inbox.lastSuccessAt]} /> : ""}
              </p>
              {inbox.lastError ? (
                <p class="muted error-text" safe>
                  {inbox.lastError}
                </p>
              ) : (
                ""
              )}
            </li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="accounts-title">
        <h2 id="accounts-title" safe>
          {`Accounts (${instance.accounts})`}
        </h2>
        {detail.accounts.length === 0 ? <p class="muted">None known.</p> : ""}
        <ul class="compact-list">
          {detail.accounts.map((a) => (
            <li>
              <a href={`/admin/accounts/${a.id}`} safe>{`@${a.acct}`}</a>{" "}
              {a.flags ? (
                <span class="muted" safe>
                  {a.flags}
                </span>
              ) : (
                ""
              )}
            </li>
          ))}
        </ul>
        {instance.accounts > detail.accounts.length ? (
          <p class="muted" safe>{`The first ${detail.accounts.length}, by name.`}</p>
        ) : (
          ""
        )}
      </section>
      <section class="card" aria-labelledby="reports-title">
        <h2 id="reports-title">Reports about its accounts</h2>
        {detail.reports.length === 0 ? <p class="muted">None.</p> : ""}
        <ul class="compact-list">
          {detail.reports.map(({ report, acct }) => (
            <li>
              <a href={`/admin/reports/${report.id}`} safe>{`@${acct} · ${report.category}`}</a>{" "}
              <span class="muted">
                <WithTimes parts={[`${report.resolvedAt ? "resolved" : "open"} · `, report.createdAt]} />
              </span>
            </li>
          ))}
        </ul>
      </section>
      <BlockSection ctx={ctx} detail={detail} />
    </Layout>
  );
}

/** The block on the server, with where to change it; or the form to block it (admins only). */
function BlockSection({ ctx, detail }: { ctx: PageContext; detail: InstanceDetail }) {
  const { instance } = detail;
  const { block } = instance;
  if (block)
    return (
      <section class="card" aria-labelledby="block-title">
        <h2 id="block-title">Domain block</h2>
        <p>
          <WithTimes
            parts={[
              `${severityLabel[block.severity]}${block.domain === instance.domain ? "" : `, through the block on ${block.domain}`}` +
                (block.rejectMedia ? " · media rejected" : "") +
                (block.rejectReports ? " · reports rejected" : "") +
                " · since ",
              block.createdAt,
            ]}
          />
        </p>
        {block.publicComment ? <p class="muted" safe>{`Public comment: ${block.publicComment}`}</p> : ""}
        {block.privateComment ? <p class="muted" safe>{`Private note: ${block.privateComment}`}</p> : ""}
        {detail.canBlock ? (
          <p>
            <a href={`/admin/domain-blocks?change=${encodeURIComponent(block.domain)}#block-form`}>Change it</a> or{" "}
            <a href="/admin/domain-blocks">lift it on the domain blocks page</a>
          </p>
        ) : (
          <p class="muted">Only admins change domain blocks.</p>
        )}
      </section>
    );
  if (!detail.canBlock) return <p class="muted">Only admins can block a server.</p>;
  return (
    <details class="card block-details">
      <summary>Block this server…</summary>
      <DomainBlockForm ctx={ctx} heading="" bare values={{ domain: instance.domain }} back={instancePath(instance.domain)} />
    </details>
  );
}
