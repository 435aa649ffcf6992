// On an instance that sends e-mail, a sign-up confirms its address before the first login: the
// link goes through a real SMTP server on loopback. A lost link or a mistyped address can be
// mended with the password; moderators see a waiting sign-up only once its address is confirmed;
// a sign-up never confirmed goes after a week. Members from before keep their access.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { updateSettings } from "../src/core/instance.ts";
import { pendingSignups } from "../src/core/registrations.ts";
import { pruneExpiredRecords } from "../src/core/retention.ts";
import { accounts, auditLog, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each sign-up and login.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const t = testApp(origin, { mailer: smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" }) });
const m = await signedInMembers(t, origin, ["olga", "mona"]);
const { db } = t.deps;
db.update(users).set({ role: "moderator" }).where(eq(users.accountId, m("mona").id)).run();
const PASSWORD = "correct horse battery";
const visitor = () => new WebClient((request) => t.app.handle(request));
const linkIn = (text: string) => /https:\/\/social\.example(\/settings\/email\/confirm\/[A-Za-z0-9_-]+)/.exec(text)?.[1] ?? "";
const userOf = (username: string) =>
  db
    .select({ user: users })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(accounts.username, username))
    .get()?.user;

async function signUp(username: string, email: string, extra: Record<string, string> = {}) {
  const browser = visitor();
  const answer = await browser.post("/signup", {
    username,
    email,
    password: PASSWORD,
    password_confirmation: PASSWORD,
    ...extra,
  });
  return { browser, answer, page: await answer.text() };
}

async function loginFails(login: string, message: string) {
  const answer = await visitor().post("/login", { username: login, password: PASSWORD });
  expect(answer.status).toBe(422);
  expect(await answer.text()).toContain(message);
}

test("a sign-up opens the link sent to its address, then logs in", async () => {
  updateSettings(db, { registrationMode: "open" });
  const { browser, answer, page } = await signUp("newt", "Newt@Mail.example");
  expect(answer.status).toBe(200);
  expect(page).toContain("We sent a link to Newt@Mail.example.");
  expect(browser.cookies.has("skein_session")).toBe(false); // no session before the address is confirmed
  expect(userOf("newt")?.emailConfirmedAt).toBeNull();
  await loginFails("newt", "Confirm your e-mail address first: open the link we sent to Newt@Mail.example.");

  const mail = await sink.waitFor("Newt@Mail.example");
  expect(mail.subject).toBe("Confirm your e-mail address for social.example");
  expect(mail.text).toContain("the account is removed in a week");
  const link = linkIn(mail.text);
  const opened = await visitor().get(link);
  expect(await opened.text()).toContain("Use Newt@Mail.example as the e-mail address of @newt?");
  expect(userOf("newt")?.emailConfirmedAt).toBeNull(); // a mail scanner opening it changes nothing
  const confirmed = await visitor().post(link, {});
  const done = await confirmed.text();
  expect(done).toContain("Newt@Mail.example is now your e-mail address.");
  expect(done).toContain('<a href="/login">Log in</a>');
  expect(userOf("newt")?.emailConfirmedAt).toBeInstanceOf(Date);
  expect((await visitor().post(link, {})).status).toBe(410); // once only
  expect((await visitor().login("newt", PASSWORD)).status).toBe(303);
});

test("in approval mode, moderators see a sign-up once its address is confirmed", async () => {
  updateSettings(db, { registrationMode: "approval" });
  const { page } = await signUp("pia", "pia@mail.example", { reason: "I knit." });
  expect(page).toContain("We sent a link to pia@mail.example.");
  expect(pendingSignups(db).map((s) => s.username)).not.toContain("pia");
  const overview = await m("olga").browser.get("/admin/registrations");
  expect(await overview.text()).not.toContain("@pia");

  const confirmed = await visitor().post(linkIn((await sink.waitFor("pia@mail.example")).text), {});
  expect(await confirmed.text()).toContain("A moderator will look at your sign-up soon.");
  expect(pendingSignups(db).map((s) => s.username)).toContain("pia");
  expect(await (await m("olga").browser.get("/admin/registrations")).text()).toContain("@pia");
  await loginFails("pia", "This account is waiting for a moderator&#x27;s approval.");
  updateSettings(db, { registrationMode: "open" });
});

test("a mistyped address is mended with the password; the first link stops working", async () => {
  await signUp("typo", "typo@mial.example");
  const first = linkIn((await sink.waitFor("typo@mial.example")).text);

  const resend = (body: Record<string, string>) => visitor().post("/signup/confirmation", body);
  const refusals: [Record<string, string>, string][] = [
    [{ username: "typo", password: "wrong password", email: "typo@mail.example" }, "The username or password is wrong."],
    [{ username: "typo", password: PASSWORD, email: "not an address" }, "Enter an email address like you@example.com."],
    [{ username: "typo", password: PASSWORD, email: "OLGA@example.com" }, "Another account uses this address."],
    [{ username: "olga", password: PASSWORD, email: "" }, "This account&#x27;s address is confirmed already: log in."],
  ];
  for (const [body, message] of refusals) {
    const answer = await resend(body);
    expect(answer.status).toBe(422);
    const page = await answer.text();
    expect(page).toContain(message);
    expect(page).not.toContain(PASSWORD); // never echoed
  }
  const sent = await resend({ username: "typo", password: PASSWORD, email: "typo@mail.example" });
  expect(await sent.text()).toContain("A new link is on its way to typo@mail.example.");
  const second = linkIn((await sink.waitFor("typo@mail.example")).text);
  expect((await visitor().get(first)).status).toBe(410);
  expect(userOf("typo")?.email).toBe("typo@mial.example"); // until the new address is confirmed
  expect(await (await visitor().post(second, {})).text()).toContain("typo@mail.example is now your e-mail address.");
  expect(userOf("typo")?.email).toBe("typo@mail.example");
  expect((await visitor().login("typo@mail.example", PASSWORD)).status).toBe(303);
});

test("the link can be sent again to the same address, a few times an hour", async () => {
  await signUp("again", "again@mail.example");
  await sink.waitFor("again@mail.example");
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    const answer = await visitor().post("/signup/confirmation", { username: "again", password: PASSWORD });
    statuses.push(answer.status);
  }
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
  expect(statuses[10]).toBe(429);
});

test("a moderator can confirm an address that reached them another way; it is audited", async () => {
  await signUp("kim", "kim@mail.example");
  const kim = userOf("kim");
  const answer = await m("mona").browser.get(`/admin/accounts/${kim?.accountId}`);
  expect(await answer.text()).toContain("(not confirmed: this sign-up cannot log in yet)");
  const confirmed = await m("mona").browser.post(`/admin/accounts/${kim?.accountId}/confirm-email`, {});
  expect(confirmed.status).toBe(303);
  expect(userOf("kim")?.emailConfirmedAt).toBeInstanceOf(Date);
  const again = await m("mona").browser.post(`/admin/accounts/${kim?.accountId}/confirm-email`, {});
  expect(again.status).toBe(409);
  expect(await again.text()).toContain("This address is confirmed already.");
  expect(db.select().from(auditLog).where(eq(auditLog.action, "email.confirm")).all()).toHaveLength(1);
  expect((await visitor().login("kim", PASSWORD)).status).toBe(303);
});

test("a sign-up never confirmed is removed after a week, its name free again", async () => {
  await signUp("ghost", "ghost@mail.example");
  await signUp("young", "young@mail.example");
  const week = 7 * 24 * 3600_000;
  db.update(users)
    .set({ createdAt: new Date(Date.now() - week - 60_000) })
    .where(eq(users.id, userOf("ghost")?.id ?? ""))
    .run();
  // Confirmed members as old are kept.
  db.update(users).set({ createdAt: new Date(Date.now() - 2 * week) }).where(eq(users.accountId, m("mona").id)).run();
  const line = await pruneExpiredRecords(t.deps, new Date());
  expect(line).toContain("1 sign-up never confirmed");
  expect(userOf("ghost")).toBeUndefined();
  expect(userOf("young")).toBeDefined();
  expect(userOf("mona")).toBeDefined();
  const { page } = await signUp("ghost", "ghost@mail.example");
  expect(page).toContain("We sent a link to ghost@mail.example.");
});
