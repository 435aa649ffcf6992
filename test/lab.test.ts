// The federation lab itself: two Skein instances and the independent Fedify peer, as real
// processes over HTTPS on loopback with a throwaway CA, finding each other the way servers on
// the internet do (WebFinger, actor documents, signed deliveries).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

// Real servers, argon2 hashing and RSA key generation: more than bun's default 5 s.
setDefaultTimeout(120_000);

let lab: LabWithPeer;

beforeAll(async () => {
  lab = await startLab({ instances: 2, peer: true });
  console.log(`lab: 2 Skein instances and the peer answered in ${lab.startupMs} ms`);
});

afterAll(() => stopLab());

const AS = { accept: "application/activity+json" };

test("the peer resolves a Skein user by her handle over TLS, keys and all, and she can sign in", () =>
  lab.explain(async () => {
    const skein = lab.instance(0);
    await skein.createUser("alice");

    const found = await lab.peer.lookup(`acct:${skein.handle("alice")}`);
    const id = `${skein.url}/@alice`;
    expect(found).toMatchObject({
      found: true,
      type: "Person",
      id,
      handle: `@alice@${skein.host}`,
      inbox: `${id}/inbox`,
      sharedInbox: `${skein.url}/inbox`,
    });
    // The keys parse as keys: RSA for HTTP Signatures, Ed25519 for Object Integrity Proofs.
    expect(found.publicKey).toMatchObject({ owner: id, algorithm: "RSASSA-PKCS1-v1_5", hash: "SHA-256" });
    expect(found.publicKey?.id).toStartWith(`${id}#`);
    expect(found.assertionMethods).toEqual([
      expect.objectContaining({ controller: id, algorithm: "RSASSA-PKCS1-v1_5" }),
      expect.objectContaining({ controller: id, algorithm: "Ed25519" }),
    ]);
    // The same through a handle without acct:, as people type it.
    expect((await lab.peer.lookup(`@${skein.handle("alice")}`)).id).toBe(id);

    const browser = await skein.login("alice");
    expect((await browser.get("/settings/profile")).status).toBe(200);
  }));

test("each Skein instance answers WebFinger and NodeInfo for itself only, with https URLs", () =>
  lab.explain(async () => {
    const [one, two] = [lab.instance(0), lab.instance(1)];
    await two.createUser("bob");

    const res = await two.fetch(`/.well-known/webfinger?resource=${encodeURIComponent(`acct:${two.handle("bob")}`)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("application/jrd+json");
    const jrd = (await res.json()) as {
      subject: string;
      aliases?: string[];
      links: { rel: string; type?: string; href?: string }[];
    };
    expect(jrd.subject).toBe(`acct:${two.handle("bob")}`);
    expect(jrd.links).toContainEqual(
      expect.objectContaining({ rel: "self", type: "application/activity+json", href: `${two.url}/@bob` }),
    );

    // Not for a user of another instance, nor for one it does not have.
    for (const resource of [`acct:${one.handle("bob")}`, `acct:${two.handle("nobody")}`]) {
      expect((await two.fetch(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`)).status).toBe(404);
    }

    // The peer finds bob on the second instance the same way it found alice on the first.
    expect(await lab.peer.lookup(two.handle("bob"))).toMatchObject({ found: true, id: `${two.url}/@bob` });

    const links = (await (await two.fetch("/.well-known/nodeinfo")).json()) as { links: { rel: string; href: string }[] };
    const href = links.links.find((l) => l.rel.endsWith("/2.1"))?.href;
    expect(href).toBe(`${two.url}/nodeinfo/2.1`);
    const nodeinfo = (await (await lab.fetch(href ?? "")).json()) as {
      software: { name: string };
      usage: { users: { total: number } };
    };
    expect(nodeinfo.software.name).toBe("skein");
    expect(nodeinfo.usage.users.total).toBe(1);
  }));

test("the peer serves its actor, WebFinger and followers over the lab's TLS", () =>
  lab.explain(async () => {
    const carol = await lab.peer.createActor("carol", { name: "Carol Peer" });
    expect(carol).toMatchObject({ id: `${lab.peer.url}/users/carol`, handle: `carol@${lab.peer.host}` });

    const actor = (await (await lab.fetch(carol.id, { headers: AS })).json()) as Record<string, unknown>;
    expect(actor).toMatchObject({
      id: carol.id,
      type: "Person",
      preferredUsername: "carol",
      name: "Carol Peer",
      inbox: carol.inbox,
      followers: carol.followers,
      endpoints: { sharedInbox: `${lab.peer.url}/inbox` },
      publicKey: { owner: carol.id },
    });
    expect((actor.publicKey as { publicKeyPem: string }).publicKeyPem).toStartWith("-----BEGIN PUBLIC KEY-----");
    expect(actor.assertionMethod).toHaveLength(2);

    const res = await lab.fetch(`${lab.peer.url}/.well-known/webfinger?resource=acct:${carol.handle}`);
    expect(((await res.json()) as { links: { rel: string; href?: string }[] }).links).toContainEqual(
      expect.objectContaining({ rel: "self", href: carol.id }),
    );
    expect(await (await lab.fetch(carol.followers, { headers: AS })).json()).toMatchObject({
      type: "OrderedCollection",
      totalItems: 0,
    });
  }));

test("a Follow signed by the peer is accepted by Skein's inbox, which fetched the peer's key over TLS", () =>
  lab.explain(async () => {
    const skein = lab.instance(0);
    // An unsigned delivery is refused: the inbox does check signatures.
    const unsigned = await skein.fetch("/@alice/inbox", {
      method: "POST",
      headers: { "content-type": "application/activity+json" },
      body: JSON.stringify({
        "@context": "https://www.w3.org/ns/activitystreams",
        id: `${lab.peer.url}/users/carol#follows/unsigned`,
        type: "Follow",
        actor: `${lab.peer.url}/users/carol`,
        object: `${skein.url}/@alice`,
      }),
    });
    expect(unsigned.status).toBe(401);

    // Delivered right away: a refusal (401, 5xx, a TLS failure on either side) fails the call.
    const follow = await lab.peer.follow("carol", skein.handle("alice"));
    expect(follow).toMatchObject({ target: `${skein.url}/@alice`, delivered: [`${skein.url}/@alice`] });
  }));

test("the peer's control API delivers every kind of activity, here between two of its own actors", () =>
  lab.explain(async () => {
    const p = lab.peer;
    const [erin, frank] = [await p.createActor("erin"), await p.createActor("frank")];
    await p.follow(frank, erin.handle);
    await p.waitFor({ type: "Accept", actor: erin.id });
    expect((await p.actor(erin)).followerIds).toEqual([frank.id]);
    expect((await p.actor(frank)).following).toEqual([expect.objectContaining({ id: erin.id, state: "accepted" })]);

    const post = await p.post(erin, {
      text: "a <b>post</b>",
      summary: "cw",
      attachments: [{ url: `${p.url}/photo.jpg`, name: "alt" }],
    });
    expect(post.delivered).toEqual([frank.id]);
    const create = await p.waitFor({ type: "Create", object: post.note });
    expect(create).toMatchObject({ actor: erin.id, objectType: "Note" });
    expect(create.json.object).toMatchObject({
      content: "<p>a &#60;b&#62;post&#60;/b&#62;</p>",
      summary: "cw",
      sensitive: true,
      to: "https://www.w3.org/ns/activitystreams#Public",
    });
    // Its notes are served at their ids; a followers-only one only to a follower's signed fetch.
    expect((await lab.fetch(post.note, { headers: AS })).status).toBe(200);
    const private_ = await p.post(erin, { text: "followers only", visibility: "followers" });
    expect((await lab.fetch(private_.note, { headers: AS })).status).toBe(401);
    expect((await p.lookup(private_.note, { as: frank })).found).toBe(true);

    const direct = await p.post(frank, { text: "psst", visibility: "direct", mentions: [erin.handle] });
    const dm = await p.waitFor({ type: "Create", object: direct.note });
    expect(dm.json.object).toMatchObject({ to: erin.id, tag: { type: "Mention", href: erin.id, name: `@${erin.handle}` } });
    const reply = await p.reply(frank, post.note, { text: "a reply" });
    expect((await p.waitFor({ type: "Create", object: reply.note })).json.object).toMatchObject({ inReplyTo: post.note });

    const like = await p.like(frank, post.note);
    const boost = await p.boost(frank, post.note);
    await p.waitFor({ type: "Like", object: post.note });
    await p.waitFor({ type: "Announce", object: post.note });
    await p.undo(frank, like.id ?? "");
    await p.waitFor({ type: "Undo", object: like.id ?? "" });
    await p.undo(frank, boost.id ?? "");
    await p.edit(erin, post.note, { text: "edited" });
    await p.waitFor((a) => a.type === "Update" && a.object === post.note);
    await p.delete(erin, post.note);
    await p.waitFor({ type: "Delete", object: post.note });
    expect((await lab.fetch(post.note, { headers: AS })).status).toBe(404);
    await p.updateProfile(erin, { name: "Erin Renamed" });
    expect((await p.waitFor((a) => a.type === "Update" && a.objectType === "Person")).json.object).toMatchObject({
      name: "Erin Renamed",
    });
    await p.flag(frank, erin.handle, { objects: [reply.note], content: "spam" });
    expect((await p.waitFor({ type: "Flag" })).json).toMatchObject({ content: "spam", object: [erin.id, reply.note] });
    await p.block(erin, frank.handle);
    await p.waitFor({ type: "Block", actor: erin.id });
    expect((await p.actor(erin)).followerIds).toEqual([]);
    expect(await p.unverified()).toEqual([]);
  }));

test("the lab stops every process and frees every port", async () => {
  const procs = [...lab.instances.map((i) => i.instance.proc), lab.peer.proc];
  const ports = [...lab.instances.map((i) => i.port), lab.peer.port];
  await lab.stop();
  for (const proc of procs) expect(proc.exitCode).toBe(0);
  for (const port of ports) {
    const connected = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (socket) => (socket.end(), true),
      () => false,
    );
    expect(connected).toBe(false);
  }
});
