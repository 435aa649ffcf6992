import { afterAll, expect, test } from "bun:test";
import type { Context } from "@fedify/fedify";
import { Emoji, Image, Note, Person, PUBLIC_COLLECTION } from "@fedify/vocab";
import { createLocalUser } from "../src/core/accounts.ts";
import { receiveRemotePost, upsertRemoteAccount } from "../src/core/remote.ts";
import { follows } from "../src/db/schema.ts";
import { accountFromAs, postFromAs } from "../src/federation/convert.ts";
import { testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { photo, testJpeg } from "./helpers/images.ts";
import { encodePng } from "../src/media/wasm.ts";
import { storeEmojis } from "../src/core/custom-emojis.ts";
import { localEmojis } from "../src/db/schema.ts";
import { authorizeApp } from "./helpers/oauth.ts";

// The other server's images are on loopback: reachable only with private addresses allowed.
const t = testApp("https://social.example", { allowPrivateAddresses: true });
const send = (request: Request) => t.app.handle(request);
const jpeg = await testJpeg(64, 64);
const png = await encodePng(photo(64, 64));
const images = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (request) =>
    request.url.endsWith(".png")
      ? new Response(png, { headers: { "content-type": "image/png" } })
      : new Response(jpeg, { headers: { "content-type": "image/jpeg" } }),
});
afterAll(() => images.stop(true));
const imageAt = (name: string) => new URL(`http://127.0.0.1:${images.port}/emoji/${name}.jpg`);

// The conversion the inbox uses, with everything embedded (nothing is fetched).
const ctx = {
  documentLoader: async (url: string) => {
    throw new Error(`no fetch of ${url}`);
  },
} as unknown as Context<void>;
const emoji = (name: string, url: URL) =>
  new Emoji({ id: new URL(`https://far.example/emojis/${encodeURIComponent(name)}`), name, icon: new Image({ url }) });

const actor = new Person({
  id: new URL("https://far.example/users/mal"),
  preferredUsername: "mal",
  name: "Mal :blobcat: :unknown:",
  summary: "<p>I bake :blobcat: bread</p>",
  inbox: new URL("https://far.example/users/mal/inbox"),
  tags: [emoji(":blobcat:", imageAt("blobcat"))],
});
const accountData = await accountFromAs(ctx, actor);
if (!accountData) throw new Error("no account data");
const author = upsertRemoteAccount(t.deps.db, accountData);
const note = new Note({
  id: new URL("https://far.example/notes/1"),
  attribution: actor.id,
  tos: [PUBLIC_COLLECTION],
  content: '<p>I love :blobcat: and :ok: <a href="https://news.example/:blobcat:/x">a link</a></p>',
  tags: [
    emoji(":blobcat:", imageAt("blobcat2")),
    emoji(':"><script>alert(1)</script>:', imageAt("evil")),
    emoji(":ok:", new URL("javascript:alert(1)")),
  ],
});
const postData = await postFromAs(ctx, note, { id: author.id, followersUrl: null }, () => []);
const post = receiveRemotePost(t.deps, postData);

const { accountId: adaId } = await createLocalUser(t.deps, {
  username: "ada",
  email: "ada@example.com",
  password: "correct horse battery",
  role: "owner",
});
const ada = new WebClient(send);
await ada.login("ada", "correct horse battery");
const { token } = await authorizeApp(send, "http://127.0.0.1:3000", ada, { scopes: "read" });

test("only plain shortcodes with http(s) images are taken from a post's and a profile's tags", () => {
  expect(accountData.emojis).toEqual([{ shortcode: "blobcat", url: imageAt("blobcat").href }]);
  expect(postData.emojis).toEqual([{ shortcode: "blobcat", url: imageAt("blobcat2").href }]);
});

test("pages draw the emoji a post and a name use, from this instance's cache; links and unknown shortcodes stay as they are", async () => {
  const page = await (await ada.get(`/@mal@far.example/${post?.id}`)).text();
  const images = [...page.matchAll(/<img class="emoji" src="([^"]+)" alt=":blobcat:" title=":blobcat:" draggable="false">/g)].map(
    (m) => m[1],
  );
  expect(images.length).toBeGreaterThanOrEqual(2); // in the name and in the post
  expect(page).toContain('href="https://news.example/:blobcat:/x"');
  expect(page).toContain(":unknown:");
  expect(page).toContain(":ok:");
  expect(page).not.toContain("<script>alert(1)</script>");
  // One server, one image per shortcode: the post's newer tag replaced the profile's.
  expect(new Set(images).size).toBe(1);
  const path = (images[0] as string).replaceAll("&amp;", "&");
  expect(path).toMatch(/^\/media\/remote\/emojis\/[\w-]+\?v=\w+$/);
  const served = await ada.get(path);
  expect(served.status).toBe(200);
  expect(served.headers.get("content-type")).toBe("image/jpeg");

  const profile = await (await ada.get("/@mal@far.example")).text();
  expect(profile).toMatch(/<h1 id="profile-name">Mal <img class="emoji"[^>]+alt=":blobcat:"[^>]*> :unknown:<\/h1>/);
  expect(profile).toMatch(/I bake <img class="emoji"[^>]+> bread/);
  // And in lists of people: ada follows mal.
  t.deps.db
    .insert(follows)
    .values({ id: crypto.randomUUID(), followerId: adaId, followingId: author.id, state: "accepted" })
    .run();
  const following = await (await ada.get("/@ada/following")).text();
  expect(following).toMatch(/<strong>Mal <img class="emoji"[^>]+alt=":blobcat:"[^>]*> :unknown:<\/strong>/);
});

test("the API lists them as Mastodon does; rejecting the server's media stops its emoji images", async () => {
  const status = (await (
    await send(
      new Request(`http://127.0.0.1:3000/api/v1/statuses/${post?.id}`, { headers: { authorization: `Bearer ${token}` } }),
    )
  ).json()) as { content: string; emojis: unknown[]; account: { emojis: { shortcode: string }[] } };
  expect(status.content).toContain(":blobcat:"); // apps draw them from `emojis`
  expect(status.emojis).toEqual([
    {
      shortcode: "blobcat",
      url: expect.stringMatching(/^https:\/\/social\.example\/media\/remote\/emojis\//),
      static_url: expect.stringMatching(/^https:\/\/social\.example\/media\/remote\/emojis\//),
      visible_in_picker: false,
    },
  ]);
  expect(status.account.emojis.map((e) => e.shortcode)).toEqual(["blobcat"]);

  t.database.sqlite.run("INSERT INTO domain_blocks (domain, severity, reject_media) VALUES ('far.example', 'noop', 1)");
  const id = t.database.sqlite.query<{ id: string }, []>("SELECT id FROM custom_emojis").get()?.id;
  expect((await ada.get(`/media/remote/emojis/${id}`)).status).toBe(404);
});

test("an admin copies another server's emoji: found by its shortcode, its picture becomes this instance's", async () => {
  storeEmojis(t.deps.db, "near.example", [
    { shortcode: "party", url: `http://127.0.0.1:${images.port}/emoji/party.png` },
    { shortcode: "photo_party", url: imageAt("photo").href },
  ]);
  const found = await (await ada.get("/admin/emojis?q=party")).text();
  expect(found).toContain("<code>:party:</code>");
  expect(found).toContain("near.example");
  const idOf = (code: string) =>
    t.database.sqlite.query<{ id: string }, [string]>("SELECT id FROM custom_emojis WHERE shortcode = ?").get(code)?.id;
  expect((await ada.post(`/admin/emojis/copy/${idOf("party")}`, { q: "party" })).status).toBe(303);
  expect(
    t.deps.db
      .select()
      .from(localEmojis)
      .all()
      .map((e) => [e.shortcode, e.mime]),
  ).toEqual([["party", "image/png"]]);
  expect(await (await ada.get("/admin/emojis?q=party")).text()).toContain("this shortcode is taken here");
  // A JPEG, and a server whose media is rejected (the test above): a message, nothing copied.
  const jpegCopy = await ada.post(`/admin/emojis/copy/${idOf("photo_party")}`, { q: "party" });
  expect(jpegCopy.status).toBe(422);
  expect(await jpegCopy.text()).toMatch(/id="copy-error"[^>]*>[^<]*JPEG has no transparency/);
  const rejected = await ada.post(`/admin/emojis/copy/${idOf("blobcat")}`, {});
  expect(await rejected.text()).toContain("could not be fetched from far.example");
  expect(t.deps.db.select().from(localEmojis).all().length).toBe(1);
  expect((await ada.post("/admin/emojis/copy/nope", {})).status).toBe(404);
});
