// "Forgot your password?": a link by e-mail, through a real SMTP server (smtp-server, on
// loopback), that works once and for an hour; or, when a member gets no e-mail, a link an admin
// makes to hand over. Nobody learns from the answers who has an account here.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { accounts, auditLog, passwordResets, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each sign-in and new password.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const t = testApp(origin, { mailer: smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" }) });
const m = await signedInMembers(t, origin, ["olga", "ada", "bob", "cleo"]);
const { db } = t.deps;
const send = (request: Request) => t.app.handle(request);
const visitor = () => new WebClient(send);
const mailsTo = (address: string) => sink.mails.filter((mail) => mail.to.includes(address));
const linkIn = (text: string) => /https:\/\/social\.example\/password\/reset\/[A-Za-z0-9_-]+/.exec(text)?.[0] ?? "";
const pathOf = (link: string) => new URL(link).pathname;

test("a member who forgot their password gets a link by e-mail: it works once, and logs them out everywhere", async () => {
  const guest = visitor();
  expect(await (await guest.get("/login")).text()).toContain('<a href="/password/forgot">Forgot your password?</a>');
  const asked = await guest.post("/password/forgot", { email: " ADA@example.com " });
  expect(asked.status).toBe(200);
  expect(await asked.text()).toContain("If an account here uses this address, a link to choose a new password is on its way.");

  const mail = await sink.waitFor("ada@example.com");
  expect(mail.subject).toBe("Choose a new password for social.example");
  expect(mail.text).toContain("for @ada on social.example");
  const link = linkIn(mail.text);
  // Only the token's hash is kept.
  const token = pathOf(link).split("/").pop() ?? "";
  expect(
    db
      .select()
      .from(passwordResets)
      .all()
      .map((r) => r.id),
  ).not.toContain(token);

  const form = await guest.get(pathOf(link));
  expect(form.status).toBe(200);
  expect(form.headers.get("cache-control")).toBe("no-store");
  expect(await form.text()).toContain("For @ada.");
  const short = await guest.post(pathOf(link), { password: "short", password_confirmation: "short" });
  expect(short.status).toBe(422);
  expect(await short.text()).toContain("Use at least 10 characters");
  const differ = await guest.post(pathOf(link), { password: "a new long passphrase", password_confirmation: "another one" });
  expect(await differ.text()).toContain("The two passwords differ.");

  const done = await guest.post(pathOf(link), {
    password: "a new long passphrase",
    password_confirmation: "a new long passphrase",
  });
  expect(done.status).toBe(303);
  expect(done.headers.get("location")).toBe("/login?password=changed");
  expect(await (await guest.get("/login?password=changed")).text()).toContain("Your password is changed. Log in with it.");
  // Her sessions ended, and her apps lost their access (as on Mastodon: whoever had the old
  // password may have connected one).
  expect((await m("ada").browser.get("/settings")).status).toBe(303);
  const me = await send(
    new Request(`${origin}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${m("ada").token}` } }),
  );
  expect(me.status).toBe(401);
  // The old password is gone, the new one works, and the link works once.
  expect((await visitor().post("/login", { username: "ada", password: "correct horse battery" })).status).toBe(422);
  await visitor().login("ada", "a new long passphrase");
  const again = await guest.get(pathOf(link));
  expect(again.status).toBe(410);
  expect(await again.text()).toContain("This link has expired or was used already.");
  expect(
    (await guest.post(pathOf(link), { password: "yet another phrase", password_confirmation: "yet another phrase" })).status,
  ).toBe(410);
});

test("an address nobody uses gets the same answer and no e-mail; a bad one is explained; a member gets three links an hour", async () => {
  const guest = visitor();
  const nobody = await guest.post("/password/forgot", { email: "nobody@example.com" });
  expect(await nobody.text()).toContain("If an account here uses this address");
  const bad = await guest.post("/password/forgot", { email: "not an address" });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("Enter an email address like you@example.com.");
  for (let i = 0; i < 4; i++) expect((await guest.post("/password/forgot", { email: "bob@example.com" })).status).toBe(200);
  await sink.waitFor("bob@example.com");
  await Bun.sleep(300);
  expect(mailsTo("bob@example.com")).toHaveLength(3);
  expect(mailsTo("nobody@example.com")).toHaveLength(0);
});

test("a link past its hour no longer works", async () => {
  await visitor().post("/password/forgot", { email: "cleo@example.com" });
  const link = linkIn((await sink.waitFor("cleo@example.com")).text);
  const cleo = db.select().from(users).where(eq(users.email, "cleo@example.com")).get();
  db.update(passwordResets)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(passwordResets.userId, cleo?.id ?? ""))
    .run();
  expect((await visitor().get(pathOf(link))).status).toBe(410);
});

test("admins make a link to hand over, for members below them only", async () => {
  db.update(users)
    .set({ role: "admin" })
    .where(eq(users.accountId, m("bob").id))
    .run();
  db.update(users)
    .set({ role: "moderator" })
    .where(eq(users.accountId, m("cleo").id))
    .run();
  // A moderator sees no such button and cannot make one.
  expect(await (await m("cleo").browser.get(`/admin/accounts/${m("ada").id}`)).text()).not.toContain("Make a password link");
  expect((await m("cleo").browser.post(`/admin/accounts/${m("ada").id}/password-link`, {})).status).toBe(403);
  // An admin cannot for the owner.
  const up = await m("bob").browser.post(`/admin/accounts/${m("olga").id}/password-link`, {});
  expect(up.status).toBe(403);

  const page = await m("olga").browser.post(`/admin/accounts/${m("ada").id}/password-link`, {});
  expect(page.status).toBe(200);
  expect(page.headers.get("cache-control")).toBe("no-store");
  const link = linkIn(await page.text());
  expect(link).not.toBe("");
  expect(await (await visitor().get(pathOf(link))).text()).toContain("For @ada.");
  // An admin's link works only while its maker may make it: not once bob is no admin any more.
  const bobs = linkIn(await (await m("bob").browser.post(`/admin/accounts/${m("ada").id}/password-link`, {})).text());
  expect((await visitor().get(pathOf(bobs))).status).toBe(200);
  db.update(users)
    .set({ role: "user" })
    .where(eq(users.accountId, m("bob").id))
    .run();
  expect((await visitor().get(pathOf(bobs))).status).toBe(410);
  // The link sets a password; a password changed another way (in the settings) ends every link.
  const set = await visitor().post(pathOf(link), { password: "set by the link", password_confirmation: "set by the link" });
  expect(set.status).toBe(303);
  const later = linkIn(await (await m("olga").browser.post(`/admin/accounts/${m("ada").id}/password-link`, {})).text());
  const ada = visitor();
  await ada.login("ada", "set by the link");
  const changed = await ada.post("/settings/password", {
    current_password: "set by the link",
    password: "changed in the settings",
    password_confirmation: "changed in the settings",
  });
  expect(changed.status).toBeLessThan(400);
  expect((await visitor().get(pathOf(later))).status).toBe(410);
  const audited = db.select().from(auditLog).where(eq(auditLog.action, "account.password_link")).all();
  const [olga, bob, adaId] = [m("olga").id, m("bob").id, m("ada").id];
  expect(audited.map((a) => [a.actorId, a.targetId])).toEqual([
    [olga, adaId],
    [bob, adaId],
    [olga, adaId],
  ]);
});

test("an admin's link dies with its maker's suspension or account", async () => {
  db.update(users)
    .set({ role: "admin" })
    .where(eq(users.accountId, m("bob").id))
    .run();
  const make = async () =>
    pathOf(linkIn(await (await m("bob").browser.post(`/admin/accounts/${m("cleo").id}/password-link`, {})).text()));
  db.update(users)
    .set({ role: "user" })
    .where(eq(users.accountId, m("cleo").id))
    .run();
  const first = await make();
  const second = await make();
  expect((await visitor().get(first)).status).toBe(200);
  db.update(accounts)
    .set({ suspendedAt: new Date() })
    .where(eq(accounts.id, m("bob").id))
    .run();
  expect((await visitor().get(first)).status).toBe(410);
  db.update(accounts)
    .set({ suspendedAt: null })
    .where(eq(accounts.id, m("bob").id))
    .run();
  expect((await visitor().get(second)).status).toBe(200);
  db.delete(accounts)
    .where(eq(accounts.id, m("bob").id))
    .run();
  expect((await visitor().get(second)).status).toBe(410);
  expect(
    db
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.createdBy, m("bob").id))
      .all(),
  ).toEqual([]);
});

test("admins send themselves a test e-mail from the settings, and read the server's answer when it fails", async () => {
  const page = await (await m("olga").browser.post("/admin/settings/test-email", {})).text();
  expect(page).toContain("Sent to olga@example.com.");
  expect((await sink.waitFor("olga@example.com")).subject).toBe("A test e-mail from social.example");
  // From the page (htmx) the answer replaces the e-mail card alone: the address stays /admin/settings.
  const card = await (
    await m("olga").browser.post("/admin/settings/test-email", {}, { headers: { "hx-request": "true" } })
  ).text();
  expect(card).toStartWith("<form");
  expect(card).toContain("Sent to olga@example.com.");
  // A mail server that is not there.
  const broken = testApp(origin, {
    mailer: smtpMailer({ smtpUrl: "smtp://127.0.0.1:9", from: "Skein <noreply@social.example>" }),
  });
  const owner = (await signedInMembers(broken, origin, ["olga"]))("olga");
  expect(await (await owner.browser.post("/admin/settings/test-email", {})).text()).toContain("It could not be sent:");
});

test("without an SMTP server, the page says whom to ask", async () => {
  const quiet = testApp(origin);
  const guest = new WebClient((request) => quiet.app.handle(request));
  const page = await (await guest.get("/password/forgot")).text();
  expect(page).toContain("This server sends no e-mail. Ask its admins");
  expect(page).not.toContain('name="email"');
  expect(await (await guest.post("/password/forgot", { email: "ada@example.com" })).text()).toContain(
    "This server sends no e-mail.",
  );
  const owner = (await signedInMembers(quiet, origin, ["olga"]))("olga");
  const settings = await (await owner.browser.get("/admin/settings")).text();
  expect(settings).toContain("This instance sends no e-mail: start it with");
  expect(settings).toContain("open sign-ups confirm no address");
  // No contact chosen: the owner is whom to ask, here and for apps.
  expect(await (await guest.get("/password/forgot")).text()).toContain("Ask its admins (@olga)");
  const instance = (await (await quiet.app.handle(new Request(`${origin}/api/v2/instance`))).json()) as {
    contact: { account: { username: string } };
  };
  expect(instance.contact.account.username).toBe("olga");
});
