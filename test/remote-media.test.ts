import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Context } from "@fedify/fedify";
import { Document, Image, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { count } from "drizzle-orm";
import { runJob } from "../src/core/jobs.ts";
import { receiveRemotePost } from "../src/core/remote.ts";
import { accountView, loadPostViews } from "../src/core/views.ts";
import { domainBlocks, remoteMedia } from "../src/db/schema.ts";
import { postFromAs } from "../src/federation/convert.ts";
import { guardedFile, readLimited } from "../src/federation/guarded-fetch.ts";
import { RemoteMediaCache } from "../src/media/remote-cache.ts";
import { MediaStore } from "../src/media/store.ts";
import { maintenanceJobs } from "../src/scheduler.ts";
import { testApp } from "./helpers/app.ts";
import { remoteNote, storeRemoteAccount } from "./helpers/remote.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(30_000);

// A remote server's files: one real image, and what a hostile server might send instead.
const jpeg = await testJpeg(320, 240);
const huge = new Uint8Array(11 * 1024 * 1024);
huge.set(jpeg.subarray(0, 200));
// The first bytes of an MP4 (an "ftyp" box) and of an MP3 (an ID3 tag), padded: what the cache checks.
const mp4 = new Uint8Array(4096);
mp4.set([0, 0, 0, 0x18, ...new TextEncoder().encode("ftypisom")]);
const mp3 = new Uint8Array(4096);
mp3.set(new TextEncoder().encode("ID3"));
const hits: Record<string, number> = {};
const peer = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const path = new URL(request.url).pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    const files: Record<string, () => Response> = {
      "/cat.jpg": () => new Response(jpeg, { headers: { "content-type": "image/jpeg" } }),
      "/avatar": () => new Response(jpeg, { headers: { "content-type": "image/jpeg" } }),
      "/page.jpg": () => new Response("<html><script>alert(1)</script></html>", { headers: { "content-type": "image/jpeg" } }),
      "/pic.svg": () =>
        new Response('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', {
          headers: { "content-type": "image/svg+xml" },
        }),
      "/huge.jpg": () => new Response(huge, { headers: { "content-type": "image/jpeg" } }),
      "/clip.mp4": () => new Response(mp4, { headers: { "content-type": "video/mp4" } }),
      "/song.mp3": () => new Response(mp3, { headers: { "content-type": "audio/mpeg" } }),
      "/page.mp4": () => new Response("<html><script>alert(1)</script></html>", { headers: { "content-type": "video/mp4" } }),
      "/long.mp4": () => {
        const long = new Uint8Array(41 * 1024 * 1024);
        long.set(mp4.subarray(0, 16));
        return new Response(long, { headers: { "content-type": "video/mp4" } });
      },
      "/bomb.jpg": () =>
        new Response(Bun.gzipSync(huge), { headers: { "content-type": "image/jpeg", "content-encoding": "gzip" } }),
    };
    return files[path]?.() ?? new Response("not here", { status: 404 });
  },
});
afterAll(() => peer.stop(true));
const remote = (path: string) => `http://127.0.0.1:${peer.port}${path}`;

function setup(attachments?: { path: string; mime: string }[]) {
  const t = testApp("https://social.example", { allowPrivateAddresses: true });
  const author = storeRemoteAccount(t.database.db, "https://remote.example/users/bob", {
    displayName: "Bob",
    inboxUrl: null,
    avatarUrl: remote("/avatar"),
    discoverable: true,
  });
  const image = (path: string, mime = "image/jpeg") => ({
    url: remote(path),
    mime,
    description: path,
    width: null,
    height: null,
    blurhash: null,
  });
  const post = receiveRemotePost(
    t.deps,
    remoteNote(author.id, "https://remote.example/notes/1", {
      plainText: "pictures",
      attachments: attachments?.map((a) => image(a.path, a.mime)) ?? [
        image("/cat.jpg"),
        image("/page.jpg"),
        image("/pic.svg", "image/svg+xml"),
        image("/huge.jpg"),
      ],
    }),
  );
  const view = loadPostViews(t.database.db, t.deps.baseUrl, [post.id], null)[0];
  if (!view) throw new Error("no post");
  return { ...t, author, post, media: view.media };
}

const rows = (cache: RemoteMediaCache) => cache.db.select({ n: count() }).from(remoteMedia).get()?.n;

describe("remote video and audio are played from the instance's cache", () => {
  test("the page has players whose files come from the cache; a file that is not what it claims is refused", async () => {
    const t = setup([
      { path: "/clip.mp4", mime: "video/mp4" },
      { path: "/song.mp3", mime: "audio/mpeg" },
      { path: "/page.mp4", mime: "video/mp4" },
      { path: "/long.mp4", mime: "video/mp4" },
    ]);
    const [clip, song, fake, long] = t.media;
    const page = await (await t.request(`/@bob@remote.example/${t.post.id}`)).text();
    expect(page).toContain(`<video class="media-item" src="${clip?.url.replaceAll("&", "&amp;")}"`);
    expect(page).toContain('preload="none"');
    expect(page).toContain(`<audio src="${song?.url.replaceAll("&", "&amp;")}"`);
    expect(page).not.toContain(`127.0.0.1:${peer.port}`);
    hits["/clip.mp4"] = 0;
    for (const [m, bytes, type] of [
      [clip, mp4, "video/mp4"],
      [song, mp3, "audio/mpeg"],
    ] as const) {
      const res = await t.request(m?.url ?? "");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    }
    expect((await t.request(clip?.url ?? "")).status).toBe(200);
    expect(hits["/clip.mp4"]).toBe(1); // the second play came from the cache
    expect((await t.request(fake?.url ?? "")).status).toBe(404);
    // Over 40 MB: written as it came, then removed at the limit; only the two good files stay.
    expect((await t.request(long?.url ?? "")).status).toBe(404);
    expect(t.remoteMedia.totalBytes()).toBe(mp4.length + mp3.length);
    const files = [...new Bun.Glob("*/*").scanSync(join(t.database.dir, "media-cache"))];
    expect(files.map((f) => f.split(".").at(-1)).sort()).toEqual(["mp3", "mp4"]);
  });

  test("a video's cover from its server (the attachment's icon) shows as the player's poster, through the cache", async () => {
    const t = setup([]);
    const note = new Note({
      id: new URL("https://remote.example/notes/2"),
      attribution: new URL("https://remote.example/users/bob"),
      tos: [PUBLIC_COLLECTION],
      content: "<p>a film</p>",
      attachments: [
        new Document({
          url: new URL(remote("/clip.mp4")),
          mediaType: "video/mp4",
          icon: new Image({ url: new URL(remote("/cat.jpg")) }),
        }),
        // A picture's icon is no cover: nothing is kept.
        new Document({
          url: new URL(remote("/cat.jpg")),
          mediaType: "image/jpeg",
          icon: new Image({ url: new URL(remote("/page.jpg")) }),
        }),
        // An icon given as a bare address is the cover's address (never fetched as a document).
        new Document({ url: new URL(remote("/song.mp3")), mediaType: "audio/mpeg", icon: new URL(remote("/avatar")) }),
      ],
    });
    const nothingFetched = { documentLoader: () => Promise.reject(new Error("no fetch")) } as unknown as Context<void>;
    const data = await postFromAs(nothingFetched, note, { id: t.author.id, followersUrl: null }, () => []);
    expect(data.attachments.map((a) => a.coverUrl)).toEqual([remote("/cat.jpg"), null, remote("/avatar")]);
    const post = receiveRemotePost(t.deps, data);
    const [clip] = loadPostViews(t.database.db, t.deps.baseUrl, [post.id], null)[0]?.media ?? [];
    expect(clip?.thumbnailUrl).toMatch(/^\/media\/remote\/covers\/[0-9a-f-]+\?v=/);
    const page = await (await t.request(`/@bob@remote.example/${post.id}`)).text();
    expect(page).toContain(`poster="${clip?.thumbnailUrl?.replaceAll("&", "&amp;")}"`);
    const cover = await t.request(clip?.thumbnailUrl ?? "");
    expect(cover.status).toBe(200);
    expect(cover.headers.get("content-type")).toBe("image/jpeg");
    // Not a way to fetch anything else: the id of a picture without a cover, or a member's own file.
    const none = setup([{ path: "/clip.mp4", mime: "video/mp4" }]);
    expect(none.media[0]?.thumbnailUrl).toBeNull();
    expect((await none.request(`/media/remote/covers/${none.media[0]?.id}`)).status).toBe(404);
    // A cover on a server whose media the instance rejects is not fetched, whoever posted it.
    const other = setup([]);
    const elsewhere = await postFromAs(
      nothingFetched,
      new Note({
        id: new URL("https://remote.example/notes/3"),
        attribution: new URL("https://remote.example/users/bob"),
        tos: [PUBLIC_COLLECTION],
        attachments: [
          new Document({ url: new URL(remote("/clip.mp4")), mediaType: "video/mp4", icon: new URL(remote("/cat.jpg")) }),
        ],
      }),
      { id: other.author.id, followersUrl: null },
      () => [],
    );
    const film = receiveRemotePost(other.deps, elsewhere);
    const [video] = loadPostViews(other.database.db, other.deps.baseUrl, [film.id], null)[0]?.media ?? [];
    other.database.db.insert(domainBlocks).values({ domain: "127.0.0.1", severity: "noop", rejectMedia: true }).run();
    expect((await other.request(video?.thumbnailUrl ?? "")).status).toBe(404);
  });
});

test("a file on a server whose media is rejected is not fetched, even in a post from another server", async () => {
  const t = setup([{ path: "/cat.jpg", mime: "image/jpeg" }]);
  t.database.db.insert(domainBlocks).values({ domain: "127.0.0.1", severity: "noop", rejectMedia: true }).run();
  hits["/cat.jpg"] = 0;
  expect((await t.request(t.media[0]?.url ?? "")).status).toBe(404);
  expect(hits["/cat.jpg"]).toBe(0);
});

test("another server's odd media type stays text in the account's feed", async () => {
  const t = setup([{ path: "/cat.jpg", mime: 'x"><evil a="b' }]);
  const rss = await (await t.request("/@bob@remote.example.rss")).text();
  expect(rss).not.toContain("<evil");
  expect(rss).toContain('type="x&quot;&gt;&lt;evil a=&quot;b" medium="document"');
});

describe("remote images are served from the instance's cache", () => {
  test("first view fetches and caches, the next comes from the cache; pruned, it is fetched again", async () => {
    const t = setup();
    const cat = t.media[0];
    expect(cat?.url).toStartWith(`/media/remote/media/${cat?.id}?v=`);
    expect(cat?.remoteUrl).toBe(remote("/cat.jpg"));
    hits["/cat.jpg"] = 0;

    const first = await t.request(cat?.url ?? "");
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(jpeg)).toBe(true);
    expect(first.headers.get("content-type")).toBe("image/jpeg");
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(first.headers.get("content-disposition")).toMatch(/^inline; filename="[0-9a-f-]{36}\.jpg"$/);
    expect(hits["/cat.jpg"]).toBe(1);

    const second = await t.request(cat?.url ?? "");
    expect(second.status).toBe(200);
    expect((await second.arrayBuffer()).byteLength).toBe(jpeg.length);
    expect(hits["/cat.jpg"]).toBe(1);
    const [stored] = t.remoteMedia.db.select().from(remoteMedia).all();
    const file = join(t.database.dir, "media-cache", stored?.path ?? "");
    expect(existsSync(file)).toBe(true);

    // Within the retention nothing goes; eight days later (default seven) the file goes.
    const job = maintenanceJobs({
      ...t.deps,
      media: new MediaStore(join(t.database.dir, "media")),
      remoteMedia: t.remoteMedia,
    }).find((j) => j.name === "prune-remote-media");
    if (!job) throw new Error("no prune-remote-media job");
    expect((await runJob(t.database.db, job)).lastResult).toStartWith("0 cached remote files removed");
    const later = new Date(Date.now() + 8 * 86_400_000);
    const run = await runJob(t.database.db, job, later);
    expect(run.lastError).toBeNull();
    const kb = `${(jpeg.length / 1024).toFixed(1)} KB`;
    expect(jpeg.length).toBeGreaterThan(1024);
    expect(run.lastResult).toBe(`1 cached remote files removed (${kb}); cache ${kb} before, 0 B after`);
    expect(existsSync(file)).toBe(false);
    expect(rows(t.remoteMedia)).toBe(0);

    const third = await t.request(cat?.url ?? "");
    expect(third.status).toBe(200);
    expect(hits["/cat.jpg"]).toBe(2);
  });

  test("pages show the cached copies, never the remote server's addresses", async () => {
    const t = setup();
    const page = await (await t.request(`/@bob@remote.example/${t.post.id}`, { headers: { accept: "text/html" } })).text();
    expect(page).toContain(`src="/media/remote/media/${t.media[0]?.id}?v=`);
    expect(page).toContain(`src="/media/remote/avatars/${t.author.id}?v=`);
    expect(page).not.toContain(`="${remote("/")}`);
  });

  test("a remote account's avatar is shown from the cache too", async () => {
    const t = setup();
    const view = accountView(t.deps.baseUrl, t.author);
    expect(view.avatarUrl).toStartWith(`/media/remote/avatars/${t.author.id}?v=`);
    expect(view.headerUrl).toBeNull();
    const response = await t.request(view.avatarUrl ?? "");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect((await t.request(`/media/remote/headers/${t.author.id}`)).status).toBe(404);
  });

  test("HTML, SVG and files over 10 MB (also when gzip makes them small in transit) are refused", async () => {
    const t = setup();
    for (const media of t.media.slice(1)) {
      const response = await t.request(media.url);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).not.toContain("svg");
    }
    expect(rows(t.remoteMedia)).toBe(0);
    // A failure is remembered for a while: views do not become a fetch each.
    hits["/page.jpg"] = 0;
    await t.request(t.media[1]?.url ?? "");
    expect(hits["/page.jpg"]).toBe(0);
    const bomb = await guardedFile(remote("/bomb.jpg"), { allowPrivate: true });
    await expect(readLimited(bomb, 10 * 1024 * 1024)).rejects.toThrow("larger than");
  });

  test("only images of stored remote posts and accounts are fetched", async () => {
    const t = setup();
    expect((await t.request("/media/remote/media/nothing-here")).status).toBe(404);
    expect((await t.request("/media/remote/files/x")).status).toBe(400);
  });

  test("nothing is fetched from a server whose media the instance rejects", async () => {
    const t = setup();
    t.database.db.insert(domainBlocks).values({ domain: "remote.example", severity: "noop", rejectMedia: true }).run();
    hits["/avatar"] = 0;
    expect((await t.request(`/media/remote/avatars/${t.author.id}`)).status).toBe(404);
    expect((await t.request(`/media/remote/media/${t.media[0]?.id}`)).status).toBe(404);
    expect(hits["/avatar"]).toBe(0);
  });

  test("over the size cap the oldest files go first, on store and in the job", async () => {
    const t = setup();
    const fetch = (url: string) => guardedFile(url, { allowPrivate: true });
    const root = join(t.database.dir, "media-cache");
    const roomy = new RemoteMediaCache(t.database.db, root, fetch);
    for (const n of [1, 2, 3]) {
      expect(await roomy.get(remote(`/cat.jpg?n=${n}`))).not.toBeNull();
      await Bun.sleep(5);
    }
    expect(roomy.totalBytes()).toBe(3 * jpeg.length);
    // The cap lowered to two files: the job removes the oldest.
    const tight = new RemoteMediaCache(t.database.db, root, fetch, 2 * jpeg.length);
    const result = await tight.prune(new Date(), 7);
    expect(result).toEqual({ files: 1, bytes: jpeg.length, before: 3 * jpeg.length, after: 2 * jpeg.length });
    const left = t.database.db.select({ url: remoteMedia.url }).from(remoteMedia).all();
    expect(left.map((r) => r.url).sort()).toEqual([remote("/cat.jpg?n=2"), remote("/cat.jpg?n=3")]);
    // A file no row names (a crash between writing and recording) goes once an hour old.
    const stray = join(root, "ab", "abababab-abab-abab-abab-abababababab.jpg");
    await Bun.write(stray, jpeg);
    expect((await tight.prune(new Date(), 7)).files).toBe(0);
    expect(await tight.prune(new Date(Date.now() + 2 * 3600_000), 7)).toMatchObject({ files: 1, bytes: jpeg.length });
    expect(existsSync(stray)).toBe(false);
    // A new file past the cap makes room by itself.
    await tight.get(remote("/cat.jpg?n=4"));
    expect(tight.totalBytes()).toBe(2 * jpeg.length);
    expect(await tight.get(remote("/cat.jpg?n=2"))).not.toBeNull();
    expect(hits["/cat.jpg"]).toBeGreaterThan(0);
  });
});
