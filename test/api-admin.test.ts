import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createLocalUser } from "../src/core/accounts.ts";
import { covers } from "../src/core/oauth.ts";
import { accountWarnings, users } from "../src/db/schema.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

// argon2 at each sign-in, and an OAuth dance per member.
setDefaultTimeout(60_000);

const ORIGIN = "https://social.example";

/** olga owns the instance, mo moderates, ada and bob are members; each has an app token with the admin scopes. */
async function setup() {
  const t = testApp(ORIGIN);
  const members = await signedInMembers(t, ORIGIN, ["olga", "mo", "ada", "bob"]);
  t.deps.db
    .update(users)
    .set({ role: "moderator" })
    .where(eq(users.accountId, members("mo").id))
    .run();
  const send = (request: Request) => t.app.handle(request);
  const tokens = new Map<string, string>();
  for (const name of ["olga", "mo", "ada"]) {
    const { token } = await authorizeApp(send, ORIGIN, members(name).browser, { scopes: "read write admin:read admin:write" });
    tokens.set(name, token);
  }
  const call = async (who: string | null, method: string, path: string, body?: Record<string, unknown>) => {
    const token = who ? (tokens.get(who) ?? members(who).token) : undefined;
    const response = await send(
      new Request(`${ORIGIN}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      }),
    );
    return { status: response.status, link: response.headers.get("link"), json: await json(response) };
  };
  return { ...t, members, call };
}

test("admin scopes: admin:read covers its parts, not admin:write's", () => {
  expect(covers(["admin:read"], "admin:read:reports")).toBe(true);
  expect(covers(["admin:read:accounts"], "admin:read:reports")).toBe(false);
  expect(covers(["admin:read"], "admin:write:accounts")).toBe(false);
  expect(covers(["read"], "admin:read:accounts")).toBe(false);
});

describe("who may call it", () => {
  test("staff with an admin scope only: a member's token gets 403, a staff token without the scope 403, no token 401", async () => {
    const s = await setup();
    expect((await s.call(null, "GET", "/api/v1/admin/accounts")).status).toBe(401);
    expect(await s.call("ada", "GET", "/api/v1/admin/accounts")).toMatchObject({
      status: 403,
      json: { error: "This action is not allowed" },
    });
    expect((await s.call("bob", "GET", "/api/v1/admin/accounts")).status).toBe(403); // read write follow only
    expect((await s.call("mo", "GET", "/api/v1/admin/accounts")).status).toBe(200);
    // Domain blocks are for admins, as on the pages.
    expect((await s.call("mo", "GET", "/api/v1/admin/domain_blocks")).status).toBe(403);
    expect((await s.call("olga", "GET", "/api/v1/admin/domain_blocks")).status).toBe(200);
  });
});

describe("accounts", () => {
  test("the list filters by origin, state, role, name and domain, and pages", async () => {
    const s = await setup();
    storeRemoteAccount(s.deps.db, "https://far.example/users/dee");
    await createLocalUser(s.deps, {
      username: "newbie",
      email: "new@example.com",
      password: "correct horse battery",
      role: "user",
      pendingApproval: true,
    });
    const usernames = async (query: string) =>
      (await s.call("mo", "GET", `/api/v2/admin/accounts?${query}`)).json.map((a: { username: string }) => a.username);
    expect(await usernames("origin=local&status=active")).toEqual(["bob", "ada", "mo", "olga"]);
    expect(await usernames("status=pending")).toEqual(["newbie"]);
    expect(await usernames("origin=remote")).toEqual(["dee"]);
    expect(await usernames("by_domain=FAR.example")).toEqual(["dee"]);
    expect(await usernames("permissions=staff")).toEqual(["mo", "olga"]);
    expect(await usernames("username=A")).toEqual(["ada"]);
    expect(await usernames("username=%25")).toEqual([]); // typed literally, not a wildcard
    expect(await usernames("role_ids[]=1")).toEqual(["mo"]);
    // A filter Skein cannot apply (it keeps no sign-up addresses) matches nobody, never everyone.
    expect(await usernames("ip=127.0.0.1")).toEqual([]);
    expect(
      (await s.call("mo", "GET", "/api/v1/admin/accounts?local=true&pending=true")).json.map(
        (a: { username: string }) => a.username,
      ),
    ).toEqual(["newbie"]);
    const page = await s.call("mo", "GET", "/api/v2/admin/accounts?origin=local&limit=2");
    expect(page.json.map((a: { username: string }) => a.username)).toEqual(["newbie", "bob"]);
    expect(page.link).toContain("max_id=");

    const ada = (await s.call("mo", "GET", `/api/v1/admin/accounts/${s.members("ada").id}`)).json;
    expect(ada).toMatchObject({
      username: "ada",
      domain: null,
      email: "ada@example.com",
      approved: true,
      silenced: false,
      suspended: false,
      role: { name: "" },
      account: { id: s.members("ada").id, acct: "ada" },
    });
    expect((await s.call("mo", "GET", "/api/v1/admin/accounts/nope")).status).toBe(404);
  });

  test("an action as on the pages: recorded, told to the member, the report it answers resolved; undone again", async () => {
    const s = await setup();
    const adaId = s.members("ada").id;
    const report = (await s.call("bob", "POST", "/api/v1/reports", { account_id: adaId, comment: "spam", category: "spam" }))
      .json;
    const acted = await s.call("mo", "POST", `/api/v1/admin/accounts/${adaId}/action`, {
      type: "silence",
      text: "Please stop posting ads.",
      report_id: report.id,
    });
    expect(acted).toEqual({ status: 200, link: null, json: {} });
    expect((await s.call("mo", "GET", `/api/v1/admin/accounts/${adaId}`)).json.silenced).toBe(true);
    expect(s.deps.db.select().from(accountWarnings).where(eq(accountWarnings.accountId, adaId)).get()?.text).toBe(
      "Please stop posting ads.",
    );
    expect((await s.call("mo", "GET", `/api/v1/admin/reports/${report.id}`)).json).toMatchObject({
      action_taken: true,
      action_taken_by_account: { username: "mo" },
    });
    // Any other open report about her went with it, as on Mastodon.
    const second = (await s.call("bob", "POST", "/api/v1/reports", { account_id: adaId, comment: "more spam" })).json;
    await s.call("mo", "POST", `/api/v1/admin/accounts/${adaId}/action`, { type: "sensitive" });
    expect((await s.call("mo", "GET", `/api/v1/admin/reports/${second.id}`)).json.action_taken).toBe(true);
    expect((await s.call("mo", "GET", "/api/v1/admin/reports")).json).toEqual([]); // the open ones by default
    const undone = await s.call("mo", "POST", `/api/v1/admin/accounts/${adaId}/unsilence`);
    expect(undone.json).toMatchObject({ username: "ada", silenced: false });

    const disable = await s.call("mo", "POST", `/api/v1/admin/accounts/${adaId}/action`, { type: "disable" });
    expect(disable.status).toBe(422);
    expect(disable.json.error).toContain("Skein does not disable accounts");
    const onOwner = await s.call("mo", "POST", `/api/v1/admin/accounts/${s.members("olga").id}/action`, { type: "suspend" });
    expect(onOwner).toMatchObject({ status: 403, json: { error: "Only someone with a higher role can act on this account." } });
    expect((await s.call("mo", "POST", `/api/v1/admin/accounts/${adaId}/action`, { type: "explode" })).status).toBe(422);
  });

  test("a waiting sign-up is approved or turned away", async () => {
    const s = await setup();
    const one = await createLocalUser(s.deps, {
      username: "carl",
      email: "carl@example.com",
      password: "correct horse battery",
      role: "user",
      pendingApproval: true,
    });
    const two = await createLocalUser(s.deps, {
      username: "dora",
      email: "dora@example.com",
      password: "correct horse battery",
      role: "user",
      pendingApproval: true,
    });
    expect((await s.call("mo", "POST", `/api/v1/admin/accounts/${one.accountId}/approve`)).json).toMatchObject({
      username: "carl",
      approved: true,
    });
    expect((await s.call("mo", "POST", `/api/v1/admin/accounts/${two.accountId}/reject`)).json).toMatchObject({
      username: "dora",
    });
    expect((await s.call("mo", "GET", `/api/v1/admin/accounts/${two.accountId}`)).status).toBe(404);
    expect((await s.call("mo", "POST", `/api/v1/admin/accounts/${one.accountId}/approve`)).status).toBe(404); // handled already
  });
});

test("reports: list by state, take, hand back, resolve and reopen", async () => {
  const s = await setup();
  const adaId = s.members("ada").id;
  const post = (await s.call("ada", "POST", "/api/v1/statuses", { status: "buy my stuff" })).json;
  const report = (await s.call("bob", "POST", "/api/v1/reports", { account_id: adaId, status_ids: [post.id], comment: "ads" }))
    .json;
  const [listed] = (await s.call("mo", "GET", "/api/v1/admin/reports")).json;
  expect(listed).toMatchObject({
    id: report.id,
    action_taken: false,
    comment: "ads",
    account: { username: "bob" },
    target_account: { username: "ada", email: "ada@example.com" },
    assigned_account: null,
  });
  expect(listed.statuses.map((p: { id: string }) => p.id)).toEqual([post.id]);
  expect((await s.call("mo", "POST", `/api/v1/admin/reports/${report.id}/assign_to_self`)).json.assigned_account.username).toBe(
    "mo",
  );
  expect((await s.call("mo", "POST", `/api/v1/admin/reports/${report.id}/unassign`)).json.assigned_account).toBeNull();
  expect((await s.call("mo", "POST", `/api/v1/admin/reports/${report.id}/resolve`)).json.action_taken).toBe(true);
  expect((await s.call("mo", "POST", `/api/v1/admin/reports/${report.id}/resolve`)).json.action_taken).toBe(true); // again: no change
  expect((await s.call("mo", "GET", "/api/v1/admin/reports?resolved=false")).json).toEqual([]);
  expect((await s.call("mo", "GET", `/api/v1/admin/reports?resolved=true&target_account_id=${adaId}`)).json).toHaveLength(1);
  expect((await s.call("mo", "POST", `/api/v1/admin/reports/${report.id}/reopen`)).json.action_taken).toBe(false);
  expect((await s.call("ada", "GET", `/api/v1/admin/reports/${report.id}`)).status).toBe(403);
});

test("domain blocks: an admin adds, changes and lifts one; a second block of a domain is refused", async () => {
  const s = await setup();
  const added = await s.call("olga", "POST", "/api/v1/admin/domain_blocks", {
    domain: "https://Spam.Example/",
    severity: "suspend",
    public_comment: "spam",
    private_comment: "see report 12",
  });
  expect(added.json).toMatchObject({
    id: "spam.example",
    domain: "spam.example",
    severity: "suspend",
    reject_media: false,
    public_comment: "spam",
    private_comment: "see report 12",
  });
  const again = await s.call("olga", "POST", "/api/v1/admin/domain_blocks", { domain: "spam.example", severity: "silence" });
  expect(again.status).toBe(422);
  expect(again.json.error).toContain("is blocked already");
  const changed = await s.call("olga", "PUT", "/api/v1/admin/domain_blocks/spam.example", {
    severity: "silence",
    reject_media: true,
  });
  expect(changed.json).toMatchObject({ severity: "silence", reject_media: true, public_comment: "spam" });
  expect((await s.call("olga", "GET", "/api/v1/admin/domain_blocks/spam.example")).json.severity).toBe("silence");
  expect((await s.call("olga", "POST", "/api/v1/admin/domain_blocks", { domain: "not a domain" })).status).toBe(422);
  expect((await s.call("olga", "DELETE", "/api/v1/admin/domain_blocks/spam.example")).json).toEqual({});
  expect((await s.call("olga", "GET", "/api/v1/admin/domain_blocks")).json).toEqual([]);
  expect((await s.call("olga", "DELETE", "/api/v1/admin/domain_blocks/spam.example")).status).toBe(404);
});
