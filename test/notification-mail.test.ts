// Notifications by e-mail for members who are away, as Mastodon sends them, through a real SMTP
// server on loopback: which are mailed by default, the wait that lets a member who is around see
// them first, one e-mail for what comes in together, the member's choices, and the link (and
// mail programs' one-click) that stops them without logging in.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { instanceSecret } from "../src/core/instance.ts";
import { refusedForGood } from "../src/core/mail.ts";
import { MAIL_EVERY_MS, MAIL_WAIT_MS, mailNotifications } from "../src/core/notification-mail.ts";
import { notifications, users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { unsubscribeUrl } from "../src/web/unsubscribe.tsx";
import { apiAs, form, signedInMembers, testApp } from "./helpers/app.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each login.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const mailer = smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" });
const t = testApp(origin, { mailer });
const m = await signedInMembers(t, origin, ["olga", "ana", "ben", "cyd"]);
const api = apiAs(t, origin, m);
const { db } = t.deps;
const failures: unknown[] = [];
const deps = {
  ...t.deps,
  mailer,
  online: (accountId: string) => t.live.listening(accountId),
  unsubscribeUrl: unsubscribeUrl(instanceSecret(db), t.deps.baseUrl),
  onMailFailure: (error: unknown) => failures.push(error),
};

// The job's clock: each run is a step past the wait and past the ten minutes between two e-mails.
let clock = Date.now();
const runLater = (ms = MAIL_EVERY_MS + MAIL_WAIT_MS) => {
  clock += ms;
  return mailNotifications(deps, new Date(clock));
};
/** A mail's body with its lines ended as in the code that wrote it. */
const body = (mail: { text: string }) => mail.text.replaceAll("\r\n", "\n");
const mailsTo = (name: string) => sink.mails.filter((mail) => mail.to.includes(`${name}@example.com`));

async function post(who: string, body: Record<string, unknown>) {
  const response = await api(who, "POST", "/api/v1/statuses", body);
  expect(response.status).toBe(200);
  return (await response.json()) as { id: string; url: string };
}

test("a mention is mailed once its wait is over, with its words, a link to it and a one-click way out", async () => {
  const mention = await post("ben", { status: "@ana are you coming to the picnic on Sunday?" });
  // Too fresh: a member who is around sees it first.
  expect(await mailNotifications(deps, new Date(clock))).toBe(0);
  expect(await runLater(MAIL_WAIT_MS + 1000)).toBe(1);
  const mail = await sink.waitFor("ana@example.com", "picnic");
  expect(mail.subject).toBe("@ben mentioned you");
  expect(body(mail)).toContain("@ben mentioned you:\n> @ana are you coming to the picnic on Sunday?\n");
  expect(body(mail)).toContain(`${origin}/@ben/${mention.id}`);
  const link = /Stop these e-mails: (\S+)/.exec(mail.text)?.[1] ?? "";
  expect(link).toStartWith(`${origin}/unsubscribe?token=`);
  expect(mail.header("List-Unsubscribe")).toBe(`<${link}>`);
  expect(mail.header("List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
  // Mailed once: the next run has nothing new.
  expect(await runLater()).toBe(0);
  expect(failures).toEqual([]);
});

test("what comes in together is one e-mail, at most one every ten minutes; likes and boosts only when asked for", async () => {
  const before = mailsTo("ana").length;
  const own = await post("ana", { status: "Picnic photos tomorrow" });
  expect((await api("cyd", "POST", `/api/v1/statuses/${own.id}/favourite`)).status).toBe(200);
  expect((await api("ben", "POST", `/api/v1/statuses/${own.id}/reblog`)).status).toBe(200);
  expect(await runLater()).toBe(0); // likes and boosts are off by default
  expect((await api("cyd", "POST", `/api/v1/accounts/${m("ana").id}/follow`)).status).toBe(200);
  await post("ben", { status: "@ana the forecast says sun", in_reply_to_id: own.id });
  expect(await runLater()).toBe(1);
  const mail = await sink.waitFor("ana@example.com", "2 new notifications");
  expect(mail.subject).toBe("2 new notifications on social.example");
  expect(body(mail)).toContain("@ben mentioned you:\n> @ana the forecast says sun");
  expect(body(mail)).toContain(`@cyd followed you.\n${origin}/@cyd`);
  expect(body(mail)).not.toContain("liked");
  // Within ten minutes of it, nothing else leaves; after them, the next one does.
  await post("cyd", { status: "@ana bring the frisbee" });
  expect(await mailNotifications(deps, new Date(clock + MAIL_WAIT_MS + 1000))).toBe(0);
  expect(await runLater()).toBe(1);
  await sink.waitFor("ana@example.com", "frisbee");
  expect(mailsTo("ana").length).toBe(before + 2);
});

test("nothing is mailed that the member saw, or that came while they had a page or an app open", async () => {
  const message = await post("ben", { status: "@ana seen on the page" });
  // Opening the notifications page marks them seen.
  expect((await m("ana").browser.get("/notifications")).status).toBe(200);
  expect(await runLater()).toBe(0);
  // An app streaming her notifications: what it showed is not mailed, even once it is closed.
  const app = t.live.add({
    accountId: m("ana").id,
    streams: [{ name: "user:notification" }],
    showsNotifications: true,
    push() {},
  });
  await post("ben", { status: "@ana seen live" });
  app();
  expect(await runLater()).toBe(0);
  expect(sink.mails.some((mail) => mail.text.includes("seen on the page") || mail.text.includes("seen live"))).toBe(false);
  // The home page's "new posts" stream shows no notifications: she is away all the same.
  const home = await m("ana").browser.request(`/timelines/home/live?since_id=${message.id}`);
  expect(home.headers.get("content-type")).toContain("text/event-stream");
  await post("ben", { status: "@ana home is open but you are not looking" });
  expect(await runLater()).toBe(1);
  await sink.waitFor("ana@example.com", "you are not looking");
  await home.body?.cancel();
});

test("a content warning hides the words; a filtered private mention from a stranger is not mailed", async () => {
  await post("cyd", { status: "@ana the ending of the film", spoiler_text: "film spoilers" });
  expect(await runLater()).toBe(1);
  const mail = await sink.waitFor("ana@example.com", "film spoilers");
  expect(body(mail)).toContain("> Content warning: film spoilers");
  expect(body(mail)).not.toContain("the ending of the film");
  // ana does not follow cyd: a private mention from a stranger is filtered by default.
  await post("cyd", { status: "@ana psst, private", visibility: "direct" });
  expect(await runLater()).toBe(0);
});

test("the member chooses on the account page; turning one on does not send the backlog", async () => {
  const browser = m("ana").browser;
  const page = await (await browser.get("/settings/account")).text();
  expect(page).toContain("<h2>E-mail notifications</h2>");
  expect(page).toMatch(/id="mail_mention" name="mail_mention" value="1" checked/);
  expect(page).toMatch(/id="mail_favourite" name="mail_favourite" value="1" aria/);
  const own = await post("ana", { status: "Liked before likes were mailed" });
  expect((await api("ben", "POST", `/api/v1/statuses/${own.id}/favourite`)).status).toBe(200);
  const saved = await browser.post("/settings/notification-mail", { mail_favourite: "1", mail_follow: "1" });
  expect(saved.status).toBe(200);
  expect(await saved.text()).toContain("Your e-mail choices are saved.");
  expect(
    db
      .select()
      .from(users)
      .where(eq(users.accountId, m("ana").id))
      .get()?.mailNotifications,
  ).toEqual(["follow", "favourite"]);
  expect(await runLater()).toBe(0); // ben's like came before
  expect((await api("cyd", "POST", `/api/v1/statuses/${own.id}/favourite`)).status).toBe(200);
  await post("ben", { status: "@ana mentions are off now" });
  expect(await runLater()).toBe(1);
  const mail = await sink.waitFor("ana@example.com", "liked your post");
  expect(mail.subject).toBe("@cyd liked your post");
  expect(body(mail)).toContain("> Liked before likes were mailed");
  expect(body(mail)).not.toContain("mentions are off now");
  // A form without the CSRF token changes nothing.
  const forged = await t.request("/settings/notification-mail", form({ mail_reblog: "1" }));
  expect(forged.status).toBe(403);
});

test("the e-mail's link stops them without logging in; a changed or foreign token changes nothing", async () => {
  const link = unsubscribeUrl(
    instanceSecret(db),
    t.deps.baseUrl,
  )(
    db
      .select()
      .from(users)
      .where(eq(users.accountId, m("ben").id))
      .get()?.id ?? "",
  );
  const path = new URL(link).pathname + new URL(link).search;
  const choices = () =>
    db
      .select()
      .from(users)
      .where(eq(users.accountId, m("ben").id))
      .get()?.mailNotifications;
  // Opening it asks (mail scanners open links); nothing changes yet.
  const asked = await t.request(path);
  expect(asked.status).toBe(200);
  expect(await asked.text()).toContain("Stop e-mails about notifications (mentions, follows, quotes…) to ben@example.com?");
  expect(choices()).toEqual(["mention", "follow", "follow_request", "quote"]);
  // A token cut short, or signed for someone else with another purpose, is refused.
  expect((await t.request(path.slice(0, -3), { method: "POST" })).status).toBe(404);
  const other = new URL(link);
  other.searchParams.set("token", `${other.searchParams.get("token")?.split(".").slice(0, 2).join(".")}.forged`);
  expect((await t.request(other.pathname + other.search, { method: "POST" })).status).toBe(404);
  expect(choices()).toEqual(["mention", "follow", "follow_request", "quote"]);
  // A mail program's one-click unsubscribe: a plain POST to the link, no session, no CSRF token.
  const clicked = await t.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
  expect(clicked.status).toBe(200);
  expect(await clicked.text()).toContain("ben@example.com gets no more e-mails about notifications.");
  expect(choices()).toEqual([]);
  await post("ana", { status: "@ben still there?" });
  expect(await runLater()).toBe(0);
});

test("a post the member may no longer see is not mailed, nor one their filters hide, nor a suspended sender's", async () => {
  const before = mailsTo("cyd").length;
  // A private message edited to leave cyd out.
  const message = await post("ben", { status: "@cyd @ana party plan", visibility: "direct" });
  const edited = await api("ben", "PUT", `/api/v1/statuses/${message.id}`, { status: "@ana a surprise for cyd" });
  expect(edited.status).toBe(200);
  // A mention from someone cyd blocks afterwards.
  await post("olga", { status: "@cyd words from before the block" });
  expect((await api("cyd", "POST", `/api/v1/accounts/${m("olga").id}/block`)).status).toBe(200);
  // A mention a filter of cyd's hides from notifications.
  const filter = await api("cyd", "POST", "/api/v2/filters", {
    title: "no spoilers",
    context: ["notifications"],
    filter_action: "hide",
    keywords_attributes: [{ keyword: "finale" }],
  });
  expect(filter.status).toBe(200);
  await post("ana", { status: "@cyd the finale was great" });
  expect(await runLater()).toBe(0);
  expect(mailsTo("cyd").length).toBe(before);
  // The mark moved past them all: nothing comes back later.
  expect(await runLater()).toBe(0);
});

test("a post's line breaks of any kind stay inside the quote: it cannot write the e-mail's footer", async () => {
  await post("ben", {
    status: "@cyd hi\r\r-- \rStop these e-mails: https://evil.example/x\u2028Or here: https://evil.example/y",
  });
  expect(await runLater()).toBe(1);
  const mail = await sink.waitFor("cyd@example.com", "evil.example");
  const lines = body(mail).split(/\r\n|\n|\r/);
  expect(lines.filter((line) => line.includes("evil.example")).every((line) => line.startsWith("> "))).toBe(true);
  expect(lines.filter((line) => line.startsWith("Stop these e-mails:"))).toHaveLength(1);
});

test("only a refusal of the address or the message counts as for good, not one of the instance's login or sender", () => {
  const answer = (responseCode: number, command: string) => Object.assign(new Error("refused"), { responseCode, command });
  expect(refusedForGood(answer(550, "RCPT TO"))).toBe(true);
  expect(refusedForGood(answer(554, "DATA"))).toBe(true);
  expect(refusedForGood(answer(450, "RCPT TO"))).toBe(false);
  expect(refusedForGood(answer(535, "AUTH PLAIN"))).toBe(false);
  expect(refusedForGood(answer(553, "MAIL FROM"))).toBe(false);
  expect(refusedForGood(answer(554, "CONN"))).toBe(false);
  expect(refusedForGood(Object.assign(new Error("connect ECONNREFUSED"), { code: "ESOCKET" }))).toBe(false);
  expect(refusedForGood(null)).toBe(false);
});

test("a message the mail server refuses for good is not sent again; new notifications try again", async () => {
  sink.refused.add("olga@example.com");
  await post("ben", { status: "@olga refused once" });
  expect(await runLater()).toBe(0);
  expect(failures.length).toBe(1);
  failures.length = 0;
  // Nothing new: nothing tried (a temporary failure would send it again now).
  expect(await runLater()).toBe(0);
  expect(failures).toEqual([]);
  sink.refused.delete("olga@example.com");
  await post("ben", { status: "@olga second message" });
  expect(await runLater()).toBe(1);
  const mail = await sink.waitFor("olga@example.com", "second message");
  expect(mail.subject).toBe("@ben mentioned you");
  expect(body(mail)).not.toContain("refused once");
});

test("a send that fails is tried again ten minutes later with what came since; other notifications move the mark", async () => {
  const closed = { ...deps, mailer: smtpMailer({ smtpUrl: "smtp://127.0.0.1:9", from: "Skein <noreply@social.example>" }) };
  await post("ana", { status: "@cyd are you there" });
  clock += MAIL_EVERY_MS + MAIL_WAIT_MS;
  expect(await mailNotifications(closed, new Date(clock))).toBe(0);
  expect(failures.length).toBe(1);
  failures.length = 0;
  await post("ben", { status: "@cyd second try" });
  expect(await runLater()).toBe(1);
  const mail = await sink.waitFor("cyd@example.com", "second try");
  expect(mail.subject).toBe("2 new notifications on social.example");
  expect(body(mail)).toContain("are you there");
  // Likes are not mailed to cyd, but the mark moves past them: they are not read again each minute.
  const own = await post("cyd", { status: "like me" });
  expect((await api("ben", "POST", `/api/v1/statuses/${own.id}/favourite`)).status).toBe(200);
  expect(await runLater()).toBe(0);
  const newest = db
    .select()
    .from(notifications)
    .where(eq(notifications.accountId, m("cyd").id))
    .orderBy(desc(notifications.id))
    .get();
  expect(
    db
      .select()
      .from(users)
      .where(eq(users.accountId, m("cyd").id))
      .get()?.notificationsMailedId,
  ).toBe(newest?.id);
});
