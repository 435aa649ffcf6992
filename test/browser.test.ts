import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, ConsoleMessage } from "playwright-core";
import { launchBrowser, screenshotPath } from "./helpers/browser.ts";
import { type Instance, runCli, setupLink, startInstance } from "./helpers/instance.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

let browser: Browser;
let instance: Instance;

beforeAll(async () => {
  instance = await startInstance();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

test("a person opens the setup link, makes a mistake, fixes it and becomes the owner", async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  // The form answered 422 on purpose; any other console error is a problem (CSP, scripts, 404s).
  page.on("console", (m: ConsoleMessage) => m.type() === "error" && !m.text().includes("422") && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));

  await page.goto(instance.url);
  await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Skein");
  await expect(page.getByText("This instance is not set up yet").isVisible()).resolves.toBe(true);
  await page.screenshot({ path: screenshotPath("home-before-setup"), fullPage: true });

  await page.goto(setupLink(instance.output()));
  await page.getByLabel("Username").fill("Ada Lovelace");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password", { exact: true }).fill("analytical engine");
  await page.getByLabel("Confirm password").fill("analytical engine");
  await page.getByRole("button", { name: "Create the owner account" }).click();
  await page.waitForLoadState();
  // The message sits next to the field, which keeps what was typed.
  const username = page.getByLabel("Username");
  await expect(username.getAttribute("aria-invalid")).resolves.toBe("true");
  await expect(page.locator("#username-error").textContent()).resolves.toContain("lowercase letters");
  await expect(page.getByLabel("Email").inputValue()).resolves.toBe("ada@example.com");
  await page.screenshot({ path: screenshotPath("setup-with-error"), fullPage: true });

  await username.fill("ada");
  await page.getByLabel("Password", { exact: true }).fill("analytical engine");
  await page.getByLabel("Confirm password").fill("analytical engine");
  await page.getByRole("button", { name: "Create the owner account" }).click();
  await page.waitForLoadState();
  await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Your instance is ready");
  await expect(page.getByText(/@ada@127\.0\.0\.1:\d+/).isVisible()).resolves.toBe(true);
  await page.screenshot({ path: screenshotPath("setup-done"), fullPage: true });

  await page.goto(instance.url);
  await expect(page.getByText("This instance is not set up yet").count()).resolves.toBe(0);
  expect(problems).toEqual([]); // no CSP violations, no script errors
  await page.close();
});

test("the pages read well on a phone-sized screen too", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${instance.url}/no-such-page`);
  await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Page not found");
  await page.screenshot({ path: screenshotPath("not-found-phone"), fullPage: true });
  await page.close();
});

test("the home page shows new posts as they come, over Server-Sent Events, without reloading", async () => {
  for (const name of ["reader", "writer"]) {
    const made = await runCli(
      ["user", "create", name, "--email", `${name}@example.com`, "--role", "user", "--data", instance.dataDir],
      {
        stdin: "correct horse battery\n",
      },
    );
    expect(made.code).toBe(0);
  }
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m: ConsoleMessage) => m.type() === "error" && problems.push(m.text()));
  const login = async (name: string) => {
    await page.goto(`${instance.url}/login`);
    await page.getByLabel("Username or email").fill(name);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForLoadState();
  };
  // The reader follows the writer, who has posted once (so the home page has a newest post).
  await login("writer");
  await page.getByLabel("What's on your mind?").fill("first words");
  await page.getByRole("button", { name: "Post" }).click();
  await page.context().clearCookies();
  await login("reader");
  await page.goto(`${instance.url}/@writer`);
  await page.getByRole("button", { name: "Follow" }).click();
  await page.goto(instance.url);
  await expect(page.getByText("first words").isVisible()).resolves.toBe(true);

  // The writer posts from another browser; the reader's open page learns of it.
  const writer = await browser.newContext();
  const other = await writer.newPage();
  await other.goto(`${instance.url}/login`);
  await other.getByLabel("Username or email").fill("writer");
  await other.getByLabel("Password").fill("correct horse battery");
  await other.getByRole("button", { name: "Log in" }).click();
  await other.waitForLoadState();
  await other.getByLabel("What's on your mind?").fill("second words");
  await other.getByRole("button", { name: "Post" }).click();
  await page.getByRole("link", { name: "1 new post" }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: screenshotPath("home-new-posts-live") });
  await page.getByRole("link", { name: "1 new post" }).click();
  await page.waitForLoadState();
  await expect(page.getByText("second words").isVisible()).resolves.toBe(true);

  // The writer likes the reader's post: the open page's Notifications badge learns of it (asked
  // every 30 s in view, and when the page comes back into view, as here).
  await page.getByLabel("What's on your mind?").fill("a post to like");
  await page.getByRole("button", { name: "Post" }).click();
  await page.getByText("a post to like").waitFor();
  const badge = page.locator('nav a[href="/notifications"] .badge');
  await expect(badge.count()).resolves.toBe(0);
  await other.goto(`${instance.url}/@reader`);
  await other.locator("article.post", { hasText: "a post to like" }).getByRole("button", { name: "Like" }).click();
  await other.locator("article.post", { hasText: "a post to like" }).locator('button[aria-pressed="true"]').waitFor();
  await page.evaluate(() =>
    (globalThis as unknown as { document: { dispatchEvent(e: Event): void } }).document.dispatchEvent(
      new Event("visibilitychange"),
    ),
  );
  await badge.waitFor({ timeout: 10_000 });
  await expect(badge.textContent()).resolves.toBe("1");
  expect(problems).toEqual([]);
  await writer.close();
  await page.close();
});
