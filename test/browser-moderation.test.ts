// A report from another server, handled in a real browser: the federation test peer flags a spam
// post of one of its accounts to our instance, a moderator reviews the report and suspends that
// remote account, and its posts leave every timeline. Runs on the TLS lab; the test browser does
// not know the lab's throwaway CA, so its context ignores certificate errors (ignoreHTTPSErrors).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, logInPage, screenshotPath } from "./helpers/browser.ts";
import type { WebClient } from "./helpers/client.ts";
import { LAB_PASSWORD, type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;
let browser: Browser;

beforeAll(async () => {
  [lab, browser] = await Promise.all([startLab({ instances: 1, peer: true }), launchBrowser()]);
  one = lab.instance(0);
});
afterAll(async () => {
  await browser?.close();
  await stopLab();
});

/** A fresh browser profile (its own cookies) that accepts the lab's certificate. */
const newContext = (): Promise<BrowserContext> => browser.newContext({ ignoreHTTPSErrors: true });

async function logIn(context: BrowserContext, username: string): Promise<Page> {
  const page = await context.newPage();
  await logInPage(page, one.url, username, LAB_PASSWORD);
  return page;
}

/** Reloads a page until a text shows up: deliveries between servers take a moment. */
async function reloadUntil(page: Page, path: string, text: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    await page.goto(`${one.url}${path}`);
    if ((await page.getByText(text).count()) > 0) return;
    if (Date.now() > deadline) throw new Error(`${path} never showed "${text}"`);
    await Bun.sleep(200);
  }
}

/** Finds a remote account through search and follows it (setup, as a member's browser would). */
async function follow(member: WebClient, handle: string): Promise<void> {
  await member.get(`/search?q=${encodeURIComponent(`@${handle}`)}`);
  const profile = await (await member.get(`/@${handle}`)).text();
  const id = /action="\/accounts\/([^/]+)\/follow"/.exec(profile)?.[1];
  if (!id) throw new Error(`no Follow button on /@${handle}`);
  await member.post(`/accounts/${id}/follow`, {});
}

test("a remote Flag arrives; a moderator reviews it and suspends the remote account; its posts leave every timeline", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await Promise.all([one.createUser("mia", { role: "moderator" }), one.createUser("lou")]);
    const spammer = await peer.createActor("spammer", { name: "Cheap Deals" });
    const reporter = await peer.createActor("helper", { name: "Peer moderator" });
    const handle = `spammer@${peer.host}`;

    // Lou follows the spammer, whose post then reaches Lou's home, the federated timeline and its profile here.
    await follow(await one.login("lou"), handle);
    for (let i = 0; i < 100 && (await peer.actor(spammer)).followerIds.length === 0; i++) await Bun.sleep(100);
    const spam = await peer.post(spammer, { text: "Buy cheap followers now", visibility: "public" });
    const lou = await logIn(await newContext(), "lou");
    await reloadUntil(lou, "/", "Buy cheap followers now");
    await lou.screenshot({ path: screenshotPath("remote-spam-in-home"), fullPage: true });
    const visitor = await (await newContext()).newPage();
    const timelines = ["/public", `/@${handle}`];
    for (const path of timelines) await reloadUntil(visitor, path, "Buy cheap followers now");

    // The peer's moderator reports the post to this instance (to its instance actor).
    await peer.flag(reporter, spammer.id, {
      to: `${one.url}/@skein`,
      objects: [spam.note],
      content: "A spam bot of ours, sorry",
    });

    const mia = await logIn(await newContext(), "mia");
    await mia.getByRole("navigation", { name: "Main" }).getByText("More", { exact: true }).click();
    await mia.getByRole("link", { name: "Admin" }).click();
    await mia.waitForLoadState();
    await reloadUntil(mia, "/admin/reports", `@${handle}`);
    await mia.screenshot({ path: screenshotPath("remote-flag-in-queue"), fullPage: true });
    await mia
      .getByRole("link", { name: new RegExp(`@${handle}`) })
      .first()
      .click();
    await mia.waitForLoadState();
    await expect(mia.getByRole("heading", { name: `Report about @${handle}` }).count()).resolves.toBe(1);
    await expect(mia.getByText("A spam bot of ours, sorry").isVisible()).resolves.toBe(true);
    await expect(mia.getByText(peer.host).first().isVisible()).resolves.toBe(true); // reported from the peer's server
    await expect(mia.getByRole("article").getByText("Buy cheap followers now").isVisible()).resolves.toBe(true);
    await mia.screenshot({ path: screenshotPath("remote-flag-report"), fullPage: true });

    await mia.getByRole("link", { name: "Moderate it" }).click();
    await mia.waitForLoadState();
    await mia.getByLabel(/^Suspend/).check();
    await mia.getByLabel("Reason (the member sees it)").fill("Spam, confirmed by their own server");
    // A suspension cannot be undone in full: the page asks once more.
    const asked: string[] = [];
    mia.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await mia.getByRole("button", { name: "Apply" }).click();
    await mia.waitForLoadState();
    await expect(mia.getByText("suspended", { exact: true }).isVisible()).resolves.toBe(true);
    expect(asked[0]).toContain("Their posts are hidden, they cannot log in, and their follows end for good.");
    await mia.screenshot({ path: screenshotPath("remote-account-suspended"), fullPage: true });
    // Back to the queue, to close the report.
    await mia.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Reports" }).click();
    await mia.waitForLoadState();
    await mia
      .getByRole("link", { name: new RegExp(`@${handle}`) })
      .first()
      .click();
    await mia.waitForLoadState();
    await mia.getByRole("button", { name: "Mark as resolved" }).click();
    await mia.waitForLoadState();
    await expect(mia.getByText(/^Resolved /).isVisible()).resolves.toBe(true);

    // Gone from Lou's home, from the federated timeline and from the profile.
    await lou.reload();
    await expect(lou.getByText("Buy cheap followers now").count()).resolves.toBe(0);
    await lou.screenshot({ path: screenshotPath("remote-spam-gone-from-home"), fullPage: true });
    for (const path of timelines) {
      await visitor.goto(`${one.url}${path}`);
      await expect(visitor.getByText("Buy cheap followers now").count()).resolves.toBe(0);
    }
    await visitor.goto(`${one.url}/public`);
    await visitor.screenshot({ path: screenshotPath("remote-spam-gone-from-federated"), fullPage: true });
  }));
