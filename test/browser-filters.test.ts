// Keyword filters in a real browser: a member adds a filter in Settings → Filters, and a post of
// someone they follow shows folded behind "Filtered: <title>" on home until they open it.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, logInPage, screenshotPath } from "./helpers/browser.ts";
import { createUserWithCli, type Instance, startInstance } from "./helpers/instance.ts";

setDefaultTimeout(90_000);

const PASSWORD = "a long enough passphrase";
let browser: Browser;
let instance: Instance;

const createUser = (name: string, role: string) => createUserWithCli(instance, name, role, PASSWORD);

async function logIn(username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await logInPage(page, instance.url, username, PASSWORD);
  return page;
}

async function write(page: Page, text: string) {
  await page.goto(instance.url);
  await page.getByLabel("What's on your mind?").fill(text);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  await page.waitForLoadState();
}

beforeAll(async () => {
  instance = await startInstance();
  browser = await launchBrowser();
  await createUser("ada", "owner");
  await createUser("bob", "user");
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

test("a member adds a filter; a matching post on home is folded behind its title and opens on demand", async () => {
  const bob = await logIn("bob");
  await write(bob, "Lunch was good today.");
  await write(bob, "Finished the novel: the butler did it!");
  const ada = await logIn("ada");
  await ada.goto(`${instance.url}/@bob`);
  await ada.getByRole("button", { name: "Follow", exact: true }).click();
  await ada.waitForLoadState();

  await ada.goto(`${instance.url}/settings/filters`);
  await ada.getByLabel("Title").fill("Mystery spoilers");
  await ada.getByLabel("Keywords").fill("butler\nmurderer");
  await ada.getByLabel("Profiles").uncheck();
  await ada.getByRole("button", { name: "Add filter" }).click();
  await ada.waitForLoadState();
  await expect(ada.getByText("Filter added.").isVisible()).resolves.toBe(true);
  await expect(ada.getByRole("heading", { name: "Mystery spoilers" }).isVisible()).resolves.toBe(true);
  await ada.screenshot({ path: screenshotPath("settings-filters"), fullPage: true });

  await ada.goto(instance.url);
  const folded = ada.locator("details.filtered-post");
  await expect(folded.locator(":scope > summary").textContent()).resolves.toContain("Filtered: Mystery spoilers");
  await expect(ada.getByText("the butler did it").isVisible()).resolves.toBe(false);
  await expect(ada.getByText("Lunch was good today.").isVisible()).resolves.toBe(true);
  await ada.screenshot({ path: screenshotPath("home-with-filtered-post"), fullPage: true });
  await folded.locator(":scope > summary").click();
  await expect(ada.getByText("the butler did it").isVisible()).resolves.toBe(true);
  await ada.screenshot({ path: screenshotPath("home-filtered-post-opened"), fullPage: true });
});

test("a member follows a hashtag from its page; public posts with it reach their home", async () => {
  const cy = await logIn("bob");
  await write(cy, "Casting on a new scarf #Knitting");
  await cy.close();
  await createUser("dee", "user");
  const dee = await logIn("dee");
  await dee.goto(`${instance.url}/tags/knitting`);
  await dee.getByRole("button", { name: "Follow #knitting" }).click();
  await dee.waitForLoadState();
  await expect(dee.getByRole("button", { name: "Unfollow #knitting" }).isVisible()).resolves.toBe(true);
  await dee.screenshot({ path: screenshotPath("tag-followed"), fullPage: true });
  await dee.goto(instance.url);
  await expect(dee.getByText("Casting on a new scarf").isVisible()).resolves.toBe(true);
  await dee.goto(`${instance.url}/settings/tags`);
  await expect(dee.getByRole("link", { name: "#Knitting" }).isVisible()).resolves.toBe(true);
  await dee.screenshot({ path: screenshotPath("settings-followed-tags"), fullPage: true });
});
