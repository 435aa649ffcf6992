// What happens to stored files when what uses them goes: deleted posts, replaced pictures,
// deleted accounts, uploads taken back, and the daily sweep of what nothing uses.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addLocalEmoji } from "../src/core/local-emojis.ts";
import { pruneOrphanMedia } from "../src/core/media.ts";
import { encodePng } from "../src/media/wasm.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { photo, testJpeg } from "./helpers/images.ts";

const t = testApp("https://social.example");
const origin = "https://social.example";
const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);
const mediaDir = join(t.database.dir, "media");
const jpeg = await testJpeg(64, 48);

const api = (who: string, method: string, path: string, body?: string | FormData, type?: string) =>
  t.app.handle(
    new Request(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${m(who).token}`, ...(type ? { "content-type": type } : {}) },
      body,
    }),
  );
async function upload(who: string): Promise<{ id: string; url: string; preview_url: string }> {
  const form = new FormData();
  form.set("file", new File([jpeg], "photo.jpg"));
  return json(await api(who, "POST", "/api/v2/media", form));
}
const post = async (who: string, mediaIds: string[]) =>
  json(await api(who, "POST", "/api/v1/statuses", JSON.stringify({ status: "Look", media_ids: mediaIds }), "application/json"));
/** The path under media/ of a served URL, and whether it is still served. */
const pathOf = (url: string) => new URL(url).pathname.replace(/^\/media\//, "");
const served = async (url: string) => (await m("ada").browser.get(new URL(url).pathname)).status === 200;

test("a post deleted from its page takes its image with it at once", async () => {
  const media = await upload("ada");
  const status = await post("ada", [media.id]);
  expect(await served(media.url)).toBe(true);
  expect((await m("ada").browser.post(`/statuses/${status.id}/delete`, {})).status).toBe(303);
  expect(await served(media.url)).toBe(false);
  expect(await served(media.preview_url)).toBe(false);
  expect(existsSync(join(mediaDir, pathOf(media.url)))).toBe(false);
});

test("through the API an image stays a day for delete and redraft, unless delete_media is asked", async () => {
  const media = await upload("ada");
  const status = await post("ada", [media.id]);
  expect((await api("ada", "DELETE", `/api/v1/statuses/${status.id}`)).status).toBe(200);
  expect(await served(media.url)).toBe(true);
  const redrafted = await post("ada", [media.id]);
  expect(redrafted.media_attachments.map((a: { id: string }) => a.id)).toEqual([media.id]);

  expect((await api("ada", "DELETE", `/api/v1/statuses/${redrafted.id}?delete_media=true`)).status).toBe(200);
  expect(await served(media.url)).toBe(false);
});

test("an upload can be taken back until it is posted; not another member's", async () => {
  const kept = await upload("bob");
  const attached = await upload("bob");
  await post("bob", [attached.id]);
  expect((await api("cy", "DELETE", `/api/v1/media/${kept.id}`)).status).toBe(404);
  const refused = await api("bob", "DELETE", `/api/v1/media/${attached.id}`);
  expect([refused.status, (await json(refused)).error]).toEqual([422, "This image is part of a post; delete the post instead."]);
  expect((await api("bob", "DELETE", `/api/v1/media/${kept.id}`)).status).toBe(200);
  expect(await served(kept.url)).toBe(false);
  expect((await api("bob", "GET", `/api/v1/media/${kept.id}`)).status).toBe(404);
  expect(await served(attached.url)).toBe(true);
});

test("a replaced or removed avatar is not served any more", async () => {
  const avatar = async () => (await json(await api("cy", "GET", "/api/v1/accounts/verify_credentials"))).avatar as string;
  const setAvatar = () => {
    const form = new FormData();
    form.set("avatar", new File([jpeg], "me.jpg"));
    return api("cy", "PATCH", "/api/v1/accounts/update_credentials", form);
  };
  await setAvatar();
  const first = await avatar();
  await setAvatar();
  const second = await avatar();
  expect(second).not.toBe(first);
  expect([await served(first), await served(second)]).toEqual([false, true]);
  expect((await api("cy", "DELETE", "/api/v1/profile/avatar")).status).toBe(200);
  expect(await served(second)).toBe(false);
});

test("a deleted account's photos go with it", async () => {
  const media = await upload("bob");
  await post("bob", [media.id]);
  const form = new FormData();
  form.set("avatar", new File([jpeg], "me.jpg"));
  const avatar = (await json(await api("bob", "PATCH", "/api/v1/accounts/update_credentials", form))).avatar as string;
  expect((await m("bob").browser.post("/settings/delete", { delete_password: "correct horse battery" })).status).toBe(303);
  expect([await served(media.url), await served(avatar)]).toEqual([false, false]);
});

test("the daily sweep removes day-old files nothing uses, and keeps the rest", async () => {
  const used = await upload("ada");
  await post("ada", [used.id]);
  const unposted = await upload("ada"); // still an upload: kept until the expired-records job
  mkdirSync(join(mediaDir, "ab"), { recursive: true });
  const stray = join(mediaDir, "ab", "0190f0a0-0000-7000-8000-000000000001.jpg");
  const fresh = join(mediaDir, "ab", "0190f0a0-0000-7000-8000-000000000002.png");
  writeFileSync(stray, jpeg);
  writeFileSync(fresh, jpeg);
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  utimesSync(stray, twoDaysAgo, twoDaysAgo);
  for (const url of [used.url, used.preview_url, unposted.url]) {
    const file = join(mediaDir, pathOf(url));
    utimesSync(file, twoDaysAgo, twoDaysAgo);
  }
  // An avatar, a header and an emoji's two pictures, aged too: all in use.
  const form = new FormData();
  form.set("avatar", new File([jpeg], "me.jpg"));
  form.set("header", new File([jpeg], "wide.jpg"));
  const me = await json(await api("ada", "PATCH", "/api/v1/accounts/update_credentials", form));
  const emoji = await addLocalEmoji({ db: t.deps.db, media: t.media }, m("ada").id, {
    shortcode: "blob",
    bytes: await encodePng(photo(32, 32)),
  });
  const pictures = [pathOf(me.avatar), pathOf(me.header), emoji.path, emoji.staticPath];
  for (const file of pictures) utimesSync(join(mediaDir, file), twoDaysAgo, twoDaysAgo);
  const result = await pruneOrphanMedia({ db: t.deps.db, media: t.media }, new Date());
  expect(result).toEqual({ files: 1, bytes: jpeg.length });
  expect(pictures.map((file) => existsSync(join(mediaDir, file)))).toEqual([true, true, true, true]);
  expect([existsSync(stray), existsSync(fresh)]).toEqual([false, true]);
  expect([await served(used.url), await served(used.preview_url), await served(unposted.url)]).toEqual([true, true, true]);
});
