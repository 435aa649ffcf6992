// This instance's custom emoji between real servers over TLS: another Skein draws them from its own cache.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { eventuallyShows } from "./helpers/client.ts";
import { photo } from "./helpers/images.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";
import { encodePng } from "../src/media/wasm.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;
let two: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 2, peer: true });
  [one, two] = [lab.instance(0), lab.instance(1)];
  await one.createUser("alice", { role: "admin" });
  await two.createUser("bob");
});
afterAll(() => stopLab());

test("a member's post and name with the instance's emoji show them on another Skein and at the Fedify peer", () =>
  lab.explain(async () => {
    const alice = await one.login("alice");
    const form = new FormData();
    form.set("_csrf", await alice.csrf());
    form.set("shortcode", "blobcat");
    form.set("image", new File([await encodePng(photo(64, 64))], "blobcat.png"));
    expect((await alice.request("/admin/emojis", { method: "POST", body: form })).status).toBe(303);
    expect((await alice.post("/settings/profile", { display_name: "Alice :blobcat:" })).status).toBe(303);

    const bob = await two.login("bob");
    await bob.get(`/search?q=${encodeURIComponent(`@${one.handle("alice")}`)}`);
    const profile = await (await bob.get(`/@${one.handle("alice")}`)).text();
    const aliceId = /action="\/accounts\/([^/]+)\/follow"/.exec(profile)?.[1];
    await bob.post(`/accounts/${aliceId}/follow`, {});
    await eventuallyShows(alice, "/notifications", /followed you/);
    const pat = await lab.peer.createActor("pat");
    await lab.peer.follow(pat, `acct:${one.handle("alice")}`);
    await lab.peer.waitFor({ type: "Accept" });

    await alice.post("/statuses", { status: "Bread day :blobcat:", visibility: "public" });
    const home = await eventuallyShows(bob, "/", /Bread day <img class="emoji"/);
    const src = /Bread day <img class="emoji" src="([^"]+)"/.exec(home)?.[1]?.replaceAll("&amp;", "&") ?? "";
    // bob's server serves the picture from its own cache, never linking to alice's.
    expect(src).toMatch(/^\/media\/remote\/emojis\//);
    const image = await bob.get(src);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(home).toMatch(/Alice <img class="emoji"[^>]+alt=":blobcat:"/);

    const create = await lab.peer.waitFor((a) => a.type === "Create" && a.objectType === "Note");
    const note = create.json.object as { tag?: unknown };
    const tags = [note.tag].flat();
    expect(tags).toContainEqual(expect.objectContaining({ type: "Emoji", name: ":blobcat:" }));
  }));
