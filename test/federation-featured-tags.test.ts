// Featured hashtags between real servers over TLS: the Fedify peer reads a member's actor and
// its featuredTags collection, as Mastodon does to show them on the profile.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";
import { eventuallyShows } from "./helpers/client.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 1, peer: true });
  one = lab.instance(0);
  await one.createUser("alice");
});
afterAll(() => stopLab());

test("the peer finds a member's featured hashtags through her actor", () =>
  lab.explain(async () => {
    const alice = await one.login("alice");
    await alice.post("/statuses", { status: "Socks on the needles #Knitting", visibility: "public" });
    expect((await alice.post("/tags/knitting/feature", {})).status).toBe(303);
    expect((await alice.post("/settings/tags/featured", { featured_name: "sourdough" })).status).toBe(303);

    const actor = await lab.peer.lookup(`acct:${one.handle("alice")}`);
    expect(actor.type).toBe("Person");
    const collectionUrl = actor.json?.featuredTags as string;
    expect(collectionUrl).toBe(`${one.url}/@alice/tags`);
    const collection = await lab.peer.lookup(collectionUrl);
    expect(collection.found).toBe(true);
    const items = [collection.json?.items ?? collection.json?.orderedItems].flat() as {
      type: string;
      href: string;
      name: string;
    }[];
    expect(items.map((i) => [i.type, i.name, i.href])).toEqual([
      ["Hashtag", "#Knitting", `${one.url}/@alice/tagged/knitting`],
      ["Hashtag", "#sourdough", `${one.url}/@alice/tagged/sourdough`],
    ]);
  }));

test("another server's featured hashtags show on its account's profile here (what is not a hashtag is skipped)", () =>
  lab.explain(async () => {
    const alice = await one.login("alice");
    const pat = await lab.peer.createActor("pat");
    await lab.peer.updateProfile(pat, { featuredTags: ["Gardening", "not a tag!", "tomatoes"] });
    // Looking pat up fetches the account and its recent posts.
    await alice.get(`/search?q=${encodeURIComponent(`@${pat.handle}`)}`);
    // The page waits up to 2 s for the fetch; on a busy machine a later load shows what it stored.
    const profile = await eventuallyShows(alice, `/@${pat.handle}`, "Featured hashtags");
    expect(profile).toContain(`href="/@${pat.handle}/tagged/gardening"`);
    expect(profile).toContain(`href="/@${pat.handle}/tagged/tomatoes"`);
    expect(profile).not.toContain("not a tag");
  }));
