import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
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

/** Logs a page in through the login form, as a person does, and waits for the page it leads to. */
export async function logInPage(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForLoadState();
}
