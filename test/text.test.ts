import { describe, expect, test } from "bun:test";
import { countCharacters, linkedLine, normalizeHashtag, parseText, renderText, type MentionToken } from "../src/core/text.ts";

/** Links as a server would build them: only alice (local) and bob@remote.example are known. */
const links = {
  mention(m: MentionToken): string | null {
    const acct = m.domain === null ? m.username : `${m.username}@${m.domain}`;
    if (acct.toLowerCase() === "alice") return "https://skein.example/@alice";
    if (acct.toLowerCase() === "bob@remote.example") return "https://remote.example/@bob";
    return null;
  },
  hashtag: (name: string) => `https://skein.example/tags/${encodeURIComponent(name)}`,
};

const aliceLink =
  '<span class="h-card" translate="no"><a href="https://skein.example/@alice" class="u-url mention">@<span>alice</span></a></span>';

describe("countCharacters", () => {
  const long = `https://example.com/${"a".repeat(200)}`;
  test.each([
    ["empty", "", 0],
    ["plain ASCII", "hello world", 11],
    ["an emoji with a skin tone is one character", "👍🏽", 1],
    ["a family emoji is one character", "👨‍👩‍👧", 1],
    ["a combining accent joins its letter", "e\u0301", 1],
    ["CJK", "日本語のテキスト", 8],
    ["a short URL counts 23", "https://x.co", 23],
    ["a long URL counts 23", long, 23],
    ["text around a URL", `see ${long} now`, 4 + 23 + 4],
    ["two URLs", "https://a.example https://b.example", 23 + 1 + 23],
    ["a local mention counts in full", "@alice hi", 9],
    ["a remote mention counts as its local part", "@bob@remote.example hi", 7],
    ["a remote mention with a port counts as its local part", "@alice@127.0.0.1:4443", 6],
    ["an email address counts in full", "me@example.com", 14],
    ["a hashtag counts in full", "#café", 5],
    ["a javascript: pseudo-URL counts in full", "javascript:alert(1)", 19],
  ])("%s", (_name, text, expected) => {
    expect(countCharacters(text)).toBe(expected);
  });

  test.each([
    ["499 letters", "a".repeat(499), 499],
    ["500 letters", "a".repeat(500), 500],
    ["501 letters", "a".repeat(501), 501],
    ["500 emoji", "👍🏽".repeat(500), 500],
    ["477 letters and a URL", `${"a".repeat(476)} https://example.com/${"p".repeat(600)}`, 500],
    ["490 letters and a long remote mention", `${"a".repeat(490)} @bob@a-very-long-domain-name.example`, 495],
  ])("500-character boundary: %s", (_name, text, expected) => {
    expect(countCharacters(text)).toBe(expected);
  });
});

describe("parseText: mentions", () => {
  test.each([
    ["at the start", "@alice hello", [["alice", null, 0, 6]]],
    ["after a space", "hi @alice", [["alice", null, 3, 9]]],
    [
      "after punctuation",
      "(@alice) and,@bob!",
      [
        ["alice", null, 1, 7],
        ["bob", null, 13, 17],
      ],
    ],
    ["with a domain", "cc @bob@remote.example.", [["bob", "remote.example", 3, 22]]],
    ["with an IP and a port", "@alice@127.0.0.1:4443 hi", [["alice", "127.0.0.1:4443", 0, 21]]],
    ["with a domain and a port", "@alice@localhost:3000", [["alice", "localhost:3000", 0, 21]]],
    ["dots and dashes inside a username", "@first.last-x", [["first.last-x", null, 0, 13]]],
    ["a trailing dot is not part of the username", "@alice.", [["alice", null, 0, 6]]],
    ["case is kept", "@Alice@Remote.Example", [["Alice", "Remote.Example", 0, 21]]],
    ["a port must end the word", "@a@b.example:5pm", [["a", "b.example", 0, 12]]],
    ["not an email", "write to me@example.com", []],
    ["not inside a word", "foo@alice", []],
    ["not after a slash", "https://x.example/@alice", []],
    ["not after =", "?user=@alice", []],
    ["not cut before an accented letter", "@josé", []],
    ["not followed by another @", "@a@b@c", []],
    ["a bare @", "@ alone", []],
  ])("%s", (_name, text, expected) => {
    const mentions = parseText(text).mentions;
    expect(mentions.map((m) => [m.username, m.domain, m.start, m.end])).toEqual(expected);
    for (const m of mentions) expect(text.slice(m.start, m.end)).toBe(m.raw);
  });
});

describe("parseText: hashtags", () => {
  test.each([
    ["plain", "#hello world", [["hello", 0, 6]]],
    ["case kept", "I like #TypeScript.", [["TypeScript", 7, 18]]],
    ["accented", "un #café", [["café", 3, 8]]],
    ["Japanese", "#日本語 です", [["日本語", 0, 4]]],
    ["digits with a letter", "#2024goals", [["2024goals", 0, 10]]],
    ["a middle dot separator", "#a·b", [["a·b", 0, 4]]],
    [
      "several",
      "#one #two",
      [
        ["one", 0, 4],
        ["two", 5, 9],
      ],
    ],
    ["after an opening parenthesis", "(#tag)", [["tag", 1, 5]]],
    ["only digits is not a tag", "#123 bus", []],
    ["not inside a word", "foo#bar", []],
    ["not after a slash", "a/#b", []],
    ["not a URL fragment after a slash", "https://x.com/#anchor", []],
    ["not a URL fragment inside a path", "https://x.com/page#anchor and #real", [["real", 30, 35]]],
    ["not a URL query value", "https://x.com/?q=a+#tag", []],
    ["a swallowed scheme is given back", "#cool" + "https://x.example", [["cool", 0, 5]]],
  ])("%s", (_name, text, expected) => {
    const hashtags = parseText(text).hashtags;
    expect(hashtags.map((h) => [h.name, h.start, h.end])).toEqual(expected);
    for (const h of hashtags) expect(text.slice(h.start, h.end)).toBe(`#${h.name}`);
  });

  test.each([
    ["Café", "café"],
    ["TypeScript", "typescript"],
    ["ｃａｆé", "café"],
    ["日本語", "日本語"],
  ])("normalizeHashtag(%s) is %s", (name, key) => {
    expect(normalizeHashtag(name)).toBe(key);
  });
});

describe("parseText: URLs", () => {
  test.each([
    ["plain", "go to https://example.com now", ["https://example.com"]],
    ["http and a path", "http://example.com/a/b?c=d&e=f#g", ["http://example.com/a/b?c=d&e=f#g"]],
    ["upper-case scheme", "HTTPS://Example.com/A", ["HTTPS://Example.com/A"]],
    ["a trailing full stop", "See https://example.com/page.", ["https://example.com/page"]],
    ["a trailing comma", "https://example.com/a, then", ["https://example.com/a"]],
    ["a trailing !", "wow https://example.com!", ["https://example.com"]],
    ["a trailing ?", "seen https://example.com/x?", ["https://example.com/x"]],
    ["several trailing marks", "https://example.com/x?!.", ["https://example.com/x"]],
    ["inside parentheses", "(see https://example.com/a)", ["https://example.com/a"]],
    [
      "balanced parentheses kept",
      "https://en.wikipedia.org/wiki/Bun_(software)",
      ["https://en.wikipedia.org/wiki/Bun_(software)"],
    ],
    [
      "balanced parentheses inside parentheses",
      "(https://en.wikipedia.org/wiki/Bun_(software))",
      ["https://en.wikipedia.org/wiki/Bun_(software)"],
    ],
    ["an IP and a port", "https://127.0.0.1:4443/@alice", ["https://127.0.0.1:4443/@alice"]],
    ["accented path", "https://fr.example/café", ["https://fr.example/café"]],
    ["directly after CJK text", "詳細はhttps://example.jp/aです", ["https://example.jp/a"]],
    ["CJK text after the host", "https://example.com日本語", ["https://example.com"]],
    ["stops at a quote", 'https://example.com/"onmouseover="x', ["https://example.com/"]],
    ["stops at <", "https://example.com/<script>", ["https://example.com/"]],
    ["two", "https://a.example and https://b.example", ["https://a.example", "https://b.example"]],
    ["not glued to a word", "xhttps://example.com", []],
    ["needs a scheme", "example.com www.example.com", []],
    ["not javascript:", "javascript:alert(1)", []],
    ["not ftp", "ftp://example.com", []],
    ["needs a domain", "https://localhost/ and https://", []],
  ])("%s", (_name, text, expected) => {
    const urls = parseText(text).urls;
    expect(urls.map((u) => u.url)).toEqual(expected);
    for (const u of urls) expect(text.slice(u.start, u.end)).toBe(u.url);
  });

  test("a mention inside a URL is part of the URL", () => {
    const parsed = parseText("https://x.example/a,@alice");
    expect(parsed.urls.map((u) => u.url)).toEqual(["https://x.example/a,@alice"]);
    expect(parsed.mentions).toEqual([]);
  });
});

describe("renderText", () => {
  test.each([
    ["empty", "", ""],
    ["only whitespace", " \n\n ", ""],
    ["plain", "hello", "<p>hello</p>"],
    ["a script element", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ["an attribute breakout", "\"onmouseover=alert(1) x='", "<p>&quot;onmouseover=alert(1) x=&#39;</p>"],
    ["ampersands", "Tom & Jerry &amp;", "<p>Tom &amp; Jerry &amp;amp;</p>"],
    ["a line break", "one\ntwo", "<p>one<br>two</p>"],
    ["paragraphs", "one\n\ntwo\nthree", "<p>one</p><p>two<br>three</p>"],
    ["CRLF and extra blank lines", "one\r\n\r\n\r\ntwo\r\nthree", "<p>one</p><p>two<br>three</p>"],
    ["a blank line with spaces", "one\n  \ntwo", "<p>one</p><p>two</p>"],
    ["leading and trailing newlines", "\none\n", "<p>one</p>"],
    ["a javascript: pseudo-URL stays text", "javascript:alert(1)", "<p>javascript:alert(1)</p>"],
  ])("%s", (_name, text, expected) => {
    expect(renderText(text, links)).toBe(expected);
  });

  test.each([
    [
      "a short URL",
      "https://example.com",
      '<a href="https://example.com" rel="nofollow noopener noreferrer" target="_blank" translate="no"><span class="invisible">https://</span><span class="">example.com</span><span class="invisible"></span></a>',
    ],
    [
      "www. is hidden",
      "http://www.example.com/a",
      '<a href="http://www.example.com/a" rel="nofollow noopener noreferrer" target="_blank" translate="no"><span class="invisible">http://www.</span><span class="">example.com/a</span><span class="invisible"></span></a>',
    ],
    [
      "a long URL is cut at 30 characters",
      "https://example.com/0123456789abcdefghijklmnop",
      '<a href="https://example.com/0123456789abcdefghijklmnop" rel="nofollow noopener noreferrer" target="_blank" translate="no"><span class="invisible">https://</span><span class="ellipsis">example.com/0123456789abcdefgh</span><span class="invisible">ijklmnop</span></a>',
    ],
    [
      "an & in a URL is escaped in the href and the text",
      "https://example.com/?a=1&b='2'c",
      '<a href="https://example.com/?a=1&amp;b=&#39;2&#39;c" rel="nofollow noopener noreferrer" target="_blank" translate="no"><span class="invisible">https://</span><span class="">example.com/?a=1&amp;b=&#39;2&#39;c</span><span class="invisible"></span></a>',
    ],
  ])("link: %s", (_name, text, expected) => {
    expect(renderText(text, links)).toBe(`<p>${expected}</p>`);
  });

  test("a quote ends a URL and stays escaped text", () => {
    expect(renderText('https://example.com/"onmouseover="alert(1)', links)).toBe(
      '<p><a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank" translate="no"><span class="invisible">https://</span><span class="">example.com/</span><span class="invisible"></span></a>&quot;onmouseover=&quot;alert(1)</p>',
    );
  });

  test("trailing punctuation stays outside the link", () => {
    expect(renderText("(https://example.com).", links)).toEndWith("</a>).</p>");
  });

  test("a known local mention", () => {
    expect(renderText("hi @alice!", links)).toBe(`<p>hi ${aliceLink}!</p>`);
  });

  test("a known remote mention shows only the username", () => {
    expect(renderText("@bob@remote.example", links)).toBe(
      '<p><span class="h-card" translate="no"><a href="https://remote.example/@bob" class="u-url mention">@<span>bob</span></a></span></p>',
    );
  });

  test("an unknown mention is left as text", () => {
    expect(renderText("hi @carol@elsewhere.example", links)).toBe("<p>hi @carol@elsewhere.example</p>");
  });

  test("a link builder that returns a non-http(s) URL gives text, not a link", () => {
    const hostile = { mention: () => "javascript:alert(1)", hashtag: () => "javascript:alert(1)" };
    expect(renderText("@alice #tag", hostile)).toBe("<p>@alice #tag</p>");
  });

  test("a hashtag", () => {
    expect(renderText("love #Café", links)).toBe(
      '<p>love <a href="https://skein.example/tags/Caf%C3%A9" class="mention hashtag" rel="tag">#<span>Café</span></a></p>',
    );
  });

  test("everything together, across lines", () => {
    expect(renderText("@alice look:\nhttps://x.example #news\n\n<b>bye</b>", links)).toBe(
      `<p>${aliceLink} look:<br>` +
        '<a href="https://x.example" rel="nofollow noopener noreferrer" target="_blank" translate="no"><span class="invisible">https://</span><span class="">x.example</span><span class="invisible"></span></a> ' +
        '<a href="https://skein.example/tags/news" class="mention hashtag" rel="tag">#<span>news</span></a></p>' +
        "<p>&lt;b&gt;bye&lt;/b&gt;</p>",
    );
  });

  test("the same input renders the same output", () => {
    const text = "@alice #a https://x.example\n\nhi";
    expect(renderText(text, links)).toBe(renderText(text, links));
  });

  test("a URL is cut between code points, never inside a surrogate pair", () => {
    const astral = String.fromCodePoint(0x1df00); // a Latin letter outside the BMP
    const html = renderText(`https://example.com/${astral.repeat(40)}`, links);
    expect(html).toContain(`<span class="ellipsis">example.com/${astral.repeat(18)}</span>`);
    expect(html).toContain(`<span class="invisible">${astral.repeat(22)}</span>`);
  });

  test("emoji are not URL characters, as in Mastodon", () => {
    expect(parseText("https://example.com/😀").urls.map((u) => u.url)).toEqual(["https://example.com/"]);
  });
});

// A regular expression that backtracks catastrophically would hang here until the test times out.
describe("hostile input of 100k characters", () => {
  test.each([
    ["many @", "@a".repeat(50_000)],
    ["many #", "#1".repeat(50_000)],
    ["a long tag without letters", `#${"1".repeat(100_000)}`],
    ["a long host without a dot", `https://${"a".repeat(100_000)}`],
    ["many schemes", "https://".repeat(20_000)],
    ["a long domain-ish mention", `@a@${"b.".repeat(50_000)}`],
  ])(
    "%s is parsed and rendered",
    (_name, text) => {
      expect(renderText(text, links).length).toBeGreaterThan(0);
      expect(countCharacters(text)).toBeGreaterThan(0);
    },
    10_000,
  );
});

test("a profile field's value is one line without a paragraph, even when typed over several", () => {
  const base = new URL("https://social.example");
  expect(linkedLine("https://ada.example", base)).toStartWith('<a href="https://ada.example"');
  expect(linkedLine("one\n\ntwo #knit", base)).toBe(
    'one two <a href="https://social.example/tags/knit" class="mention hashtag" rel="tag">#<span>knit</span></a>',
  );
});
