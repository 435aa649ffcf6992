// A member can appeal a moderation action once, within 20 days, as on Mastodon: from their notes
// from moderators, or, suspended, from the page the login shows them. Staff who may decide hear of
// it by e-mail and answer on /admin/appeals; approving undoes the action, and the member hears
// the answer by e-mail (a real SMTP server on loopback).
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import { accounts, accountWarnings, appeals, auditLog, sessions, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { deleteExpiredSuspensions, SUSPENSION_GRACE_MS } from "../src/core/account-deletion.ts";
import { fileAppeal } from "../src/core/appeals.ts";
import { createSession } from "../src/core/sessions.ts";
import { instanceSecret } from "../src/core/instance.ts";
import { signTicket } from "../src/web/tickets.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

setDefaultTimeout(60_000);

const origin = "https://social.example";
const PASSWORD = "correct horse battery";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const t = testApp(origin, { mailer: smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" }) });
// olga owns the instance, mona moderates; the others are members.
const m = await signedInMembers(t, origin, ["olga", "mona", "tim", "uma", "vic", "wes", "xan"]);
const { db } = t.deps;
const api = apiAs(t, origin, m);
db.update(users)
  .set({ role: "moderator" })
  .where(eq(users.accountId, m("mona").id))
  .run();

const act = (staff: string, target: string, action: string, reason: string, notify = true) =>
  m(staff).browser.post(`/admin/accounts/${m(target).id}/action`, { action, reason, ...(notify ? { notify: "1" } : {}) });
const latestWarning = (name: string) =>
  db
    .select()
    .from(accountWarnings)
    .where(eq(accountWarnings.accountId, m(name).id))
    .orderBy(desc(accountWarnings.id))
    .get();
const appealOf = (warningId: string) => db.select().from(appeals).where(eq(appeals.warningId, warningId)).get();
const accountOf = (name: string) =>
  db
    .select()
    .from(accounts)
    .where(eq(accounts.id, m(name).id))
    .get();

test("a member appeals a note once, and gets a clear answer for an empty, a second or someone else's appeal", async () => {
  expect((await act("mona", "tim", "sensitive", "Unmarked gore in your photos.")).status).toBe(303);
  const warning = latestWarning("tim");
  if (!warning) throw new Error("no warning");
  // The note arrives by e-mail too, with where to appeal.
  const mail = await sink.waitFor("tim@example.com", "marked sensitive");
  expect(mail.subject).toBe("Your posts are marked sensitive (social.example)");
  expect(mail.text).toContain("> Unmarked gore in your photos.");
  expect(mail.text).toContain("you can appeal within 20 days:");
  expect(mail.text).toContain("https://social.example/settings/warnings");

  const page = await (await m("tim").browser.get("/settings/warnings")).text();
  expect(page).toContain("Unmarked gore in your photos.");
  expect(page).toContain(`action="/settings/warnings/${warning.id}/appeal"`);

  const empty = await m("tim").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "   " });
  expect(empty.status).toBe(422);
  expect(await empty.text()).toContain("Say why the moderators should undo this.");
  const long = await m("tim").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "x".repeat(2001) });
  expect(await long.text()).toContain("Use at most 2000 characters.");
  expect(appealOf(warning.id)).toBeUndefined();
  // Someone else's note is not theirs to appeal.
  expect((await m("uma").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "mine now" })).status).toBe(404);

  const sent = await m("tim").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "They were <b>paintings</b>." });
  expect(sent.status).toBe(303);
  const after = await (await m("tim").browser.get(sent.headers.get("location") ?? "")).text();
  expect(after).toContain("Your appeal is sent.");
  expect(after).toContain("They were &lt;b&gt;paintings&lt;/b&gt;.");
  expect(after).toContain("The moderators have not answered yet.");
  expect(after).not.toContain(`action="/settings/warnings/${warning.id}/appeal"`);
  const again = await m("tim").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "Again" });
  expect(again.status).toBe(422);
  expect(await again.text()).toContain("You appealed this already.");

  // The owner keeps appeal mail on and may decide; the API's moderation_warning carries the appeal.
  const staffMail = await sink.waitFor("olga@example.com", "appealed");
  expect(staffMail.subject).toBe("@tim appealed a moderation decision on social.example");
  expect(staffMail.text).toContain("> They were <b>paintings</b>.");
  expect(staffMail.text).toContain("https://social.example/admin/appeals");
  const notes = (await (await api("tim", "GET", "/api/v1/notifications?types[]=moderation_warning")).json()) as {
    moderation_warning: { id: string; action: string; appeal: { text: string; state: string } | null };
  }[];
  expect(notes[0]?.moderation_warning).toMatchObject({
    id: warning.id,
    action: "mark_statuses_as_sensitive",
    appeal: { text: "They were <b>paintings</b>.", state: "pending" },
  });
});

test("approving an appeal undoes the action and tells the member; a second answer is refused", async () => {
  const warning = latestWarning("tim");
  const appeal = warning && appealOf(warning.id);
  if (!appeal) throw new Error("no appeal");
  expect(accountOf("tim")?.sensitizedAt).not.toBeNull();
  const queue = await (await m("mona").browser.get("/admin/appeals")).text();
  expect(queue).toContain("@tim");
  expect(queue).toContain("They were &lt;b&gt;paintings&lt;/b&gt;.");
  expect(await (await m("olga").browser.get("/admin")).text()).toContain("Waiting appeals");

  expect((await m("mona").browser.post(`/admin/appeals/${appeal.id}/approve`, {})).status).toBe(303);
  expect(accountOf("tim")?.sensitizedAt).toBeNull();
  expect(db.select().from(accountWarnings).where(eq(accountWarnings.id, appeal.warningId)).get()?.overruledAt).not.toBeNull();
  expect(latestWarning("tim")).toMatchObject({ action: "unsensitive", text: "Your appeal was approved." });
  const mail = await sink.waitFor("tim@example.com", "approved");
  expect(mail.subject).toBe("Your appeal was approved (social.example)");
  expect(mail.text).toContain("The action is overruled and lifted.");
  // The lifting is in the member's history, as an undo by a moderator would be.
  const history = await (await m("tim").browser.get("/settings/warnings")).text();
  expect(history).toContain("the action is overruled");
  expect(history).toContain("Your posts are no longer marked sensitive");
  const audit = db.select().from(auditLog).where(eq(auditLog.action, "appeal.approve")).all();
  expect(audit).toHaveLength(1);

  const twice = await m("olga").browser.post(`/admin/appeals/${appeal.id}/reject`, {});
  expect(twice.status).toBe(409);
  expect(await twice.text()).toContain("This appeal was answered already.");
  expect(appealOf(appeal.warningId)?.approved).toBe(true);
  expect(await (await m("mona").browser.get("/admin/appeals?state=decided")).text()).toContain("Approved by @mona");
});

test("rejecting keeps the action; a later action of the same kind survives approving an older appeal", async () => {
  await act("mona", "uma", "silence", "Reply spam.");
  const first = latestWarning("uma");
  if (!first) throw new Error("no warning");
  await m("uma").browser.post(`/settings/warnings/${first.id}/appeal`, { text: "It was one thread." });
  await act("mona", "uma", "unsilence", "");
  await act("mona", "uma", "silence", "Reply spam again.");
  const second = latestWarning("uma");
  if (!second) throw new Error("no warning");
  await m("uma").browser.post(`/settings/warnings/${second.id}/appeal`, { text: "Still one thread." });

  const older = appealOf(first.id);
  const newer = appealOf(second.id);
  if (!older || !newer) throw new Error("no appeals");
  await m("olga").browser.post(`/admin/appeals/${older.id}/approve`, {});
  expect(accountOf("uma")?.silencedAt).not.toBeNull();
  await m("olga").browser.post(`/admin/appeals/${newer.id}/reject`, {});
  expect(accountOf("uma")?.silencedAt).not.toBeNull();
  const mail = await sink.waitFor("uma@example.com", "rejected");
  expect(mail.text).toContain("The action stays as it was.");
  // The upheld limit still stands: approving a third one leaves the account limited.
  await act("mona", "uma", "silence", "And again.");
  const third = latestWarning("uma");
  await m("uma").browser.post(`/settings/warnings/${third?.id}/appeal`, { text: "Not again." });
  await m("olga").browser.post(`/admin/appeals/${third && appealOf(third.id)?.id}/approve`, {});
  expect(accountOf("uma")?.silencedAt).not.toBeNull();
  const approved = await sink.waitFor("uma@example.com", "approved");
  expect(approved.text).toContain("another action of the same kind is still in force");
});

test("staff cannot answer the appeal of someone of their rank, and only staff who may decide get the mail", async () => {
  db.update(users)
    .set({ role: "moderator" })
    .where(eq(users.accountId, m("xan").id))
    .run();
  await act("olga", "xan", "warn", "Be kinder in reports.");
  const warning = latestWarning("xan");
  if (!warning) throw new Error("no warning");
  await m("xan").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "I was kind." });
  const appeal = appealOf(warning.id);
  if (!appeal) throw new Error("no appeal");
  // A moderator neither sees nor answers a fellow moderator's appeal.
  expect(await (await m("mona").browser.get("/admin/appeals")).text()).not.toContain("I was kind.");
  expect(await (await m("olga").browser.get("/admin/appeals")).text()).toContain("I was kind.");
  const refused = await m("mona").browser.post(`/admin/appeals/${appeal.id}/approve`, {});
  expect(refused.status).toBe(403);
  expect(appealOf(warning.id)?.decidedAt).toBeNull();
  await sink.waitFor("olga@example.com", "@xan appealed");
  expect(sink.mails.some((mail) => mail.to.includes("mona@example.com") && mail.subject.includes("@xan"))).toBe(false);
  db.update(users)
    .set({ role: "user" })
    .where(eq(users.accountId, m("xan").id))
    .run();
});

test("an action older than 20 days, an undo, a lifted action, or one kept from the member cannot be appealed", async () => {
  await act("mona", "vic", "warn", "Old news.", false);
  const warning = latestWarning("vic");
  if (!warning) throw new Error("no warning");
  // Not told: no mail, but the note is on their page as on Mastodon, and can still be appealed.
  expect(sink.mails.some((mail) => mail.to.includes("vic@example.com"))).toBe(false);
  expect(await (await m("vic").browser.get("/settings/warnings")).text()).toContain("Appeal");
  db.update(accountWarnings)
    .set({ createdAt: new Date(Date.now() - 21 * 24 * 3600_000) })
    .where(eq(accountWarnings.id, warning.id))
    .run();
  const page = await (await m("vic").browser.get("/settings/warnings")).text();
  expect(page).not.toContain(`/settings/warnings/${warning.id}/appeal`);
  const late = await m("vic").browser.post(`/settings/warnings/${warning.id}/appeal`, { text: "Too late?" });
  expect(late.status).toBe(422);
  expect(await late.text()).toContain("An action can be appealed for 20 days; this one is older.");
  await act("mona", "vic", "silence", "");
  const limit = latestWarning("vic");
  await act("mona", "vic", "unsilence", "");
  const undo = latestWarning("vic");
  const refused = await m("vic").browser.post(`/settings/warnings/${undo?.id}/appeal`, { text: "?" });
  expect(await refused.text()).toContain("There is nothing to appeal here.");
  // The limit itself was lifted: nothing left to ask for, until the moderators limit the account again.
  expect(await (await m("vic").browser.get("/settings/warnings")).text()).not.toContain(`/settings/warnings/${limit?.id}/appeal`);
  const lifted = await m("vic").browser.post(`/settings/warnings/${limit?.id}/appeal`, { text: "Please lift it" });
  expect(lifted.status).toBe(422);
  expect(await lifted.text()).toContain("The moderators lifted this already.");
  await act("mona", "vic", "silence", "Again.");
  const again = latestWarning("vic");
  const page2 = await (await m("vic").browser.get("/settings/warnings")).text();
  expect(page2).toContain(`/settings/warnings/${again?.id}/appeal`);
  expect(page2).not.toContain(`/settings/warnings/${limit?.id}/appeal`);
});

test("a suspended member reads the note after their password, appeals with the ticket, and logs in once it is approved", async () => {
  await act("mona", "wes", "suspend", "Ban evasion.");
  const mail = await sink.waitFor("wes@example.com", "suspended");
  expect(mail.text).toContain("https://social.example/login (log in to read this note and appeal)");
  const browser = new WebClient((r) => t.app.handle(r));
  const wrong = await browser.post("/login", { username: "wes", password: "not it" });
  expect(wrong.status).toBe(422);
  expect(await wrong.text()).not.toContain("Ban evasion.");

  const shown = await browser.post("/login", { username: "wes", password: PASSWORD });
  expect(shown.status).toBe(403);
  expect(browser.cookies.has("skein_session")).toBe(false);
  const html = await shown.text();
  expect(html).toContain("Your account is suspended");
  expect(html).toContain("Ban evasion.");
  const ticket = /name="ticket" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const warningId = /name="warning_id" value="([^"]+)"/.exec(html)?.[1] ?? "";
  expect(ticket).not.toBe("");
  expect(() => createSession(db, userIdOf("wes"))).toThrow("This account is suspended.");

  // A ticket made up, or signed for another purpose, leads back to the login.
  for (const forged of ["", `${ticket}x`, signTicket(instanceSecret(db), "other", userIdOf("wes"))]) {
    const res = await browser.post("/login/appeal", { ticket: forged, warning_id: warningId, text: "Let me in" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
  }
  const empty = await browser.post("/login/appeal", { ticket, warning_id: warningId, text: "" });
  expect(empty.status).toBe(422);
  const refusedPage = await empty.text();
  expect(refusedPage).toContain("Say why the moderators should undo this.");
  // The refused page's ticket keeps the first one's expiry: an hour from the password, not renewed.
  expect(/name="ticket" value="[^."]+\.(\d+)\./.exec(refusedPage)?.[1]).toBe(ticket.split(".")[1]);
  const sent = await browser.post("/login/appeal", { ticket, warning_id: warningId, text: "That was my sister's account." });
  expect(await sent.text()).toContain("Your appeal is sent.");
  const warning = latestWarning("wes");
  const appeal = warning && appealOf(warning.id);
  if (!appeal) throw new Error("no appeal");
  expect(appeal.text).toBe("That was my sister's account.");

  await m("olga").browser.post(`/admin/appeals/${appeal.id}/approve`, {});
  expect(accountOf("wes")?.suspendedAt).toBeNull();
  const approved = await sink.waitFor("wes@example.com", "approved");
  expect(approved.text).toContain("You can log in again.");
  expect((await browser.post("/login", { username: "wes", password: PASSWORD })).status).toBe(303);
});

test("a suspended member with two-factor authentication gives the code before seeing the note", async () => {
  const key = "JBSWY3DPEHPK3PXP";
  db.update(users)
    .set({ otpSecret: key, otpEnabledAt: new Date() })
    .where(eq(users.accountId, m("vic").id))
    .run();
  await act("olga", "vic", "suspend", "Threats.");
  const browser = new WebClient((r) => t.app.handle(r));
  const first = await (await browser.post("/login", { username: "vic", password: PASSWORD })).text();
  expect(first).toContain("Two-factor code");
  expect(first).not.toContain("Threats.");
  const code = new TOTP({ secret: Secret.fromBase32(key) }).generate();
  const second = await browser.post("/login/code", { code });
  expect(second.status).toBe(403);
  expect(await second.text()).toContain("Threats.");
  expect(
    db
      .select()
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(users.accountId, m("vic").id))
      .all(),
  ).toHaveLength(0);
});

function userIdOf(name: string): string {
  return (
    db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.accountId, m(name).id))
      .get()?.id ?? ""
  );
}

test("a suspended account is not deleted after the grace period while its appeal waits", async () => {
  await act("olga", "xan", "suspend", "Spam links.");
  const warning = latestWarning("xan");
  if (!warning) throw new Error("no warning");
  fileAppeal(t.deps, m("xan").id, warning.id, "Those were my shop's links.");
  const later = new Date(Date.now() + SUSPENSION_GRACE_MS + 24 * 3600_000);
  deleteExpiredSuspensions(t.deps, later);
  expect(accountOf("xan")).toBeDefined();
  const appeal = appealOf(warning.id);
  await m("olga").browser.post(`/admin/appeals/${appeal?.id}/reject`, {});
  deleteExpiredSuspensions(t.deps, later);
  expect(accountOf("xan")).toBeUndefined();
});

test("a removed post stays with the note: the member, the appeal's reader and the API see what was removed", async () => {
  const posted = await m("tim").browser.post("/statuses", { status: "Buy <em>cheap</em> yarn at spam.example" });
  expect(posted.status).toBe(303);
  const postId = (await (await api("tim", "GET", `/api/v1/accounts/${m("tim").id}/statuses?limit=1`)).json()) as { id: string }[];
  const id = postId[0]?.id ?? "";
  expect((await m("mona").browser.post(`/admin/posts/${id}/delete`, { reason: "Advertising." })).status).toBe(303);
  const warning = latestWarning("tim");
  expect(warning).toMatchObject({ action: "delete_post", text: "Advertising." });
  expect(warning?.posts.map((p) => p.id)).toEqual([id]);
  const page = await (await m("tim").browser.get("/settings/warnings")).text();
  expect(page).toContain("The post removed:");
  expect(page).toContain("Buy &lt;em&gt;cheap&lt;/em&gt; yarn");
  await m("tim").browser.post(`/settings/warnings/${warning?.id}/appeal`, { text: "It is my own shop." });
  expect(await (await m("olga").browser.get("/admin/appeals")).text()).toContain("Buy &lt;em&gt;cheap&lt;/em&gt; yarn");
  const notes = (await (await api("tim", "GET", "/api/v1/notifications?types[]=moderation_warning")).json()) as {
    moderation_warning: { action: string; status_ids: string[] | null };
  }[];
  expect(notes[0]?.moderation_warning).toMatchObject({ action: "delete_statuses", status_ids: [id] });
});
