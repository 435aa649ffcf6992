import { expect, test } from "bun:test";
import { remoteText, sanitizeRemoteHtml } from "../src/federation/sanitize.ts";

const cases: [string, string, string][] = [
  [
    "keeps paragraphs, links and mentions",
    '<p>Hi <span class="h-card"><a href="https://m.example/@a" class="u-url mention">@<span>a</span></a></span></p>',
    '<p>Hi <span class="h-card"><a href="https://m.example/@a" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>a</span></a></span></p>',
  ],
  ["drops scripts with their text", "<p>ok</p><script>alert(1)</script>", "<p>ok</p>"],
  ["drops event handlers and styles", '<p onclick="x()" style="color:red">hi</p>', "<p>hi</p>"],
  [
    "refuses javascript: links",
    '<a href="javascript:alert(1)">x</a>',
    '<a rel="nofollow noopener noreferrer" target="_blank">x</a>',
  ],
  [
    "refuses data: and protocol-relative links",
    '<a href="data:text/html,x">d</a><a href="//evil.example">p</a>',
    '<a rel="nofollow noopener noreferrer" target="_blank">d</a><a rel="nofollow noopener noreferrer" target="_blank">p</a>',
  ],
  ["unwraps unknown tags but keeps their text", "<div><h1>Title</h1><img src=x onerror=y>text</div>", "Titletext"],
  ["drops other classes", '<span class="evil mention">x</span>', '<span class="mention">x</span>'],
  ["drops iframes and forms", '<iframe src="https://x"></iframe><form action="x"><input></form>ok', "ok"],
];
for (const [name, input, output] of cases) test(`sanitizer ${name}`, () => expect(sanitizeRemoteHtml(input)).toBe(output));

test("remote names are plain text", () => {
  expect(remoteText("<b>Bob</b> &amp; <script>x</script>co")).toBe("Bob & co");
  expect(remoteText("x".repeat(1000), 30)).toHaveLength(30);
});
