// Filters v2 and followed hashtags through the Mastodon API, in-process.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { listNotifications, type NotificationQuery, shownNotifications } from "../src/core/notifications.ts";
import { users } from "../src/db/schema.ts";
import { community } from "./helpers/community.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);

const ORIGIN = "https://social.example";

async function setup(names = ["ada", "bob"]) {
  const c = await community(names);
  const send = (r: Request) => c.app.handle(r);
  const { token } = await authorizeApp(send, ORIGIN, c.member("ada").browser);
  const call = async (method: string, path: string, body?: unknown, bearer: string | null = token) => {
    const headers: Record<string, string> = {};
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await send(
      new Request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };
  /** A token for another member (or other scopes). */
  const tokenFor = async (name: string, scopes = "read write follow") =>
    (await authorizeApp(send, ORIGIN, c.member(name).browser, { scopes })).token;
  const follow = (who: string, whom: string) => c.member(who).browser.post(`/accounts/${c.member(whom).accountId}/follow`, {});
  return { c, call, send, token, tokenFor, follow };
}

describe("filters v2", () => {
  test("create, read, update (keywords_attributes), keywords and statuses endpoints, delete", async () => {
    const { c, call } = await setup();
    const created = await call("POST", "/api/v2/filters", {
      title: "Spoilers",
      context: ["home", "public"],
      filter_action: "warn",
      expires_in: 3600,
      keywords_attributes: [{ keyword: "finale" }, { keyword: "ending", whole_word: false }],
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      title: "Spoilers",
      context: ["home", "public"],
      filter_action: "warn",
      keywords: [
        { keyword: "finale", whole_word: true },
        { keyword: "ending", whole_word: false },
      ],
      statuses: [],
    });
    const expiresIn = Date.parse(created.json.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const id = created.json.id;
    const [finale, ending] = created.json.keywords;

    expect((await call("GET", "/api/v2/filters")).json).toEqual([created.json]);
    expect((await call("GET", `/api/v2/filters/${id}`)).json).toEqual(created.json);

    const updated = await call("PUT", `/api/v2/filters/${id}`, {
      title: "TV",
      filter_action: "hide",
      expires_in: "",
      keywords_attributes: [
        { id: finale.id, _destroy: true },
        { id: ending.id, keyword: "the end", whole_word: "true" },
        { keyword: "season" },
      ],
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ title: "TV", context: ["home", "public"], filter_action: "hide", expires_at: null });
    // Mastodon 4.4's third action.
    expect((await call("PUT", `/api/v2/filters/${id}`, { filter_action: "blur" })).json.filter_action).toBe("blur");
    expect((await call("PUT", `/api/v2/filters/${id}`, { filter_action: "hide" })).json.filter_action).toBe("hide");
    expect(updated.json.keywords.map((k: { keyword: string; whole_word: boolean }) => [k.keyword, k.whole_word])).toEqual([
      ["the end", true],
      ["season", true],
    ]);

    const added = await call("POST", `/api/v2/filters/${id}/keywords`, { keyword: "cliffhanger", whole_word: false });
    expect(added.json).toMatchObject({ keyword: "cliffhanger", whole_word: false });
    expect((await call("GET", `/api/v2/filters/${id}/keywords`)).json).toHaveLength(3);
    expect((await call("GET", `/api/v2/filters/keywords/${added.json.id}`)).json).toEqual(added.json);
    const renamed = await call("PUT", `/api/v2/filters/keywords/${added.json.id}`, { keyword: "cliff" });
    expect(renamed.json).toEqual({ ...added.json, keyword: "cliff" });
    expect((await call("DELETE", `/api/v2/filters/keywords/${added.json.id}`)).json).toEqual({});
    expect((await call("GET", `/api/v2/filters/keywords/${added.json.id}`)).status).toBe(404);

    const post = await c.post("bob", { status: "a post" });
    const fs = await call("POST", `/api/v2/filters/${id}/statuses`, { status_id: post });
    expect(fs.json).toEqual({ id: expect.any(String), status_id: post });
    expect((await call("POST", `/api/v2/filters/${id}/statuses`, { status_id: post })).status).toBe(422);
    expect((await call("GET", `/api/v2/filters/${id}/statuses`)).json).toEqual([fs.json]);
    expect((await call("GET", `/api/v2/filters/statuses/${fs.json.id}`)).json).toEqual(fs.json);
    expect((await call("DELETE", `/api/v2/filters/statuses/${fs.json.id}`)).json).toEqual({});
    expect((await call("GET", `/api/v2/filters/${id}/statuses`)).json).toEqual([]);

    // The deprecated v1 list: one entry per keyword.
    expect((await call("GET", "/api/v1/filters")).json).toEqual([
      { id: ending.id, phrase: "the end", context: ["home", "public"], whole_word: true, expires_at: null, irreversible: true },
      expect.objectContaining({ phrase: "season" }),
    ]);

    expect((await call("DELETE", `/api/v2/filters/${id}`)).json).toEqual({});
    expect((await call("GET", `/api/v2/filters/${id}`)).status).toBe(404);
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM filter_keywords").get()).toEqual({ n: 0 });
  });

  test("form-encoded parameters, as many clients send them", async () => {
    const { send, token } = await setup();
    const body = new URLSearchParams([
      ["title", "Form"],
      ["context[]", "home"],
      ["context[]", "thread"],
      ["filter_action", "hide"],
      ["keywords_attributes[][keyword]", "one"],
      ["keywords_attributes[][whole_word]", "false"],
      ["keywords_attributes[][keyword]", "two"],
      ["keywords_attributes[][whole_word]", "true"],
    ]);
    const res = await send(
      new Request(`${ORIGIN}/api/v2/filters`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
        body,
      }),
    );
    const json = (await res.json()) as { id: string; keywords: { id: string }[] };
    expect(res.status).toBe(200);
    expect(json).toMatchObject({
      title: "Form",
      context: ["home", "thread"],
      filter_action: "hide",
      keywords: [
        { keyword: "one", whole_word: false },
        { keyword: "two", whole_word: true },
      ],
    });
    const indexed = new URLSearchParams([
      ["keywords_attributes[0][id]", json.keywords[0]?.id ?? ""],
      ["keywords_attributes[0][_destroy]", "1"],
    ]);
    const put = await send(
      new Request(`${ORIGIN}/api/v2/filters/${json.id}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
        body: indexed,
      }),
    );
    expect(((await put.json()) as { keywords: unknown[] }).keywords).toEqual([expect.objectContaining({ keyword: "two" })]);
  });

  test("bad input: others' filters are 404, empty title and unknown context 422, wrong scope 403, no token 401", async () => {
    const { call, tokenFor } = await setup();
    const bobToken = await tokenFor("bob");
    const bobs = await call(
      "POST",
      "/api/v2/filters",
      { title: "Bob's", context: ["home"], keywords_attributes: [{ keyword: "x" }] },
      bobToken,
    );
    const keywordId = bobs.json.keywords[0].id;
    for (const [method, path, body] of [
      ["GET", `/api/v2/filters/${bobs.json.id}`],
      ["PUT", `/api/v2/filters/${bobs.json.id}`, { title: "mine" }],
      ["DELETE", `/api/v2/filters/${bobs.json.id}`],
      ["GET", `/api/v2/filters/${bobs.json.id}/keywords`],
      ["POST", `/api/v2/filters/${bobs.json.id}/keywords`, { keyword: "y" }],
      ["GET", `/api/v2/filters/keywords/${keywordId}`],
      ["PUT", `/api/v2/filters/keywords/${keywordId}`, { keyword: "y" }],
      ["DELETE", `/api/v2/filters/keywords/${keywordId}`],
    ] as [string, string, unknown?][]) {
      const res = await call(method, path, body);
      expect([method, path, res.status, res.json]).toEqual([method, path, 404, { error: "Record not found" }]);
    }
    // Moving a keyword of Bob's into one's own filter is refused too.
    const mine = await call("POST", "/api/v2/filters", { title: "Mine", context: ["home"] });
    expect(
      (await call("PUT", `/api/v2/filters/${mine.json.id}`, { keywords_attributes: [{ id: keywordId, keyword: "z" }] })).status,
    ).toBe(404);
    expect((await call("GET", `/api/v2/filters/${bobs.json.id}`, undefined, bobToken)).json.keywords).toEqual([
      expect.objectContaining({ keyword: "x" }),
    ]);

    const blank = await call("POST", "/api/v2/filters", { title: " ", context: ["home"] });
    expect(blank.status).toBe(422);
    expect(blank.json.error).toContain("Give the filter a title.");
    const unknown = await call("POST", "/api/v2/filters", { title: "T", context: ["home", "elsewhere"] });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error).toContain("context");
    expect((await call("POST", "/api/v2/filters", { title: "T" })).status).toBe(422);
    expect((await call("POST", "/api/v2/filters", { title: "T", context: ["home"], filter_action: "mute" })).status).toBe(422);
    expect((await call("PUT", `/api/v2/filters/${mine.json.id}`, { context: [] })).status).toBe(422);
    expect((await call("POST", `/api/v2/filters/${mine.json.id}/keywords`, { keyword: "k".repeat(201) })).status).toBe(422);
    expect((await call("POST", `/api/v2/filters/${mine.json.id}/statuses`, { status_id: "nope" })).status).toBe(422);

    const readOnly = await tokenFor("ada", "read");
    expect((await call("POST", "/api/v2/filters", { title: "T", context: ["home"] }, readOnly)).status).toBe(403);
    expect((await call("DELETE", `/api/v2/filters/${mine.json.id}`, undefined, readOnly)).status).toBe(403);
    const writeOnly = await tokenFor("ada", "write:filters");
    expect((await call("GET", "/api/v2/filters", undefined, writeOnly)).status).toBe(403);
    expect((await call("GET", "/api/v2/filters", undefined, null)).status).toBe(401);
  });
});

describe("Status.filtered", () => {
  test("warn marks statuses in the timelines of its contexts; hide removes them there; a single status reports every filter", async () => {
    const { c, call, follow } = await setup();
    await follow("ada", "bob");
    const cats = await c.post("bob", { status: "I love cats", visibility: "public" });
    const dogs = await c.post("bob", { status: "Dogs are fine", visibility: "public" });
    const warn = await call("POST", "/api/v2/filters", {
      title: "Cats",
      context: ["home"],
      keywords_attributes: [{ keyword: "cats" }],
    });
    const home = await call("GET", "/api/v1/timelines/home");
    expect(home.json.map((s: { id: string }) => s.id)).toEqual([dogs, cats]);
    expect(home.json[0].filtered).toEqual([]);
    expect(home.json[1].filtered).toEqual([
      {
        filter: {
          id: warn.json.id,
          title: "Cats",
          context: ["home"],
          expires_at: null,
          filter_action: "warn",
        },
        keyword_matches: ["cats"],
        status_matches: null,
      },
    ]);
    // Not a `public` filter: the public timeline leaves the status alone.
    const local = await call("GET", "/api/v1/timelines/public?local=true");
    expect(local.json.find((s: { id: string }) => s.id === cats).filtered).toEqual([]);

    await call("PUT", `/api/v2/filters/${warn.json.id}`, { filter_action: "hide", context: ["home", "public", "account"] });
    expect((await call("GET", "/api/v1/timelines/home")).json.map((s: { id: string }) => s.id)).toEqual([dogs]);
    expect((await call("GET", "/api/v1/timelines/public")).json.map((s: { id: string }) => s.id)).toEqual([dogs]);
    const bobId = c.member("bob").accountId;
    expect((await call("GET", `/api/v1/accounts/${bobId}/statuses`)).json.map((s: { id: string }) => s.id)).toEqual([dogs]);
    const one = await call("GET", `/api/v1/statuses/${cats}`);
    expect(one.json.filtered[0]).toMatchObject({ filter: { filter_action: "hide" }, keyword_matches: ["cats"] });

    // A filter naming the status itself.
    const byPost = await call("POST", "/api/v2/filters", { title: "This one", context: ["thread"] });
    await call("POST", `/api/v2/filters/${byPost.json.id}/statuses`, { status_id: dogs });
    const reply = await c.post("bob", { status: "replying", in_reply_to_id: dogs });
    const context = await call("GET", `/api/v1/statuses/${reply}/context`);
    expect(context.json.ancestors[0].filtered).toEqual([
      { filter: expect.objectContaining({ title: "This one" }), keyword_matches: null, status_matches: [dogs] },
    ]);
  });

  test("a hidden mention leaves the notifications", async () => {
    const { c, call } = await setup();
    await c.post("bob", { status: "@ada buy my crypto", visibility: "public" });
    await c.post("bob", { status: "@ada hello", visibility: "public" });
    expect((await call("GET", "/api/v1/notifications")).json).toHaveLength(2);
    await call("POST", "/api/v2/filters", {
      title: "Spam",
      context: ["notifications"],
      filter_action: "hide",
      keywords_attributes: [{ keyword: "crypto" }],
    });
    const after = await call("GET", "/api/v1/notifications");
    expect(after.json.map((n: { status: { content: string } }) => n.status.content)).toEqual([expect.stringContaining("hello")]);
  });
  test("pages and unread counts pass over hidden notifications: a page is filled past them, counts leave them out", async () => {
    const { c, call } = await setup();
    const hello = await c.post("bob", { status: "@ada hello", visibility: "public" });
    for (let i = 0; i < 45; i++) await c.post("bob", { status: `@ada buy my crypto ${i}`, visibility: "public" });
    expect((await call("GET", "/api/v1/notifications/unread_count")).json.count).toBe(46);
    await call("POST", "/api/v2/filters", {
      title: "Spam",
      context: ["notifications"],
      filter_action: "hide",
      keywords_attributes: [{ keyword: "crypto" }],
    });
    // Before, the page was the 40 newest read, all hidden: empty, with a Link to page on.
    const page = await call("GET", "/api/v1/notifications?limit=40");
    expect(page.json.map((n: { status: { id: string } }) => n.status.id)).toEqual([hello]);
    const grouped = await call("GET", "/api/v2/notifications?limit=5");
    expect(grouped.json.notification_groups.map((g: { status_id: string }) => g.status_id)).toEqual([hello]);
    expect((await call("GET", "/api/v1/notifications/unread_count")).json.count).toBe(1);
    expect((await call("GET", "/api/v2/notifications/unread_count")).json.count).toBe(1);
    const home = await (await c.member("ada").browser.get("/")).text();
    expect(home).toContain('aria-label="1 unread"');
    // Paging on from the one shown finds nothing older, and says so with an empty page.
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get("link") ?? "")?.[1] ?? "";
    expect((await call("GET", new URL(next).pathname + new URL(next).search)).json).toEqual([]);
    // Newer than the one shown (min_id), past the hidden ones: a new mention.
    const latest = await c.post("bob", { status: "@ada still there?", visibility: "public" });
    const newer = await call("GET", `/api/v1/notifications?min_id=${page.json[0].id}&limit=2`);
    expect(newer.json.map((n: { status: { id: string } }) => n.status.id)).toEqual([latest]);

    // A walk that runs out of budget among hidden ones shows nothing, but its page goes on past them.
    const ada = c.member("ada").accountId;
    const walk = (query: NotificationQuery) => shownNotifications(c.database.db, c.deps.baseUrl, ada, query, 40);
    const hidden = listNotifications(c.database.db, ada, { maxId: latest, limit: 100 }).filter((n) => n.postId !== hello);
    const first = walk({ maxId: hidden[0]?.id, limit: 5 });
    expect(first).toMatchObject({ rows: [], end: false, span: [hidden[1]?.id, hidden[40]?.id] });
    expect(walk({ maxId: first.span[1], limit: 5 }).rows.map((n) => n.postId)).toEqual([hello]);

    // The notifications page marks everything seen, the hidden ones too: the badge stays empty.
    await c.member("ada").browser.get("/notifications");
    const newest = listNotifications(c.database.db, ada, { limit: 1 })[0]?.id;
    expect(c.database.db.select().from(users).where(eq(users.accountId, ada)).get()?.notificationsReadId).toBe(newest);
  });
});

describe("followed hashtags", () => {
  test("follow, list with Link, show, search, unfollow; a public post with the tag from someone not followed reaches home", async () => {
    const { c, call } = await setup(["ada", "bob", "cy"]);
    const tagged = await c.post("cy", { status: "Fresh #Knitting pattern", visibility: "public" });
    await c.post("cy", { status: "Quiet #knitting", visibility: "unlisted" });
    expect((await call("GET", "/api/v1/timelines/home")).json).toEqual([]);
    const knitting = (await call("GET", "/api/v1/tags/knitting")).json;
    expect(knitting).toMatchObject({ name: "Knitting", following: false });
    // The week's uses, today first: the public post counts, the unlisted one does not (as trends count).
    expect(knitting.history).toHaveLength(7);
    expect(knitting.history[0]).toEqual({ day: expect.any(String), uses: "1", accounts: "1" });

    const followed = await call("POST", "/api/v1/tags/KNITTING/follow");
    expect(followed.status).toBe(200);
    expect(followed.json).toEqual({
      id: expect.any(String),
      name: "Knitting",
      url: "https://social.example/tags/knitting",
      history: knitting.history,
      following: true,
    });
    await call("POST", `/api/v1/tags/${encodeURIComponent("Café")}/follow`);
    const list = await call("GET", "/api/v1/followed_tags?limit=1");
    expect(list.json.map((t: { name: string }) => t.name)).toEqual(["Café"]);
    expect(list.headers.get("link")).toContain('rel="next"');
    const next = /<([^>]+)>; rel="next"/.exec(list.headers.get("link") ?? "")?.[1] ?? "";
    expect((await call("GET", new URL(next).pathname + new URL(next).search)).json.map((t: { name: string }) => t.name)).toEqual([
      "Knitting",
    ]);
    expect((await call("GET", "/api/v1/tags/knitting")).json.following).toBe(true);
    expect((await call("GET", "/api/v1/tags/knitting", undefined, null)).json.following).toBeUndefined();
    const search = await call("GET", "/api/v2/search?q=knit&type=hashtags");
    expect(search.json.hashtags).toEqual([expect.objectContaining({ name: "Knitting", following: true })]);

    expect((await call("GET", "/api/v1/timelines/home")).json.map((s: { id: string }) => s.id)).toEqual([tagged]);
    expect((await call("POST", "/api/v1/tags/knitting/unfollow")).json.following).toBe(false);
    expect((await call("GET", "/api/v1/timelines/home")).json).toEqual([]);
  });

  test("bad input: a name that is no hashtag is a 404; following needs a token with write:follows", async () => {
    const { call, tokenFor } = await setup();
    expect((await call("POST", "/api/v1/tags/123/follow")).status).toBe(404);
    expect((await call("GET", `/api/v1/tags/${encodeURIComponent("a b")}`)).status).toBe(404);
    expect((await call("GET", "/api/v1/tags/%25")).status).toBe(404); // decoded once, by the router
    expect((await call("POST", "/api/v1/tags/knitting/follow", undefined, null)).status).toBe(401);
    expect((await call("POST", "/api/v1/tags/knitting/follow", undefined, await tokenFor("ada", "read"))).status).toBe(403);
    expect((await call("GET", "/api/v1/followed_tags", undefined, await tokenFor("ada", "write"))).status).toBe(403);
  });
});
