// Federation between real servers over TLS: two Skein instances and an independent Fedify peer.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { WebClient } from "./helpers/client.ts";
import { LAB_PASSWORD, type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;
let two: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 2, peer: true });
  [one, two] = [lab.instance(0), lab.instance(1)];
});
afterAll(() => stopLab());

const text = async (browser: WebClient, path: string) => (await browser.get(path)).text();

/** Polls a page until it contains (or no longer contains) a text: deliveries are asynchronous. */
async function eventually(browser: WebClient, path: string, needle: string, present = true, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const page = await text(browser, path);
    if (page.includes(needle) === present) return page;
    if (Date.now() > deadline) throw new Error(`${path} ${present ? "never showed" : "still shows"} "${needle}"`);
    await Bun.sleep(100);
  }
}

/** Finds a remote account through search and follows it, as a member would. */
async function follow(browser: WebClient, handle: string): Promise<string> {
  await text(browser, `/search?q=${encodeURIComponent(`@${handle}`)}`);
  const profile = await text(browser, `/@${handle}`);
  const id = /action="\/accounts\/([^/]+)\/follow"/.exec(profile)?.[1];
  if (!id) throw new Error(`no Follow button on /@${handle}`);
  await browser.post(`/accounts/${id}/follow`, {});
  return id;
}

const postIdWith = (page: string, words: string) =>
  [...page.matchAll(/<article class="post" id="post-([^"]+)"[^>]*>([^]*?)<\/article>/g)].find((m) => m[2]?.includes(words))?.[1];

test("Skein to Skein: follow, the four visibilities, like, reply, edit, delete, profile update", () =>
  lab.explain(async () => {
    await one.createUser("alice");
    await two.createUser("bob");
    await two.createUser("carol");
    const alice = await one.login("alice");
    const bob = await two.login("bob");
    const carol = await two.login("carol");

    await follow(bob, one.handle("alice"));
    await eventually(bob, `/@${one.handle("alice")}`, "Unfollow");
    await eventually(alice, "/notifications", "followed you");

    for (const [visibility, words] of [
      ["public", "a public hello"],
      ["unlisted", "an unlisted hello"],
      ["private", "a followers-only hello"],
    ]) {
      await alice.post("/statuses", { status: words as string, visibility: visibility as string });
    }
    await alice.post("/statuses", { status: `@${two.handle("carol")} a direct word for carol`, visibility: "direct" });
    // Deliveries to one server run two at a time, so the three may arrive in any order.
    await eventually(bob, "/", "a followers-only hello");
    await eventually(bob, "/", "a public hello");
    const home = await eventually(bob, "/", "an unlisted hello");
    expect(home).not.toContain("a direct word for carol");
    // carol does not follow alice: she gets only what is addressed to her, and as a stranger's
    // private mention it waits among her filtered notifications.
    await eventually(carol, "/notifications", "Filtered notifications: 1 person");
    const request = /href="(\/notifications\/requests\/[^"]+)"/.exec(await text(carol, "/notifications/requests"))?.[1];
    expect(await text(carol, request ?? "/nowhere")).toContain("a direct word for carol");
    const carolSearch = await text(carol, "/search?q=hello");
    expect(carolSearch).not.toContain("followers-only");
    // Instance two's federated timeline lists alice's public post, not the unlisted one.
    const federated = await text(carol, "/public");
    expect(federated).toContain("a public hello");
    expect(federated).not.toContain("an unlisted hello");

    const remoteId = postIdWith(home, "a public hello");
    expect(remoteId).toBeDefined();
    await bob.post(`/statuses/${remoteId}/favourite`, {});
    await bob.post("/statuses", { status: `@${one.handle("alice")} lovely`, in_reply_to_id: remoteId ?? "" });
    await eventually(alice, "/notifications", "liked your post");
    await eventually(alice, "/notifications", "mentioned you");
    const aliceHome = await text(alice, "/");
    const localId = postIdWith(aliceHome, "a public hello");
    await eventually(alice, `/@alice/${localId}`, "lovely");

    await alice.post(`/statuses/${localId}/edit`, { status: "a public hello, edited" });
    await eventually(bob, "/", "a public hello, edited");
    await alice.post(`/statuses/${localId}/delete`, {});
    await eventually(bob, "/", "a public hello, edited", false);

    const form = new FormData();
    form.set("_csrf", await alice.csrf());
    form.set("display_name", "Alice Liddell");
    await alice.request("/settings/profile", { method: "POST", body: form });
    await eventually(bob, `/@${one.handle("alice")}`, "Alice Liddell");
  }));

test("a locked account's remote follower waits until the request is accepted", () =>
  lab.explain(async () => {
    await one.createUser("locked");
    await two.createUser("dave");
    new Database(join(one.dataDir, "skein.db")).run("UPDATE accounts SET locked = 1 WHERE username = 'locked'");
    const owner = await one.login("locked");
    const dave = await two.login("dave");
    await follow(dave, one.handle("locked"));
    await eventually(dave, `/@${one.handle("locked")}`, "Cancel follow request");
    const requests = await eventually(owner, "/follow_requests", "@dave@");
    const id = /action="\/accounts\/([^/]+)\/authorize"/.exec(requests)?.[1];
    await owner.post(`/accounts/${id}/authorize`, {});
    await eventually(dave, `/@${one.handle("locked")}`, "Unfollow");
  }));

test("Skein and an independent Fedify server: follows, deliveries and interactions both ways", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await one.createUser("erin");
    const erin = await one.login("erin");
    const pat = await peer.createActor("pat", { name: "Pat Peer" });

    // The peer follows erin; Skein accepts, and signs with draft-cavage first.
    await peer.follow(pat, `acct:${one.handle("erin")}`);
    const accept = await peer.waitFor({ type: "Accept" });
    expect(accept.signature).toBe("draft-cavage");
    await erin.post("/statuses", { status: "hello peer #fedi", visibility: "public" });
    const create = await peer.waitFor((a) => a.type === "Create" && JSON.stringify(a.json).includes("hello peer"));
    expect(JSON.stringify(create.json)).toContain("https://www.w3.org/ns/activitystreams#Public");
    await erin.post("/statuses", { status: "only for my followers", visibility: "private" });
    await peer.waitFor((a) => a.type === "Create" && JSON.stringify(a.json).includes("only for my followers"));

    // erin follows pat; pat's posts reach erin's home, sanitized.
    await follow(erin, `pat@${peer.host}`);
    await eventually(erin, `/@pat@${peer.host}`, "Unfollow");
    await peer.post(pat, {
      content: '<p>from the peer <script>alert(1)</script><b onclick="x()">bold</b></p>',
      visibility: "public",
    });
    const home = await eventually(erin, "/", "from the peer");
    expect(home).not.toContain("<script>alert(1)");
    expect(home).not.toContain("onclick");

    // A mention, a like, a boost and an undo from the peer.
    await peer.post(pat, { text: "are you there?", mentions: [one.handle("erin")], visibility: "public" });
    await eventually(erin, "/notifications", "mentioned you");
    const post = await text(erin, "/");
    const erinPostUrl = `${one.url}/@erin/${postIdWith(post, "hello peer")}`;
    const like = await peer.like(pat, erinPostUrl);
    await eventually(erin, "/notifications", "liked your post");
    await peer.undo(pat, like.id ?? "");
    await eventually(erin, "/notifications", "liked your post", false);
    await peer.boost(pat, erinPostUrl);
    await eventually(erin, "/notifications", "boosted your post");

    // A profile update, a delete, a report and a block.
    await peer.updateProfile(pat, { name: "Pat Renamed" });
    await eventually(erin, `/@pat@${peer.host}`, "Pat Renamed");
    const doomed = await peer.post(pat, { text: "soon gone", visibility: "public" });
    await eventually(erin, "/", "soon gone");
    await peer.delete(pat, doomed.note);
    await eventually(erin, "/", "soon gone", false);
    await one.createUser("mo", { role: "moderator" });
    const mo = await one.login("mo");
    await peer.flag(pat, `${one.url}/@erin`, { content: "spam, I think" });
    // The moderators hear of it in the app.
    await eventually(mo, "/notifications", "reported @erin");
    const db = new Database(join(one.dataDir, "skein.db"), { readonly: true });
    for (let i = 0; i < 100 && !db.query("SELECT 1 FROM reports WHERE comment = 'spam, I think'").get(); i++)
      await Bun.sleep(100);
    // The account that sent the Flag stands for its server's moderators, as Mastodon keeps it.
    expect(db.query("SELECT r.reporter_domain, a.uri FROM reports r JOIN accounts a ON a.id = r.reporter_id").get()).toEqual({
      reporter_domain: peer.host,
      uri: pat.id,
    });
    await peer.block(pat, `${one.url}/@erin`);
    await eventually(erin, `/@pat@${peer.host}`, "This account has blocked you.");
  }));

test("an unsigned or forged delivery is refused and stores nothing", () =>
  lab.explain(async () => {
    const before = await (await one.fetch("/nodeinfo/2.1")).json();
    const forged = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${lab.peer.url}/forged/1`,
      type: "Create",
      actor: `${lab.peer.url}/users/pat`,
      object: {
        id: `${lab.peer.url}/forged/note`,
        type: "Note",
        attributedTo: `${lab.peer.url}/users/pat`,
        content: "forged",
        to: ["https://www.w3.org/ns/activitystreams#Public"],
      },
    };
    const res = await one.fetch("/inbox", {
      method: "POST",
      body: JSON.stringify(forged),
      headers: { "content-type": "application/activity+json" },
    });
    expect(res.status).toBe(401);
    const db = new Database(join(one.dataDir, "skein.db"), { readonly: true });
    expect(db.query("SELECT count(*) AS n FROM posts WHERE content_html LIKE '%forged%'").get()).toEqual({ n: 0 });
    expect(await (await one.fetch("/nodeinfo/2.1")).json()).toEqual(before);
  }));

test("host-meta points at WebFinger; an activity over 1 MB is refused with 413", () =>
  lab.explain(async () => {
    const hostMeta = await one.fetch("/.well-known/host-meta");
    expect(hostMeta.headers.get("content-type")).toStartWith("application/xrd+xml");
    expect(await hostMeta.text()).toContain(`template="${one.url}/.well-known/webfinger?resource={uri}"`);
    const big = await one.fetch("/inbox", {
      method: "POST",
      body: "x".repeat(2 * 1024 * 1024),
      headers: { "content-type": "application/activity+json" },
    });
    expect(big.status).toBe(413);
  }));

test("a report about a remote account can be forwarded to its server, sent by the instance, not the reporter", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await one.createUser("rita");
    const rita = await one.login("rita");
    const spammer = await peer.createActor("spammer");
    const handle = `spammer@${peer.host}`;
    await text(rita, `/search?q=${encodeURIComponent(`@${handle}`)}`);
    const accountId = /action="\/accounts\/([^/]+)\/follow"/.exec(await text(rita, `/@${handle}`))?.[1] ?? "";
    const sent = await rita.post("/reports", {
      account_id: accountId,
      category: "spam",
      comment: "ads everywhere",
      forward: "1",
    });
    expect(sent.status).toBe(303);
    expect(await text(rita, sent.headers.get("location") ?? "")).toContain("Thanks for your report");
    const flag = await peer.waitFor({ type: "Flag" });
    expect(flag.actor).toBe(`${one.url}/@skein`);
    expect(JSON.stringify(flag.json)).toContain(spammer.id);
    expect(JSON.stringify(flag.json)).not.toContain("rita");
  }));

test("an account moves from one Skein to the other: followers here, there and on the peer follow the new one", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await one.createUser("olive");
    await one.createUser("liz");
    await two.createUser("newolive");
    await two.createUser("fred");
    const [olive, liz] = [await one.login("olive"), await one.login("liz")];
    const [newOlive, fred] = [await two.login("newolive"), await two.login("fred")];
    const pia = await peer.createActor("pia");
    await follow(liz, "olive");
    await follow(fred, one.handle("olive"));
    await eventually(fred, `/@${one.handle("olive")}`, "Unfollow");
    await peer.follow(pia, `acct:${one.handle("olive")}`);
    await peer.waitFor({ type: "Accept" });

    // Moving before the new account names the old one as an alias is refused.
    const early = await olive.post("/settings/migration", { acct: two.handle("newolive"), current_password: LAB_PASSWORD });
    expect(early.status).toBe(422);
    expect(await early.text()).toContain("does not name this one as an alias");
    const wrong = await olive.post("/settings/migration", { acct: two.handle("newolive"), current_password: "wrong password" });
    expect(await wrong.text()).toContain("The password is wrong.");
    expect((await newOlive.post("/settings/aliases", { alias: `@${one.handle("olive")}` })).status).toBe(303);
    expect(await text(newOlive, "/settings/migration")).toContain(`${one.url}/@olive`);

    const moved = await olive.post("/settings/migration", { acct: two.handle("newolive"), current_password: LAB_PASSWORD });
    expect(moved.status).toBe(303);
    expect(await text(olive, "/settings/migration")).toContain("This account redirects to");
    expect(await text(liz, "/@olive")).toContain("has moved to");
    expect((await olive.post("/statuses", { status: "still here?" })).status).toBe(403);

    // The peer got the Move; the old actor names the new one, which names the old one back.
    const move = await peer.waitFor({ type: "Move" });
    expect(move.actor).toBe(`${one.url}/@olive`);
    expect(JSON.stringify(move.json)).toContain(`${two.url}/@newolive`);
    const actor = (await (await one.fetch("/@olive", { headers: { accept: "application/activity+json" } })).json()) as {
      movedTo?: string;
    };
    expect(actor.movedTo).toBe(`${two.url}/@newolive`);
    // liz (same server) and fred (the new account's server) follow the new account, not the old.
    await eventually(liz, `/@${two.handle("newolive")}`, "Unfollow");
    expect(await text(liz, "/@olive")).not.toContain("Unfollow");
    await eventually(fred, "/@newolive", "Unfollow");
    await eventually(fred, `/@${one.handle("olive")}`, "Unfollow", false);

    // Stopping the redirect lets the old account post again.
    await olive.post("/settings/migration/cancel", {});
    expect((await olive.post("/statuses", { status: "back again" })).status).toBe(303);
  }));

test("an account on the peer moves: Skein's followers follow the new one only if it names the old as an alias", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await one.createUser("gail");
    const gail = await one.login("gail");
    const [before, after, stranger] = [
      await peer.createActor("before"),
      await peer.createActor("after"),
      await peer.createActor("stranger"),
    ];
    await follow(gail, `before@${peer.host}`);
    await eventually(gail, `/@before@${peer.host}`, "Unfollow");

    // A Move to an account that does not name the old one changes nothing.
    await peer.move(before, stranger.id);
    await Bun.sleep(1500);
    expect(await text(gail, `/@before@${peer.host}`)).toContain("Unfollow");
    expect(await text(gail, `/@before@${peer.host}`)).not.toContain("has moved to");

    await peer.updateProfile(after, { aliases: [before.id] });
    await peer.move(before, after.id);
    await eventually(gail, `/@before@${peer.host}`, "has moved to");
    const followed = await peer.waitFor((a) => a.type === "Follow" && a.object === after.id);
    expect(followed.actor).toBe(`${one.url}/@gail`);
    await eventually(gail, `/@after@${peer.host}`, "Unfollow");
    expect(await text(gail, `/@before@${peer.host}`)).not.toContain("Unfollow");
  }));

test("a member deletes her account: the servers of her followers get a signed Delete, her actor answers 410", () =>
  lab.explain(async () => {
    const { peer } = lab;
    await one.createUser("hana");
    const hana = await one.login("hana");
    const reader = await peer.createActor("reader");
    await peer.follow(reader, `acct:${one.handle("hana")}`);
    await peer.waitFor((a) => a.type === "Accept" && a.actor === `${one.url}/@hana`);
    await hana.post("/statuses", { status: "so long", visibility: "public" });
    await peer.waitFor((a) => a.type === "Create" && a.actor === `${one.url}/@hana`);

    expect((await hana.post("/settings/delete", { delete_password: LAB_PASSWORD })).status).toBe(303);
    const deletion = await peer.waitFor((a) => a.type === "Delete" && a.actor === `${one.url}/@hana`);
    expect(deletion.object).toBe(`${one.url}/@hana`);
    expect((await peer.unverified()).filter((u) => u.actor === `${one.url}/@hana`)).toEqual([]);
    const actor = await one.fetch("/@hana", { headers: { accept: "application/activity+json" } });
    expect(actor.status).toBe(410);
  }));
