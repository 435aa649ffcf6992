// Signing up from a Mastodon app (POST /api/v1/accounts), as the official apps do: the app gets a
// token that answers 403 with Mastodon's reason until the address is confirmed (through a real SMTP
// server on loopback) and, where moderators review sign-ups, approved; the app can have the link
// sent again, to a corrected address, and ask whether it was opened.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { updateSettings } from "../src/core/instance.ts";
import { createInvite } from "../src/core/invites.ts";
import { users } from "../src/db/schema.ts";
import { smtpMailer } from "../src/mail.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startSmtpSink } from "./helpers/smtp-sink.ts";

// argon2 at each sign-up.
setDefaultTimeout(60_000);

const origin = "https://social.example";
const sink = await startSmtpSink();
afterAll(() => sink.stop());
const t = testApp(origin, { mailer: smtpMailer({ smtpUrl: sink.url, from: "Skein <noreply@social.example>" }) });
const m = await signedInMembers(t, origin, ["olga"]);
const { db } = t.deps;
const PASSWORD = "correct horse battery";
const linkIn = (text: string) => /https:\/\/social\.example(\/settings\/email\/confirm\/[A-Za-z0-9_-]+)/.exec(text)?.[1] ?? "";

type Json = Record<string, unknown> & { error?: string; details?: Record<string, { error: string; description: string }[]> };
async function call(method: string, path: string, token: string | null, body?: Record<string, unknown>) {
  const response = await t.app.handle(
    new Request(`${origin}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
  return { status: response.status, json: (await response.json()) as Json };
}

// The app registers itself and takes its own token, as Mastodon's apps do before "Create account".
const app = (
  await call("POST", "/api/v1/apps", null, {
    client_name: "Phone",
    redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: "read write follow push",
  })
).json;
const appToken = (
  await call("POST", "/oauth/token", null, {
    grant_type: "client_credentials",
    client_id: app.client_id,
    client_secret: app.client_secret,
    scope: "write:accounts",
  })
).json.access_token as string;

/** What GET /api/v1/emails/check_confirmation says (a bare JSON boolean). */
const confirmed = async (token: string): Promise<unknown> => (await call("GET", "/api/v1/emails/check_confirmation", token)).json;
const signUp = (fields: Record<string, unknown>, token: string | null = appToken) =>
  call("POST", "/api/v1/accounts", token, { password: PASSWORD, agreement: true, locale: "en", ...fields });

test("an app signs up a member, who can use its token once the address is confirmed", async () => {
  updateSettings(db, { registrationMode: "open" });
  const created = await signUp({ username: "appy", email: "appy@mial.example" });
  expect(created.status).toBe(200);
  expect(created.json).toMatchObject({ token_type: "Bearer", scope: "read write follow push" });
  const token = created.json.access_token as string;

  const waiting = await call("GET", "/api/v1/accounts/verify_credentials", token);
  expect(waiting).toEqual({ status: 403, json: { error: "Your login is missing a confirmed e-mail address" } });
  expect(await confirmed(token)).toBe(false);
  await sink.waitFor("appy@mial.example");

  // The address was mistyped: the app sends the link again, to the right one.
  expect(await call("POST", "/api/v1/emails/confirmations", token, { email: "appy@mail.example" })).toEqual({
    status: 200,
    json: {},
  });
  const mail = await sink.waitFor("appy@mail.example");
  await new WebClient((request) => t.app.handle(request)).post(linkIn(mail.text), {});

  expect(await confirmed(token)).toBe(true);
  const me = await call("GET", "/api/v1/accounts/verify_credentials", token);
  expect(me.status).toBe(200);
  expect(me.json).toMatchObject({ username: "appy" });
  const again = await call("POST", "/api/v1/emails/confirmations", token, {});
  expect(again).toEqual({
    status: 403,
    json: { error: "This method is only available while the e-mail is awaiting confirmation" },
  });
});

test("where moderators review sign-ups, the token waits for approval after the e-mail", async () => {
  updateSettings(db, { registrationMode: "approval" });
  const noReason = await signUp({ username: "waiter", email: "waiter@mail.example" });
  expect(noReason.status).toBe(422);
  expect(noReason.json.details?.reason?.[0]?.error).toBe("ERR_BLANK");
  const created = await signUp({ username: "waiter", email: "waiter@mail.example", reason: "I knit." });
  const token = created.json.access_token as string;
  await new WebClient((request) => t.app.handle(request)).post(linkIn((await sink.waitFor("waiter@mail.example")).text), {});
  expect(await call("GET", "/api/v1/accounts/verify_credentials", token)).toEqual({
    status: 403,
    json: { error: "Your login is currently pending approval" },
  });
  expect(await confirmed(token)).toBe(true);
  // The staff hear of it as of a sign-up from the page.
  const olga = await call("GET", "/api/v1/notifications?types[]=admin.sign_up", m("olga").token);
  expect((olga.json as unknown as { account: { username: string } }[]).map((n) => n.account.username)).toContain("waiter");
});

test("refusals say what is wrong, field by field, and create nothing", async () => {
  updateSettings(db, { registrationMode: "open" });
  // A field left out or empty is ERR_BLANK, whatever rule it breaks.
  const cases: [Record<string, unknown>, Record<string, string>][] = [
    [{ username: "olga", email: "x1@mail.example" }, { username: "ERR_TAKEN" }],
    [{ username: "admin", email: "x2@mail.example" }, { username: "ERR_RESERVED" }],
    [
      { username: "new one", email: " " },
      { username: "ERR_INVALID", email: "ERR_BLANK" },
    ],
    [{ username: "x4", email: "olga@example.com" }, { email: "ERR_TAKEN" }],
    [{ username: "x5", email: "x5@mail.example", password: "short", agreement: false }, { password: "ERR_TOO_SHORT" }],
  ];
  let last: Json["details"];
  for (const [fields, codes] of cases) {
    const answer = await signUp(fields);
    last = answer.json.details;
    expect(answer.status).toBe(422);
    expect(answer.json.error).toStartWith("Validation failed: ");
    for (const [field, code] of Object.entries(codes)) expect(answer.json.details?.[field]?.[0]?.error).toBe(code);
  }
  // Every problem at once, as Mastodon lists them (one address may sign up ten times an hour).
  expect(Object.keys(last ?? {})).toEqual(expect.arrayContaining(["password", "agreement"]));
  expect((await signUp({ username: "x7", email: "x7@mail.example" }, null)).status).toBe(401);
  updateSettings(db, { registrationMode: "closed" });
  expect(await signUp({ username: "x8", email: "x8@mail.example" })).toEqual({
    status: 403,
    json: { error: "This action is not allowed" },
  });
  // An invite still lets its holder in, from an app as from the page.
  updateSettings(db, { registrationMode: "invite" });
  const olga = db
    .select()
    .from(users)
    .where(eq(users.accountId, m("olga").id))
    .get();
  const invite = createInvite(db, olga?.id ?? "", { maxUses: 1 });
  expect((await signUp({ username: "invited", email: "invited@mail.example", invite_code: invite.code })).status).toBe(200);
  updateSettings(db, { registrationMode: "open" });
  const missing = await call("POST", "/api/v1/accounts", appToken, { agreement: true });
  expect(missing.status).toBe(422);
  expect(Object.keys(missing.json.details ?? {})).toEqual(expect.arrayContaining(["username", "email", "password"]));
  const none = await call("GET", "/api/v1/accounts/lookup?acct=x1", null);
  expect(none.status).toBe(404);
});
