/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { PostButton } from "./form.tsx";
import { SettingsFrame } from "./settings.tsx";
import { WithTimes } from "./time.tsx";

export interface AuthorizedApp {
  id: string;
  name: string;
  website: string | null;
  scopes: string;
  authorizedAt: Date;
  lastUsedAt: Date | null;
  /** Sends the member's notifications to their device (Web Push). */
  pushes: boolean;
}

/** The apps a member has let into their account, each with what it may do and a way to take it back. */
export function AppsPage({ ctx, apps, message }: { ctx: PageContext; apps: AuthorizedApp[]; message?: string }) {
  return (
    <SettingsFrame ctx={ctx} title="Apps">
      {message ? (
        <p class="notice" role="status" safe>
          {message}
        </p>
      ) : (
        ""
      )}
      <p>Apps you have authorized to use your account (phone and desktop apps, bots and tools).</p>
      {apps.length === 0 ? <p class="empty">No app can use your account.</p> : ""}
      <ul class="sessions">
        {apps.map((app) => (
          <li>
            <div>
              <strong safe>{app.name}</strong>
              {app.website ? (
                <>
                  {" "}
                  <a href={app.website} rel="nofollow noopener noreferrer" safe>
                    {app.website}
                  </a>
                </>
              ) : (
                ""
              )}
              <p class="muted">
                <WithTimes
                  parts={[
                    `May: ${app.scopes} · authorized `,
                    app.authorizedAt,
                    ...(app.lastUsedAt ? [" · last used ", app.lastUsedAt] : []),
                    app.pushes ? " · sends your notifications to your device" : "",
                  ]}
                />
              </p>
            </div>
            <PostButton
              ctx={ctx}
              action={`/settings/apps/${app.id}/revoke`}
              label="Revoke"
              kind="secondary danger"
              fullLabel={`Revoke ${app.name}`}
            />
          </li>
        ))}
      </ul>
    </SettingsFrame>
  );
}
