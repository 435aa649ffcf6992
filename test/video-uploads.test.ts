// Members' video and audio: files from a real encoder (ffmpeg, in test/fixtures/media) stored as
// uploaded but for their metadata, with a cover; refused when damaged, unplayable or too large.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { PlayableError, type PlayableErrorCode, preparePlayable } from "../src/media/playable.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { testJpeg } from "./helpers/images.ts";

const fixture = async (name: string) =>
  new Uint8Array(await Bun.file(join(import.meta.dir, "fixtures/media", name)).arrayBuffer());
const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
const MB = 1024 * 1024;

/** The same bytes with `from` written over by `to` (same length) where it first appears after `after`. */
function patched(bytes: Uint8Array, from: string, to: string, after = ""): Uint8Array {
  const at = latin1(bytes).indexOf(from, latin1(bytes).indexOf(after));
  if (at < 0) throw new Error(`${from} not in the file`);
  const copy = bytes.slice();
  copy.set(new TextEncoder().encode(to), at);
  return copy;
}

/** Every Ogg page's CRC (polynomial 0x04c11db7, over the page with its CRC field zero) matches. */
function oggChecksumsHold(bytes: Uint8Array): boolean {
  const table = Array.from({ length: 256 }, (_, n) => {
    let r = n << 24;
    for (let i = 0; i < 8; i++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    return r >>> 0;
  });
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 0; at < bytes.length; ) {
    const count = bytes[at + 26] ?? 0;
    const end = at + 27 + count + [...bytes.subarray(at + 27, at + 27 + count)].reduce((a, b) => a + b, 0);
    const page = bytes.slice(at, end);
    page.fill(0, 22, 26);
    let crc = 0;
    for (const byte of page) crc = ((crc << 8) ^ (table[((crc >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
    if (crc !== view.getUint32(at + 22, true)) return false;
    at = end;
  }
  return true;
}

function refusal(bytes: Uint8Array): PlayableErrorCode | null {
  try {
    preparePlayable(bytes, 40 * MB);
    return null;
  } catch (error) {
    if (error instanceof PlayableError) return error.code;
    throw error;
  }
}

test("an MP4 keeps its pictures and sound; size and length are read from it", async () => {
  const bytes = await fixture("clip.mp4");
  const before = bytes.slice();
  expect(preparePlayable(bytes, 40 * MB)).toMatchObject({ mime: "video/mp4", width: 320, height: 180, duration: 2 });
  expect(bytes.length).toBe(before.length);
  // The title ffmpeg wrote (in moov/udta) is gone; the media data is untouched.
  expect(latin1(before)).toContain("secret title");
  expect(latin1(bytes)).not.toContain("secret title");
  const mdat = latin1(before).indexOf("mdat");
  expect(bytes.subarray(mdat, mdat + 4000)).toEqual(before.subarray(mdat, mdat + 4000));
  // Read again, the scrubbed file is still whole.
  expect(preparePlayable(bytes.slice(), 40 * MB)).toMatchObject({ mime: "video/mp4", width: 320, height: 180, duration: 2 });
});

test("a phone's QuickTime film, turned upright, loses its place and is stored as MP4", async () => {
  const bytes = await fixture("portrait.mov");
  expect(latin1(bytes)).toContain("+35.6586+139.7454/");
  // Recorded 320×180 with a quarter turn in its display matrix: shown 180 wide, 320 high.
  expect(preparePlayable(bytes, 40 * MB)).toMatchObject({ mime: "video/mp4", width: 180, height: 320, duration: 1 });
  expect(latin1(bytes)).not.toContain("+35.6586");
});

test("a film's other tracks go with their samples (a subtitle naming a place), and so does the recording date", async () => {
  const bytes = await fixture("tracks.mov");
  const text = latin1(bytes);
  expect(text).toContain("GPS +35.6586+139.7454 HOME");
  const mvhd = text.indexOf("mvhd") + 8; // version 0: creation time, modification time
  expect(bytes.subarray(mvhd, mvhd + 8).some((b) => b !== 0)).toBe(true);
  expect(preparePlayable(bytes, 40 * MB)).toMatchObject({ mime: "video/mp4", width: 320, height: 180, duration: 2 });
  expect(latin1(bytes)).not.toContain("HOME");
  expect(latin1(bytes)).not.toContain("+48.8584");
  expect([...bytes.subarray(mvhd, mvhd + 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  // The picture and sound tracks are still there to read.
  expect(preparePlayable(bytes.slice(), 40 * MB)).toMatchObject({ width: 320, height: 180 });
});

test("a sound track browsers cannot play goes when another can (an iPhone's spatial audio beside AAC)", async () => {
  const bytes = await fixture("twoaudio.mp4"); // H.264, AAC, and AC-3
  expect(preparePlayable(bytes, 40 * MB)).toMatchObject({ mime: "video/mp4", width: 160, height: 90 });
  expect(latin1(bytes)).not.toContain("ac-3");
  // Left alone, a sound track no browser plays makes the file refused rather than silent.
  expect(refusal(patched(await fixture("clip.mp4"), "mp4a", "ac-3", "stsd"))).toBe("unsupported_codec");
  // And a file with nothing browsers play says so (not that it is damaged).
  expect(refusal(patched(patched(await fixture("clip.mp4"), "mp4a", "ac-3", "stsd"), "avc1", "mp4v", "stsd"))).toBe(
    "unsupported_codec",
  );
});

test("streaming-layout MP4s and WebMs with tracks beside picture and sound are refused, not stored with them", async () => {
  for (const name of ["fragsub.mp4", "subs.webm"]) {
    const bytes = await fixture(name);
    expect(latin1(bytes)).toContain("GPS +35.6586+139.7454 HOME");
    expect(refusal(bytes)).toBe("unsupported_layout");
  }
});

test("sample tables that claim more than the file holds cost little and are refused when out of order", async () => {
  const mp4 = await fixture("clip.mp4");
  const stsc = latin1(mp4).indexOf("stsc");
  // Two runs whose first chunks go backwards.
  const backwards = mp4.slice();
  const view = new DataView(backwards.buffer);
  if (view.getUint32(stsc + 8) >= 2) view.setUint32(stsc + 12 + 12, 1);
  else view.setUint32(stsc + 12, 0); // a first chunk of 0
  expect(refusal(backwards)).toBe("corrupt");
});

test("a WebM keeps its tracks and loses its title", async () => {
  const webm = await fixture("clip.webm");
  expect(preparePlayable(webm, 40 * MB)).toMatchObject({ mime: "video/webm", width: 320, height: 180, duration: 2.008 });
  expect(latin1(webm)).not.toContain("secret title");
  expect(preparePlayable(webm.slice(), 40 * MB)?.duration).toBe(2.008);
});

test("audio files lose their tags (MP3, FLAC, WAV, Ogg) without re-encoding", async () => {
  const cases = [
    ["tone.mp3", "audio/mpeg", null],
    ["tone.flac", "audio/flac", 1],
    ["tone.wav", "audio/wav", 1],
  ] as const;
  for (const [name, mime, duration] of cases) {
    const file = await fixture(name);
    expect(latin1(file)).toContain("secret title");
    const prepared = preparePlayable(file, 40 * MB);
    expect(prepared).toMatchObject({ mime, duration });
    expect(latin1(prepared?.bytes ?? new Uint8Array())).not.toContain("secret title");
  }
  // The MP3's tags are cut off: it starts at its first frame; tags at its end (APE here) go too.
  const mp3 = preparePlayable(await fixture("tone.mp3"), 40 * MB)?.bytes ?? new Uint8Array();
  expect([mp3[0], (mp3[1] ?? 0) & 0xe0]).toEqual([0xff, 0xe0]);
  const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
  const item = [...le32(6), ...le32(0), ...new TextEncoder().encode("Title\0SECRET")];
  const ape = [
    ...item,
    ...new TextEncoder().encode("APETAGEX"),
    ...le32(2000),
    ...le32(item.length + 32),
    ...le32(1),
    ...le32(0),
  ];
  const tagged = new Uint8Array([...mp3, ...ape, 0, 0, 0, 0, 0, 0, 0, 0]);
  expect(preparePlayable(tagged, 40 * MB)?.bytes).toEqual(mp3);
  // A FLAC file with an ID3 tag in front is FLAC.
  const flac = await fixture("tone.flac");
  const id3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
  expect(preparePlayable(new Uint8Array([...id3, ...flac]), 40 * MB)).toMatchObject({ mime: "audio/flac", duration: 1 });
  // Ogg's comments are blanked where they are, over pages whose checksums are made again.
  for (const name of ["tone.ogg", "long-tags.ogg"]) {
    const ogg = await fixture(name);
    expect(latin1(ogg)).toContain("secret title");
    const prepared = preparePlayable(ogg, 40 * MB);
    expect(prepared).toMatchObject({ mime: "audio/ogg" });
    const out = latin1(prepared?.bytes ?? new Uint8Array());
    expect(out).not.toContain("secret title");
    expect(out).not.toContain("GPS+35.6586");
    expect(oggChecksumsHold(prepared?.bytes ?? new Uint8Array())).toBe(true);
  }
  // Two streams one after the other (a chained file): the second's comments would stay, so it is refused.
  const ogg = await fixture("tone.ogg");
  expect(refusal(new Uint8Array([...ogg, ...ogg]))).toBe("unsupported_layout");
});

test("damaged, Matroska, unplayable, huge or too large files are refused; other bytes are no video", async () => {
  const mp4 = await fixture("clip.mp4");
  expect(refusal(mp4.slice(0, 600))).toBe("corrupt");
  expect(refusal(mp4.slice(0, 40))).toBe("corrupt");
  expect(refusal(patched(mp4, "moov", "moox"))).toBe("corrupt");
  expect(refusal(patched(mp4, "avc1", "mp4v", "stsd"))).toBe("unsupported_codec");
  // 3840×2160 is the most; the 16.16 width in the track header made 4000.
  const tkhd = latin1(mp4).indexOf("tkhd") + 4 + 76;
  const huge = mp4.slice();
  new DataView(huge.buffer).setUint32(tkhd, 4000 * 65536);
  new DataView(huge.buffer).setUint32(tkhd + 4, 2500 * 65536);
  expect(refusal(huge)).toBe("too_many_pixels");
  const webm = await fixture("clip.webm");
  expect(refusal(patched(webm, "webm", "mkvx"))).toBe("unsupported_type");
  expect(refusal(webm.slice(0, 30))).toBe("corrupt");
  const big = new Uint8Array(41 * MB);
  big.set(mp4);
  expect(refusal(big)).toBe("too_large");
  // What only starts like audio: a tag and then a page, a FLAC marker with nothing behind.
  for (const fake of ["ID3\x04\0\0\0\0\0\0<html>hello</html>", "fLaC<html>", "OggS\0\x02<html>", "RIFF\0\0\0\0WAVE<html>"])
    expect(refusal(new Uint8Array([...fake].map((c) => c.charCodeAt(0))))).toBe("corrupt");
  // An iPhone photo (HEIC) is a picture in the same boxes as a film: not taken for a video.
  expect(preparePlayable(patched(mp4, "isom", "heic"), 40 * MB)).toBeNull();
  expect(preparePlayable(new TextEncoder().encode("<html>hello</html>"), 40 * MB)).toBeNull();
  expect(preparePlayable(await testJpeg(16, 16), 40 * MB)).toBeNull();
});

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);
const api = (path: string, init: { method?: string; body?: FormData | string; type?: string } = {}) =>
  t.app.handle(
    new Request(`${origin}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${m("ada").token}`, ...(init.type ? { "content-type": init.type } : {}) },
      body: init.body,
    }),
  );
const upload = async (file: Uint8Array, name: string, extra: Record<string, Blob | string> = {}) => {
  const form = new FormData();
  form.set("file", new File([file], name));
  for (const [key, value] of Object.entries(extra)) form.set(key, value);
  return api("/api/v2/media", { method: "POST", body: form });
};
const postJson = (body: unknown) =>
  api("/api/v1/statuses", { method: "POST", body: JSON.stringify(body), type: "application/json" });

test("the API takes a video with its cover, posts it alone, and serves it in pieces to players", async () => {
  const res = await upload(await fixture("clip.mp4"), "clip.mp4", {
    description: "A test card",
    thumbnail: new File([await testJpeg(640, 360)], "cover.jpg"),
  });
  expect(res.status).toBe(200);
  const media = await json(res);
  expect(media).toMatchObject({
    type: "video",
    description: "A test card",
    meta: { length: "0:00:02.00", duration: 2, original: { width: 320, height: 180, duration: 2 } },
  });
  expect(media.url).toMatch(/^https:\/\/social\.example\/media\/[0-9a-f]{2}\/[0-9a-f-]{36}\.mp4$/);
  expect(media.preview_url).toMatch(/-small\.(jpg|webp)$/);
  expect(media.blurhash).toBeString();

  // Through a real server: Bun answers Range requests on a file (Safari plays nothing without).
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => t.app.handle(request) });
  const served = await fetch(`http://127.0.0.1:${server.port}${new URL(media.url).pathname}`, {
    headers: { range: "bytes=0-99" },
  });
  server.stop();
  expect(served.status).toBe(206);
  expect(served.headers.get("content-type")).toBe("video/mp4");
  expect(served.headers.get("content-range")).toMatch(/^bytes 0-99\//);
  expect((await served.arrayBuffer()).byteLength).toBe(100);

  const image = await json(await upload(await testJpeg(32, 32), "x.jpg"));
  const mixed = await postJson({ status: "both", media_ids: [media.id, image.id] });
  expect(mixed.status).toBe(422);
  expect((await json(mixed)).error).toContain("A video or audio file goes alone");
  const status = await json(await postJson({ status: "watch this", media_ids: [media.id] }));
  expect(status.media_attachments).toHaveLength(1);
  expect(status.media_attachments[0]).toMatchObject({ id: media.id, type: "video", preview_url: media.preview_url });

  // Other servers read it as a Document of its type, its cover where Mastodon looks (icon).
  const note = await json(await t.request(`/@ada/${status.id}`, { headers: { accept: "application/activity+json" } }));
  expect(note.attachment).toMatchObject({
    type: "Document",
    mediaType: "video/mp4",
    url: media.url,
    name: "A test card",
    width: 320,
    height: 180,
    icon: { type: "Image", url: media.preview_url },
  });
});

test("audio without a cover has no preview; a cover can be given later, only to one's own video or audio", async () => {
  const audio = await json(await upload(await fixture("tone.mp3"), "tone.mp3"));
  expect(audio).toMatchObject({ type: "audio", preview_url: null, blurhash: null });
  expect(audio.url).toEndWith(".mp3");
  const cover = new FormData();
  cover.set("thumbnail", new File([await testJpeg(300, 300)], "art.jpg"));
  const changed = await json(await api(`/api/v1/media/${audio.id}`, { method: "PUT", body: cover }));
  expect(changed.preview_url).toMatch(/-small\.(jpg|webp)$/);
  // Posted, it keeps its cover (other servers were sent its address): as on Mastodon, a posted
  // file is not found here any more.
  await postJson({ status: "a tone", media_ids: [audio.id] });
  const late = await api(`/api/v1/media/${audio.id}`, { method: "PUT", body: cover });
  expect(late.status).toBe(404);
  expect((await json(late)).error).toBe("Record not found");
  const image = await json(await upload(await testJpeg(32, 32), "x.jpg"));
  expect((await api(`/api/v1/media/${image.id}`, { method: "PUT", body: cover })).status).toBe(422);
  const bobs = new FormData();
  bobs.set("file", new File([await fixture("clip.webm")], "clip.webm"));
  const bobMedia = await json(
    await t.app.handle(
      new Request(`${origin}/api/v2/media`, {
        method: "POST",
        headers: { authorization: `Bearer ${m("bob").token}` },
        body: bobs,
      }),
    ),
  );
  expect(bobMedia).toMatchObject({ type: "video", meta: { original: { width: 320, height: 180 } } });
  expect((await api(`/api/v1/media/${bobMedia.id}`, { method: "PUT", body: cover })).status).toBe(404);
});

test("bad video uploads get a clear answer and store nothing", async () => {
  const count = () => t.database.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM media_attachments").get()?.n;
  const before = count();
  const mp4 = await fixture("clip.mp4");
  for (const [bytes, message] of [
    [mp4.slice(0, 600), "damaged or incomplete"],
    [patched(mp4, "avc1", "mp4v", "stsd"), "does not play in web browsers"],
  ] as const) {
    const res = await upload(bytes, "clip.mp4");
    expect(res.status).toBe(422);
    expect((await json(res)).error).toContain(message);
  }
  const badCover = await upload(mp4, "clip.mp4", { thumbnail: new File(["not a picture"], "cover.jpg") });
  expect(badCover.status).toBe(422);
  expect((await json(badCover)).error).toContain("The cover must be a JPEG, PNG, WebP or GIF image.");
  expect(count()).toBe(before);
});

test("the compose page posts a video with its cover and shows it in a player", async () => {
  const { browser } = m("ada");
  const form = new FormData();
  form.set("_csrf", await browser.csrf());
  form.set("status", "from the page");
  form.append("media", new File([await fixture("portrait.mov")], "IMG_0001.MOV", { type: "video/quicktime" }));
  form.append("description", "A test card, upright");
  form.set("thumbnail", new File([await testJpeg(180, 320)], "cover.jpg", { type: "image/jpeg" }));
  const res = await browser.request("/statuses", { method: "POST", body: form });
  expect(res.status).toBe(303);
  const page = await (await browser.get("/@ada")).text();
  expect(page).toMatch(
    /<video class="media-item" src="\/media\/[0-9a-f]{2}\/[0-9a-f-]{36}\.mp4" poster="\/media\/[^"]+-small\.(jpg|webp)" width="180" height="320" controls preload="metadata" aria-label="A test card, upright">/,
  );

  // Feed readers get the player and the file (Media RSS, as Mastodon's feeds).
  const rss = await (await browser.get("/@ada.rss")).text();
  expect(rss).toMatch(/<media:content url="https:\/\/social\.example\/media\/[^"]+\.mp4" type="video\/mp4" medium="video"\/>/);
  expect(rss).toContain("&lt;video src=&quot;https://social.example/media/");
  const atom = await (await browser.get("/@ada.atom")).text();
  expect(atom).toContain("&lt;video src=&quot;https://social.example/media/");

  // A video beside a picture is refused before either is stored.
  const count = () => t.database.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM media_attachments").get()?.n;
  const before = count();
  const mixed = new FormData();
  mixed.set("_csrf", await browser.csrf());
  mixed.set("status", "both");
  mixed.append("media", new File([await fixture("clip.webm")], "clip.webm"));
  mixed.append("media", new File([await testJpeg(32, 32)], "x.jpg"));
  const both = await browser.request("/statuses", { method: "POST", body: mixed });
  expect(both.status).toBe(422);
  expect(await both.text()).toContain("A video or audio file goes alone in a post");
  expect(count()).toBe(before);

  const refused = new FormData();
  refused.set("_csrf", await browser.csrf());
  refused.set("status", "keep my words");
  refused.append("media", new File([(await fixture("clip.mp4")).slice(0, 600)], "clip.mp4"));
  const bad = await browser.request("/statuses", { method: "POST", body: refused });
  expect(bad.status).toBe(422);
  const html = await bad.text();
  expect(html).toContain("This video or audio file is damaged or incomplete.");
  expect(html).toContain("keep my words");
});

test("a member uploads 30 files in half an hour at most", async () => {
  const send = () => {
    const form = new FormData();
    form.set("file", new File([Bun.file(join(import.meta.dir, "fixtures/media/tone.ogg"))], "tone.ogg"));
    return t.app.handle(
      new Request(`${origin}/api/v2/media`, {
        method: "POST",
        headers: { authorization: `Bearer ${m("cy").token}` },
        body: form,
      }),
    );
  };
  for (let i = 0; i < 30; i++) expect((await send()).status).toBe(200);
  const refused = await send();
  expect(refused.status).toBe(429);
  expect((await json(refused)).error).toBe("You have uploaded 30 files in half an hour; wait a while.");
});
