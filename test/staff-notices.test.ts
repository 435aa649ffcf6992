// Staff hear of what waits for them, as on Mastodon: a notification in the app (web page, API,
// push) for each report and each sign-up, and an e-mail (through a real SMTP server on loopback)
// for reports and sign-ups waiting for approval, which each of them can turn off.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { updateSettings } from "../src/core/instance.ts";
import { fileRemoteReport } from "../src/core/reports.ts";
import { accounts, notifications, reports, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";
import { eventuallyShows, WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each sign-up and login.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const t = testApp(origin, { mailer: smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" }) });
// olga owns the instance; mona and abe are staff; ursula and tim are members.
const m = await signedInMembers(t, origin, ["olga", "mona", "abe", "ursula", "tim"]);
const { db } = t.deps;
const api = apiAs(t, origin, m);
db.update(users)
  .set({ role: "moderator" })
  .where(eq(users.accountId, m("mona").id))
  .run();
db.update(users)
  .set({ role: "admin" })
  .where(eq(users.accountId, m("abe").id))
  .run();
const PASSWORD = "correct horse battery";

const notesOf = (name: string, type: "admin.report" | "admin.sign_up") =>
  db
    .select()
    .from(notifications)
    .where(eq(notifications.accountId, m(name).id))
    .all()
    .filter((n) => n.type === type);

test("a report reaches every staff member in the app and by e-mail, but not the one it is about", async () => {
  const filed = await api("ursula", "POST", "/api/v1/reports", {
    account_id: m("mona").id,
    comment: "rude to me",
    category: "other",
  });
  expect(filed.status).toBe(200);
  const report = (await filed.json()) as { id: string };
  // Olga's notifications page links to the report.
  const page = await eventuallyShows(m("olga").browser, "/notifications", "reported @mona");
  expect(page).toContain(`<a href="/admin/reports/${report.id}">Open the report</a>`);
  // The API gives Mastodon's admin.report, with the reporter and the report.
  const listed = (await (await api("abe", "GET", "/api/v1/notifications?types[]=admin.report")).json()) as {
    type: string;
    account: { id: string };
    report: { id: string; target_account: { id: string }; comment: string };
  }[];
  expect(listed).toHaveLength(1);
  const grouped = (await (await api("abe", "GET", "/api/v2/notifications?types[]=admin.report")).json()) as {
    notification_groups: { type: string; report: { id: string } }[];
  };
  expect(grouped.notification_groups[0]).toMatchObject({ type: "admin.report", report: { id: report.id } });
  expect(listed[0]).toMatchObject({
    type: "admin.report",
    account: { id: m("ursula").id },
    report: { id: report.id, target_account: { id: m("mona").id }, comment: "rude to me" },
  });
  // Mona is a moderator but the report is about her; members are not told.
  expect(notesOf("mona", "admin.report")).toHaveLength(0);
  expect(notesOf("tim", "admin.report")).toHaveLength(0);
  expect(notesOf("ursula", "admin.report")).toHaveLength(0);

  const mail = await sink.waitFor("abe@example.com");
  expect(mail.subject).toBe("New report on social.example: @mona");
  expect(mail.text).toContain("@ursula reported @mona (other).");
  expect(mail.text).toContain(`https://social.example/admin/reports/${report.id}`);
  await sink.waitFor("olga@example.com");
});

test("a staff member who turns report e-mail off still sees the report in the app", async () => {
  const settings = await m("abe").browser.get("/settings/account");
  expect(await settings.text()).toContain("E-mail as a moderator");
  expect(await (await m("tim").browser.get("/settings/account")).text()).not.toContain("E-mail as a moderator");
  const saved = await m("abe").browser.post("/settings/staff-mail", { signups: "1" });
  expect(await saved.text()).toContain("Your e-mail choices are saved.");
  expect(
    db
      .select()
      .from(users)
      .where(eq(users.accountId, m("abe").id))
      .get(),
  ).toMatchObject({
    mailReports: false,
    mailSignups: true,
  });
  // A member's post to the same form changes nothing.
  await m("tim").browser.post("/settings/staff-mail", {});
  expect(
    db
      .select()
      .from(users)
      .where(eq(users.accountId, m("tim").id))
      .get(),
  ).toMatchObject({ mailReports: true });

  const filed = await api("tim", "POST", "/api/v1/reports", { account_id: m("ursula").id, comment: "spam" });
  const { id } = (await filed.json()) as { id: string };
  await sink.waitFor("olga@example.com", id); // olga keeps it on
  await eventuallyShows(m("abe").browser, "/notifications", `/admin/reports/${id}`);
  await Bun.sleep(300);
  expect(sink.mails.filter((mail) => mail.to.includes("abe@example.com") && mail.text.includes(id))).toHaveLength(0);
});

test("a sign-up waiting for approval is announced once its address is confirmed, with its reason", async () => {
  updateSettings(db, { registrationMode: "approval" });
  const visitor = new WebClient((request) => t.app.handle(request));
  await visitor.post("/signup", {
    username: "newcomer",
    email: "newcomer@mail.example",
    password: PASSWORD,
    password_confirmation: PASSWORD,
    agreement: "1",
    reason: "I knit socks.",
  });
  const link = /https:\/\/social\.example(\/settings\/email\/confirm\/[A-Za-z0-9_-]+)/.exec(
    (await sink.waitFor("newcomer@mail.example")).text,
  )?.[1];
  await Bun.sleep(200);
  expect(notesOf("olga", "admin.sign_up")).toHaveLength(0); // not before the address is confirmed
  await visitor.post(link ?? "", {});

  const page = await eventuallyShows(m("mona").browser, "/notifications", "signed up");
  expect(page).toContain('<a href="/admin/registrations">Review</a>');
  expect(page).toMatch(/<a href="\/admin\/accounts\/[^"]+" class="account-line">/); // its profile is nobody's to see yet
  const mail = await sink.waitFor("mona@example.com", "@newcomer");
  expect(mail.subject).toBe("@newcomer waits for approval on social.example");
  expect(mail.text).toContain("Why they want to join:\r\n> I knit socks."); // quoted: their words, not ours
  expect(mail.text).toContain("https://social.example/admin/registrations");
  const listed = (await (await api("olga", "GET", "/api/v1/notifications?types[]=admin.sign_up")).json()) as {
    account: { username: string };
  }[];
  expect(listed.map((n) => n.account.username)).toEqual(["newcomer"]);
  expect(notesOf("tim", "admin.sign_up")).toHaveLength(0);
});

test("an open sign-up is announced in the app only, and links to the account", async () => {
  updateSettings(db, { registrationMode: "open" });
  const mailsBefore = sink.mails.length;
  const visitor = new WebClient((request) => t.app.handle(request));
  await visitor.post("/signup", {
    username: "walkin",
    email: "walkin@mail.example",
    password: PASSWORD,
    password_confirmation: PASSWORD,
    agreement: "1",
  });
  const link = /https:\/\/social\.example(\/settings\/email\/confirm\/[A-Za-z0-9_-]+)/.exec(
    (await sink.waitFor("walkin@mail.example")).text,
  )?.[1];
  await visitor.post(link ?? "", {});
  const page = await eventuallyShows(m("abe").browser, "/notifications", "See the account");
  expect(page).toMatch(/<a href="\/admin\/accounts\/[^"]+">See the account<\/a>/);
  await Bun.sleep(300);
  // Only the confirmation link was mailed: no staff e-mail for a sign-up that needs nobody.
  expect(sink.mails.slice(mailsBefore).map((mail) => mail.to)).toEqual([["walkin@mail.example"]]);
});

test("a member files ten reports an hour at most; a server's Flag is stored once", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++)
    statuses.push((await api("ursula", "POST", "/api/v1/reports", { account_id: m("tim").id, comment: `${i}` })).status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(9); // one filed in the first test
  const refused = await api("ursula", "POST", "/api/v1/reports", { account_id: m("tim").id, comment: "more" });
  expect(refused.status).toBe(429);
  expect(refused.headers.get("retry-after")).toBeTruthy();

  const remote = db
    .insert(accounts)
    .values({ id: "remote-mod", username: "mod", domain: "other.example", uri: "https://other.example/mod" })
    .returning()
    .get();
  const flag = {
    reporterId: remote.id,
    reporterDomain: "other.example",
    targetAccountId: m("tim").id,
    uri: "https://other.example/flags/1",
  };
  expect(fileRemoteReport(t.deps, flag)).toBe(true);
  expect(fileRemoteReport(t.deps, flag)).toBe(false); // a repeated delivery
  expect(db.select().from(reports).where(eq(reports.uri, flag.uri)).all()).toHaveLength(1);
});

test("a moderator made a member again no longer sees reports or sign-ups", async () => {
  expect(notesOf("mona", "admin.sign_up").length).toBeGreaterThan(0);
  const demoted = await m("olga").browser.post(`/admin/accounts/${m("mona").id}/role`, { role: "user" });
  expect(demoted.status).toBe(303);
  expect(notesOf("mona", "admin.sign_up")).toHaveLength(0);
  expect(notesOf("mona", "admin.report")).toHaveLength(0);
  expect(await (await m("mona").browser.get("/notifications")).text()).not.toContain("signed up");
});

test("a staff member gets ten such e-mails an hour at most; the app's notifications go on", async () => {
  // Olga's hour so far: two reports, two sign-ups (one waiting, mailed) and the nine reports of the limit test.
  const last = await sink.waitFor("olga@example.com", "This is the last of 10 this hour");
  expect(last.subject).toStartWith("New report on social.example");
  await Bun.sleep(300);
  const staffMails = sink.mails.filter(
    (mail) => mail.to.includes("olga@example.com") && /^(New report|@\w+ waits for approval)/.test(mail.subject),
  );
  expect(staffMails).toHaveLength(9); // ten notifications, one of them (an open sign-up) never mailed
  expect(notesOf("olga", "admin.report").length).toBeGreaterThan(10);
});
