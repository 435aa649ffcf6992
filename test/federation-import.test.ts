// A member imports a Mastodon CSV naming accounts and posts on another server (the independent
// Fedify peer, over TLS): the queue looks each up with WebFinger, and the Follow reaches the peer.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { WebClient } from "./helpers/client.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 1, peer: true });
  one = lab.instance(0);
});
afterAll(() => stopLab());

async function upload(browser: WebClient, type: string, content: string) {
  const form = new FormData();
  form.set("_csrf", await browser.csrf());
  form.set("type", type);
  form.set("mode", "merge");
  form.set("file", new File([content], `${type}.csv`, { type: "text/csv" }));
  const res = await browser.request("/settings/imports", { method: "POST", body: form });
  expect(res.status).toBe(303);
}

/** Polls the import progress until the latest import has finished; returns the section. */
async function finished(browser: WebClient): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const html = await (await browser.get("/settings/imports/progress")).text();
    if (!html.includes("hx-trigger")) return html;
    await Bun.sleep(100);
  }
  throw new Error("the import never finished");
}

test("an imported follows CSV looks up the peer's account and sends it a Follow; a post URL is bookmarked", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await one.createUser("ivy");
    const ivy = await one.login("ivy");
    const pat = await peer.createActor("pat", { name: "Pat Peer" });
    const csv = [
      "Account address,Show boosts,Notify on new posts,Languages",
      `pat@${peer.host},true,false,`,
      `nobody@${peer.host},true,false,`,
      "",
    ].join("\n");
    await upload(ivy, "following", csv);

    const follow = await peer.waitFor((a) => a.type === "Follow" && JSON.stringify(a.json).includes("/@ivy"));
    expect(JSON.stringify(follow.json)).toContain(pat.id);
    const progress = await finished(ivy);
    expect(progress).toContain("1 row imported, 1 failed, 0 skipped.");
    expect(progress).toContain(`No such account found on ${peer.host}`);
    // The peer accepts: the follow request becomes a follow.
    let profile = "";
    for (let i = 0; i < 100 && !profile.includes(">Unfollow<"); i++) {
      profile = await (await ivy.get(`/@pat@${peer.host}`)).text();
      await Bun.sleep(100);
    }
    expect(profile).toContain(">Unfollow<");

    const note = await peer.post(pat, { text: "worth keeping", visibility: "public" });
    await upload(ivy, "bookmarks", `${note.note}\n`);
    expect(await finished(ivy)).toContain("1 row imported, 0 failed, 0 skipped.");
    expect(await (await ivy.get("/bookmarks")).text()).toContain("worth keeping");
  }));
