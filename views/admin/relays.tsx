/** @jsxImportSource @kitajs/html */
import type { RelayView } from "../../src/core/relays.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { Layout } from "../layout.tsx";
import { WithTimes } from "../time.tsx";
import { AdminTabs } from "./tabs.tsx";

/** Where the instance stands with a relay, in words. */
function stateLine(relay: RelayView): (string | Date)[] {
  const since = relay.stateChangedAt;
  switch (relay.state) {
    case "pending":
      return ["Waiting for the relay to accept · asked ", since];
    case "accepted":
      return ["Joined · since ", since];
    case "rejected":
      return ["The relay refused · ", since];
    case "idle":
      return ["Left · ", since];
  }
}

/** The last delivery to the relay failed (and none went through since): what it answered. */
function failure(relay: RelayView): string {
  if (relay.failures === 0 || relay.state === "idle" || relay.state === "rejected") return "";
  return `Deliveries to it fail (${relay.failures} in a row): ${relay.lastError ?? "no answer"}`;
}

export function RelaysPage({
  ctx,
  relays,
  errors = {},
  values,
}: {
  ctx: PageContext;
  relays: RelayView[];
  errors?: Record<string, string>;
  values?: { inbox_url?: string };
}) {
  return (
    <Layout title="Relays" ctx={ctx}>
      <h1>Administration</h1>
      <AdminTabs ctx={ctx} />
      <p class="notice" role="status">
        A relay passes public posts among the servers that join it. Joining one fills the federated timeline with posts from
        servers nobody here follows yet, and sends your members' public posts to the relay's other servers. What a relay brings
        shows here, so join relays you trust; domain blocks still apply to it.
      </p>
      <form method="post" action="/admin/relays" class="card" novalidate>
        <CsrfField ctx={ctx} />
        <h2>Join a relay</h2>
        <Field
          name="inbox_url"
          label="Relay inbox address"
          value={values?.inbox_url}
          hint="Relays publish it; it usually ends in /inbox, like https://relay.example/inbox."
          error={errors.inbox_url}
        />
        <button type="submit">Join</button>
      </form>
      <section class="card" aria-labelledby="relays-title">
        <h2 id="relays-title">Relays</h2>
        {relays.length === 0 ? <p class="muted">None.</p> : ""}
        <ul class="sessions relays">
          {relays.map((r) => (
            <li>
              <div>
                <strong safe>{r.inboxUrl}</strong>
                <p class="muted">
                  <WithTimes parts={stateLine(r)} />
                </p>
                {failure(r) ? (
                  <p class="error" safe>
                    {failure(r)}
                  </p>
                ) : (
                  ""
                )}
              </div>
              <div class="actions">
                {r.state === "pending" || r.state === "accepted" ? (
                  <PostButton
                    ctx={ctx}
                    action={`/admin/relays/${r.id}/leave`}
                    label="Leave"
                    kind="secondary"
                    fullLabel={`Leave ${r.inboxUrl}`}
                  />
                ) : (
                  <PostButton
                    ctx={ctx}
                    action={`/admin/relays/${r.id}/join`}
                    label="Join again"
                    kind="secondary"
                    fullLabel={`Join ${r.inboxUrl} again`}
                  />
                )}
                <PostButton
                  ctx={ctx}
                  action={`/admin/relays/${r.id}/delete`}
                  label="Remove"
                  kind="secondary"
                  fullLabel={`Remove ${r.inboxUrl}`}
                />
              </div>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
