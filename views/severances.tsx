/** @jsxImportSource @kitajs/html */
import type { SeveranceView } from "../src/core/severances.ts";
import type { PageContext } from "./context.ts";
import { severanceText } from "./notifications.tsx";
import { SettingsFrame } from "./settings.tsx";
import { LongTime } from "./time.tsx";

/** The follows moderators' actions ended for the member (Mastodon's severed relationships), with whom, as CSV. */
export function SeverancesPage({ ctx, events }: { ctx: PageContext; events: SeveranceView[] }) {
  return (
    <SettingsFrame ctx={ctx} title="Lost connections">
      <section class="card">
        <h2>Lost connections</h2>
        <p>
          When the moderators suspend a server or an account, or you block a server, the follows between you and it end. Here is
          whom each time took; the accounts you followed come in the format Import and export takes back, should the server
          return.
        </p>
        {events.length === 0 ? <p class="empty">No follow of yours was ever ended this way.</p> : ""}
        <ul class="severances">
          {events.map((e) => (
            <li>
              <p safe>{severanceText(e)}</p>
              <p class="muted">
                <LongTime date={e.createdAt} />
                {e.following ? (
                  <>
                    {" · "}
                    <a href={`/severed_relationships/${e.id}/following.csv`}>Accounts you followed (CSV)</a>
                  </>
                ) : (
                  ""
                )}
                {e.followers ? (
                  <>
                    {" · "}
                    <a href={`/severed_relationships/${e.id}/followers.csv`}>Your followers (CSV)</a>
                  </>
                ) : (
                  ""
                )}
              </p>
            </li>
          ))}
        </ul>
      </section>
    </SettingsFrame>
  );
}
