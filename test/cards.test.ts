import { afterAll, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { createLocalUser } from "../src/core/accounts.ts";
import { cardLink, parseCard } from "../src/core/cards.ts";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { receiveRemotePost } from "../src/core/remote.ts";
import { queueMessages } from "../src/db/schema.ts";
import { testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { testJpeg } from "./helpers/images.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";

// The linked site is on loopback: the instance may reach it only with private addresses allowed.
const t = testApp("https://social.example", { allowPrivateAddresses: true });
const send = (request: Request) => t.app.handle(request);
const stop = new AbortController();
const worker = t.queue.listen(() => {}, { signal: stop.signal });

const jpeg = await testJpeg(640, 400);
const hits: string[] = [];
const pages: Record<string, string> = {
  "/article": `<!doctype html><html><head><title>Ignored when OpenGraph says</title>
    <meta property="og:title" content="&lt;script&gt;alert(1)&lt;/script&gt; Sourdough &amp; &quot;rye&quot;">
    <meta property="og:description" content="How   to keep a
      starter alive for years.">
    <meta property="og:image" content="/starter.jpg">
    <meta property="og:site_name" content="The Bakery"></head><body>…</body></html>`,
  "/plain": `<html><head><title> A plain page </title><meta name="description" content="Only the basics."></head></html>`,
  "/untitled": "<html><body><p>Nothing about itself.</p></body></html>",
  "/essay": `<html><head><title>On bread</title><meta name="author" content="Alice L."><meta name="fediverse:creator" content="@Writer@social.example"></head></html>`,
  "/far-essay": `<html><head><title>From afar</title><meta name="fediverse:creator" content="@pen@far.example"></head></html>`,
  "/claims-bob": `<html><head><title>Not by bob</title><meta name="fediverse:creator" content="@bob@social.example"></head></html>`,
  "/hostile": `<html><head><meta property="og:title" content="${"Long ".repeat(100)}"><meta property="og:image" content="javascript:alert(1)"></head></html>`,
};
const site = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(request): Response {
    const path = new URL(request.url).pathname;
    hits.push(path);
    if (path === "/starter.jpg") return new Response(jpeg, { headers: { "content-type": "image/jpeg" } });
    if (path === "/moved-essay") return Response.redirect(`http://localhost:${site.port}/essay`, 302);
    const page = pages[path];
    return page ? new Response(page, { headers: { "content-type": "text/html" } }) : new Response("no", { status: 404 });
  },
});
const at = (path: string) => `http://127.0.0.1:${site.port}${path}`;
afterAll(async () => {
  stop.abort();
  await worker;
  site.stop(true);
});

await createLocalUser(t.deps, {
  username: "alice",
  email: "alice@example.com",
  password: "correct horse battery",
  role: "owner",
});
const alice = new WebClient(send);
await alice.login("alice", "correct horse battery");
const { token } = await authorizeApp(send, "http://127.0.0.1:3000", alice, { scopes: "read write" });
const edit = (id: string, status: string) =>
  send(
    new Request(`http://127.0.0.1:3000/api/v1/statuses/${id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ status }),
    }),
  );

async function post(status: string, visibility = "public") {
  const response = await alice.post("/statuses", { status, visibility });
  expect(response.status).toBe(303);
  const row = t.database.sqlite.query<{ id: string }, []>("SELECT id FROM posts ORDER BY id DESC LIMIT 1").get();
  return row?.id ?? "";
}
async function drained() {
  while ((t.deps.db.select({ n: count() }).from(queueMessages).get()?.n ?? 0) > 0) await Bun.sleep(10);
}
const apiStatus = async (id: string) =>
  (await (
    await send(new Request(`http://127.0.0.1:3000/api/v1/statuses/${id}`, { headers: { authorization: `Bearer ${token}` } }))
  ).json()) as {
    card: Record<string, unknown> | null;
  };

test("a post's first link gets a card from the page's OpenGraph tags, shown on the page and in the API, its image cached here", async () => {
  const id = await post(`Finally wrote it down ${at("/article")} #bread`);
  await drained();
  const page = await (await alice.get("/")).text();
  const card = /<a class="link-card"[\s\S]*?<\/a>/.exec(page)?.[0] ?? "";
  expect(card).toContain(`href="${at("/article")}"`);
  expect(card).toContain('rel="noopener nofollow noreferrer"');
  // The page's title is text here: its markup is escaped, never run.
  expect(card).toContain("&lt;script&gt;alert(1)&lt;/script&gt; Sourdough &amp; &quot;rye&quot;");
  expect(card).toContain("The Bakery");
  expect(card).toContain("How to keep a starter alive for years.");
  const image = /<img src="([^"]+)"/.exec(card)?.[1] ?? "";
  expect(image).toMatch(/^\/media\/remote\/cards\/[\w-]+\?v=\w+$/);
  const served = await alice.get(image.replaceAll("&amp;", "&"));
  expect(served.status).toBe(200);
  expect(served.headers.get("content-type")).toBe("image/jpeg");

  const { card: entity } = await apiStatus(id);
  expect(entity).toMatchObject({
    url: at("/article"),
    title: '<script>alert(1)</script> Sourdough & "rye"',
    description: "How to keep a starter alive for years.",
    type: "link",
    provider_name: "The Bakery",
    image: `https://social.example${image.replaceAll("&amp;", "&")}`,
  });
});

test("pages without OpenGraph: the title and description; none without a title; hostile values cut or dropped", async () => {
  const plain = await post(`See ${at("/plain")}`);
  const untitled = await post(`And ${at("/untitled")}`);
  const hostile = await post(`Also ${at("/hostile")}`);
  await drained();
  expect((await apiStatus(plain)).card).toMatchObject({
    title: "A plain page",
    description: "Only the basics.",
    provider_name: "127.0.0.1",
    image: null,
  });
  expect((await apiStatus(untitled)).card).toBeNull();
  const card = (await apiStatus(hostile)).card;
  expect(card?.image).toBeNull(); // a javascript: image is no image
  expect((card?.title as string).length).toBe(200);
});

test("one fetch per link; none for direct messages, this instance's own pages, or a page that is gone", async () => {
  const before = hits.filter((h) => h === "/article").length;
  const again = await post(`Still true: ${at("/article")}`);
  await drained();
  expect(hits.filter((h) => h === "/article").length).toBe(before); // the card made earlier is used
  expect((await apiStatus(again)).card?.title).toContain("Sourdough");

  const fetched = hits.length;
  const direct = await post(`@alice a secret link ${at("/plain?direct")}`, "direct");
  const own = await post("My profile: https://social.example/@alice");
  await drained();
  expect(hits.length).toBe(fetched);
  expect((await apiStatus(direct)).card).toBeNull();
  expect((await apiStatus(own)).card).toBeNull();

  const gone = await post(`Broken ${at("/missing")}`);
  await drained();
  expect((await apiStatus(gone)).card).toBeNull();
});

test("an edit that changes the link changes the card; one that removes it removes the card", async () => {
  const id = await post(`Look ${at("/plain")}`);
  await drained();
  expect((await apiStatus(id)).card?.title).toBe("A plain page");
  expect((await edit(id, `Rather this ${at("/article")}`)).status).toBe(200);
  await drained();
  expect((await apiStatus(id)).card?.title).toContain("Sourdough");
  expect((await edit(id, "No link after all")).status).toBe(200);
  await drained();
  expect((await apiStatus(id)).card).toBeNull();
});

test("a post from another server gets its card too, from the first link that is not a mention or hashtag", async () => {
  const author = storeRemoteAccount(t.deps.db, "https://far.example/users/bob");
  const contentHtml = `<p><a href="https://far.example/@carol" class="u-url mention">@carol</a> read <a href="${at("/plain")}">this</a></p>`;
  const received = receiveRemotePost(t.deps, remoteNote(author.id, "https://far.example/notes/1", { contentHtml }));
  await drained();
  expect((await apiStatus(received?.id ?? "")).card).toMatchObject({ url: at("/plain"), title: "A plain page" });
});

test("in remote HTML the first link that is not a mention or hashtag is the card's", async () => {
  const base = new URL("https://social.example");
  const remote = (contentHtml: string) => cardLink({ text: null, contentHtml, visibility: "public" }, base);
  expect(
    remote(
      '<p><span class="h-card"><a href="https://far.example/@bob" class="u-url mention">@<span>bob</span></a></span> ' +
        '<a href="https://far.example/tags/bread" class="mention hashtag" rel="tag">#<span>bread</span></a> ' +
        '<a href="https://news.example/a?x=1&amp;y=2" rel="nofollow noopener">news.example/a</a></p>',
    ),
  ).toBe("https://news.example/a?x=1&y=2");
  expect(remote('<p><a href="https://far.example/@carol">@carol</a> hi</p>')).toBeUndefined();
  expect(remote('<p><a href="javascript:alert(1)">x</a></p>')).toBeUndefined();
  expect(await parseCard("<html><head></head></html>", "https://x.example/")).toBeNull();
});

test("a page naming a member with fediverse:creator credits her only while she allows its site", async () => {
  for (const username of ["writer", "bob"])
    await createLocalUser(t.deps, {
      username,
      email: `${username}@example.com`,
      password: "correct horse battery",
      role: "user",
    });
  const allow = (username: string, domains: string[]) =>
    t.database.sqlite.run("UPDATE accounts SET attribution_domains = ? WHERE username = ?", [JSON.stringify(domains), username]);
  const authorOf = async (id: string) =>
    (await apiStatus(id)).card?.authors as { name: string; url: string; account: { acct: string } | null }[];

  // Not allowed: the page's author name stays, no account is credited.
  const essay = await post(`An essay ${at("/essay")}`);
  const claim = await post(`Someone else's ${at("/claims-bob")}`);
  await drained();
  expect((await apiStatus(essay)).card).toMatchObject({
    author_name: "Alice L.",
    author_url: "",
    authors: [{ name: "Alice L.", url: "", account: null }],
  });

  // Allowed (any subdomain rule matching the page's host): the same card credits her at once.
  allow("writer", ["blog.example", "127.0.0.1"]);
  expect((await authorOf(essay))[0]?.account?.acct).toBe("writer");
  const page = await (await alice.get("/@alice")).text();
  expect(page).toContain('<a class="link-card-author" href="https://social.example/@writer">More from');
  expect(page.match(/More from/g)?.length).toBe(1);
  // bob allows no site: the page claiming him credits no one.
  expect(await authorOf(claim)).toEqual([{ name: "", url: "", account: null }]);
  // A list without the page's site, a suspension: no credit.
  allow("writer", ["other.example"]);
  expect((await authorOf(essay))[0]?.account).toBeNull();
  allow("writer", ["127.0.0.1"]);
  t.database.sqlite.run("UPDATE accounts SET suspended_at = 1 WHERE username = 'writer'");
  expect((await authorOf(essay))[0]?.account).toBeNull();
  expect(await (await alice.get("/@alice")).text()).not.toContain("link-card-author");
  t.database.sqlite.run("UPDATE accounts SET suspended_at = NULL WHERE username = 'writer'");
  expect((await authorOf(essay))[0]?.account?.acct).toBe("writer");
});

test("the site that must allow the author is the one the page came from, after redirects", async () => {
  const allow = (domains: string[]) =>
    t.database.sqlite.run("UPDATE accounts SET attribution_domains = ? WHERE username = 'writer'", [JSON.stringify(domains)]);
  allow(["127.0.0.1"]);
  const id = await post(`Moved ${at("/moved-essay")}`);
  await drained();
  const account = async () => ((await apiStatus(id)).card?.authors as { account: { acct: string } | null }[])[0]?.account;
  expect(await account()).toBeNull(); // linked on 127.0.0.1, served by localhost
  allow(["localhost"]);
  expect((await account())?.acct).toBe("writer");
});

test("a remote author is credited as its server's actor says, and not once the server is suspended", async () => {
  storeRemoteAccount(t.deps.db, "https://far.example/users/pen", { username: "pen", attributionDomains: ["127.0.0.1"] });
  const id = await post(`Far away ${at("/far-essay")}`);
  await drained();
  const authors = () => apiStatus(id).then((s) => s.card?.authors as { account: { acct: string } | null }[]);
  expect((await authors())[0]?.account?.acct).toBe("pen@far.example");
  const owner = t.database.sqlite.query<{ id: string }, []>("SELECT id FROM accounts WHERE username = 'alice'").get()?.id ?? "";
  blockDomain(t.deps, owner, {
    domain: "far.example",
    severity: "suspend",
    publicComment: "",
    privateComment: "",
    obfuscate: false,
    rejectMedia: false,
    rejectReports: false,
  });
  expect((await authors())[0]?.account).toBeNull();
});

test("the websites a member lists: cleaned up, refused with a reason next to the field, shown to apps", async () => {
  const saved = await alice.post("/settings/profile", {
    display_name: "Alice",
    attribution_domains: " https://Blog.Example/ \n*.bread.example\n\nblog.example\nBÄCKEREI.example",
    default_visibility: "public",
  });
  expect(saved.status).toBe(303);
  const form = await (await alice.get("/settings/profile")).text();
  expect(form).toContain("blog.example\nbread.example\nxn--bckerei-5wa.example</textarea>");
  expect(form).toContain("&lt;meta name=&quot;fediverse:creator&quot; content=&quot;@alice@social.example&quot;&gt;");

  const refused = await alice.post("/settings/profile", {
    display_name: "Renamed",
    attribution_domains: "blog.example\nnot a website",
    default_visibility: "public",
  });
  expect(refused.status).toBe(422);
  const html = await refused.text();
  expect(html).toContain("“not a website” is not a website&#x27;s name.");
  expect(html).toContain("not a website</textarea>");
  const row = t.database.sqlite
    .query<{ d: string; n: string }, []>("SELECT attribution_domains d, display_name n FROM accounts WHERE username = 'alice'")
    .get();
  expect(row).toEqual({ d: '["blog.example","bread.example","xn--bckerei-5wa.example"]', n: "Alice" });

  // A form without the field (an older page) keeps the list.
  expect((await alice.post("/settings/profile", { display_name: "Alice", default_visibility: "public" })).status).toBe(303);
  expect(t.database.sqlite.query("SELECT attribution_domains d FROM accounts WHERE username = 'alice'").get()).toEqual({
    d: '["blog.example","bread.example","xn--bckerei-5wa.example"]',
  });

  const api = (body: unknown) =>
    send(
      new Request("http://127.0.0.1:3000/api/v1/accounts/update_credentials", {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  const updated = (await (await api({ attribution_domains: ["writing.example"] })).json()) as {
    source: { attribution_domains: string[] };
  };
  expect(updated.source.attribution_domains).toEqual(["writing.example"]);
  // Left out: unchanged; too many: 422 with the reason, nothing changed.
  expect(((await (await api({ note: "hi" })).json()) as typeof updated).source.attribution_domains).toEqual(["writing.example"]);
  const tooMany = await api({ attribution_domains: Array.from({ length: 101 }, (_, i) => `site${i}.example`) });
  expect(tooMany.status).toBe(422);
  expect(((await tooMany.json()) as { error: string }).error).toContain("at most 100 websites");
  const form2 = new FormData();
  form2.append("attribution_domains[]", "one.example");
  form2.append("attribution_domains[]", "two.example");
  const multipart = await send(
    new Request("http://127.0.0.1:3000/api/v1/accounts/update_credentials", {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}` },
      body: form2,
    }),
  );
  expect(((await multipart.json()) as typeof updated).source.attribution_domains).toEqual(["one.example", "two.example"]);
});
