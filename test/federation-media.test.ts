// Video between real servers over TLS: the Fedify peer receives a member's video as a Document
// with its cover as the icon (where Mastodon reads it), and a video the peer posts with a cover
// plays here with that cover as its poster, both files through the instance's cache.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";
import { eventuallyShows } from "./helpers/client.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(120_000);

type Attachment = { mediaType: string; url: string; name: string; icon: { url: string } };

let lab: LabWithPeer;
let one: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 1, peer: true });
  one = lab.instance(0);
  await one.createUser("alice");
});
afterAll(() => stopLab());

test("a member's video reaches the peer with its cover; the peer's video plays here with its own", () =>
  lab.explain(async () => {
    const alice = await one.login("alice");
    const pat = await lab.peer.createActor("pat");
    await lab.peer.follow(pat, `acct:${one.handle("alice")}`);
    await lab.peer.waitFor({ type: "Accept" });

    const form = new FormData();
    form.set("_csrf", await alice.csrf());
    form.set("status", "a film for the peer");
    form.set("visibility", "public");
    form.append("media", new File([await Bun.file(join(import.meta.dir, "fixtures/media/clip.mp4")).arrayBuffer()], "clip.mp4"));
    form.append("description", "Colour bars");
    form.set("thumbnail", new File([await testJpeg(320, 180)], "cover.jpg"));
    expect((await alice.request("/statuses", { method: "POST", body: form })).status).toBe(303);

    const create = await lab.peer.waitFor((a) => a.type === "Create" && JSON.stringify(a.json).includes("a film for the peer"));
    const note = create.json.object as { attachment: Attachment | Attachment[] };
    const attachment = [note.attachment].flat()[0] as Attachment;
    expect(attachment).toMatchObject({
      type: "Document",
      mediaType: "video/mp4",
      name: "Colour bars",
      width: 320,
      height: 180,
    });
    const tls = { tls: { ca: Bun.file(lab.ca) } };
    const video = await fetch(attachment.url, tls);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    expect(new TextDecoder().decode((await video.arrayBuffer()).slice(4, 8))).toBe("ftyp");
    const cover = await fetch(attachment.icon.url, tls);
    expect(cover.headers.get("content-type")).toMatch(/^image\//);

    // The peer posts a video whose files are (for this test) the ones alice's server serves.
    await lab.peer.post(pat, {
      text: "a film from the peer",
      visibility: "public",
      mentions: [one.handle("alice")],
      attachments: [{ url: attachment.url, mediaType: "video/mp4", name: "Bars again", icon: attachment.icon.url }],
    });
    const page = await eventuallyShows(alice, "/notifications", "a film from the peer");
    const poster = /<video class="media-item" src="[^"]+" poster="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    expect(poster).toMatch(/^\/media\/remote\/covers\//);
    const served = await alice.get(poster ?? "");
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toMatch(/^image\//);
  }));

test("another server's video longer than the 10 MB every other response may have plays here (up to 40 MB)", () =>
  lab.explain(async () => {
    const alice = await one.login("alice");
    const pat = await lab.peer.createActor("pam");
    // A 12 MB film on a file server beside the peer: a real MP4 padded with an unused box.
    const clip = new Uint8Array(await Bun.file(join(import.meta.dir, "fixtures/media/clip.mp4")).arrayBuffer());
    const pad = 12 * 1024 * 1024;
    const film = new Uint8Array(clip.length + pad);
    film.set(clip);
    new DataView(film.buffer).setUint32(clip.length, pad);
    film.set(new TextEncoder().encode("free"), clip.length + 4);
    const files = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response(film, { headers: { "content-type": "video/mp4" } }),
    });
    try {
      await lab.peer.post(pat, {
        text: "a long film",
        visibility: "public",
        mentions: [one.handle("alice")],
        attachments: [{ url: `http://127.0.0.1:${files.port}/film.mp4`, mediaType: "video/mp4" }],
      });
      const page = await eventuallyShows(alice, "/notifications", "a long film");
      const src = /<video class="media-item" src="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
      const played = await alice.get(src ?? "");
      expect(played.status).toBe(200);
      expect((await played.arrayBuffer()).byteLength).toBe(film.length);
    } finally {
      files.stop(true);
    }
  }));
