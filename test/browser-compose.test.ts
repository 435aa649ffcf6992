// The compose box suggests as Mastodon's does, in a real browser over a real server: typing
// `@bo` lists people (those the member follows first) and Enter writes the handle; `#kni` lists
// hashtags and a click takes one; Escape closes the list and Enter is a new line again.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, logInPage, screenshotPath } from "./helpers/browser.ts";
import { createUserWithCli, type Instance, startInstance } from "./helpers/instance.ts";
import { testJpeg } from "./helpers/images.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

beforeAll(async () => {
  instance = await startInstance();
  browser = await launchBrowser();
  for (const [name, role] of [
    ["ada", "owner"],
    ["bob", "user"],
    ["bodil", "user"],
  ] as const)
    await createUser(name, role);
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

test("typing @bo offers bob and bodil, the one followed first; Enter writes the handle; #kni offers a hashtag", async () => {
  const ada = await logIn("ada");
  const problems: string[] = [];
  ada.on("console", (m) => m.type() === "error" && !m.text().includes("Content Security Policy") && problems.push(m.text()));
  ada.on("pageerror", (e) => problems.push(e.message));
  await ada.goto(`${instance.url}/@bodil`);
  await ada.getByRole("button", { name: "Follow", exact: true }).click();
  await ada.waitForLoadState();
  await ada.goto(instance.url);
  const box = ada.getByLabel("What's on your mind?");
  await box.fill("#knitting is back");
  await ada.getByRole("button", { name: "Post", exact: true }).click();
  await ada.locator("#feed").getByText("is back").waitFor();

  await box.click();
  await box.pressSequentially("Hello @bo", { delay: 30 });
  const list = ada.getByRole("listbox", { name: "Suggestions" });
  await list.waitFor();
  const options = list.getByRole("option");
  await expect(list.locator(".handle").allTextContents()).resolves.toEqual(["@bodil", "@bob"]);
  await expect(box.getAttribute("aria-activedescendant")).resolves.toBe(await options.first().getAttribute("id"));
  await ada.screenshot({ path: screenshotPath("compose-suggestions") });
  await ada.keyboard.press("ArrowDown");
  await expect(options.nth(1).getAttribute("aria-selected")).resolves.toBe("true");
  await ada.keyboard.press("Enter");
  await expect(box.inputValue()).resolves.toBe("Hello @bob ");
  await expect(list.count()).resolves.toBe(0);

  await box.pressSequentially("and #kni", { delay: 30 });
  await list.waitFor();
  await list.getByRole("option", { name: "#knitting" }).click();
  await expect(box.inputValue()).resolves.toBe("Hello @bob and #knitting ");

  // Escape closes the list; Enter is a new line again.
  await box.pressSequentially("@bod", { delay: 30 });
  await list.waitFor();
  await ada.keyboard.press("Escape");
  await ada.keyboard.press("Enter");
  await expect(box.inputValue()).resolves.toBe("Hello @bob and #knitting @bod\n");

  // Escape before the answer came: the list does not open after all.
  await box.fill("");
  await box.pressSequentially("@bo");
  await ada.keyboard.press("Escape");
  await Bun.sleep(600);
  await expect(list.isVisible()).resolves.toBe(false);
  // The caret moved away from the word: Enter is a new line, the text untouched.
  await box.fill("");
  await box.pressSequentially("Hi @bo", { delay: 30 });
  await list.waitFor();
  await ada.keyboard.press("ArrowLeft");
  await ada.keyboard.press("ArrowLeft");
  await expect(list.isVisible()).resolves.toBe(false);
  await ada.keyboard.press("Enter");
  await expect(box.inputValue()).resolves.toBe("Hi @\nbo");
  expect(problems).toEqual([]);
});

test("the suggestions answer members only, and only for a word that starts with @, # or :", async () => {
  const visitor = await fetch(`${instance.url}/compose/suggestions?q=%40bo`);
  expect(visitor.status).toBe(401);
  const bob = await logIn("bob");
  const answer = async (q: string) =>
    bob.evaluate(async (q) => {
      const response = await fetch(`/compose/suggestions?q=${encodeURIComponent(q)}`);
      return { status: response.status, text: await response.text() };
    }, q);
  expect(await answer("bo")).toEqual({ status: 200, text: "" });
  expect(await answer("@")).toEqual({ status: 200, text: "" });
  // Not oneself; others by their local handle.
  const found = await answer("@bo");
  expect(found.text).toContain('data-insert="@bodil"');
  expect(found.text).not.toContain('data-insert="@bob"');
  expect((await answer(`@${"x".repeat(200)}`)).status).toBe(400);
});

test("words being written come back after looking elsewhere; a post sent, or logging out, takes them away", async () => {
  const bodil = await logIn("bodil");
  const problems: string[] = [];
  bodil.on("pageerror", (e) => problems.push(e.message));
  await bodil.goto(instance.url);
  const box = bodil.getByLabel("What's on your mind?");
  await box.pressSequentially("A long thought about wool", { delay: 10 });
  await bodil.locator("summary", { hasText: "Content warning, images and video" }).click();
  await bodil.getByLabel("Content warning (optional)").fill("yarn talk");
  await bodil.goto(`${instance.url}/@ada`);
  await bodil.goto(instance.url);
  await expect(box.inputValue()).resolves.toBe("A long thought about wool");
  await expect(bodil.getByLabel("Content warning (optional)").inputValue()).resolves.toBe("yarn talk");
  // The counter counts the words put back.
  await expect(bodil.locator("#status-counter").textContent()).resolves.toContain(String(500 - 25));

  await bodil.getByRole("button", { name: "Post", exact: true }).click();
  await bodil.locator("#feed").getByText("yarn talk").first().waitFor();
  await expect(box.inputValue()).resolves.toBe("");
  await bodil.reload();
  await expect(box.inputValue()).resolves.toBe("");

  // A post scheduled for later leads to another page: the draft went with it.
  await box.pressSequentially("for tomorrow", { delay: 10 });
  await bodil.locator("summary", { hasText: "Schedule for later" }).click();
  const tomorrow = new Date(Date.now() + 86_400_000);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await bodil.getByLabel("Publish at").fill(local);
  await bodil.getByRole("button", { name: "Post", exact: true }).click();
  await bodil.waitForURL((url) => url.pathname === "/scheduled");
  await bodil.goto(instance.url);
  await expect(box.inputValue()).resolves.toBe("");

  // A post the server refuses (too long) keeps its words for later.
  const long = `${"wool ".repeat(101)}end`;
  await box.fill(long);
  await box.dispatchEvent("input");
  await bodil.getByRole("button", { name: "Post", exact: true }).click();
  await bodil.locator("#status-error").waitFor();
  await bodil.goto(`${instance.url}/@ada`);
  await bodil.goto(instance.url);
  await expect(box.inputValue()).resolves.toBe(long);

  // Log out is under More, and asks first.
  await bodil.getByRole("navigation", { name: "Main" }).getByText("More", { exact: true }).click();
  bodil.once("dialog", (dialog) => dialog.accept());
  await bodil.getByRole("button", { name: "Log out" }).click();
  await bodil.waitForURL((url) => url.pathname === "/" || url.pathname === "/login");
  await bodil.waitForLoadState();
  await expect(bodil.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("skein-draft:")))).resolves.toEqual(
    [],
  );
  expect(problems).toEqual([]);
});

test("a refused post puts the focus on the field and announces why; the message goes once the field changes", async () => {
  const bob = await logIn("bob");
  await bob.goto(instance.url);
  await bob.getByRole("button", { name: "Post", exact: true }).click();
  const message = bob.getByText("Write something or add an image.");
  await message.waitFor();
  const box = bob.getByLabel("What's on your mind?");
  await expect(box.getAttribute("aria-invalid")).resolves.toBe("true");
  // A keyboard or screen-reader user is where the problem is, and hears it.
  await expect(
    bob.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id),
  ).resolves.toBe("status");
  await expect(message.getAttribute("role")).resolves.toBe("alert");
  await box.pressSequentially("now with words");
  await expect(message.count()).resolves.toBe(0);
  await expect(box.getAttribute("aria-invalid")).resolves.toBeNull();
});

test("a picture dropped on the text box goes into a file field, shows, and can be taken out again", async () => {
  const ada = await logIn("ada");
  await ada.goto(instance.url);
  const box = ada.getByLabel("What's on your mind?");
  await box.waitFor();
  // A 1×1 PNG, dropped as a file from the desktop would be (in the page: the DOM's own types).
  await ada.evaluate(`(() => {
    const png = Uint8Array.from(
      atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
      (c) => c.charCodeAt(0),
    );
    const files = new DataTransfer();
    files.items.add(new File([png], "dot.png", { type: "image/png" }));
    document.getElementById("status").dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: files }));
  })()`);
  const first = ada.getByLabel("File 1", { exact: true });
  await expect(first.evaluate((input) => (input as unknown as { files: { length: number } }).files.length)).resolves.toBe(1);
  await expect(ada.locator(".image-row img.media-preview").count()).resolves.toBe(1);
  await ada.getByRole("button", { name: "Remove dot.png" }).click();
  await expect(first.evaluate((input) => (input as unknown as { files: { length: number } }).files.length)).resolves.toBe(0);
  await expect(ada.locator(".image-row img.media-preview").count()).resolves.toBe(0);
});

test("a picture opens large in a viewer with its description; Next, the arrow keys and Escape work", async () => {
  const ada = await logIn("ada");
  const problems: string[] = [];
  ada.on("pageerror", (e) => problems.push(e.message));
  const dir = mkdtempSync(join(tmpdir(), "viewer-"));
  const files = ["first", "second"].map((name) => join(dir, `${name}.jpg`));
  for (const file of files) writeFileSync(file, await testJpeg(320, 240));
  await ada.goto(`${instance.url}/compose`);
  await ada.getByLabel("What's on your mind?").fill("Two pictures to look at");
  await ada.getByText("Content warning, images and video").click();
  for (const [i, file] of files.entries()) {
    await ada.getByLabel(`File ${i + 1}`, { exact: true }).setInputFiles(file);
    await ada.getByLabel(`Description of file ${i + 1} (alt text)`).fill(`Picture number ${i + 1}`);
  }
  await ada.getByRole("button", { name: "Post", exact: true }).click();
  await ada.waitForURL(/\/@ada\/[0-9a-f-]+$/);

  const links = ada.locator(".post.focused .media-picture > a");
  const originals = await links.evaluateAll((all) => all.map((a) => (a as unknown as { href: string }).href));
  await links.first().click();
  const viewer = ada.locator("dialog.media-viewer");
  await viewer.waitFor();
  const shown = () => viewer.locator("figure img").getAttribute("src");
  await expect(shown()).resolves.toBe(originals[0] ?? "");
  await expect(viewer.locator("figcaption").textContent()).resolves.toBe("Picture number 1");
  await expect(viewer.locator(".viewer-count").textContent()).resolves.toBe("1 of 2");
  await ada.screenshot({ path: screenshotPath("picture-viewer") });
  await viewer.getByRole("button", { name: "Next" }).click();
  await expect(shown()).resolves.toBe(originals[1] ?? "");
  await ada.keyboard.press("ArrowRight"); // round again to the first
  await expect(shown()).resolves.toBe(originals[0] ?? "");
  await ada.keyboard.press("Escape");
  await expect(viewer.isVisible()).resolves.toBe(false);
  // The page stayed where it was: the link's new tab was not opened.
  expect(ada.context().pages().length).toBe(1);
  expect(problems).toEqual([]);
});
