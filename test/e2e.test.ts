// A day on a small instance, in a real browser: sign-ups, posts, replies, likes, boosts,
// follows, notifications, blocks, search and profile editing.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { updateSettings } from "../src/core/instance.ts";
import { applyRegistrationFallback, decideSignup, pendingSignups } from "../src/core/registrations.ts";
import { openDatabase } from "../src/db/open.ts";
import { accounts } from "../src/db/schema.ts";
import { eq } from "drizzle-orm";
import { launchBrowser, logInPage, screenshotPath } from "./helpers/browser.ts";
import { tempDir } from "./helpers/db.ts";
import { testJpeg } from "./helpers/images.ts";
import { type Instance, runCli, startInstance } from "./helpers/instance.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

let browser: Browser;
let instance: Instance;
let db: ReturnType<typeof openDatabase>["db"];
const photo = join(tempDir(), "beach.jpg");

beforeAll(async () => {
  const cwd = tempDir();
  await runCli(["user", "create", "ada", "--email", "ada@example.com", "--role", "owner", "--data", join(cwd, "data")], {
    cwd,
    stdin: "analytical engine\n",
  });
  instance = await startInstance({ cwd });
  db = openDatabase(join(instance.dataDir, "skein.db")).db;
  browser = await launchBrowser();
  writeFileSync(photo, await testJpeg(1600, 1200));
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

async function signUp(page: Page, name: string, reason?: string) {
  await page.goto(`${instance.url}/signup`);
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Email").fill(`${name}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("a long enough password");
  await page.getByLabel("Confirm password").fill("a long enough password");
  if (reason) await page.getByLabel("Why do you want to join?").fill(reason);
  await page.getByLabel(/I agree to/).check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForLoadState();
}

const logIn = (page: Page, name: string, password: string) => logInPage(page, instance.url, name, password);

const article = (page: Page, text: string) => page.locator("article.post", { hasText: text }).first();

test("sign-up in approval mode waits for a moderator; in open mode the member posts at once", async () => {
  const page = await browser.newPage();
  await signUp(page, "grace", "I knit and I want to share patterns.");
  await expect(page.getByText("A moderator will look at your request soon.").isVisible()).resolves.toBe(true);
  await logIn(page, "grace", "a long enough password");
  await expect(page.getByText("waiting for a moderator").isVisible()).resolves.toBe(true);
  const waiting = pendingSignups(db).find((s) => s.username === "grace");
  expect(waiting?.reason).toBe("I knit and I want to share patterns.");
  // What the moderation pages do, as the owner: a staff action this week, so the week-without-a-
  // moderator rule (the scheduler's first check, 5 s after start) does not turn open sign-ups
  // below back into approval while the test runs.
  const ada = db.select({ id: accounts.id }).from(accounts).where(eq(accounts.username, "ada")).get();
  decideSignup(db, ada?.id ?? null, waiting!.userId, "approve");
  await logIn(page, "grace", "a long enough password");
  await expect(page.getByRole("link", { name: "Profile" }).isVisible()).resolves.toBe(true);
  await page.close();

  updateSettings(db, { registrationMode: "open" });
  // The scheduler's check, whenever it comes, leaves it open.
  expect(applyRegistrationFallback(db, new Date())).toBe(false);
  const started = performance.now();
  const newcomer = await browser.newPage();
  await signUp(newcomer, "henry");
  await newcomer.getByLabel("What's on your mind?").fill("Hello, I am new here! #introductions");
  await newcomer.getByRole("button", { name: "Post", exact: true }).click();
  await article(newcomer, "Hello, I am new here!").waitFor();
  console.log(`sign-up to first post in the browser: ${Math.round(performance.now() - started)} ms`);
  await newcomer.close();
});

test("posting, replying, liking, boosting, following, notifications, blocking, search and profile", async () => {
  const ada = await browser.newPage();
  const problems: string[] = [];
  ada.on("pageerror", (e) => problems.push(e.message));
  await logIn(ada, "ada", "analytical engine");

  // A post with a content warning and an image with alt text.
  await ada.getByLabel("What's on your mind?").fill("Our beach day, photos inside");
  await ada.locator("summary", { hasText: "Content warning, images and video" }).click();
  await ada.getByLabel("Content warning (optional)").fill("Holiday photos");
  await ada.getByLabel("File 1", { exact: true }).setInputFiles(photo);
  // The picture shows beside its description field, from the file chosen.
  await ada.waitForFunction('document.querySelector("img.media-preview")?.naturalWidth > 0');
  await expect(ada.locator(".image-row img.media-preview").getAttribute("src")).resolves.toStartWith("blob:");
  await ada.screenshot({ path: screenshotPath("compose-preview") });
  // Without a description she is asked first; "Cancel" takes her to the field, nothing is posted.
  const asked = new Promise<string>((resolve) =>
    ada.once("dialog", (dialog) => {
      resolve(dialog.message());
      void dialog.dismiss();
    }),
  );
  await ada.getByRole("button", { name: "Post", exact: true }).click();
  expect(await asked).toBe("One file has no description. People who cannot see it rely on one. Post without it?");
  await expect(ada.getByLabel("Description of file 1 (alt text)").evaluate((field) => field.matches(":focus"))).resolves.toBe(
    true,
  );
  await ada.getByLabel("Description of file 1 (alt text)").fill("Sand, sea and a red umbrella");
  await ada.getByRole("button", { name: "Post", exact: true }).click();
  const post = article(ada, "Holiday photos");
  await post.waitFor();
  await expect(post.getByText("Our beach day").isVisible()).resolves.toBe(false); // behind the warning
  await post.getByText("Show more").click();
  await expect(post.getByText("Our beach day").isVisible()).resolves.toBe(true);
  // As on Mastodon, the picture of a post marked sensitive (a warning marks it) stays folded until asked for.
  const picture = post.getByRole("img", { name: "Sand, sea and a red umbrella" });
  await expect(picture.isVisible()).resolves.toBe(false);
  await post.getByText("Sensitive media").click();
  await expect(picture.isVisible()).resolves.toBe(true);
  await ada.screenshot({ path: screenshotPath("e2e-ada-home"), fullPage: true });

  // Grace follows Ada, sees her post on home, likes, boosts and replies.
  const grace = await browser.newPage();
  await logIn(grace, "grace", "a long enough password");
  await grace.goto(`${instance.url}/@ada`);
  await grace.getByRole("button", { name: "Follow" }).click();
  await grace.waitForLoadState();
  await expect(grace.getByRole("button", { name: "Unfollow" }).isVisible()).resolves.toBe(true);
  await grace.goto(instance.url);
  const seen = article(grace, "Holiday photos");
  await seen.waitFor();
  await seen.getByRole("button", { name: "Like" }).click();
  await article(grace, "Holiday photos").getByRole("button", { name: /^Like/, pressed: true }).waitFor(); // swapped in place by htmx
  await article(grace, "Holiday photos").getByRole("button", { name: "Boost" }).click();
  await article(grace, "Holiday photos")
    .getByRole("button", { name: /^Boost/, pressed: true })
    .waitFor();
  await article(grace, "Holiday photos").getByRole("link", { name: "Reply" }).click();
  await grace.waitForLoadState();
  await expect(grace.getByLabel("Your reply").inputValue()).resolves.toBe("@ada ");
  await grace.getByLabel("Your reply").fill("@ada Lovely! Where is this?");
  await grace.getByRole("button", { name: "Reply", exact: true }).click();
  await article(grace, "Where is this?").waitFor();
  await grace.screenshot({ path: screenshotPath("e2e-thread"), fullPage: true });

  // Ada is notified of all of it, and as the owner of the two sign-ups before.
  await ada.goto(instance.url);
  await expect(ada.getByLabel(/unread/).textContent()).resolves.toBe("6");
  await ada.getByRole("link", { name: /Notifications/ }).click();
  await ada.waitForLoadState();
  for (const line of ["followed you", "liked your post", "boosted your post", "mentioned you", "signed up"]) {
    await expect(ada.getByText(line).first().isVisible()).resolves.toBe(true);
  }
  await ada.screenshot({ path: screenshotPath("e2e-notifications"), fullPage: true });

  // Search finds the post by a word, the account by name.
  await ada.goto(`${instance.url}/search`);
  await ada.getByLabel("Search accounts, hashtags and posts").fill("Where");
  await ada.getByRole("button", { name: "Search" }).click();
  await article(ada, "Where is this?").waitFor();

  // Ada edits her profile.
  await ada.goto(`${instance.url}/settings/profile`);
  await ada.getByLabel("Display name").fill("Ada Lovelace");
  await ada.getByLabel("Bio").fill("Writing the first programs. https://ada.example");
  await ada.getByLabel("Label 1").fill("Pronouns");
  await ada.getByLabel("Content 1").fill("she/her");
  await ada.getByLabel("Avatar").setInputFiles(photo);
  await ada.getByRole("button", { name: "Save profile" }).click();
  await ada.waitForLoadState();
  await expect(ada.getByText("Saved.").isVisible()).resolves.toBe(true);
  await ada.goto(`${instance.url}/@ada`);
  await expect(ada.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Ada Lovelace");
  await ada.screenshot({ path: screenshotPath("e2e-profile"), fullPage: true });

  // Ada blocks Grace: Grace's reply disappears from Ada's view and the follow ends.
  await ada.goto(`${instance.url}/@grace`);
  await ada.locator(".relation-actions summary", { hasText: "More" }).click();
  await ada.getByRole("link", { name: "Block @grace…" }).click();
  await ada.getByRole("heading", { name: "Block @grace?" }).waitFor();
  await ada.getByRole("button", { name: "Block", exact: true }).click();
  await ada.waitForURL(`${instance.url}/@grace`);
  await ada.getByRole("button", { name: "Unblock" }).waitFor();
  await ada.goto(`${instance.url}/public/local`);
  await expect(ada.getByText("Where is this?").count()).resolves.toBe(0);
  await grace.goto(`${instance.url}/@ada`);
  await expect(grace.getByText("This account has blocked you.").isVisible()).resolves.toBe(true);
  expect(problems).toEqual([]);
});

test("on a phone, the home page works and weighs little", async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await logIn(phone, "henry", "a long enough password");
  // A first visit to home with an empty cache: the page and every file it loads, images aside.
  await phone.context().clearCookies();
  await logIn(phone, "henry", "a long enough password");
  const cdp = await phone.context().newCDPSession(phone);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await phone.goto(instance.url);
  // Not "networkidle": the live new-posts stream stays open. Scripts have run once load fires.
  await phone.waitForLoadState("load");
  await Bun.sleep(300);
  const weight = await phone.evaluate(() =>
    ["navigation", "resource"]
      .flatMap((type) => performance.getEntriesByType(type as "resource") as PerformanceResourceTiming[])
      .filter((e) => !e.name.includes("/media/") && !e.name.includes("/timelines/home/live"))
      .reduce((sum, e) => ({ decoded: sum.decoded + e.decodedBodySize, transferred: sum.transferred + e.transferSize }), {
        decoded: 0,
        transferred: 0,
      }),
  );
  console.log(
    `home page weight without images: ${(weight.decoded / 1024).toFixed(1)} KB (${(weight.transferred / 1024).toFixed(1)} KB transferred)`,
  );
  await phone.screenshot({ path: screenshotPath("e2e-phone-home"), fullPage: true });
  await phone.close();
});
