import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { applyPalette, GIFEncoder, quantize } from "gifenc";
import { GifReader } from "omggif";
import { createLocalUser } from "../src/core/accounts.ts";
import { auditLog, localEmojis } from "../src/db/schema.ts";
import { encodePng } from "../src/media/wasm.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { photo, testJpeg } from "./helpers/images.ts";

const t = testApp("https://social.example");
const member = await signedInMembers(t, "https://social.example", ["ada", "bob"]);
const ada = member("ada").browser; // the owner
const bob = member("bob"); // a member
await createLocalUser(t.deps, {
  username: "mo",
  email: "mo@example.com",
  password: "correct horse battery",
  role: "moderator",
});
const mod = new WebClient((r) => t.app.handle(r));
await mod.login("mo", "correct horse battery");

const png = await encodePng(photo(200, 160));
const mediaDir = join(t.database.dir, "media");
const files = () => readdirSync(mediaDir, { recursive: true }).filter((f) => String(f).includes(".")).length;

function animatedGif(): Uint8Array {
  const encoder = GIFEncoder();
  for (const shift of [0, 40]) {
    const frame = photo(32, 32);
    frame.data[0] = shift;
    const palette = quantize(frame.data, 64);
    encoder.writeFrame(applyPalette(frame.data, palette), 32, 32, { palette, delay: 100, repeat: 0 });
  }
  encoder.finish();
  return encoder.bytes();
}

async function addEmoji(client: WebClient, fields: { shortcode: string; category?: string }, image: Uint8Array | null) {
  const form = new FormData();
  form.set("_csrf", await client.csrf());
  form.set("shortcode", fields.shortcode);
  if (fields.category !== undefined) form.set("category", fields.category);
  if (image) form.set("image", new File([image], "upload.png"));
  return client.request("/admin/emojis", { method: "POST", body: form });
}

const api = (path: string, init: RequestInit = {}, token = bob.token) =>
  t.app.handle(
    new Request(`https://social.example${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    }),
  );
const rows = () => t.deps.db.select().from(localEmojis).all();

test("an admin adds emoji from the page: the picture is checked, scaled to 128 px, kept animated, and listed", async () => {
  expect((await addEmoji(ada, { shortcode: ":blobcat:", category: "Cats" }, png)).status).toBe(303);
  expect((await addEmoji(ada, { shortcode: "party_parrot" }, animatedGif())).status).toBe(303);
  const [blobcat, parrot] = rows().sort((a, b) => a.shortcode.localeCompare(b.shortcode));
  expect(blobcat).toMatchObject({ shortcode: "blobcat", mime: "image/png", category: "Cats", visibleInPicker: true });
  expect(parrot).toMatchObject({ shortcode: "party_parrot", mime: "image/gif", category: null });

  const page = await (await ada.get("/admin/emojis")).text();
  expect(page).toContain("<code>:blobcat:</code>");
  expect(page).toContain('value="Cats"');
  const served = await ada.get(`/media/${blobcat?.path}`);
  expect(served.headers.get("content-type")).toBe("image/png");
  expect(served.headers.get("x-content-type-options")).toBe("nosniff");
  const stored = new Uint8Array(await served.arrayBuffer());
  // PNG's IHDR: width and height at bytes 16 and 20.
  const view = new DataView(stored.buffer);
  expect([view.getUint32(16), view.getUint32(20)]).toEqual([128, 102]);
  const gif = new GifReader(new Uint8Array(await (await ada.get(`/media/${parrot?.path}`)).arrayBuffer()));
  expect(gif.numFrames()).toBe(2);
  expect((await ada.get(`/media/${parrot?.staticPath}`)).headers.get("content-type")).toBe("image/webp");

  const audit = t.deps.db.select().from(auditLog).all();
  expect(audit.filter((a) => a.action === "emoji.add").map((a) => a.detail)).toEqual([":blobcat:", ":party_parrot:"]);
});

test("bad shortcodes and pictures get a message next to their field, and nothing is stored", async () => {
  const before = { rows: rows().length, files: files() };
  const cases: [{ shortcode: string; category?: string }, Uint8Array | null, string, string][] = [
    [{ shortcode: "a" }, png, "shortcode", "2 to 64 letters"],
    [{ shortcode: "bad-code" }, png, "shortcode", "2 to 64 letters"],
    [{ shortcode: "<b>x</b>" }, png, "shortcode", "2 to 64 letters"],
    [{ shortcode: "BlobCat" }, png, "shortcode", "There is already an emoji called :BlobCat:"],
    [{ shortcode: "photo" }, await testJpeg(64, 64), "image", "JPEG has no transparency"],
    [{ shortcode: "text" }, new TextEncoder().encode("<svg onload=alert(1)>"), "image", "not a PNG, GIF or WebP"],
    [{ shortcode: "huge" }, new Uint8Array(300 * 1024).fill(1), "image", "at most 256 KB"],
    [{ shortcode: "nothing" }, null, "image", "Choose a picture"],
    [{ shortcode: "long_category", category: "x".repeat(80) }, png, "category", "under 50 characters"],
  ];
  for (const [fields, image, field, message] of cases) {
    const response = await addEmoji(ada, fields, image);
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toMatch(new RegExp(`id="${field}-error"[^>]*>[^<]*${message.replace(/[()]/g, "\\$&")}`));
    expect(html).not.toMatch(/[^"]<b>x<\/b>/); // only ever inside a quoted attribute
  }
  expect({ rows: rows().length, files: files() }).toEqual(before);
});

test("members and moderators cannot see or change the emoji; the API lists those in the picker", async () => {
  const id = rows()[0]?.id as string;
  for (const client of [bob.browser, mod]) {
    expect((await client.get("/admin/emojis")).status).toBe(403);
    expect((await addEmoji(client, { shortcode: "sneaky" }, png)).status).toBe(403);
    expect((await client.post(`/admin/emojis/${id}/delete`, {})).status).toBe(403);
    expect((await client.post(`/admin/emojis/${id}/hide`, {})).status).toBe(403);
  }
  expect(rows().length).toBe(2);
  expect((await ada.post("/admin/emojis/no-such-id/delete", {})).status).toBe(404);

  const listed = await json(await t.app.handle(new Request("https://social.example/api/v1/custom_emojis")));
  expect(listed).toEqual([
    {
      shortcode: "party_parrot",
      url: expect.stringMatching(/^https:\/\/social\.example\/media\/[0-9a-f]{2}\/[\w-]+\.gif$/),
      static_url: expect.stringMatching(/^https:\/\/social\.example\/media\/[0-9a-f]{2}\/[\w-]+-small\.webp$/),
      visible_in_picker: true,
      category: null,
    },
    expect.objectContaining({ shortcode: "blobcat", visible_in_picker: true, category: "Cats" }),
  ]);
});

test("members' posts and names show the emoji on pages and in the API, and the compose box offers them", async () => {
  const profile = await api("/api/v1/accounts/update_credentials", {
    method: "PATCH",
    body: JSON.stringify({ display_name: "Bob :party_parrot:" }),
  });
  expect(profile.status).toBe(200);
  const status = await json(
    await api("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "Hello :blobcat: :nope:" }) }),
  );
  expect(status.content).toContain(":blobcat:");
  expect(status.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual(["blobcat"]);
  expect(status.emojis[0]).toMatchObject({ visible_in_picker: true, category: "Cats" });
  expect(status.account.emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual(["party_parrot"]);

  const page = await (await ada.get(`/@bob/${status.id}`)).text();
  expect(page).toMatch(/Hello <img class="emoji" src="\/media\/[^"]+\.png" alt=":blobcat:"[^>]*> :nope:/);
  expect(page).toMatch(/Bob <img class="emoji" src="\/media\/[^"]+\.gif" alt=":party_parrot:"/);

  const home = await (await ada.get("/")).text();
  expect(home).toContain('<button type="button" data-emoji=":blobcat:" title=":blobcat:">');
  expect(home).toContain("<h3>Cats</h3>");
  // And the edit page's.
  expect(await (await bob.browser.get(`/statuses/${status.id}/edit`)).text()).toContain('data-emoji=":blobcat:"');
});

test("the Note and the actor carry Emoji tags, and each emoji is an object other servers can fetch", async () => {
  const status = await json(
    await api("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "Again :blobcat:" }) }),
  );
  const activity = { headers: { accept: "application/activity+json" } };
  const note = await json(await t.app.handle(new Request(`https://social.example/@bob/${status.id}`, activity)));
  // A single tag is compacted to an object.
  const tag = [note.tag].flat().find((x: { type: string }) => x.type === "Emoji");
  expect(tag).toMatchObject({
    type: "Emoji",
    name: ":blobcat:",
    icon: { type: "Image", mediaType: "image/png", url: expect.stringMatching(/^https:\/\/social\.example\/media\//) },
  });
  const emoji = await json(await t.app.handle(new Request(tag.id, activity)));
  expect(emoji).toMatchObject({ id: tag.id, type: "Emoji", name: ":blobcat:" });

  const actor = await json(await t.app.handle(new Request("https://social.example/@bob", activity)));
  expect([actor.tag].flat()).toEqual([expect.objectContaining({ type: "Emoji", name: ":party_parrot:" })]);
});

test("hidden from the picker it still shows; deleted, posts show the shortcode and its files go", async () => {
  const blobcat = rows().find((r) => r.shortcode === "blobcat");
  expect((await ada.post(`/admin/emojis/${blobcat?.id}/category`, { category: "  Good   cats " })).status).toBe(303);
  expect((await ada.post(`/admin/emojis/${blobcat?.id}/hide`, {})).status).toBe(303);
  expect(rows().find((r) => r.id === blobcat?.id)).toMatchObject({ category: "Good cats", visibleInPicker: false });
  const listed = await json(await t.app.handle(new Request("https://social.example/api/v1/custom_emojis")));
  expect(listed.map((e: { shortcode: string }) => e.shortcode)).toEqual(["party_parrot"]);
  expect(await (await ada.get("/")).text()).not.toContain('data-emoji=":blobcat:"');
  const timeline = await json(await api("/api/v1/timelines/home"));
  expect(timeline[0].emojis.map((e: { shortcode: string }) => e.shortcode)).toEqual(["blobcat"]);

  expect((await ada.post(`/admin/emojis/${blobcat?.id}/delete`, {})).status).toBe(303);
  expect((await ada.get(`/media/${blobcat?.path}`)).status).toBe(404);
  const after = await json(await api("/api/v1/timelines/home"));
  expect(after[0].emojis).toEqual([]);
  const page = await (await ada.get(`/@bob/${after[0].id}`)).text();
  expect(page).toContain("Again :blobcat:");
  expect((await t.app.handle(new Request(`https://social.example/emojis/${blobcat?.id}`))).status).toBe(404);
});
