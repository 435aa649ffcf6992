// Searching posts with Mastodon's operators (4.2 and later): from:, has:, is:, language:,
// before:/after:/during:, -negation, "phrases" and -words; through core, the API and the page.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { accounts } from "../src/db/schema.ts";
import { createPost } from "../src/core/posts.ts";
import { searchPosts } from "../src/core/search.ts";
import { parsePostSearch } from "../src/core/search-query.ts";
import { uploadMedia } from "../src/core/media.ts";
import { testJpeg } from "./helpers/images.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";

setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob"]);
const api = apiAs(t, origin, m);
const ada = { id: m("ada").id, username: "ada" };
const bob = { id: m("bob").id, username: "bob" };
const picture = await uploadMedia({ ...t.deps, media: t.media }, ada.id, { bytes: await testJpeg(32, 32), description: "socks" });
const socks = await createPost(t.deps, ada, { status: "New wool socks", mediaIds: [picture.id] });
const hat = await createPost(t.deps, ada, { status: "A wool hat to match", inReplyToId: socks.id });
const scarf = await createPost(t.deps, bob, { status: "Ein Schal aus wool", language: "de", sensitive: true });
const poll = await createPost(t.deps, bob, { status: "Which wool?", poll: { options: ["merino", "alpaca"], expiresIn: 3600 } });
const search = (q: string, viewer: string | null = ada.id) => searchPosts(t.deps.db, viewer, q, { host: "social.example" });
const today = new Date().toISOString().slice(0, 10);

test("from:, has:, is: and language: narrow the posts found; each may be negated", () => {
  expect(search("wool")).toEqual([poll.id, scarf.id, hat.id, socks.id]);
  expect(search("wool from:me")).toEqual([hat.id, socks.id]);
  expect(search("wool -from:me")).toEqual([poll.id, scarf.id]);
  expect(search("wool from:bob@social.example")).toEqual([poll.id, scarf.id]);
  expect(search("wool from:@BOB")).toEqual([poll.id, scarf.id]);
  expect(search("wool has:media")).toEqual([socks.id]);
  expect(search("wool has:image")).toEqual([socks.id]);
  expect(search("wool has:video")).toEqual([]);
  expect(search("wool has:poll")).toEqual([poll.id]);
  expect(search("wool -has:media -has:poll")).toEqual([scarf.id, hat.id]);
  expect(search("wool is:reply")).toEqual([hat.id]);
  expect(search("wool is:sensitive")).toEqual([scarf.id]);
  expect(search("wool language:de")).toEqual([scarf.id]);
  expect(search("wool -language:de from:bob")).toEqual([poll.id]);
});

test("operators alone list the posts they allow; dates are UTC days; phrases and -words", () => {
  expect(search("from:me")).toEqual([hat.id, socks.id]);
  expect(search("from:bob has:poll")).toEqual([poll.id]);
  expect(search(`during:${today} from:me`)).toEqual([hat.id, socks.id]);
  expect(search(`before:${today} wool`)).toEqual([]);
  expect(search(`after:${today} wool`)).toEqual([]);
  expect(search(`after:2020-01-01 has:media`)).toEqual([socks.id]);
  expect(search('"wool socks"')).toEqual([socks.id]);
  expect(search("wool -hat -schal")).toEqual([poll.id, socks.id]);
  expect(search("from:me -hat")).toEqual([socks.id]);
});

test("bad input: unknown operators and values read as words, an unknown author finds nothing, a visitor has no me", () => {
  expect(search("from:nobody wool")).toEqual([]);
  expect(search("from:me", null)).toEqual([]);
  // Operators alone are for members; a visitor's words still find public posts.
  expect(search("from:bob", null)).toEqual([]);
  expect(search("wool from:bob", null)).toEqual([poll.id, scarf.id]);
  // A negated unknown author narrows nothing: whether an account exists is not told.
  expect(search("-from:nobody has:poll")).toEqual([poll.id]);
  expect(search("-from:bob has:poll")).toEqual([]);
  expect(search("has:everything")).toEqual([]);
  expect(search("before:2026-02-30 wool")).toEqual([]); // no such day: words that are nowhere
  expect(search('wool* ^(hat) "unclosed')).toEqual([]);
  expect(search("wool\u0000 has:poll")).toEqual([poll.id]);
  expect(search("... -!!! from:me")).toEqual([]);
  expect(search("from: has: is:")).toEqual([]);
  expect(parsePostSearch("color:red wool")).toMatchObject({ words: ["color red", "wool"], from: [], has: [] });
  const negatedDay = parsePostSearch("-before:2026-01-01 x");
  expect([negatedDay.words, negatedDay.excluded, negatedDay.before]).toEqual([["x"], [], undefined]);
  expect(parsePostSearch("before:2026-03-01 before:2026-02-01 after:2026-01-01")).toMatchObject({
    before: new Date("2026-02-01T00:00:00Z"),
    after: new Date("2026-01-02T00:00:00Z"),
  });
  expect(parsePostSearch("from:ada@localhost:3000").from).toEqual([{ value: "ada@localhost:3000", negated: false }]);
  const many = parsePostSearch(`${Array.from({ length: 12 }, () => "is:reply").join(" ")} wool`);
  expect(many).toMatchObject({ words: ["wool"] });
  expect(many.is).toHaveLength(10);
  expect(parsePostSearch(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ")).words).toHaveLength(10);
});

test("a limited account's posts are found only by its followers, as on public timelines", () => {
  t.deps.db.update(accounts).set({ silencedAt: new Date() }).where(eq(accounts.id, bob.id)).run();
  try {
    expect(search("wool")).toEqual([hat.id, socks.id]);
    expect(search("from:bob")).toEqual([]);
    expect(search("wool", bob.id)).toEqual([poll.id, scarf.id, hat.id, socks.id]);
  } finally {
    t.deps.db.update(accounts).set({ silencedAt: null }).where(eq(accounts.id, bob.id)).run();
  }
});

test("the API's search reads the operators, and account_id; the search page too", async () => {
  const found = async (query: string) => {
    const response = await api("ada", "GET", `/api/v2/search?type=statuses&${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { statuses: { id: string }[] }).statuses.map((s) => s.id);
  };
  expect(await found("q=from%3Ame")).toEqual([hat.id, socks.id]);
  expect(await found(`q=wool&account_id=${bob.id}`)).toEqual([poll.id, scarf.id]);
  const page = await (await m("ada").browser.get(`/search?q=${encodeURIComponent("wool has:media")}`)).text();
  expect(page).toContain("New wool socks");
  expect(page).not.toContain("wool hat");
  expect(page).toContain("from:me");
});

test("a member of this server is found by full handle or profile address, in search and by resolving", async () => {
  // An address is looked up only with resolve, as on Mastodon.
  for (const [q, resolves] of [
    ["@bob@social.example", ["false", "true"]],
    ["bob@SOCIAL.example", ["false", "true"]],
    ["https://social.example/@bob", ["true"]],
  ] as const) {
    for (const resolve of resolves) {
      const found = await api("ada", "GET", `/api/v2/search?type=accounts&resolve=${resolve}&q=${encodeURIComponent(q)}`);
      const { accounts } = (await found.json()) as { accounts: { acct: string }[] };
      expect([q, resolve, accounts.map((a) => a.acct)]).toEqual([q, resolve, ["bob"]]);
    }
  }
  const v1 = await api("ada", "GET", "/api/v1/accounts/search?q=bob@social.example&resolve=true");
  expect(((await v1.json()) as { acct: string }[]).map((a) => a.acct)).toEqual(["bob"]);
});
