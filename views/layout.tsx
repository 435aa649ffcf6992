/** @jsxImportSource @kitajs/html */
import type { PropsWithChildren } from "@kitajs/html";
import { assetPaths } from "../src/web/assets.ts";

export interface LayoutProps {
  title: string;
  instanceName: string;
}

/** The frame of every page: one stylesheet, htmx from the binary, landmarks for screen readers. */
export function Layout({ title, instanceName, children }: PropsWithChildren<LayoutProps>) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{title === instanceName ? title : `${title} · ${instanceName}`}</title>
          <link rel="icon" href={assetPaths.icon} type="image/svg+xml" />
          <link rel="stylesheet" href={assetPaths.style} />
          <script src={assetPaths.htmx} defer></script>
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <a class="site-name" href="/" safe>
              {instanceName}
            </a>
          </header>
          <main id="main">{children}</main>
          <footer class="site-footer">
            <p>Powered by Skein, a small federated microblogging server.</p>
          </footer>
        </body>
      </html>
    </>
  );
}
