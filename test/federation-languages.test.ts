// A post's language between real servers, as Mastodon sends it: `contentMap` keyed by the
// language beside `content`. A member's post goes out with its language; a post from the Fedify
// peer keeps the language it came with (so language filters and translation work on it).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 1, peer: true });
  one = lab.instance(0);
});
afterAll(() => stopLab());

test("a post's language goes out as contentMap and comes in from it", () =>
  lab.explain(async () => {
    await one.createUser("alice");
    const alice = await one.login("alice");
    const peer = lab.peer;
    const pat = await peer.createActor("pat");
    await peer.follow(pat, one.handle("alice"));
    for (let i = 0; i < 100 && (await peer.actor(pat)).following[0]?.state !== "accepted"; i++) await Bun.sleep(100);

    expect((await alice.post("/statuses", { status: "Guten Tag", language: "de" })).status).toBe(303);
    expect((await alice.post("/statuses", { status: "No language named" })).status).toBe(303);
    const created = async (words: string) =>
      (await peer.waitFor((a) => a.type === "Create" && JSON.stringify(a.json).includes(words), 15_000)).json.object as Record<
        string,
        unknown
      >;
    const german = await created("Guten Tag");
    expect(german.contentMap).toEqual({ de: german.content });
    expect(String(german.content)).toContain("Guten Tag");
    expect((await created("No language named")).contentMap).toBeUndefined();

    await peer.post(pat, { text: "Bonjour à tous", mentions: [one.handle("alice")], language: "fr-CA" });
    for (let i = 0; i < 150; i++) {
      const page = await (await alice.get("/notifications")).text();
      if (page.includes("Bonjour")) {
        expect(page).toMatch(/<div class="content" lang="fr">[^]*Bonjour/);
        return;
      }
      await Bun.sleep(100);
    }
    throw new Error("the peer's post never arrived");
  }));
