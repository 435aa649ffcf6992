// Times are written in the reader's own time zone by the page's script (the server writes UTC):
// a post's full date on its page, a "5m"'s tooltip, the sessions list, a date inside a choice list.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser } from "playwright-core";
import { launchBrowser, logInPage } from "./helpers/browser.ts";
import { createUserWithCli, type Instance, startInstance } from "./helpers/instance.ts";

setDefaultTimeout(90_000);

const PASSWORD = "a long enough passphrase";
let browser: Browser;
let instance: Instance;

beforeAll(async () => {
  instance = await startInstance();
  browser = await launchBrowser();
  await createUserWithCli(instance, "ada", "owner", PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

test("a reader in Kolkata (UTC+05:30) reads the times in their zone", async () => {
  const page = await (await browser.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" })).newPage();
  await logInPage(page, instance.url, "ada", PASSWORD);
  await page.getByLabel("What's on your mind?").fill("what time is it");
  await page.getByRole("button", { name: "Post", exact: true }).click();
  const card = page.locator("#feed article.post").first();
  await card.waitFor();
  const iso = (await card.locator("time").getAttribute("datetime")) ?? "";
  const local = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" }).format(
    new Date(iso),
  );
  await expect(card.locator("time").getAttribute("title")).resolves.toBe(local);
  await page.goto(await card.locator("a.permalink").evaluate((a) => (a as unknown as { href: string }).href));
  await expect(page.locator("main time[data-local]").first().textContent()).resolves.toBe(local);
  await page.goto(`${instance.url}/settings/account`);
  const sessions = (await page.locator(".sessions").textContent()) ?? "";
  expect(sessions).not.toContain("UTC");
});

test("a date inside a choice list is rewritten too: a filter's end, kept as it is", async () => {
  const page = await (await browser.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" })).newPage();
  await logInPage(page, instance.url, "ada", PASSWORD);
  await page.goto(`${instance.url}/settings/filters`);
  await page.getByLabel("Title").fill("spoilers");
  await page.getByLabel("Keywords").fill("finale");
  await page.getByLabel("Expires after").selectOption("1 day");
  await page.getByRole("button", { name: "Add filter" }).click();
  await page.getByRole("link", { name: "Edit spoilers" }).click();
  const kept = page.locator("#expires_in option[value=keep]");
  const at = new Date((await kept.getAttribute("data-local-at")) ?? "");
  const local = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" }).format(
    at,
  );
  await expect(kept.textContent()).resolves.toBe(`As it is (${local})`);
});

test("an announcement's times are typed in the admin's zone, and shown so when edited; an all-day one's days stay", async () => {
  const page = await (await browser.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" })).newPage();
  await logInPage(page, instance.url, "ada", PASSWORD);
  await page.goto(`${instance.url}/admin/announcements`);
  await expect(page.locator("#starts_at-hint").textContent()).resolves.toContain("In your time zone (UTC+05:30)");
  await page.getByLabel("What to tell the members").fill("Maintenance tonight");
  await page.getByLabel("Starts (optional)").fill("2030-01-10T20:00");
  await page.getByLabel("Ends (optional)").fill("2030-01-10T22:30");
  await page.getByRole("button", { name: "Save" }).click();
  // 20:00 in Kolkata is 14:30 UTC, as the server writes it before the script rewrites it.
  const edit = page.getByRole("link", { name: /^Edit/ }).first();
  await edit.click();
  await expect(page.getByLabel("Starts (optional)").inputValue()).resolves.toBe("2030-01-10T20:00");
  await expect(page.getByLabel("Ends (optional)").inputValue()).resolves.toBe("2030-01-10T22:30");
  const stored = await page.evaluate(async (url) => {
    const html = await (await fetch(url)).text();
    return /name="starts_at"[^>]*value="([^"]+)"/.exec(html)?.[1];
  }, page.url());
  expect(stored).toBe("2030-01-10T14:30");
  // All day: the days as typed, whatever the zone.
  await page.getByLabel("Starts (optional)").fill("2030-02-01T00:00");
  await page.getByLabel("Ends (optional)").fill("2030-02-02T00:00");
  await page.getByLabel("All day").check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("link", { name: /^Edit/ }).first().click();
  await expect(page.getByLabel("Starts (optional)").inputValue()).resolves.toBe("2030-02-01T00:00");
  await expect(page.getByLabel("Ends (optional)").inputValue()).resolves.toBe("2030-02-02T00:00");
});
