// Keyword filters and followed hashtags in core: the matching rule, CRUD rules, contexts,
// expiry, applying filters to posts, and followed tags in home.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { CoreError, ValidationError } from "../src/core/errors.ts";
import {
  activeFilters,
  applyFilters,
  compileKeywords,
  createFilter,
  deleteFilter,
  type Filter,
  type FilterKeyword,
  getFilter,
  keywordChangesFor,
  matchFilters,
  updateFilter,
} from "../src/core/filters.ts";
import { followTag, listFollowedTags, unfollowTag } from "../src/core/followed-tags.ts";
import { htmlToPlainText } from "../src/core/text.ts";
import { homeTimeline } from "../src/core/timelines.ts";
import { loadPostViews } from "../src/core/views.ts";
import { newId } from "../src/db/ids.ts";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

const keyword = (text: string, wholeWord = true): FilterKeyword => ({ id: text, filterId: "f", keyword: text, wholeWord });

function filterWith(keywords: FilterKeyword[], extra: Partial<Filter> = {}): Filter {
  return {
    id: "f",
    accountId: "a",
    title: "Test",
    context: ["home"],
    filterAction: "warn",
    expiresAt: null,
    createdAt: new Date(),
    keywords,
    statuses: [],
    ...extra,
  };
}

/** What the filter's keywords matched in `text`, or null. */
function matched(keywords: FilterKeyword[], text: string): string[] | null {
  const filter = filterWith(keywords);
  const result = matchFilters([{ filter, keywords: compileKeywords(keywords), statusIds: new Set() }], { ids: ["p"], text });
  return result[0]?.keywordMatches ?? null;
}

describe("matching", () => {
  test.each([
    ["a whole word matches on its own", [keyword("cat")], "The cat sat.", ["cat"]],
    ["case does not matter", [keyword("cat")], "CAT!", ["CAT"]],
    ["a whole word does not match inside a longer word", [keyword("cat")], "category bobcat cats", null],
    ["a substring keyword matches inside words", [keyword("cat", false)], "Concatenate", ["cat"]],
    ["a phrase matches across a space", [keyword("new york")], "I love New York City", ["New York"]],
    ["non-ASCII case folds", [keyword("été")], "Un ÉTÉ chaud", ["ÉTÉ"]],
    ["an accented letter is part of the word (no ASCII \\b)", [keyword("caf")], "Un café", null],
    ["an accented keyword matches as a whole word", [keyword("café")], "Café, s'il vous plaît", ["Café"]],
    ["composed and decomposed accents are the same text", [keyword("café")], "cafe\u0301 noir", ["café"]],
    ["accents are not folded away (as on Mastodon)", [keyword("resume")], "my résumé", null],
    ["a keyword starting with # needs no boundary before it", [keyword("#tag")], "love#tag here", ["#tag"]],
    ["…but one after its last letter", [keyword("#tag")], "#tagging", null],
    ["regular expression characters are literal", [keyword("c++")], "I write C++ daily", ["C++"]],
    ["a dot is a dot", [keyword("a.b", false)], "axb", null],
    ["CJK text matches as a substring", [keyword("猫", false)], "我的猫很可爱", ["猫"]],
    ["any keyword of the filter; the first match is reported", [keyword("dog"), keyword("cat")], "cat and dog", ["cat"]],
  ] as const)("%s", (_name, keywords, text, expected) => {
    expect(matched([...keywords], text)).toEqual(expected === null ? null : [...expected]);
  });

  test("a filter naming a post matches that post or a boost of it, without keywords", () => {
    const filter = filterWith([], { statuses: [{ id: "s", filterId: "f", postId: "p1" }] });
    const active = [{ filter, keywords: null, statusIds: new Set(["p1"]) }];
    expect(matchFilters(active, { ids: ["boost", "p1"], text: "anything" })).toEqual([
      { filter, keywordMatches: null, statusMatches: ["p1"] },
    ]);
    expect(matchFilters(active, { ids: ["p2"], text: "anything" })).toEqual([]);
  });

  test("remote HTML becomes the text a reader sees", () => {
    expect(htmlToPlainText('<p>I love <a href="x">#<span>cats</span></a> &amp; dogs</p><p>a<br>b &#233;t&#xE9;</p>')).toBe(
      "I love #cats & dogs\n\na\nb été",
    );
  });
});

describe("filter rules", () => {
  const problems = (f: () => unknown): Record<string, string> => {
    try {
      f();
    } catch (error) {
      if (error instanceof ValidationError) return error.fields;
      throw error;
    }
    return {};
  };

  test("title, contexts, action, expiry and keywords are checked; nothing is saved on a refusal", async () => {
    const c = await community(["ada"]);
    const me = c.member("ada").accountId;
    const ok = { title: "Spoilers", context: ["home"] };
    expect(problems(() => createFilter(c.deps.db, me, { ...ok, title: "  " }))).toEqual({ title: "Give the filter a title." });
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, { ...ok, title: "x".repeat(201) })))).toEqual(["title"]);
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, { ...ok, context: [] })))).toEqual(["context"]);
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, { ...ok, context: ["home", "lists"] })))).toEqual(["context"]);
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, { ...ok, filterAction: "mute" })))).toEqual(["filter_action"]);
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, { ...ok, expiresIn: -5 })))).toEqual(["expires_in"]);
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, { ...ok, keywords: [{ keyword: " " }] })))).toEqual([
      "keyword",
    ]);
    const long = { ...ok, keywords: [{ keyword: "x".repeat(201) }] };
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, long)))).toEqual(["keyword"]);
    const many = { ...ok, keywords: Array.from({ length: 101 }, (_, i) => ({ keyword: `k${i}` })) };
    expect(Object.keys(problems(() => createFilter(c.deps.db, me, many)))).toEqual(["keywords"]);
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM filters").get()).toEqual({ n: 0 });
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM filter_keywords").get()).toEqual({ n: 0 });
  });

  test("at most 100 filters per member", async () => {
    const c = await community(["ada"]);
    const me = c.member("ada").accountId;
    for (let i = 0; i < 100; i++) createFilter(c.deps.db, me, { title: `f${i}`, context: ["home"] });
    expect(() => createFilter(c.deps.db, me, { title: "one more", context: ["home"] })).toThrow(ValidationError);
  });

  test("keywords are added, changed and removed in one update; another filter's keyword is a 404 and rolls back", async () => {
    const c = await community(["ada"]);
    const me = c.member("ada").accountId;
    const f = createFilter(c.deps.db, me, { title: "A", context: ["home"], keywords: [{ keyword: "one" }, { keyword: "two" }] });
    expect(f.keywords.map((k) => [k.keyword, k.wholeWord])).toEqual([
      ["one", true],
      ["two", true],
    ]);
    const [one, two] = f.keywords as [FilterKeyword, FilterKeyword];
    const changed = updateFilter(c.deps.db, me, f.id, {
      title: "B",
      keywords: [{ id: one.id, destroy: true }, { id: two.id, keyword: "deux", wholeWord: false }, { keyword: "three" }],
    });
    expect(changed.title).toBe("B");
    expect(changed.keywords.map((k) => [k.keyword, k.wholeWord])).toEqual([
      ["deux", false],
      ["three", true],
    ]);
    const other = createFilter(c.deps.db, me, { title: "Other", context: ["home"], keywords: [{ keyword: "x" }] });
    const foreign = other.keywords[0]?.id;
    expect(() => updateFilter(c.deps.db, me, f.id, { title: "C", keywords: [{ id: foreign, destroy: true }] })).toThrow(
      CoreError,
    );
    expect(getFilter(c.deps.db, me, f.id).title).toBe("B");
    expect(getFilter(c.deps.db, me, other.id).keywords).toHaveLength(1);
  });

  test("the web form's keyword list keeps, adds and removes keywords by their text", () => {
    const current = [keyword("keep"), keyword("drop")];
    expect(keywordChangesFor(current, ["keep", " new ", "", "new"], false)).toEqual([
      { id: "drop", destroy: true },
      { id: "keep", wholeWord: false },
      { keyword: "new", wholeWord: false },
    ]);
  });

  test("another member's filter is not found", async () => {
    const c = await community(["ada", "bob"]);
    const f = createFilter(c.deps.db, c.member("bob").accountId, { title: "Bob's", context: ["home"] });
    const ada = c.member("ada").accountId;
    for (const act of [
      () => getFilter(c.deps.db, ada, f.id),
      () => updateFilter(c.deps.db, ada, f.id, { title: "mine now" }),
      () => deleteFilter(c.deps.db, ada, f.id),
    ]) {
      expect(act).toThrow(new CoreError("Record not found", 404));
    }
  });

  test("active filters: only unexpired ones, only for the context asked (every one for null)", async () => {
    const c = await community(["ada"]);
    const me = c.member("ada").accountId;
    const now = new Date();
    createFilter(c.deps.db, me, { title: "home", context: ["home"] }, now);
    createFilter(c.deps.db, me, { title: "public", context: ["public", "thread"] }, now);
    createFilter(c.deps.db, me, { title: "soon gone", context: ["home"], expiresIn: 60 }, now);
    const titles = (context: Parameters<typeof activeFilters>[2], at = now) =>
      activeFilters(c.deps.db, me, context, at).map((a) => a.filter.title);
    expect(titles("home")).toEqual(["home", "soon gone"]);
    expect(titles("thread")).toEqual(["public"]);
    expect(titles("notifications")).toEqual([]);
    expect(titles(null)).toEqual(["home", "public", "soon gone"]);
    expect(titles("home", new Date(now.getTime() + 61_000))).toEqual(["home"]);
  });
});

describe("applying filters to posts", () => {
  async function setup() {
    const c = await community(["ada", "bob"]);
    const db = c.deps.db;
    const ada = c.member("ada").accountId;
    const cats = await c.post("bob", { status: "I love cats" });
    const dogs = await c.post("bob", { status: "Dogs are fine" });
    const spoiled = await c.post("bob", { status: "The ending!", spoiler_text: "Film spoilers" });
    const mine = await c.post("ada", { status: "my cats" });
    const views = (ids: string[]) => loadPostViews(db, c.deps.baseUrl, ids, ada);
    return { c, db, ada, cats, dogs, spoiled, mine, views };
  }

  test("warn marks the post, hide leaves it out in its context only, and own posts are never filtered", async () => {
    const { db, ada, cats, dogs, spoiled, mine, views } = await setup();
    createFilter(db, ada, { title: "Cats", context: ["home"], keywords: [{ keyword: "cat", wholeWord: false }] });
    createFilter(db, ada, { title: "Spoilers", context: ["home"], filterAction: "hide", keywords: [{ keyword: "spoilers" }] });
    const home = applyFilters(db, ada, "home", views([cats, dogs, spoiled, mine]));
    expect(home.map((v) => v.id)).toEqual([cats, dogs, mine]);
    expect(home[0]?.filtered?.map((m) => [m.filter.title, m.keywordMatches])).toEqual([["Cats", ["cat"]]]);
    expect(home[1]?.filtered).toBeUndefined();
    expect(home[2]?.filtered).toBeUndefined();
    expect(applyFilters(db, ada, "public", views([cats, spoiled])).map((v) => v.filtered)).toEqual([undefined, undefined]);
    // A single post (null context): every filter reports, none removes.
    expect(applyFilters(db, ada, null, views([spoiled]))[0]?.filtered?.[0]?.filter.title).toBe("Spoilers");
    // A thread page keeps the post it is about, folded.
    expect(applyFilters(db, ada, "home", views([spoiled]), spoiled).map((v) => v.id)).toEqual([spoiled]);
  });

  test("a boost is filtered by the boosted post's text, and both carry the match", async () => {
    const { c, db, ada, cats, views } = await setup();
    await c.member("bob").browser.post(`/statuses/${cats}/reblog`, {});
    const boost = c.database.sqlite.query<{ id: string }, [string]>("SELECT id FROM posts WHERE reblog_of_id = ?").get(cats)?.id;
    createFilter(db, ada, { title: "Cats", context: ["home"], keywords: [{ keyword: "cats" }] });
    const [shown] = applyFilters(db, ada, "home", views([boost ?? ""]));
    expect(shown?.filtered?.[0]?.keywordMatches).toEqual(["cats"]);
    expect(shown?.reblog?.filtered?.[0]?.filter.title).toBe("Cats");
  });

  test("remote HTML, content warnings and image descriptions are read", async () => {
    const { c, db, ada, spoiled, views } = await setup();
    const remote = newId();
    const sqlite = c.database.sqlite;
    sqlite.run(
      "INSERT INTO accounts (id, username, domain, uri) VALUES (?, 'rita', 'remote.example', 'https://remote.example/u/rita')",
      [remote],
    );
    const post = newId();
    sqlite.run("INSERT INTO posts (id, account_id, uri, content_html, visibility) VALUES (?, ?, ?, ?, 'public')", [
      post,
      remote,
      "https://remote.example/p/1",
      "<p>Tea &amp; <strong>bis</strong>cuits</p>",
    ]);
    sqlite.run("INSERT INTO media_attachments (id, account_id, post_id, mime, description) VALUES (?, ?, ?, 'image/png', ?)", [
      newId(),
      remote,
      post,
      "A photo of a spider",
    ]);
    createFilter(db, ada, {
      title: "Words",
      context: ["public"],
      keywords: [{ keyword: "tea & biscuits" }, { keyword: "film" }],
    });
    createFilter(db, ada, { title: "Bugs", context: ["public"], keywords: [{ keyword: "spider" }] });
    const [one, two] = applyFilters(db, ada, "public", views([post, spoiled]));
    expect(one?.filtered?.map((m) => [m.filter.title, m.keywordMatches])).toEqual([
      ["Words", ["Tea & biscuits"]],
      ["Bugs", ["spider"]],
    ]);
    expect(two?.filtered?.map((m) => m.keywordMatches)).toEqual([["Film"]]);
  });
});

describe("followed hashtags", () => {
  test("following normalizes the name, makes the tag, and is idempotent; a non-tag is a 404", async () => {
    const c = await community(["ada"]);
    const db = c.deps.db;
    const me = c.member("ada").accountId;
    const tag = followTag(db, me, "#Ｋｎｉｔｔｉｎｇ");
    expect(tag).toMatchObject({ name: "knitting" });
    followTag(db, me, "KNITTING");
    expect(listFollowedTags(db, me).map((r) => r.tag.name)).toEqual(["knitting"]);
    expect(() => followTag(db, me, "123")).toThrow(new CoreError("Record not found", 404));
    expect(() => followTag(db, me, "two words")).toThrow(CoreError);
    unfollowTag(db, me, "Knitting");
    expect(listFollowedTags(db, me)).toEqual([]);
  });

  test("home holds public posts with a followed tag from anyone, but not unlisted ones, boosts or muted authors", async () => {
    const c = await community(["ada", "bob", "cat"]);
    const db = c.deps.db;
    const ada = c.member("ada").accountId;
    const tagged = await c.post("bob", { status: "New #Knitting pattern", visibility: "public" });
    const unlisted = await c.post("bob", { status: "quiet #knitting", visibility: "unlisted" });
    const other = await c.post("bob", { status: "no tag here", visibility: "public" });
    expect(homeTimeline(db, ada)).toEqual([]);
    followTag(db, ada, "knitting");
    expect(homeTimeline(db, ada)).toEqual([tagged]);
    expect(homeTimeline(db, ada, { minId: other })).toEqual([]);
    expect(homeTimeline(db, ada, { maxId: unlisted })).toEqual([tagged]);
    await c.member("cat").browser.post(`/statuses/${tagged}/reblog`, {});
    expect(homeTimeline(db, ada)).toEqual([tagged]);
    await c.member("ada").browser.post(`/accounts/${c.member("bob").accountId}/mute`, {});
    expect(homeTimeline(db, ada)).toEqual([]);
  });
});
