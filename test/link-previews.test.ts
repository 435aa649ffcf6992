// Link previews: a public post's or profile's page tells chat apps, other servers' preview cards
// and search engines what it is (OpenGraph), and where its ActivityPub document is.
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { community } from "./helpers/community.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(60_000);

const c = await community(["ada"]);
const ada = c.member("ada").browser;
await ada
  .post("/settings/profile", { display_name: 'Ada "Countess" <Lovelace>', note: 'I write "notes" & programs.' })
  .catch(() => null);

/** The content of a `<meta>` in the page's head, by property or name (entities decoded). */
function meta(html: string, key: string): string | undefined {
  const head = html.slice(0, html.indexOf("</head>"));
  const match = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)"`).exec(head);
  return match?.[1]
    ?.replaceAll("&quot;", '"')
    .replaceAll("&#34;", '"')
    .replaceAll("&amp;", "&")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&#39;", "'");
}

async function postWith(fields: Record<string, string>, file?: { bytes: Uint8Array; name: string; alt: string }) {
  const form = new FormData();
  form.set("_csrf", await ada.csrf());
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  if (file) {
    form.append("media", new File([file.bytes], file.name));
    form.append("description", file.alt);
  }
  expect((await ada.request("/statuses", { method: "POST", body: form })).status).toBe(303);
  const id = c.database.sqlite.query<{ id: string }, []>("SELECT id FROM posts ORDER BY id DESC LIMIT 1").get()?.id;
  return `/@ada/${id}`;
}

test("a public post's page shows its author, words and picture to link previews", async () => {
  const path = await postWith(
    { status: "Sand, sea & a red umbrella", visibility: "public" },
    {
      bytes: await testJpeg(640, 480),
      name: "beach.jpg",
      alt: "A red umbrella on a beach",
    },
  );
  const html = await c.page(c.visitor, path);
  expect(meta(html, "og:type")).toBe("article");
  expect(meta(html, "og:url")).toBe(`https://social.example${path}`);
  expect(meta(html, "og:title")).toContain("(@ada@social.example)");
  expect(meta(html, "og:description")).toBe("Sand, sea & a red umbrella");
  expect(meta(html, "description")).toBe("Sand, sea & a red umbrella");
  // Hashtags, mentions and links read as the words they are (their inner tags are no spaces).
  const tagged = await postWith({ status: "Dunes on #holiday with @ada: https://example.com/dunes", visibility: "public" });
  expect(meta(await c.page(c.visitor, tagged), "og:description")).toBe("Dunes on #holiday with @ada: https://example.com/dunes");
  expect(meta(html, "og:image")).toMatch(/^https:\/\/social\.example\/media\/.+\.(jpg|webp)$/);
  expect(meta(html, "og:image:alt")).toBe("A red umbrella on a beach");
  expect(meta(html, "og:image:width")).toBe("640");
  expect(meta(html, "twitter:card")).toBe("summary_large_image");
  expect(html).toContain(`<link rel="alternate" type="application/activity+json" href="https://social.example${path}"/>`);
});

test("a video post names its file; behind a content warning, only the warning and the avatar show", async () => {
  const clip = new Uint8Array(await Bun.file(join(import.meta.dir, "fixtures/media/clip.mp4")).arrayBuffer());
  const video = await c.page(
    c.visitor,
    await postWith({ status: "a film", visibility: "public" }, { bytes: clip, name: "clip.mp4", alt: "Bars" }),
  );
  expect(meta(video, "og:video")).toMatch(/^https:\/\/social\.example\/media\/.+\.mp4$/);
  expect(meta(video, "og:video:type")).toBe("video/mp4");

  const hidden = await c.page(
    c.visitor,
    await postWith(
      { status: "what happens in the end", spoiler_text: "Film spoilers", visibility: "public" },
      {
        bytes: await testJpeg(64, 64),
        name: "still.jpg",
        alt: "The last scene",
      },
    ),
  );
  expect(meta(hidden, "og:description")).toBe("Content warning: Film spoilers");
  expect(hidden).not.toContain('what happens in the end"');
  expect(meta(hidden, "og:image")).not.toContain("/media/");
  expect(meta(hidden, "og:image:alt")).toBeUndefined();
  expect(meta(hidden, "twitter:card")).toBe("summary");
});

test("followers-only posts say nothing to previews; a profile shows its name, bio and avatar", async () => {
  const privatePath = await postWith({ status: "for my followers only", visibility: "private" });
  const own = await (await ada.get(privatePath)).text();
  expect(meta(own, "og:description")).toBeUndefined();
  expect(own).not.toContain('property="og:');

  const profile = await c.page(c.visitor, "/@ada");
  expect(meta(profile, "og:type")).toBe("profile");
  expect(meta(profile, "og:url")).toBe("https://social.example/@ada");
  expect(meta(profile, "og:image")).toStartWith("https://social.example/");
  expect(profile).toContain('<link rel="alternate" type="application/activity+json" href="https://social.example/@ada"/>');
  // Whatever a name or bio holds stays text in its attribute (a quote cannot end it).
  expect(meta(profile, "og:title")).toBe('Ada "Countess" <Lovelace> (@ada@social.example)');
  expect(meta(profile, "og:description")).toBe('I write "notes" & programs.');
  expect(profile).not.toContain('"Countess"');
});
