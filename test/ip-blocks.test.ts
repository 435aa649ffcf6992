// IP blocks: admins make sign-ups from an address or network wait for a moderator or refuse them,
// for a while or for good, on the admin page or through Mastodon's moderation API.
import { createInvite } from "../src/core/invites.ts";
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { rememberPeer } from "../src/client-ip.ts";
import { updateSettings } from "../src/core/instance.ts";
import { ipBlockFor, normalizeCidr } from "../src/core/ip-blocks.ts";
import { auditLog, ipBlocks, users } from "../src/db/schema.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);

test("addresses and networks are written one way; what is no network is refused", () => {
  expect(normalizeCidr("203.0.113.7")).toBe("203.0.113.7/32");
  expect(normalizeCidr(" 203.0.113.77/24 ")).toBe("203.0.113.0/24");
  expect(normalizeCidr("2001:DB8:0:0:1::5/64")).toBe("2001:db8::/64");
  expect(normalizeCidr("2001:db8::1")).toBe("2001:db8::1/128");
  // An IPv4 network written as IPv6 is the IPv4 network; an IPv6 one holding every IPv4 address is refused.
  expect(normalizeCidr("::ffff:203.0.113.0/120")).toBe("203.0.113.0/24");
  expect(normalizeCidr("::ffff:198.51.100.5")).toBe("198.51.100.5/32");
  for (const everyone of ["::ffff:203.0.113.0/24", "::/24", "::ffff:0:0/96", "::/1"]) expect(normalizeCidr(everyone)).toBeNull();
  for (const bad of ["nope", "203.0.113.7/0", "203.0.113.7/33", "2001:db8::/129", "fe80::1%eth0", "1.2.3.4/24/8", "1.2.3"])
    expect(normalizeCidr(bad)).toBeNull();
});

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olga", "mo"]);
t.deps.db
  .update(users)
  .set({ role: "moderator" })
  .where(eq(users.accountId, m("mo").id))
  .run();
updateSettings(t.deps.db, { registrationMode: "open" });
// A real server on loopback, so that X-Forwarded-For names the client as behind a reverse proxy.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request, bunServer) {
    rememberPeer(request, bunServer.requestIP(request)?.address);
    return t.app.handle(request);
  },
});
afterAll(() => server.stop(true));

function signUpFrom(ip: string, username: string, extra: Record<string, string> = {}) {
  const browser = new WebClient((request) => fetch(request), `http://127.0.0.1:${server.port}`);
  return browser.post(
    "/signup",
    {
      username,
      email: `${username}@mail.example`,
      password: "correct horse battery",
      password_confirmation: "correct horse battery",
      agreement: "1",
      ...extra,
    },
    { headers: { "x-forwarded-for": ip } },
  );
}

test("a blocked network cannot sign up, a limited one waits for a moderator, others come in; an ended block stops", async () => {
  const olga = m("olga").browser;
  const add = (fields: Record<string, string>) => olga.post("/admin/ip-blocks", fields);
  expect((await add({ ip: "203.0.113.0/24", severity: "sign_up_block", comment: "spam wave" })).status).toBe(303);
  expect((await add({ ip: "2001:db8::/32", severity: "sign_up_requires_approval", expires_in: "1209600" })).status).toBe(303);
  const page = await (await olga.get("/admin/ip-blocks")).text();
  expect(page).toContain("<strong>203.0.113.0/24</strong>");
  expect(page).toContain("No sign-ups · for good · spam wave");
  expect(page).toMatch(/Sign-ups wait for a moderator · until <time datetime="[^"]+" data-local>\d+ \w+ \d{4}/);

  const refused = await signUpFrom("203.0.113.9", "spammer");
  expect(refused.status).toBe(403);
  expect(await refused.text()).toContain("Sign-ups from your network are not allowed here.");
  const waiting = await signUpFrom("2001:db8::42", "waiter");
  expect(waiting.status).toBe(200);
  expect(await waiting.text()).toContain("A moderator");
  const waiter = t.database.sqlite.query<{ approved: number | null }, []>(
    "SELECT approved_at AS approved FROM users JOIN accounts ON accounts.id = users.account_id WHERE accounts.username = 'waiter'",
  );
  expect(waiter.get()).toEqual({ approved: null });
  // The moderators see where it came from and why it waits, there and on the account's page.
  const queue = await (await olga.get("/admin/registrations")).text();
  expect(queue).toContain("waiter@mail.example · from 2001:db8::42 · ");
  expect(queue).toContain("Waiting because sign-ups from 2001:db8::42 wait for a moderator (IP blocks).");
  const waiterAccount = t.database.sqlite
    .query<{ id: string }, []>("SELECT id FROM accounts WHERE username = 'waiter'")
    .get()?.id;
  expect(await (await olga.get(`/admin/accounts/${waiterAccount}`)).text()).toContain(
    "signed up from 2001:db8::42 · last seen from nowhere yet",
  );
  // An invite does not get round it: that network's sign-ups wait all the same.
  const olgaUser = t.database.sqlite
    .query<{ id: string }, [string]>("SELECT id FROM users WHERE account_id = ?")
    .get(m("olga").id);
  const invite = createInvite(t.deps.db, olgaUser?.id ?? "", {});
  const invited = await signUpFrom("2001:db8::44", "invitee", { invite_code: invite.code, reason: "a friend asked me" });
  expect(await invited.text()).toContain("A moderator");
  expect((await signUpFrom("192.0.2.1", "welcome")).status).toBe(303);

  // Ended: its network signs up again.
  t.deps.db
    .update(ipBlocks)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(ipBlocks.cidr, "203.0.113.0/24"))
    .run();
  expect(ipBlockFor(t.deps.db, "203.0.113.9")).toBeNull();
  expect(await (await olga.get("/admin/ip-blocks")).text()).toContain("No sign-ups · ended · spam wave");
  // An ended block gives way to a new one of the same network.
  expect((await add({ ip: "203.0.113.0/24", severity: "sign_up_requires_approval" })).status).toBe(303);
  expect(ipBlockFor(t.deps.db, "203.0.113.9")).toBe("sign_up_requires_approval");
  // A proxy that writes the client's port too: the address is still read.
  expect((await signUpFrom("203.0.113.9:51234", "porter")).status).toBe(200);
  expect((await signUpFrom("[2001:db8::43]:51234", "bracket")).status).toBe(200);
  const actions = t.deps.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .all()
    .map((a) => a.action);
  expect(actions).toContain("ip.sign_up_block");
  expect(actions).toContain("ip.sign_up_requires_approval");
});

test("bad input gets a message next to its field and stores nothing", async () => {
  const olga = m("olga").browser;
  const before = t.database.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM ip_blocks").get()?.n;
  for (const [fields, message] of [
    [{ ip: "not an address", severity: "sign_up_block" }, "Enter an address or a network like 203.0.113.0/24"],
    [{ ip: "198.51.100.0/24", severity: "no_access" }, "Choose what the block does."],
    [{ ip: "198.51.100.0/24", severity: "sign_up_block", expires_in: "99999999" }, "Choose how long it lasts"],
    [{ ip: "2001:db8::7/32", severity: "sign_up_block" }, "2001:db8::/32 has a block already"],
  ] as const) {
    const res = await olga.post("/admin/ip-blocks", fields);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(message);
  }
  expect(t.database.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM ip_blocks").get()?.n).toBe(before);
});

test("the moderation API lists, adds, changes and lifts them, for admins only", async () => {
  const send = (request: Request) => t.app.handle(request);
  const tokens = new Map<string, string>();
  for (const name of ["olga", "mo"]) {
    tokens.set(name, (await authorizeApp(send, origin, m(name).browser, { scopes: "admin:read admin:write" })).token);
  }
  const call = async (who: string, method: string, path: string, body?: Record<string, unknown>) => {
    const response = await send(
      new Request(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.get(who)}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }),
    );
    return { status: response.status, json: await json(response) };
  };
  const created = await call("olga", "POST", "/api/v1/admin/ip_blocks", {
    ip: "198.51.100.7",
    severity: "sign_up_requires_approval",
    comment: "one address",
    expires_in: 86400,
  });
  expect(created.status).toBe(200);
  expect(created.json).toMatchObject({ ip: "198.51.100.7/32", severity: "sign_up_requires_approval", comment: "one address" });
  expect(Date.parse(created.json.expires_at) - Date.now()).toBeGreaterThan(86_000_000);
  const changed = await call("olga", "PUT", `/api/v1/admin/ip_blocks/${created.json.id}`, { severity: "sign_up_block" });
  expect(changed.json).toMatchObject({ ip: "198.51.100.7/32", severity: "sign_up_block", expires_at: created.json.expires_at });
  expect((await call("olga", "GET", "/api/v1/admin/ip_blocks")).json.map((b: { ip: string }) => b.ip)).toContain(
    "198.51.100.7/32",
  );
  expect((await call("olga", "POST", "/api/v1/admin/ip_blocks", { ip: "x", severity: "sign_up_block" })).status).toBe(422);
  const unreadable = { ip: "192.0.2.0/24", severity: "sign_up_block", expires_in: "abc" };
  expect((await call("olga", "POST", "/api/v1/admin/ip_blocks", unreadable)).status).toBe(422);
  const forGood = await call("olga", "POST", "/api/v1/admin/ip_blocks", { ...unreadable, expires_in: null });
  expect(forGood.json).toMatchObject({ ip: "192.0.2.0/24", expires_at: null });
  expect((await call("mo", "GET", "/api/v1/admin/ip_blocks")).status).toBe(403);
  expect((await call("mo", "DELETE", `/api/v1/admin/ip_blocks/${created.json.id}`)).status).toBe(403);
  expect((await call("olga", "DELETE", `/api/v1/admin/ip_blocks/${created.json.id}`)).status).toBe(200);
  expect((await call("olga", "GET", `/api/v1/admin/ip_blocks/${created.json.id}`)).status).toBe(404);
});
