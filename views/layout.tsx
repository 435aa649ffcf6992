/** @jsxImportSource @kitajs/html */
import type { PropsWithChildren } from "@kitajs/html";
import { assetPaths } from "../src/web/assets.ts";
import type { PageContext } from "./context.ts";
import { MetaTags, type PageMeta } from "./meta.tsx";
import { ShortcutsDialog } from "./shortcuts.tsx";

export interface LayoutProps {
  title: string;
  ctx: PageContext;
  /** What link previews show of a public page. */
  meta?: PageMeta | null;
}

function NavLink({ href, ctx, label, badge }: { href: string; ctx: PageContext; label: string; badge?: number }) {
  const current = ctx.path === href || (href !== "/" && ctx.path.startsWith(`${href}/`));
  return (
    <a href={href} aria-current={current ? "page" : undefined}>
      <span safe>{label}</span>
      {badge ? (
        <span class="badge" aria-label={`${badge > 99 ? "99+" : badge} unread`} safe>
          {badge > 99 ? "99+" : String(badge)}
        </span>
      ) : (
        ""
      )}
    </a>
  );
}

function Navigation({ ctx }: { ctx: PageContext }) {
  const { viewer } = ctx;
  if (!viewer) {
    return (
      <nav aria-label="Main">
        <NavLink href="/public/local" ctx={ctx} label="Explore" />
        <NavLink href="/login" ctx={ctx} label="Log in" />
        {ctx.signUps === false ? "" : <NavLink href="/signup" ctx={ctx} label="Sign up" />}
      </nav>
    );
  }
  // The places used every day stay in view; the rest is under More (a phone has two lines for all).
  const more: [string, string][] = [
    ["/lists", "Lists"],
    ["/bookmarks", "Bookmarks"],
    ["/favourites", "Likes"],
    ["/settings", "Settings"],
    ...(viewer.role === "user" ? [] : ([["/admin", "Admin"]] as [string, string][])),
  ];
  const inMore = more.some(([href]) => ctx.path === href || ctx.path.startsWith(`${href}/`));
  return (
    <nav aria-label="Main">
      <NavLink href="/" ctx={ctx} label="Home" />
      <NavLink href="/public/local" ctx={ctx} label="Explore" />
      <NavLink href="/notifications" ctx={ctx} label="Notifications" badge={ctx.unread} />
      <NavLink href="/messages" ctx={ctx} label="Messages" badge={ctx.unreadMessages} />
      <NavLink href="/search" ctx={ctx} label="Search" />
      <NavLink href={`/@${viewer.username}`} ctx={ctx} label="Profile" />
      <details class="more nav-more">
        <summary class={inMore ? "current" : undefined}>More</summary>
        <div class="menu">
          {more.map(([href, label]) => (
            <NavLink href={href} ctx={ctx} label={label} />
          ))}
          <form method="post" action="/logout" data-confirm={`Log out of ${ctx.instanceName}?`}>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit">Log out</button>
          </form>
        </div>
      </details>
    </nav>
  );
}

/** The frame of every page: one stylesheet, htmx from the binary, landmarks for screen readers. */
export function Layout({ title, ctx, meta, children }: PropsWithChildren<LayoutProps>) {
  const fullTitle = title === ctx.instanceName ? title : `${title} · ${ctx.instanceName}`;
  // Members only, who can turn them off (WCAG 2.1.4): a visitor has no setting to do so.
  const shortcuts = ctx.viewer?.preferences.keyboardShortcuts ?? false;
  return (
    <>
      {"<!doctype html>"}
      <html
        lang="en"
        data-theme={ctx.viewer && ctx.viewer.preferences.theme !== "auto" ? ctx.viewer.preferences.theme : undefined}
      >
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{fullTitle}</title>
          {meta ? <MetaTags meta={meta} siteName={ctx.instanceName} /> : ""}
          <link rel="icon" href={assetPaths.icon} type="image/svg+xml" />
          <link rel="stylesheet" href={assetPaths.style} />
          <script src={assetPaths.htmx} defer></script>
          <script src={assetPaths.htmxSse} defer></script>
          <script src={assetPaths.app} defer></script>
        </head>
        <body hx-headers:inherited={JSON.stringify({ "X-CSRF-Token": ctx.csrf })} data-shortcuts={shortcuts ? "" : undefined}>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <a class="site-name" href="/" safe>
              {ctx.instanceName}
            </a>
            <Navigation ctx={ctx} />
          </header>
          <main id="main">{children}</main>
          <footer class="site-footer">
            <p>
              Powered by Skein, a small federated microblogging server. <a href="/about">About this instance</a> ·{" "}
              <a href="/privacy-policy">Privacy policy</a> · <a href="/terms">Terms of service</a>
              {shortcuts ? (
                <span class="shortcuts-link" hidden>
                  {" · "}
                  <button type="button" class="link-button" data-open-shortcuts>
                    Keyboard shortcuts
                  </button>
                </span>
              ) : (
                ""
              )}
            </p>
          </footer>
          {shortcuts && ctx.viewer ? <ShortcutsDialog username={ctx.viewer.username} /> : ""}
        </body>
      </html>
    </>
  );
}
