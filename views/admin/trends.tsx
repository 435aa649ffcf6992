/** @jsxImportSource @kitajs/html */
import type { TrendKind } from "../../src/db/schema.ts";
import type { PageContext } from "../context.ts";
import { Check, CsrfField } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { LongTime, WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

export interface HiddenTrend {
  kind: TrendKind;
  targetId: string;
  label: string;
  hiddenAt: Date;
}

const kindLabels = { tag: "Hashtag", post: "Post", link: "Link" } as const;

/** Trends: whether Explore shows them (admins), and what the moderators hid from them. */
export function AdminTrendsPage({
  ctx,
  enabled,
  hidden,
  mayChange,
  saved,
  lastRanked,
}: {
  ctx: PageContext;
  enabled: boolean;
  hidden: HiddenTrend[];
  /** Admins switch trends on and off; moderators see the setting. */
  mayChange: boolean;
  saved: boolean;
  lastRanked: Date | null;
}) {
  return (
    <Layout title="Trends" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      {saved ? (
        <p class="success form-message" role="status">
          Saved.
        </p>
      ) : (
        ""
      )}
      <p>
        Every 15 minutes, the hashtags, posts and links that the most people used, boosted and liked, or shared in the last two
        days are ranked for <a href="/trending">Explore → Trending</a> and for apps: public posts only, by accounts that chose to
        be discoverable, none limited or suspended. Moderators hide what should not trend from that page.
      </p>
      <form method="post" action="/admin/trends/rank" class="inline-actions">
        <CsrfField ctx={ctx} />
        <span class="muted">{lastRanked ? <WithTimes parts={["Last ranked ", lastRanked, "."]} /> : "Not ranked yet."}</span>
        <button type="submit" class="secondary">
          Rank now
        </button>
      </form>
      {mayChange ? (
        <form method="post" action="/admin/trends" class="card">
          <CsrfField ctx={ctx} />
          <Check name="enabled" label="Show trends" checked={enabled} hint="Off: Explore and apps show no trends at all." />
          <button type="submit">Save</button>
        </form>
      ) : (
        <p>{enabled ? "Trends are on." : "Trends are off."}</p>
      )}
      <section aria-labelledby="hidden-title">
        <h2 id="hidden-title">Hidden from trends</h2>
        {hidden.length === 0 ? <p class="muted">Nothing hidden.</p> : ""}
        <ul class="sessions">
          {hidden.map((h) => (
            <li>
              <span class="tag-label">{kindLabels[h.kind]}</span>
              <span safe>{h.label}</span>
              <span class="muted">
                <LongTime date={h.hiddenAt} />
              </span>
              <form method="post" action="/admin/trends/unhide">
                <CsrfField ctx={ctx} />
                <input type="hidden" name="kind" value={h.kind} />
                <input type="hidden" name="id" value={h.targetId} />
                <button type="submit" class="secondary">
                  Let it trend again
                </button>
              </form>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
