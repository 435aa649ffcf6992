// A sign-up that needs approval, in a real browser: the visitor asks to join, a moderator lets them
// in from /admin/registrations, and the new member logs in to their home.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, logInPage, screenshotPath } from "./helpers/browser.ts";
import { createUserWithCli, type Instance, startInstance } from "./helpers/instance.ts";

setDefaultTimeout(90_000);

const PASSWORD = "a long enough passphrase";
let browser: Browser;
let instance: Instance;

/** `skein user create` against the running instance's data folder, as its operator would. */
const createUser = (name: string, role: string) => createUserWithCli(instance, name, role, PASSWORD);
const logIn = (page: Page, username: string) => logInPage(page, instance.url, username, PASSWORD);

beforeAll(async () => {
  instance = await startInstance();
  browser = await launchBrowser();
  await createUser("ada", "owner");
  await createUser("mia", "moderator");
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

test("a visitor signs up while sign-ups need approval; a moderator approves; the new member logs in to their home", async () => {
  // The owner asks for approval of each sign-up.
  const owner = await browser.newPage();
  await logIn(owner, "ada");
  await owner.goto(`${instance.url}/admin/settings`);
  await owner.getByLabel("Who can join").selectOption("approval");
  await owner.getByRole("button", { name: "Save settings" }).click();
  await owner.waitForLoadState();
  await expect(owner.getByLabel("Who can join").inputValue()).resolves.toBe("approval");
  await owner.close();

  const visitor = await browser.newPage();
  await visitor.goto(instance.url);
  await visitor
    .getByRole("link", { name: /sign up/i })
    .first()
    .click();
  await visitor.waitForLoadState();
  await expect(visitor.getByText("A moderator reviews each sign-up.").isVisible()).resolves.toBe(true);
  await visitor.getByLabel("Username").fill("newbie");
  await visitor.getByLabel("Email").fill("newbie@example.com");
  await visitor.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await visitor.getByLabel("Confirm password").fill(PASSWORD);
  await visitor.getByLabel("Why do you want to join?").fill("I knit and I want to talk about it.");
  await visitor.getByLabel(/I agree to/).check();
  await visitor.screenshot({ path: screenshotPath("signup-approval-form"), fullPage: true });
  await visitor.getByRole("button", { name: "Sign up" }).click();
  await visitor.waitForLoadState();
  await expect(visitor.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Thanks for signing up");
  await visitor.screenshot({ path: screenshotPath("signup-pending"), fullPage: true });

  // Before approval, the login page says why it does not let them in.
  await logIn(visitor, "newbie");
  await expect(visitor.getByText("This account is waiting for a moderator's approval.").isVisible()).resolves.toBe(true);

  const moderator = await browser.newPage();
  await logIn(moderator, "mia");
  await moderator.getByRole("navigation", { name: "Main" }).getByText("More", { exact: true }).click();
  await moderator.getByRole("link", { name: "Admin" }).click();
  await moderator.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Registrations" }).click();
  await moderator.waitForLoadState();
  const request = moderator.getByRole("listitem").filter({ hasText: "@newbie" });
  await expect(request.getByText("I knit and I want to talk about it.").isVisible()).resolves.toBe(true);
  await moderator.screenshot({ path: screenshotPath("registrations-waiting"), fullPage: true });
  await request.getByRole("button", { name: "Approve" }).click();
  await moderator.waitForLoadState();
  await expect(moderator.getByText("No one is waiting.").isVisible()).resolves.toBe(true);
  await moderator.close();

  await logIn(visitor, "newbie");
  expect(new URL(visitor.url()).pathname).toBe("/");
  await expect(visitor.getByRole("heading", { name: "Home" }).count()).resolves.toBe(1);
  await expect(visitor.locator('form[action="/logout"]').count()).resolves.toBe(1);
  await visitor.screenshot({ path: screenshotPath("new-member-home"), fullPage: true });
  await visitor.close();
});
