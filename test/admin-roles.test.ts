// Who may open each admin page and send each admin form: one row per route with its minimum role,
// tried as the owner, an admin, a moderator, a user and a logged-out visitor. The rows are checked
// against the app's own route list, so a new /admin route without a row fails here.
import { addModerationNote } from "../src/core/moderation-notes.ts";
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { createInviteAs } from "../src/core/invites.ts";
import { storeEmojis } from "../src/core/custom-emojis.ts";
import { addLocalEmoji } from "../src/core/local-emojis.ts";
import { saveAnnouncement } from "../src/core/announcements.ts";
import { encodePng } from "../src/media/wasm.ts";
import { photo } from "./helpers/images.ts";
import { moderateAccount, roleRank } from "../src/core/moderation.ts";
import { fileAppeal } from "../src/core/appeals.ts";
import type { Role } from "../src/db/schema.ts";
import type { WebClient } from "./helpers/client.ts";
import { community, PASSWORD } from "./helpers/community.ts";

setDefaultTimeout(60_000);

type Community = Awaited<ReturnType<typeof community>>;
type Who = Role | "visitor";
type Field = Record<string, string>;

interface Row {
  route: string;
  /** The least role that may use the route; "anyone" for plain redirects. */
  min: Role | "anyone";
  /** The path to request (by default the route itself); may make what the request acts on, fresh for each try. */
  path?: (f: Fixture) => string | Promise<string>;
  body?: Field;
}

let c: Community;
let fixture: Fixture;
let n = 0;
const fresh = () => `${++n}`;

/** Things the routes act on; the `new…` ones make a fresh one each time, so every allowed try really acts. */
class Fixture {
  reportId = "";
  constructor(readonly c: Community) {}
  id = (name: string) => this.c.member(name).accountId;
  newPost = () => this.c.post("tim", { status: `post ${fresh()}` });
  /** A warning to tim, appealed. */
  newAppeal() {
    const owner = { id: this.id("ada"), role: "owner" as const };
    moderateAccount(this.c.deps, owner, this.id("tim"), { action: "warn", reason: `note ${fresh()}`, notify: false });
    const warning = this.c.database.sqlite
      .query<{ id: string }, [string]>("SELECT id FROM account_warnings WHERE account_id = ? ORDER BY id DESC LIMIT 1")
      .get(this.id("tim"));
    return fileAppeal(this.c.deps, this.id("tim"), warning?.id ?? "", "please").id;
  }
  /** A note of mia's on tim. */
  newNote() {
    addModerationNote(this.c.deps.db, this.id("mia"), this.id("tim"), `note ${fresh()}`);
    return this.c.database.sqlite
      .query<{ id: string }, [string]>("SELECT id FROM account_moderation_notes WHERE account_id = ? ORDER BY id DESC LIMIT 1")
      .get(this.id("tim"))?.id;
  }
  async newMember(pending = false) {
    const name = `new${fresh()}`;
    const { accountId, userId } = await createLocalUser(this.c.deps, {
      username: name,
      email: `${name}@example.com`,
      password: PASSWORD,
      role: "user",
      pendingApproval: pending,
    });
    return { accountId, userId };
  }
  newBlock() {
    const domain = `gone${fresh()}.example`;
    blockDomain(this.c.deps, this.id("ada"), {
      domain,
      severity: "silence",
      rejectMedia: false,
      rejectReports: false,
      publicComment: "",
      privateComment: "",
      obfuscate: false,
    });
    return domain;
  }
  async newEmoji() {
    const emoji = await addLocalEmoji({ db: this.c.deps.db, media: this.c.media }, this.id("ada"), {
      shortcode: `emoji${fresh()}`,
      bytes: await encodePng(photo(16, 16)),
    });
    return emoji.id;
  }
  newRemoteEmoji() {
    const shortcode = `far${fresh()}`;
    // A private address: the guarded fetch refuses it at once, so the copy ends in a 422.
    storeEmojis(this.c.deps.db, "far.example", [{ shortcode, url: "http://127.0.0.1:9/emoji.png" }]);
    return this.c.database.sqlite
      .query<{ id: string }, [string]>("SELECT id FROM custom_emojis WHERE shortcode = ?")
      .get(shortcode)?.id;
  }
  newAnnouncement() {
    return saveAnnouncement(this.c.deps, this.id("ada"), undefined, {
      text: `Announcement ${fresh()}`,
      startsAt: "",
      endsAt: "",
      allDay: false,
      publish: false,
    });
  }
  newInvite() {
    const ada = this.c.database.sqlite
      .query<{ id: string }, [string]>("SELECT id FROM users WHERE account_id = ?")
      .get(this.id("ada"));
    return createInviteAs(
      this.c.deps.db,
      { userId: ada?.id ?? "", accountId: this.id("ada"), role: "owner" },
      { maxUses: null, expiresIn: null },
    ).id;
  }
}

const settingsForm = { name: "Knitters", description: "", registration_mode: "open", max_post_length: "500" };
const importCsv = btoa("#domain,#severity\nimported.example,silence\n");

// biome-ignore format: one row per route reads best as a table
const table: Row[] = [
  { route: "GET /admin", min: "moderator" }, // the overview
  { route: "GET /admin/reports", min: "moderator" },
  { route: "GET /admin/reports/:id", min: "moderator", path: (f) => `/admin/reports/${f.reportId}` },
  { route: "POST /admin/reports/:id/:action", min: "moderator", path: (f) => `/admin/reports/${f.reportId}/assign` },
  { route: "POST /admin/reports/:id/notes", min: "moderator", path: (f) => `/admin/reports/${f.reportId}/notes`, body: { note: "seen" } },
  { route: "POST /admin/posts/:id/delete", min: "moderator", path: async (f) => `/admin/posts/${await f.newPost()}/delete` },
  { route: "GET /admin/appeals", min: "moderator" },
  { route: "POST /admin/appeals/:id/:action", min: "moderator", path: (f) => `/admin/appeals/${f.newAppeal()}/reject` },
  { route: "GET /admin/accounts", min: "moderator" },
  { route: "GET /admin/accounts/:id", min: "moderator", path: (f) => `/admin/accounts/${f.id("tim")}` },
  { route: "POST /admin/accounts/:id/action", min: "moderator", path: (f) => `/admin/accounts/${f.id("tim")}/action`, body: { action: "warn", reason: "a note" } },
  { route: "POST /admin/accounts/:id/confirm-email", min: "moderator", path: async (f) => `/admin/accounts/${(await f.newMember()).accountId}/confirm-email` },
  { route: "POST /admin/accounts/:id/password-link", min: "admin", path: async (f) => `/admin/accounts/${(await f.newMember()).accountId}/password-link` },
  { route: "POST /admin/accounts/:id/notes", min: "moderator", path: (f) => `/admin/accounts/${f.id("tim")}/notes`, body: { note: "seen" } },
  // mia's note: its author and the admins may delete it.
  { route: "POST /admin/accounts/:id/notes/:noteId/delete", min: "moderator", path: (f) => `/admin/accounts/${f.id("tim")}/notes/${f.newNote()}/delete` },
  { route: "POST /admin/accounts/:id/role", min: "admin", path: async (f) => `/admin/accounts/${(await f.newMember()).accountId}/role`, body: { role: "moderator" } },
  { route: "GET /admin/domain-blocks", min: "admin" },
  { route: "GET /admin/domain-blocks/export", min: "admin" },
  { route: "GET /admin/domain-blocks/import", min: "admin" },
  { route: "POST /admin/domain-blocks/import", min: "admin" }, // no file: 422 once past the role check
  { route: "POST /admin/domain-blocks/import/apply", min: "admin", body: { csv: importCsv, filename: "blocks.csv" } },
  { route: "POST /admin/domain-blocks", min: "admin", body: { domain: "bad.example", severity: "silence" } },
  { route: "POST /admin/domain-blocks/:domain/delete", min: "admin", path: (f) => `/admin/domain-blocks/${f.newBlock()}/delete` },
  { route: "GET /admin/domain-allows", min: "admin" },
  { route: "POST /admin/domain-allows", min: "admin", body: { domain: "good.example", comment: "friends" } },
  { route: "POST /admin/domain-allows/:domain/delete", min: "admin", path: () => "/admin/domain-allows/good.example/delete" },
  { route: "GET /admin/ip-blocks", min: "admin" },
  { route: "POST /admin/ip-blocks", min: "admin", body: { ip: "203.0.113.0/24", severity: "sign_up_block" } },
  { route: "POST /admin/ip-blocks/:id/delete", min: "admin", path: () => "/admin/ip-blocks/no-such-block/delete" },
  { route: "GET /admin/email-domain-blocks", min: "admin" },
  { route: "POST /admin/email-domain-blocks", min: "admin", body: { domain: "throwaway.example" } },
  {
    route: "POST /admin/email-domain-blocks/:domain/delete",
    min: "admin",
    path: () => "/admin/email-domain-blocks/throwaway.example/delete",
  },
  { route: "GET /admin/instances", min: "moderator" },
  { route: "GET /admin/instances/:domain", min: "moderator", path: () => "/admin/instances/remote.example" },
  { route: "GET /admin/relays", min: "admin" },
  { route: "POST /admin/settings/test-email", min: "admin" },
  { route: "POST /admin/relays", min: "admin", body: { inbox_url: "https://relay.example/inbox" } },
  { route: "POST /admin/relays/:id/:action", min: "admin", path: () => "/admin/relays/no-such-relay/leave" },
  { route: "GET /admin/signups", min: "anyone" }, // a redirect to /admin/registrations, which checks
  { route: "GET /admin/registrations", min: "moderator" },
  { route: "POST /admin/registrations/:id/:decision", min: "moderator", path: async (f) => `/admin/registrations/${(await f.newMember(true)).userId}/approve` },
  { route: "GET /admin/invites", min: "moderator" },
  { route: "POST /admin/invites", min: "moderator", body: { max_uses: "", expires_in: "" } },
  { route: "POST /admin/invites/:id/revoke", min: "moderator", path: (f) => `/admin/invites/${f.newInvite()}/revoke` },
  { route: "GET /admin/audit", min: "moderator" },
  { route: "GET /admin/settings", min: "admin" },
  { route: "POST /admin/settings", min: "admin", body: settingsForm },
  { route: "GET /admin/emojis", min: "admin" },
  { route: "POST /admin/emojis", min: "admin", body: { shortcode: "no_picture" } }, // 422 once past the role check
  { route: "POST /admin/emojis/:id/category", min: "admin", path: async (f) => `/admin/emojis/${await f.newEmoji()}/category`, body: { category: "Cats" } },
  { route: "POST /admin/emojis/:id/hide", min: "admin", path: async (f) => `/admin/emojis/${await f.newEmoji()}/hide` },
  { route: "POST /admin/emojis/:id/show", min: "admin", path: async (f) => `/admin/emojis/${await f.newEmoji()}/show` },
  { route: "POST /admin/emojis/:id/delete", min: "admin", path: async (f) => `/admin/emojis/${await f.newEmoji()}/delete` },
  { route: "POST /admin/emojis/copy/:id", min: "admin", path: (f) => `/admin/emojis/copy/${f.newRemoteEmoji()}` },
  { route: "GET /admin/announcements", min: "admin" },
  { route: "POST /admin/announcements", min: "admin", body: { text: "Hello members" } },
  { route: "GET /admin/announcements/:id", min: "admin", path: (f) => `/admin/announcements/${f.newAnnouncement()}` },
  { route: "POST /admin/announcements/:id", min: "admin", path: (f) => `/admin/announcements/${f.newAnnouncement()}`, body: { text: "Changed" } },
  { route: "POST /admin/announcements/:id/publish", min: "admin", path: (f) => `/admin/announcements/${f.newAnnouncement()}/publish` },
  { route: "POST /admin/announcements/:id/unpublish", min: "admin", path: (f) => `/admin/announcements/${f.newAnnouncement()}/unpublish` },
  { route: "POST /admin/announcements/:id/delete", min: "admin", path: (f) => `/admin/announcements/${f.newAnnouncement()}/delete` },
  { route: "GET /admin/trends", min: "moderator" },
  { route: "POST /admin/trends", min: "admin", body: { enabled: "1" } },
  { route: "POST /admin/trends/rank", min: "moderator" },
  { route: "POST /admin/trends/hide", min: "moderator", body: { kind: "tag", id: "not-trending" } }, // 404 once past the role check
  { route: "POST /admin/trends/unhide", min: "moderator", body: { kind: "tag", id: "not-hidden" } },
  { route: "GET /admin/retention", min: "admin" },
  { route: "POST /admin/retention", min: "admin", body: { content_cache_retention_period: "30", media_cache_retention_period: "7" } },
  { route: "POST /admin/retention/jobs/:name", min: "admin", path: () => "/admin/retention/jobs/prune-expired-records" },
];

const people: [Who, string | null][] = [
  ["owner", "ada"],
  ["admin", "adm"],
  ["moderator", "mia"],
  ["user", "usr"],
  ["visitor", null],
];

/** What a person should meet: the page or action, a 403, or (a visitor's GET) the login page. */
function expected(row: Row, who: Who, method: string): string {
  if (row.min === "anyone" || (who !== "visitor" && roleRank[who] >= roleRank[row.min])) return "allowed";
  return who === "visitor" && method === "GET" ? "login" : "refused";
}

/** What they met. A 403 counts as refused only with the guard's own message (not a rule of the action). */
async function outcome(res: Response): Promise<string> {
  const location = res.headers.get("location") ?? "";
  if (res.status >= 300 && res.status < 400 && location.startsWith("/login")) return "login";
  if (res.status === 403) {
    const text = await res.text();
    const guard = [
      "This page is for the instance&#x27;s staff.",
      "Only the instance&#x27;s admins may do this.",
      "Log in first.",
    ].some((message) => text.includes(message));
    return guard ? "refused" : `403 from elsewhere: ${text.slice(0, 200)}`;
  }
  if (res.status >= 500) return `error ${res.status}`;
  return "allowed";
}

beforeAll(async () => {
  c = await community(["ada", "adm", "mia", "usr", "tim"]);
  const role = (name: string, r: Role) =>
    c.database.sqlite.run("UPDATE users SET role = ? WHERE account_id = ?", [r, c.member(name).accountId]);
  role("adm", "admin");
  role("mia", "moderator");
  fixture = new Fixture(c);
  const postId = await c.post("tim", { status: "reported words" });
  await c.member("usr").browser.post("/reports", { account_id: fixture.id("tim"), category: "spam", status_ids: postId });
  fixture.reportId = c.database.sqlite.query<{ id: string }, []>("SELECT id FROM reports").get()?.id ?? "";
  // Another server this instance knows, through one of its accounts.
  c.database.sqlite.run("INSERT INTO accounts (id, username, domain, uri) VALUES ('r1', 'far', 'remote.example', ?)", [
    "https://remote.example/users/far",
  ]);
});

test("someone who is not staff gets 403 before the form's fields are even checked", async () => {
  for (const path of ["/admin/settings", "/admin/registrations/x/bogus", "/admin/domain-blocks"]) {
    expect((await c.member("usr").browser.post(path, {})).status).toBe(403);
    expect((await c.visitor.post(path, {})).status).toBe(403);
  }
  // Staff with a malformed form get the usual 400.
  expect((await c.member("ada").browser.post("/admin/settings", {})).status).toBe(400);
});

test("the tabs lead each member of staff only to pages they may open; a moderator is told admins only", async () => {
  const tabsOf = async (name: string) =>
    [
      ...(await (await c.member(name).browser.get("/admin")).text()).matchAll(
        /<nav class="tabs" aria-label="Administration">(.*?)<\/nav>/g,
      ),
    ]
      .flatMap((m) => [...(m[1] ?? "").matchAll(/href="([^"]+)"/g)])
      .map((m) => m[1] as string);
  const moderator = await tabsOf("mia");
  const admin = await tabsOf("adm");
  expect(moderator).toContain("/admin/reports");
  expect(moderator).not.toContain("/admin/settings");
  expect(admin).toContain("/admin/settings");
  for (const [name, tabs] of [
    ["mia", moderator],
    ["adm", admin],
  ] as const)
    for (const href of tabs) expect([name, href, (await c.member(name).browser.get(href)).status]).toEqual([name, href, 200]);
  const refused = await c.member("mia").browser.get("/admin/settings");
  expect(refused.status).toBe(403);
  expect(await refused.text()).toContain("Only the instance&#x27;s admins may do this.");
});

test("every /admin route of the app has a row, and every row a route", () => {
  const routes = c.app.routes.filter((r) => r.path.startsWith("/admin")).map((r) => `${r.method} ${r.path}`);
  expect([...new Set(routes)].sort()).toEqual(table.map((r) => r.route).sort());
});

describe("role × route", () => {
  for (const row of table) {
    test(row.route, async () => {
      const [method = "GET", route = ""] = row.route.split(" ");
      const want: Record<string, string> = {};
      const got: Record<string, string> = {};
      for (const [who, name] of people) {
        const browser: WebClient = name ? c.member(name).browser : c.visitor;
        const path = row.path ? await row.path(fixture) : route;
        const res = method === "GET" ? await browser.get(path) : await browser.post(path, row.body ?? {});
        want[who] = expected(row, who, method);
        got[who] = await outcome(res);
      }
      expect(got).toEqual(want);
    });
  }
});
