// On an instance that sends e-mail, a sign-up confirms its address before the first login: the
// link goes through a real SMTP server on loopback. A lost link or a mistyped address can be
// mended with the password; moderators see a waiting sign-up only once its address is confirmed;
// a sign-up never confirmed goes after a week. Members from before keep their access.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import { updateSettings } from "../src/core/instance.ts";
import { createInvite } from "../src/core/invites.ts";
import { createLocalUser } from "../src/core/accounts.ts";
import { sendAddressLink } from "../src/core/email-changes.ts";
import { pendingSignups } from "../src/core/registrations.ts";
import { pruneExpiredRecords } from "../src/core/retention.ts";
import { accounts, auditLog, emailChanges, invites, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each sign-up and login.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const mailer = smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" });
const t = testApp(origin, { mailer });
const m = await signedInMembers(t, origin, ["olga", "mona"]);
const { db } = t.deps;
const api = apiAs(t, origin, m);
db.update(users)
  .set({ role: "moderator" })
  .where(eq(users.accountId, m("mona").id))
  .run();
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
    agreement: "1",
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
  await loginFails("newt", "Confirm your e-mail address first: open the latest link we sent you.");

  // Nobody sees the account before: no profile, no actor, no WebFinger, no count; no password link either.
  expect((await visitor().get("/@newt")).status).toBe(404);
  expect((await t.request("/api/v1/accounts/lookup?acct=newt")).status).toBe(404);
  expect(await (await visitor().get("/search?q=newt")).text()).not.toContain("@newt");
  expect((await t.request("/.well-known/webfinger?resource=acct:newt@social.example")).status).toBe(404);
  const members = async () =>
    ((await (await t.request("/api/v1/instance")).json()) as { stats: { user_count: number } }).stats.user_count;
  expect(await members()).toBe(2);
  // Nor can it be followed, blocked or muted by its id.
  const newtId = userOf("newt")?.accountId ?? "";
  for (const action of ["follow", "block", "mute"])
    expect((await api("olga", "POST", `/api/v1/accounts/${newtId}/${action}`)).status).toBe(404);
  // A moderator's app asking relationships for it (its admin.sign_up notification names it) still gets the others'.
  const relationships = await api("olga", "GET", `/api/v1/accounts/relationships?id[]=${newtId}&id[]=${m("mona").id}`);
  expect(relationships.status).toBe(200);
  await visitor().post("/password/forgot", { email: "Newt@Mail.example" });

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
  expect(sink.mails.filter((mail) => mail.subject.startsWith("Choose a new password"))).toHaveLength(0);
  expect((await visitor().get("/@newt")).status).toBe(200);
  expect(await members()).toBe(3);
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
    [{ username: "olga", password: PASSWORD, email: "" }, "This account&#x27;s address is confirmed already."],
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

test("one address gets three new links an hour, whoever asks", async () => {
  await signUp("again", "again@mail.example");
  await sink.waitFor("again@mail.example");
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const body = { username: "again", password: PASSWORD, email: "victim@mail.example" };
    const answer = await visitor().post("/signup/confirmation", body);
    statuses.push(answer.status);
  }
  expect(statuses).toEqual([200, 200, 200, 429]);
  // Another sign-up cannot send more to that address either.
  await signUp("again2", "again2@mail.example");
  const other = await visitor().post("/signup/confirmation", {
    username: "again2",
    password: PASSWORD,
    email: "VICTIM+again@mail.example",
  });
  expect(other.status).toBe(429);
});

test("a moderator can confirm an address that reached them another way; it is audited", async () => {
  await signUp("kim", "kim@mail.example");
  const kim = userOf("kim");
  const answer = await m("mona").browser.get(`/admin/accounts/${kim?.accountId}`);
  expect(await answer.text()).toContain("(not confirmed: this sign-up cannot log in yet)");
  // No role for a sign-up that is not complete: it could be removed a week later.
  const ownersView = await (await m("olga").browser.get(`/admin/accounts/${kim?.accountId}`)).text();
  expect(ownersView).toContain("This sign-up is not complete yet");
  expect(ownersView).not.toContain('id="role-owner"');
  const confirmed = await m("mona").browser.post(`/admin/accounts/${kim?.accountId}/confirm-email`, {});
  expect(confirmed.status).toBe(303);
  expect(userOf("kim")?.emailConfirmedAt).toBeInstanceOf(Date);
  const again = await m("mona").browser.post(`/admin/accounts/${kim?.accountId}/confirm-email`, {});
  expect(again.status).toBe(409);
  expect(await again.text()).toContain("This address is confirmed already.");
  expect(db.select().from(auditLog).where(eq(auditLog.action, "email.confirm")).all()).toHaveLength(1);
  expect((await visitor().login("kim", PASSWORD)).status).toBe(303);
});

test("a sign-up never confirmed is removed a week on, once its latest link expired; its name and invite free again", async () => {
  const olga = db
    .select()
    .from(users)
    .where(eq(users.accountId, m("olga").id))
    .get();
  const invite = createInvite(db, olga?.id ?? "", { maxUses: 1 });
  await signUp("ghost", "ghost@mail.example", { invite_code: invite.code });
  expect(db.select().from(invites).where(eq(invites.id, invite.id)).get()?.uses).toBe(1);
  // (Made in core: one address may sign up ten times an hour.)
  for (const name of ["late", "banned", "young"]) {
    const user = { username: name, email: `${name}@mail.example`, password: PASSWORD, role: "user" as const };
    const { userId } = await createLocalUser(t.deps, { ...user, emailUnconfirmed: true });
    sendAddressLink({ ...t.deps, mailer }, userId, user.email, "signup", () => {});
  }
  const week = 7 * 24 * 3600_000;
  const age = (name: string, ms: number) =>
    db
      .update(users)
      .set({ createdAt: new Date(Date.now() - ms) })
      .where(eq(users.id, userOf(name)?.id ?? ""))
      .run();
  for (const name of ["ghost", "late", "banned", "mona"]) age(name, week + 60_000);
  // Ghost's link expired; late asked for a new one on the sixth day; banned was suspended.
  db.update(emailChanges)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(inArray(emailChanges.userId, [userOf("ghost")?.id ?? "", userOf("banned")?.id ?? ""]))
    .run();
  db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.username, "banned")).run();

  const line = await pruneExpiredRecords({ ...t.deps, media: t.media }, new Date());
  expect(line).toContain("1 sign-up never confirmed");
  expect(userOf("ghost")).toBeUndefined();
  for (const kept of ["late", "banned", "young", "mona"]) expect(userOf(kept)).toBeDefined();
  expect(db.select().from(invites).where(eq(invites.id, invite.id)).get()?.uses).toBe(0);
  const { page } = await signUp("ghost", "ghost@mail.example", { invite_code: invite.code });
  expect(page).toContain("We sent a link to ghost@mail.example.");
});

test("when the instance stops sending e-mail, a sign-up still to confirm is told to ask the moderators, who confirm it", async () => {
  // The same kind of sign-up, on an instance started without --smtp-url.
  const quiet = testApp(origin);
  const owner = await signedInMembers(quiet, origin, ["ola"]);
  const { userId } = await createLocalUser(quiet.deps, {
    username: "stuck",
    email: "stuck@mail.example",
    password: PASSWORD,
    role: "user",
    emailUnconfirmed: true,
  });
  const client = new WebClient((request) => quiet.app.handle(request));
  const refused = await client.post("/login", { username: "stuck", password: PASSWORD });
  expect(await refused.text()).toContain("this server sends no e-mail now: ask its moderators to confirm it.");
  const page = await (await owner("ola").browser.get("/admin/registrations")).text();
  expect(page).toContain("Waiting for an address link that cannot come");
  expect(page).toContain("stuck@mail.example");
  const accountId = quiet.database.sqlite
    .query<{ id: string }, [string]>("SELECT account_id AS id FROM users WHERE id = ?")
    .get(userId)?.id;
  const confirmed = await owner("ola").browser.post(`/admin/accounts/${accountId}/confirm-email`, { back: "registrations" });
  expect(confirmed.headers.get("location")).toBe("/admin/registrations");
  expect(await (await owner("ola").browser.get("/admin/registrations")).text()).not.toContain("stuck@mail.example");
  expect((await client.post("/login", { username: "stuck", password: PASSWORD })).status).toBe(303);
  // With e-mail, the section is not there: the link can still come.
  expect(await (await m("olga").browser.get("/admin/registrations")).text()).not.toContain("cannot come");
});
