// Keyboard shortcuts, as on Mastodon, in a real browser over a real server: j and k move between
// posts, f, b and d act on the one moved to (and keep it), o opens it, r opens its reply box with
// the caret in it, "g n" and "/" go places, n starts a post, Ctrl+Enter sends it, "?" lists them
// all; a member who turns them off gets none of it.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, logInPage, screenshotPath } from "./helpers/browser.ts";
import { createUserWithCli, type Instance, startInstance } from "./helpers/instance.ts";

setDefaultTimeout(90_000);

const PASSWORD = "a long enough passphrase";
let browser: Browser;
let instance: Instance;
let ada: Page;
const problems: string[] = [];

/** The id of the focused post, or the focused element's tag. */
const focused = () => ada.evaluate("document.activeElement.id || document.activeElement.tagName");

beforeAll(async () => {
  instance = await startInstance();
  browser = await launchBrowser();
  await createUserWithCli(instance, "ada", "owner", PASSWORD);
  ada = await (await browser.newContext()).newPage();
  ada.on("console", (m) => m.type() === "error" && !m.text().includes("Content Security Policy") && problems.push(m.text()));
  ada.on("pageerror", (e) => problems.push(e.message));
  await logInPage(ada, instance.url, "ada", PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

test("Ctrl+Enter posts; j and k move between posts; f, b and d act on the post and stay on it", async () => {
  const box = ada.getByLabel("What's on your mind?");
  for (const words of ["first of two", "second of two"]) {
    await box.fill(words);
    await box.press("Control+Enter");
    await ada.locator("#feed").getByText(words).waitFor();
  }
  // Typing a "j" writes it: the keys are off in a text box; Escape leaves it.
  await box.click();
  await ada.keyboard.type("j");
  await expect(box.inputValue()).resolves.toBe("j");
  await ada.keyboard.press("Escape");
  await box.fill("");
  await ada.keyboard.press("Escape");
  const posts = ada.locator("#feed article.post");
  const [newest, older] = [await posts.nth(0).getAttribute("id"), await posts.nth(1).getAttribute("id")];
  await ada.keyboard.press("j");
  await expect(focused()).resolves.toBe(newest);
  await ada.keyboard.press("j");
  await expect(focused()).resolves.toBe(older);
  await ada.keyboard.press("k");
  await expect(focused()).resolves.toBe(newest);

  const card = ada.locator(`#${newest}`);
  await ada.keyboard.press("f");
  await card.getByRole("button", { name: /^Like/, pressed: true }).waitFor();
  await ada.keyboard.press("b");
  await card.getByRole("button", { name: /^Boost/, pressed: true }).waitFor();
  await ada.keyboard.press("d");
  await card.getByRole("button", { name: "Bookmark", pressed: true }).waitFor();
  await expect(focused()).resolves.toBe(newest);
  await ada.screenshot({ path: screenshotPath("shortcuts-focused-post") });
  // And back: f again unlikes.
  await ada.keyboard.press("f");
  await card.getByRole("button", { name: /^Like/, pressed: false }).waitFor();
  // Pressed with Enter, a toggle keeps the focus after the post is swapped for its new state.
  await card.getByRole("button", { name: /^Like/ }).focus();
  await ada.keyboard.press("Enter");
  await card.getByRole("button", { name: /^Like/, pressed: true }).waitFor();
  await expect(focused()).resolves.toBe(`${newest}-like`);
});

test("? lists the shortcuts; g n goes to notifications, / to search, n to a new post; o and r open a post", async () => {
  await ada.goto(instance.url);
  await ada.keyboard.press("?");
  const dialog = ada.getByRole("dialog", { name: "Keyboard shortcuts" });
  await dialog.waitFor();
  await expect(dialog.getByRole("row", { name: "g then u Your profile" }).count()).resolves.toBe(1);
  await ada.screenshot({ path: screenshotPath("shortcuts-dialog") });
  await ada.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });

  await ada.keyboard.press("g");
  await ada.keyboard.press("n");
  await ada.waitForURL(`${instance.url}/notifications`);
  await ada.keyboard.press("/");
  await ada.waitForURL(`${instance.url}/search#q`);
  await expect(focused()).resolves.toBe("q");
  await ada.keyboard.press("Escape");
  await ada.keyboard.press("n");
  await ada.waitForURL(`${instance.url}/compose#compose`);
  await expect(focused()).resolves.toBe("status");

  await ada.goto(instance.url);
  await ada.keyboard.press("j");
  const permalink = await ada.locator("#feed article.post").first().locator("a.permalink").getAttribute("href");
  await ada.keyboard.press("Enter");
  await ada.waitForURL(permalink ?? "");
  await ada.goBack();
  await ada.keyboard.press("j");
  await ada.keyboard.press("r");
  await ada.waitForURL(/#reply$/);
  await expect(focused()).resolves.toBe("reply-status");
  expect(problems).toEqual([]);
});

test("a visitor gets none: they have no setting to turn single keys off", async () => {
  const page = await (await fetch(`${instance.url}/public/local`)).text();
  expect(page).not.toContain("data-shortcuts");
  expect(page).not.toContain('id="shortcuts"');
});

test("a member who turns the shortcuts off gets none: no list, no link, j moves nothing", async () => {
  await ada.goto(`${instance.url}/settings/preferences`);
  await ada.getByRole("checkbox", { name: "Keyboard shortcuts" }).uncheck();
  await ada.getByRole("button", { name: "Save preferences" }).click();
  await ada.waitForURL(/saved=1/);
  await ada.goto(instance.url);
  await expect(ada.locator("dialog#shortcuts").count()).resolves.toBe(0);
  await expect(ada.getByRole("button", { name: "Keyboard shortcuts" }).count()).resolves.toBe(0);
  await ada.keyboard.press("j");
  await expect(focused()).resolves.toBe("BODY");
  // Ctrl+Enter is no single key: it still posts.
  const box = ada.getByLabel("What's on your mind?");
  await box.fill("posted without shortcuts");
  await box.press("Control+Enter");
  await ada.locator("#feed").getByText("posted without shortcuts").waitFor();
});
