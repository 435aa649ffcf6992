// Author attribution between real servers: a member lists the websites allowed to credit her, her
// actor and her profile's Update carry them (as Mastodon's `attributionDomains`), and a link to a
// page naming her with `fediverse:creator` shows "More from" her on another server, only if she
// allows that page's site. The independent Fedify peer serves the pages and a Mastodon-style actor.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { WebClient } from "./helpers/client.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let one: LabInstance;
let two: LabInstance;

beforeAll(async () => {
  lab = await startLab({ instances: 2, peer: true });
  [one, two] = [lab.instance(0), lab.instance(1)];
});
afterAll(() => stopLab());

const article = (title: string, creator: string) =>
  `<!doctype html><html><head><title>${title}</title><meta property="og:title" content="${title}">` +
  `<meta name="author" content="A. Writer"><meta name="fediverse:creator" content="${creator}"></head><body>…</body></html>`;

/** Polls a page until it contains a text: deliveries and link previews are asynchronous. */
async function eventually(browser: WebClient, path: string, needle: string, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const page = await (await browser.get(path)).text();
    if (page.includes(needle)) return page;
    if (Date.now() > deadline) throw new Error(`${path} never showed "${needle}"`);
    await Bun.sleep(150);
  }
}

/** The preview card of the post with these words, as its author's profile shows it. */
const cardOf = (page: string, words: string) =>
  [...page.matchAll(/<article class="post"[^>]*>([^]*?)<\/article>/g)].find((m) => m[1]?.includes(words))?.[1] ?? "";

test("a member's websites travel with her actor and profile updates; a page there credits her on another server", () =>
  lab.explain(async () => {
    await one.createUser("alice");
    await two.createUser("bob");
    const alice = await one.login("alice");
    const bob = await two.login("bob");
    const peer = lab.peer;
    const pat = await peer.createActor("pat");

    // bob's server and the peer follow alice, so they get her profile's Update.
    await (await bob.get(`/search?q=${encodeURIComponent(`@${one.handle("alice")}`)}`)).text();
    const profile = await (await bob.get(`/@${one.handle("alice")}`)).text();
    const aliceId = /action="\/accounts\/([^/]+)\/follow"/.exec(profile)?.[1];
    expect(aliceId).toBeDefined();
    await bob.post(`/accounts/${aliceId}/follow`, {});
    await peer.follow(pat, one.handle("alice"));
    await eventually(bob, `/@${one.handle("alice")}`, "Unfollow");
    for (let i = 0; i < 100 && (await peer.actor(pat)).following[0]?.state !== "accepted"; i++) await Bun.sleep(100);

    // One website first: the Update still names it as a list.
    const save = (attribution_domains: string) =>
      alice.post("/settings/profile", { display_name: "Alice Writer", attribution_domains, default_visibility: "public" });
    expect((await save("blog.example")).status).toBe(303);
    const first = await peer.waitFor({ type: "Update", actor: `${one.url}/@alice` });
    expect((first.json.object as Record<string, unknown>).attributionDomains).toEqual(["blog.example"]);
    await peer.clearReceived();
    expect((await save("https://Blog.Example/\n*.127.0.0.1\n127.0.0.1")).status).toBe(303);

    // Her actor names them with Mastodon's term; so does the Update her followers' servers get.
    const actor = (await (await one.fetch("/@alice", { headers: { accept: "application/activity+json" } })).json()) as Record<
      string,
      unknown
    >;
    expect(actor.attributionDomains).toEqual(["blog.example", "127.0.0.1"]);
    expect(JSON.stringify(actor["@context"])).toContain(
      '"attributionDomains":{"@id":"toot:attributionDomains","@container":"@set"}',
    );
    const update = await peer.waitFor({ type: "Update", actor: `${one.url}/@alice` });
    const object = update.json.object as Record<string, unknown>;
    expect(object.attributionDomains).toEqual(["blog.example", "127.0.0.1"]);
    expect(JSON.stringify(update.json["@context"])).toContain('"attributionDomains"');

    // bob's server read them from the Update alone.
    const stored = async () => {
      const db = new Database(join(two.dataDir, "skein.db"), { readonly: true });
      try {
        return db
          .query<{ d: string }, [string]>("SELECT attribution_domains d FROM accounts WHERE username = 'alice' AND domain = ?")
          .get(one.host)?.d;
      } finally {
        db.close();
      }
    };
    for (let i = 0; i < 100 && (await stored()) !== '["blog.example","127.0.0.1"]'; i++) await Bun.sleep(100);
    expect(await stored()).toBe('["blog.example","127.0.0.1"]');

    // A page on an allowed site naming her: bob's link to it shows "More from" her.
    const wool = await peer.page("/pages/wool", article("Dyeing wool with onion skins", `@${one.handle("alice")}`));
    await bob.post("/statuses", { status: `Read this: ${wool.url}`, visibility: "public" });
    const page = await eventually(bob, "/@bob", "More from");
    const card = cardOf(page, "Read this");
    expect(card).toContain("Dyeing wool with onion skins");
    expect(card).toContain("A. Writer");
    expect(card).toMatch(/class="link-card-author" href="https:\/\/[^"]+\/@alice@[^"]+">More from/);
    expect(card).toContain("Alice Writer");
  }));

test("a Mastodon-style remote actor is credited only from the sites it lists", () =>
  lab.explain(async () => {
    await one.createUser("carol");
    const carol = await one.login("carol");
    const peer = lab.peer;
    await peer.createActor("essayist", { name: "The Essayist", attributionDomains: ["127.0.0.1"] });
    await peer.createActor("claimed", { name: "Claimed Author", attributionDomains: ["other.example"] });

    const allowed = await peer.page("/pages/essay", article("On quiet mornings", `@essayist@${peer.host}`));
    const claimed = await peer.page("/pages/claim", article("Words they never wrote", `@claimed@${peer.host}`));
    await carol.post("/statuses", { status: `An essay: ${allowed.url}`, visibility: "public" });
    await carol.post("/statuses", { status: `A claim: ${claimed.url}`, visibility: "public" });

    await eventually(carol, "/@carol", "Words they never wrote");
    await eventually(carol, "/@carol", "More from");
    const final = await (await carol.get("/@carol")).text();
    expect(cardOf(final, "An essay")).toContain("The Essayist");
    expect(cardOf(final, "An essay")).toContain("More from");
    // The claimed actor lists another site: the page's words stay, no account is credited.
    const claim = cardOf(final, "A claim");
    expect(claim).toContain("Words they never wrote");
    expect(claim).toContain("A. Writer");
    expect(claim).not.toContain("More from");
    const stored = new Database(join(one.dataDir, "skein.db"), { readonly: true });
    expect(stored.query("SELECT attribution_domains d FROM accounts WHERE username = 'claimed'").get()).toEqual({
      d: '["other.example"]',
    });
    stored.close();
  }));
