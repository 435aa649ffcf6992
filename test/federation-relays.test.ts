// Relays between real servers over TLS: two Skein instances join a relay run by the Fedify peer
// (Mastodon's relay protocol, FEP-ae0c). Each member's public posts reach the other instance
// through it, signed by their author and forwarded under the relay's signature; a LitePub-style
// Announce from the relay brings a post without anyone boosting it.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { WebClient } from "./helpers/client.ts";
import { eventuallyShows } from "./helpers/client.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

setDefaultTimeout(120_000);

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

let lab: LabWithPeer;
let one: LabInstance;
let two: LabInstance;
let relayInbox: string;

beforeAll(async () => {
  lab = await startLab({ instances: 2, peer: true });
  one = lab.instance(0);
  two = lab.instance(1);
  for (const instance of [one, two]) await instance.createUser("olga", { role: "owner" });
  await one.createUser("alice");
  await two.createUser("bea");
  await lab.peer.createActor("relay", { relay: true });
  relayInbox = `${lab.peer.url}/inbox`;
});
afterAll(() => stopLab());

/** The owner of an instance joins the relay from the admin page, and waits until it accepted. */
async function join(instance: LabInstance): Promise<WebClient> {
  const olga = await instance.login("olga");
  const added = await olga.post("/admin/relays", { inbox_url: relayInbox });
  expect(added.status).toBe(303);
  await eventuallyShows(olga, "/admin/relays", "Joined · since");
  return olga;
}

test("two instances join a relay: each one's public posts show in the other's federated timeline, and nothing else goes", () =>
  lab.explain(async () => {
    await join(one);
    await join(two);
    // The relay was asked as Mastodon asks: a Follow of the public collection, by the instance actor.
    const follow = await lab.peer.waitFor({ type: "Follow", actor: `${one.url}/@skein` });
    expect(follow.json.object).toBe(PUBLIC);
    expect((await lab.peer.actor("relay")).followerIds.sort()).toEqual([`${one.url}/@skein`, `${two.url}/@skein`].sort());

    const bea = await two.login("bea");
    await bea.post("/statuses", { status: "Quiet one, unlisted", visibility: "unlisted" });
    await bea.post("/statuses", { status: "Sourdough starter day 3, through the relay", visibility: "public" });
    const alice = await one.login("alice");
    const federated = await eventuallyShows(alice, "/public", "Sourdough starter day 3, through the relay");
    expect(federated).toContain(two.handle("bea"));
    // Nobody here follows bea: the post is in the federated timeline, not in anyone's home.
    expect(await (await alice.get("/home")).text()).not.toContain("Sourdough starter day 3");
    // Only the public post went to the relay (as on Mastodon, unlisted ones do not).
    const creates = await lab.peer.received({ type: "Create", actor: `${two.url}/@bea` });
    expect(creates.map((c) => JSON.stringify(c.json))).toEqual([expect.stringContaining("Sourdough starter day 3")]);
    expect(await (await alice.get("/public")).text()).not.toContain("Quiet one");

    // alice's public post goes the other way.
    await alice.post("/statuses", { status: "Socks on the needles, relayed", visibility: "public" });
    await eventuallyShows(bea, "/public", "Socks on the needles, relayed");

    // A deletion goes through the relay too.
    const post = creates[0]?.object ?? "";
    const id = /\/([0-9a-f-]{36})$/.exec(post)?.[1];
    expect((await bea.post(`/statuses/${id}/delete`, {})).status).toBe(303);
    const deadline = Date.now() + 15_000;
    while ((await (await alice.get("/public")).text()).includes("Sourdough starter day 3")) {
      if (Date.now() > deadline) throw new Error("the deleted post stayed in one's federated timeline");
      await Bun.sleep(100);
    }
  }));

test("a relay's Announce brings a public post, which nobody here boosted; a followers-only one is not kept", () =>
  lab.explain(async () => {
    const carol = await lab.peer.createActor("carol");
    // A post sent unasked from the relay's own server, signed by carol and not by the relay, is
    // not kept: only the relay's signature makes a delivery relayed.
    await lab.peer.post(carol, { content: "<p>Unasked, from the relay's host</p>", deliverTo: [`${one.url}/@skein`] });
    const open = await lab.peer.post(carol, { content: "<p>Allotment news via a LitePub relay</p>", visibility: "public" });
    const closed = await lab.peer.post(carol, { content: "<p>Only for my followers</p>", visibility: "followers" });
    await lab.peer.relayAnnounce(closed.note);
    await lab.peer.relayAnnounce(open.note);
    const alice = await one.login("alice");
    const page = await eventuallyShows(alice, "/public", "Allotment news via a LitePub relay");
    expect(page).not.toMatch(/boosted/i);
    expect(page).not.toContain("Only for my followers");
    expect(page).not.toContain("Unasked, from the relay's host");
    const profile = await (await alice.get(`/@${carol.handle}`)).text();
    expect(profile).not.toContain("Only for my followers");
  }));

test("leaving a relay tells it (an Undo of the Follow), and joining again asks anew", () =>
  lab.explain(async () => {
    const olga = await two.login("olga");
    const page = await (await olga.get("/admin/relays")).text();
    const id = /\/admin\/relays\/([^/]+)\/leave/.exec(page)?.[1];
    expect((await olga.post(`/admin/relays/${id}/leave`, {})).status).toBe(303);
    expect(await (await olga.get("/admin/relays")).text()).toContain("Left · ");
    const undo = await lab.peer.waitFor({ type: "Undo", actor: `${two.url}/@skein` });
    expect((undo.json.object as { object?: string }).object).toBe(PUBLIC);
    const deadline = Date.now() + 10_000;
    while ((await lab.peer.actor("relay")).followerIds.includes(`${two.url}/@skein`)) {
      if (Date.now() > deadline) throw new Error("the relay kept two as a subscriber");
      await Bun.sleep(100);
    }

    expect((await olga.post(`/admin/relays/${id}/join`, {})).status).toBe(303);
    await eventuallyShows(olga, "/admin/relays", "Joined · since");
    const follows = await lab.peer.received({ type: "Follow", actor: `${two.url}/@skein` });
    expect(follows).toHaveLength(2);
    expect(follows[0]?.id).not.toBe(follows[1]?.id);
  }));
