// An app's sign-in through a real browser: the consent page's form leads, through our redirect,
// to the app's own address, which the page's security policy must let through (Chrome holds the
// redirect after a form to `form-action`, and the app never got its code).
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
  await createUserWithCli(instance, "ada", "user", PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

async function registerApp(redirectUris: string[]): Promise<string> {
  const response = await fetch(`${instance.url}/api/v1/apps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Phone App", redirect_uris: redirectUris, scopes: "read write" }),
  });
  return ((await response.json()) as { client_id: string }).client_id;
}

test("approving an app in the browser sends the member back to it with a code", async () => {
  const codes: string[] = [];
  const app = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const url = new URL(request.url);
      if (url.pathname === "/callback") codes.push(url.searchParams.get("code") ?? "");
      return new Response("signed in");
    },
  });
  try {
    const callback = `http://127.0.0.1:${app.port}/callback`;
    const clientId = await registerApp([callback, "phoneapp://oauth"]);
    const page = await (await browser.newContext()).newPage();
    const violations: string[] = [];
    page.on("console", (m) => m.type() === "error" && violations.push(m.text()));
    await logInPage(page, instance.url, "ada", PASSWORD);
    const query = (redirect: string) =>
      new URLSearchParams({ client_id: clientId, redirect_uri: redirect, response_type: "code", scope: "read write" });

    await page.goto(`${instance.url}/oauth/authorize?${query(callback)}`);
    await page.getByRole("button", { name: "Authorize" }).click();
    await page.waitForURL(/\/callback\?code=/);
    expect(codes).toHaveLength(1);
    expect(codes[0]?.length).toBeGreaterThan(20);
    expect(violations).toEqual([]);

    // An app's own scheme is allowed by its scheme alone; the rest of the policy stays.
    const consent = await page.goto(`${instance.url}/oauth/authorize?${query("phoneapp://oauth")}`);
    const policy = consent?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("form-action 'self' phoneapp:;");
    expect(policy).toContain("script-src 'self';");
  } finally {
    app.stop(true);
  }
});
