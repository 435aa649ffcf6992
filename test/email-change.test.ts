// A member moves to another e-mail address from their settings. With e-mail, the new address gets
// a link (through a real SMTP server on loopback) and becomes theirs when it is opened and
// confirmed; the old address is told. Without, it changes at once. The password confirms it.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { blockEmailDomain } from "../src/core/email-domain-blocks.ts";
import { emailChanges, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each sign-in and password check.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const t = testApp(origin, { mailer: smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" }) });
const m = await signedInMembers(t, origin, ["olga", "ada", "bob", "cleo", "dan"]);
const { db } = t.deps;
const emailOf = (name: string) =>
  db
    .select()
    .from(users)
    .where(eq(users.accountId, m(name).id))
    .get()?.email;
const linkIn = (text: string) => /https:\/\/social\.example(\/settings\/email\/confirm\/[A-Za-z0-9_-]+)/.exec(text)?.[1] ?? "";
const PASSWORD = "correct horse battery";

test("a new address gets a link; it is the member's once confirmed, and the old one is told", async () => {
  const ada = m("ada").browser;
  const asked = await ada.post("/settings/email", { email: "Ada@New.example", email_password: PASSWORD });
  expect(asked.status).toBe(200);
  const page = await asked.text();
  expect(page).toContain("We sent a link to the new address.");
  expect(page).toContain("Waiting for you to open the link sent to Ada@New.example.");
  expect(emailOf("ada")).toBe("ada@example.com");

  const mail = await sink.waitFor("Ada@New.example");
  expect(mail.subject).toBe("Confirm your new e-mail address for social.example");
  const link = linkIn(mail.text);
  // Opening the link changes nothing (mail scanners open links); the button does.
  const visitor = new WebClient((request) => t.app.handle(request));
  const opened = await visitor.get(link);
  expect(await opened.text()).toContain("Use Ada@New.example as the e-mail address of @ada?");
  expect(emailOf("ada")).toBe("ada@example.com");
  const confirmed = await visitor.post(link, {});
  expect(await confirmed.text()).toContain("Ada@New.example is now your e-mail address.");
  expect(emailOf("ada")).toBe("Ada@New.example");
  const notice = await sink.waitFor("ada@example.com");
  expect(notice.text).toContain("The e-mail address of @ada on social.example is now Ada@New.example.");
  // Once only; and she logs in with the new address.
  expect((await visitor.post(link, {})).status).toBe(410);
  await new WebClient((request) => t.app.handle(request)).login("ada@new.example", PASSWORD);
});

test("a wrong password, a bad, blocked or taken address change nothing, each said next to its field", async () => {
  const bob = m("bob").browser;
  blockEmailDomain(db, m("olga").id, { domain: "throwaway.example" });
  const cases: [Record<string, string>, string][] = [
    [{ email: "bob@elsewhere.example", email_password: "wrong password" }, "The password is wrong."],
    [{ email: "not an address", email_password: PASSWORD }, "Enter an email address like you@example.com."],
    [{ email: "bob,eve@example.com", email_password: PASSWORD }, "Enter an email address like you@example.com."],
    [{ email: "bob@mx.throwaway.example", email_password: PASSWORD }, "Addresses at this e-mail provider are not allowed here."],
    [{ email: "OLGA@example.com", email_password: PASSWORD }, "Another account uses this address."],
    [{ email: "bob@example.com", email_password: PASSWORD }, "This is your address already."],
  ];
  for (const [body, message] of cases) {
    const answer = await bob.post("/settings/email", body);
    expect(answer.status).toBe(422);
    const page = await answer.text();
    expect(page).toContain(message);
    expect(page).toContain(`value="${body.email}"`); // kept as typed
  }
  expect(emailOf("bob")).toBe("bob@example.com");
  expect(db.select().from(emailChanges).all()).toEqual([]);
});

test("an address taken while its link waited is refused when confirmed", async () => {
  const bob = m("bob").browser;
  await bob.post("/settings/email", { email: "shared@example.com", email_password: PASSWORD });
  const link = linkIn((await sink.waitFor("shared@example.com")).text);
  db.update(users)
    .set({ email: "shared@example.com" })
    .where(eq(users.accountId, m("olga").id))
    .run();
  const answer = await bob.post(link, {});
  expect(answer.status).toBe(409);
  expect(await answer.text()).toContain("Another account uses this address.");
  expect(emailOf("bob")).toBe("bob@example.com");
});

test("a waiting change can be cancelled, and dies when the password changes or the member is suspended", async () => {
  const cleo = m("cleo").browser;
  const ask = async (email: string) => {
    await cleo.post("/settings/email", { email, email_password: PASSWORD });
    return linkIn((await sink.waitFor(email)).text);
  };
  const cancelled = await ask("cleo@first.example");
  expect((await cleo.post("/settings/email/cancel", {})).status).toBe(303);
  expect(await (await cleo.get("/settings/account")).text()).not.toContain("Waiting for you to open the link");
  expect((await cleo.post(cancelled, {})).status).toBe(410);
  // Someone who had her password asks for their own address; she changes the password: it is void.
  const stale = await ask("cleo@thief.example");
  await cleo.post("/settings/password", {
    current_password: PASSWORD,
    password: "a fresh passphrase",
    password_confirmation: "a fresh passphrase",
  });
  expect((await cleo.post(stale, {})).status).toBe(410);
  expect(emailOf("cleo")).toBe("cleo@example.com");
  // dan asks for a new address, then is suspended: the link does nothing.
  await m("dan").browser.post("/settings/email", { email: "dan@new.example", email_password: PASSWORD });
  const dans = linkIn((await sink.waitFor("dan@new.example")).text);
  expect((await m("olga").browser.post(`/admin/accounts/${m("dan").id}/action`, { action: "suspend", reason: "" })).status).toBe(
    303,
  );
  expect((await new WebClient((request) => t.app.handle(request)).post(dans, {})).status).toBe(410);
  expect(emailOf("dan")).toBe("dan@example.com");
});

test("ten requests an hour per member: each may send a mail and tells whether an address is taken", async () => {
  const olga = m("olga").browser;
  const answers = [];
  for (let i = 0; i < 11; i++)
    answers.push((await olga.post("/settings/email", { email: `olga${i}@x.example`, email_password: PASSWORD })).status);
  expect(answers.slice(0, 10).every((status) => status === 200)).toBe(true);
  expect(answers[10]).toBe(429);
});

test("without e-mail, the address changes at once", async () => {
  const quiet = testApp(origin);
  const olga = (await signedInMembers(quiet, origin, ["olga"]))("olga");
  const answer = await olga.browser.post("/settings/email", { email: "olga@new.example", email_password: PASSWORD });
  expect(await answer.text()).toContain("Your e-mail address is changed.");
  expect(quiet.deps.db.select({ email: users.email }).from(users).get()?.email).toBe("olga@new.example");
});
