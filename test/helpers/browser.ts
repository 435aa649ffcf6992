import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { repoRoot } from "./instance.ts";

/** Debian's Chromium, headless, kept off the network it must not reach. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Where screenshots go, to be looked at by a person (ignored by git). */
export function screenshotPath(name: string): string {
  const dir = join(repoRoot, "test-results");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
