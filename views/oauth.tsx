/** @jsxImportSource @kitajs/html */
import type { PageContext } from "./context.ts";
import { CsrfField } from "./form.tsx";
import { Layout } from "./layout.tsx";

const scopeText: Record<string, string> = {
  read: "Read everything in your account: posts, timelines, notifications, follows, lists",
  write: "Post, edit and delete posts, like, boost, follow and change your profile",
  follow: "Follow, block and mute accounts, and see whom you follow, block and mute",
  push: "Receive push notifications",
  profile: "See your profile (name, picture, handle) only",
  "admin:read": "Read the moderators' records: accounts, reports and blocked servers (staff only)",
  "admin:write": "Act as a moderator: on accounts, reports and blocked servers (staff only)",
};

function describe(scope: string): string {
  if (scopeText[scope]) return scopeText[scope];
  const [family, what, adminWhat] = scope.split(":");
  if (family === "admin")
    return `${what === "read" ? "Read" : "Act on"} the instance's ${adminWhat?.replace(/_/g, " ")} as a moderator (staff only)`;
  return `${family === "read" ? "Read" : "Change"} your ${what?.replace(/_/g, " ")}`;
}

export interface ConsentProps {
  ctx: PageContext;
  appName: string;
  website: string | null;
  scopes: string[];
  /** The authorization request, carried through the form unchanged. */
  hidden: Record<string, string>;
}

/** "Authorize this app?": the member sees what the app asks for before it gets a token. */
export function ConsentPage({ ctx, appName, website, scopes, hidden }: ConsentProps) {
  return (
    <Layout title={`Authorize ${appName}`} ctx={ctx}>
      <section class="card narrow" aria-labelledby="consent-title">
        <h1 id="consent-title" safe>{`Authorize ${appName}?`}</h1>
        <p>
          <strong safe>{appName}</strong>
          {website ? (
            <>
              {" ("}
              <a href={website} rel="nofollow noopener noreferrer" safe>
                {website}
              </a>
              {")"}
            </>
          ) : (
            ""
          )}{" "}
          asks to use your account <strong safe>{`@${ctx.viewer?.username ?? ""}`}</strong>. It will be able to:
        </p>
        <ul class="scopes">
          {scopes.map((s) => (
            <li>
              <span safe>{describe(s)}</span> <code safe>{s}</code>
            </li>
          ))}
        </ul>
        <p class="muted">You can take this back at any time in Settings → Apps.</p>
        <form method="post" action="/oauth/authorize" class="actions">
          <CsrfField ctx={ctx} />
          {Object.entries(hidden).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <button type="submit" name="decision" value="approve">
            Authorize
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            Deny
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** For apps without a redirect (urn:ietf:wg:oauth:2.0:oob): the code to paste into the app. */
export function OobCodePage({ ctx, appName, code }: { ctx: PageContext; appName: string; code: string }) {
  return (
    <Layout title="Authorization code" ctx={ctx}>
      <section class="card narrow" aria-labelledby="code-title">
        <h1 id="code-title">Authorization code</h1>
        <p>
          Copy this code and paste it into <strong safe>{appName}</strong>:
        </p>
        <p>
          <input type="text" readonly value={code} aria-label="Authorization code" class="invite-url" />
        </p>
      </section>
    </Layout>
  );
}

/** An authorization request that cannot go on (unknown app, unregistered redirect, bad scope). */
export function OAuthErrorPage({ ctx, message }: { ctx: PageContext; message: string }) {
  return (
    <Layout title="Authorization failed" ctx={ctx}>
      <section class="card narrow" aria-labelledby="oauth-error-title">
        <h1 id="oauth-error-title">This app cannot be authorized</h1>
        <p safe>{message}</p>
      </section>
    </Layout>
  );
}
