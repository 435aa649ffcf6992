import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import { createLocalUser } from "../src/core/accounts.ts";
import { ValidationError } from "../src/core/errors.ts";
import { RateLimiter } from "../src/core/rate-limit.ts";
import { finishLoginChallenge, newCodeLimiter, startLoginChallenge } from "../src/core/two-factor.ts";
import { openDatabase } from "../src/db/open.ts";
import { loginChallenges, users } from "../src/db/schema.ts";
import { testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { tempDir } from "./helpers/db.ts";
import { runCli } from "./helpers/instance.ts";

// argon2 hashing at every password check, and a CLI run.
setDefaultTimeout(60_000);

const PASSWORD = "correct horse battery";

async function setup() {
  const t = testApp("https://social.example");
  await createLocalUser(t.deps, { username: "ada", email: "ada@example.com", password: PASSWORD, role: "user" });
  const client = () => new WebClient((r) => t.app.handle(r));
  const browser = client();
  await browser.login("ada", PASSWORD);
  return { ...t, client, browser };
}

/** The key the setup page shows, as the member would type it into their app. */
async function keyOnPage(browser: WebClient): Promise<string> {
  const page = await (await browser.get("/settings/two-factor")).text();
  const key = /<code class="secret-key">([A-Z2-7 ]+)<\/code>/.exec(page)?.[1];
  if (!key) throw new Error("no key on the setup page");
  return key.replaceAll(" ", "");
}

/** The six digits the member's app shows, `steps` periods of 30 s from now. */
const codeFor = (key: string, steps = 0) =>
  new TOTP({ secret: Secret.fromBase32(key) }).generate({ timestamp: Date.now() + steps * 30_000 });

const recoveryCodesOf = (html: string) =>
  [...html.matchAll(/<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})<\/code><\/li>/g)].map((m) => m[1] ?? "");

async function turnOn(browser: WebClient) {
  const key = await keyOnPage(browser);
  const res = await browser.post("/settings/two-factor/enable", { code: codeFor(key), password: PASSWORD });
  expect(res.status).toBe(200);
  const codes = recoveryCodesOf(await res.text());
  expect(codes).toHaveLength(10);
  return { key, codes };
}

describe("setting up two-factor authentication", () => {
  test("the page shows a QR code and the key; a wrong code or password changes nothing; the right ones turn it on", async () => {
    const { browser, deps } = await setup();
    const { db } = deps;
    const page = await (await browser.get("/settings/two-factor")).text();
    expect(page).toContain("Set up two-factor authentication");
    expect(page).toMatch(/<div class="qr-code" role="img"[^>]*><svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const glimpsed = await keyOnPage(browser);
    let key = await keyOnPage(browser);
    expect(key).toHaveLength(32);
    expect(key).not.toBe(glimpsed); // each visit makes a new key: one seen on a screen earlier is void

    const glimpsedCode = await browser.post("/settings/two-factor/enable", { code: codeFor(glimpsed), password: PASSWORD });
    expect(glimpsedCode.status).toBe(422);
    const wrongCode = await browser.post("/settings/two-factor/enable", { code: "000000", password: PASSWORD });
    expect(wrongCode.status).toBe(422);
    const again = await wrongCode.text();
    expect(again).toContain("That code is wrong.");
    expect(again).toContain(key.replace(/(.{4})/g, "$1 ").trim()); // the same key again: the app has it
    const wrongPassword = await browser.post("/settings/two-factor/enable", { code: codeFor(key), password: "nope nope" });
    expect(wrongPassword.status).toBe(422);
    const refused = await wrongPassword.text();
    expect(refused).toContain("The password is wrong.");
    // Without the password, the key being set up is not shown again: a new one replaces it.
    expect(refused).not.toContain(key.replace(/(.{4})/g, "$1 ").trim());
    key = await keyOnPage(browser);
    expect(db.select().from(users).get()?.otpEnabledAt).toBeNull();

    const on = await browser.post("/settings/two-factor/enable", { code: codeFor(key), password: PASSWORD });
    const html = await on.text();
    expect(html).toContain("Two-factor authentication is on.");
    expect(new Set(recoveryCodesOf(html)).size).toBe(10);
    const settings = await (await browser.get("/settings/two-factor")).text();
    expect(settings).toContain("Two-factor authentication is on");
    expect(settings).toContain("10 recovery codes left.");
    expect(settings).not.toContain("secret-key"); // the key is never shown again
  });

  test("only a member reaches the page, which no cache keeps, and each form needs the CSRF token", async () => {
    const { client, browser } = await setup();
    expect((await browser.get("/settings/two-factor")).headers.get("cache-control")).toBe("no-store");
    expect((await client().get("/settings/two-factor")).headers.get("location")).toBe("/login?next=%2Fsettings%2Ftwo-factor");
    const forged = await browser.post("/settings/two-factor/enable", { code: "123456", password: PASSWORD }, { csrf: false });
    expect(forged.status).toBe(403);
  });
});

describe("logging in with two-factor authentication", () => {
  test("the password leads to the code page, not into the account; the right code does, once", async () => {
    const { client, browser } = await setup();
    const { key } = await turnOn(browser);

    const other = client();
    const first = await other.post("/login", { username: "ada", password: PASSWORD, next: "/settings/two-factor" });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("Two-factor code");
    expect(other.cookies.has("skein_session")).toBe(false);
    const challenge = first.headers.getSetCookie().find((c) => c.startsWith("skein_login="));
    expect(challenge).toMatch(/HttpOnly/);
    expect(challenge).toMatch(/Path=\/login/);
    expect(challenge).toMatch(/Secure/);
    expect(await (await other.get("/")).text()).not.toContain("Log out");

    const wrong = await other.post("/login/code", { code: "000000", next: "/settings/two-factor" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("That code is wrong.");
    const code = codeFor(key, 1);
    const right = await other.post("/login/code", { code, next: "/settings/two-factor" });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/settings/two-factor");
    expect(other.cookies.has("skein_login")).toBe(false);
    expect(await (await other.get("/")).text()).toContain("Log out");

    // The same code again (someone who watched it typed) is refused, as is an old challenge.
    const third = client();
    await third.post("/login", { username: "ada", password: PASSWORD });
    expect((await third.post("/login/code", { code })).status).toBe(422);
    const replayed = client();
    replayed.cookies.set("skein_login", other.cookies.get("skein_login") ?? "used-up");
    const gone = await replayed.post("/login/code", { code: codeFor(key, 1) });
    expect(await gone.text()).toContain("log in again");
  });

  test("a recovery code works once; new codes replace the old ones", async () => {
    const { client, browser } = await setup();
    const { key, codes } = await turnOn(browser);
    const [first = "", second = ""] = codes;

    const lost = client();
    await lost.post("/login", { username: "ada", password: PASSWORD });
    expect((await lost.post("/login/code", { code: first.toUpperCase().replaceAll("-", " ") })).status).toBe(303);
    const again = client();
    await again.post("/login", { username: "ada", password: PASSWORD });
    expect((await again.post("/login/code", { code: first })).status).toBe(422);
    expect(await (await browser.get("/settings/two-factor")).text()).toContain("9 recovery codes left.");

    const make = (fields: Record<string, string>) => browser.post("/settings/two-factor/recovery-codes", fields);
    const wrongPassword = await make({ codes_code: codeFor(key, 1), codes_password: "nope nope" });
    expect(wrongPassword.status).toBe(422);
    expect(await wrongPassword.text()).toMatch(/id="codes_password-error"[^>]*>The password is wrong./);
    // A recovery code does not make new ones: whoever found one must not get ten.
    const withRecovery = await make({ codes_code: second, codes_password: PASSWORD });
    expect(await withRecovery.text()).toMatch(/id="codes_code-error"[^>]*>That code is wrong./);
    const fresh = recoveryCodesOf(await (await make({ codes_code: codeFor(key, 1), codes_password: PASSWORD })).text());
    expect(fresh).toHaveLength(10);
    expect((await again.post("/login/code", { code: second })).status).toBe(422);
    expect((await again.post("/login/code", { code: fresh[0] ?? "" })).status).toBe(303);
  });

  test("five wrong codes a minute get 429, and the right password again does not buy more guesses", async () => {
    const { client, browser } = await setup();
    const { key } = await turnOn(browser);
    const attacker = client();
    await attacker.post("/login", { username: "ada", password: PASSWORD });
    for (let i = 0; i < 5; i++) expect((await attacker.post("/login/code", { code: String(100000 + i) })).status).toBe(422);
    expect((await attacker.post("/login", { username: "ada", password: PASSWORD })).status).toBe(200);
    const blocked = await attacker.post("/login/code", { code: codeFor(key, 1) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("thirty wrong codes in a day lock the six digits for the day, however slowly they came; recovery codes still work", async () => {
    const { browser, deps } = await setup();
    const { key, codes: recoveryCodes } = await turnOn(browser);
    const userId = deps.db.select().from(users).get()?.id ?? "";
    // A fresh minute limiter each time: the day's count alone decides.
    const codes = newCodeLimiter();
    const limits = () => ({ login: new RateLimiter(5, 60_000), codes });
    const token = startLoginChallenge(deps.db, userId);
    for (let i = 0; i < 30; i++)
      expect(() => finishLoginChallenge(deps.db, limits(), token, String(100000 + i))).toThrow(ValidationError);
    expect(() => finishLoginChallenge(deps.db, limits(), token, codeFor(key, 1))).toThrow(/Try again in 2\d hours/);
    // Whoever knows the password cannot lock the member out of their recovery codes too.
    expect(finishLoginChallenge(deps.db, limits(), token, recoveryCodes[0] ?? "")).toBe(userId);
  });

  test("a password change voids a login waiting for its code", async () => {
    const { client, browser, deps } = await setup();
    const { key } = await turnOn(browser);
    const thief = client();
    await thief.post("/login", { username: "ada", password: PASSWORD });
    const changed = await browser.post("/settings/password", {
      current_password: PASSWORD,
      password: "a brand new passphrase",
      password_confirmation: "a brand new passphrase",
    });
    expect(changed.status).toBe(200);
    expect(await (await thief.post("/login/code", { code: codeFor(key, 1) })).text()).toContain("log in again");
    expect(deps.db.select().from(loginChallenges).all()).toEqual([]);
  });

  test("after five minutes the code page sends the member back to the password", async () => {
    const { client, browser, deps } = await setup();
    const { db } = deps;
    const { key } = await turnOn(browser);
    const late = client();
    await late.post("/login", { username: "ada", password: PASSWORD });
    db.update(loginChallenges)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .run();
    const res = await late.post("/login/code", { code: codeFor(key, 1) });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("The five minutes for the code have passed: log in again.");
    expect(html).toContain('action="/login"');
    expect(late.cookies.has("skein_session")).toBe(false);
  });

  test("next= cannot send the member to another site after the code", async () => {
    const { client, browser } = await setup();
    const { key } = await turnOn(browser);
    const other = client();
    await other.post("/login", { username: "ada", password: PASSWORD, next: "https://evil.example/" });
    const res = await other.post("/login/code", { code: codeFor(key, 1), next: "//evil.example/" });
    expect(res.headers.get("location")).toBe("/");
  });
});

describe("turning two-factor authentication off", () => {
  test("takes the password and a code; then the password alone logs in", async () => {
    const { client, browser, deps } = await setup();
    const { db } = deps;
    const { key } = await turnOn(browser);
    const noCode = await browser.post("/settings/two-factor/disable", { code: "999999", password: PASSWORD });
    expect(noCode.status).toBe(422);
    expect(await noCode.text()).toContain("That code is wrong.");
    expect(db.select().from(users).get()?.otpEnabledAt).not.toBeNull();

    const off = await browser.post("/settings/two-factor/disable", { code: codeFor(key, 1), password: PASSWORD });
    expect(off.headers.get("location")).toBe("/settings/two-factor?off=1");
    const page = await (await browser.get("/settings/two-factor?off=1")).text();
    expect(page).toContain("Two-factor authentication is off.");
    expect(page).toContain("Set up two-factor authentication");
    expect(await keyOnPage(browser)).not.toBe(key); // setting it up again starts from a new key
    expect((await client().post("/login", { username: "ada", password: PASSWORD })).status).toBe(303);
  });
});

describe("skein user disable-2fa", () => {
  test("turns it off for a member who lost their phone and codes; refuses a member without it", async () => {
    const cwd = tempDir();
    const data = join(cwd, "data");
    const created = await runCli(["user", "create", "ada", "--email", "ada@example.com", "--role", "owner", "--data", data], {
      cwd,
      stdin: `${PASSWORD}\n`,
    });
    expect(created.code).toBe(0);
    const none = await runCli(["user", "disable-2fa", "ada", "--data", data], { cwd });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("skein: username: @ada has no two-factor authentication.\n");
    const nobody = await runCli(["user", "disable-2fa", "mallory", "--data", data], { cwd });
    expect(nobody.stderr).toBe("skein: username: There is no member @mallory here.\n");

    const database = openDatabase(join(data, "skein.db"));
    database.db.update(users).set({ otpSecret: "JBSWY3DPEHPK3PXP", otpEnabledAt: new Date() }).run();
    const off = await runCli(["user", "disable-2fa", "ada", "--data", data], { cwd });
    expect(off.code).toBe(0);
    expect(off.stdout).toContain("@ada logs in with their password alone now");
    const user = database.db.select().from(users).where(eq(users.email, "ada@example.com")).get();
    expect(user?.otpEnabledAt).toBeNull();
    expect(user?.otpSecret).toBeNull();
    database.sqlite.close();
  });
});
