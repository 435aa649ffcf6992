// Quote posts from the fediverse, over TLS with the independent Fedify peer: shown with the quoted
// post only when its author approved (FEP-044f) or no approval is needed, as Mastodon does.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { WebClient } from "./helpers/client.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";
import type { PeerActor } from "./helpers/peer.ts";

setDefaultTimeout(120_000);

let lab: LabWithPeer;
let skein: LabInstance;
let alice: WebClient;
let pat: PeerActor;
let quinn: PeerActor;

beforeAll(async () => {
  lab = await startLab({ instances: 1, peer: true });
  skein = lab.instance(0);
  await skein.createUser("alice");
  alice = await skein.login("alice");
  pat = await lab.peer.createActor("pat");
  quinn = await lab.peer.createActor("quinn");
  // alice follows pat, so pat's posts reach her home timeline.
  await alice.get(`/search?q=${encodeURIComponent(`@${pat.handle}`)}`);
  const profile = await (await alice.get(`/@${pat.handle}`)).text();
  await alice.post(`/accounts/${/action="\/accounts\/([^/]+)\/follow"/.exec(profile)?.[1]}/follow`, {});
  for (let i = 0; (await lab.peer.actor(pat)).followerIds.length === 0; i++) {
    if (i > 100) throw new Error("alice's follow never reached pat");
    await Bun.sleep(100);
  }
});
afterAll(() => stopLab());

/** The article of alice's home timeline that holds the text, once it arrived. */
async function homePost(words: string): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const home = await (await alice.get("/")).text();
    const article = [...home.matchAll(/<article class="post"[^>]*>([^]*?)<\/article>/g)].find((m) => m[1]?.includes(words));
    if (article) return article[0];
    await Bun.sleep(100);
  }
  throw new Error(`"${words}" never reached alice's home`);
}

/** pat's quote of a post: a new Note with the fallback line Mastodon writes for software without quotes. */
const quoteOf = (text: string, target: string, extra: Record<string, string> = {}) => {
  const id = crypto.randomUUID();
  return {
    id,
    uri: `${lab.peer.url}/users/pat/notes/${id}`,
    options: {
      id,
      content: `<p>${text}</p><p class="quote-inline">RE: <a href="${target}">${target}</a></p>`,
      ...extra,
    },
  };
};

test("a quote its author approved shows the quoted post; the RE: line is hidden", () =>
  lab.explain(async () => {
    const original = await lab.peer.post(quinn, { text: "Rye needs a long proof" });
    const quote = quoteOf("So true, mine took 14 hours", original.note);
    const stamp = await lab.peer.quoteAuthorization(quinn, quote.uri, original.note);
    await lab.peer.post(pat, { ...quote.options, quote: original.note, quoteAuthorization: stamp.id });
    const article = await homePost("mine took 14 hours");
    expect(article).toContain('<section class="quoted-post" aria-label="Quoted post by quinn">');
    expect(article).toContain("Rye needs a long proof");
    expect(article).toContain('<div class="content quoting">');
    expect(article).toContain('<p class="quote-inline">RE:');
  }));

test("a quote with no approval, or an approval not from the quoted author, shows as its server wrote it", () =>
  lab.explain(async () => {
    const original = await lab.peer.post(quinn, { text: "Spelt is an ancient grain" });
    const unapproved = quoteOf("Not approved at all", original.note);
    await lab.peer.post(pat, { ...unapproved.options, quote: original.note });
    // pat "approves" his own quote of quinn's post: the stamp must come from quinn.
    const forged = quoteOf("Approved by myself", original.note);
    const stamp = await lab.peer.quoteAuthorization(pat, forged.uri, original.note);
    await lab.peer.post(pat, { ...forged.options, quote: original.note, quoteAuthorization: stamp.id });
    for (const words of ["Not approved at all", "Approved by myself"]) {
      const article = await homePost(words);
      expect(article).not.toContain("quoted-post");
      expect(article).toContain('<div class="content">');
      expect(article).toContain(`RE: <a href="${original.note}"`);
    }
  }));

test("a quote of one's own post needs no approval, also in the older quoteUrl form", () =>
  lab.explain(async () => {
    const own = await lab.peer.post(pat, { text: "Yesterday's loaf came out flat" });
    const quote = quoteOf("Today's is better", own.note);
    await lab.peer.post(pat, { ...quote.options, quoteUrl: own.note });
    const article = await homePost("Today's is better");
    expect(article).toContain('<section class="quoted-post" aria-label="Quoted post by pat">');
    expect(article).toContain("loaf came out flat");
  }));

test("a member's public post: the Note says anyone may quote it; a QuoteRequest is accepted with a stamp others can check", () =>
  lab.explain(async () => {
    // pat follows alice, to get her posts.
    await lab.peer.follow(pat, `acct:${skein.handle("alice")}`);
    await lab.peer.waitFor({ type: "Accept" });
    await alice.post("/statuses", { status: "Proofing in the fridge overnight", visibility: "public" });
    await alice.post("/statuses", { status: "Only for my followers", visibility: "private" });
    const create = await lab.peer.waitFor((a) => a.type === "Create" && JSON.stringify(a.json).includes("fridge overnight"));
    const note = create.object as string;
    const policy = (create.json.object as { interactionPolicy?: { canQuote?: { automaticApproval?: string } } })
      .interactionPolicy;
    // The public collection, compacted as JSON-LD writes it.
    expect(["as:Public", "https://www.w3.org/ns/activitystreams#Public"]).toContain(
      policy?.canQuote?.automaticApproval as string,
    );

    const quote = quoteOf("Trying this tonight", note);
    await lab.peer.clearReceived();
    await lab.peer.quoteRequest(pat, note, quote.uri);
    const accept = await lab.peer.waitFor({ type: "Accept" });
    const stamp = accept.json.result as string;
    expect(stamp).toStartWith(`${skein.url}/@alice/quotes/`);
    const authorization = await lab.peer.lookup(stamp);
    expect(authorization.type).toBe("QuoteAuthorization");
    expect(authorization.json).toMatchObject({
      attributedTo: `${skein.url}/@alice`,
      interactingObject: quote.uri,
      interactionTarget: note,
    });
    // Asked again for the same quote: the same stamp.
    await lab.peer.clearReceived();
    await lab.peer.quoteRequest(pat, note, quote.uri);
    expect((await lab.peer.waitFor({ type: "Accept" })).json.result).toBe(stamp);

    await lab.peer.post(pat, { ...quote.options, quote: note, quoteAuthorization: stamp });
    const article = await homePost("Trying this tonight");
    expect(article).toContain('<section class="quoted-post" aria-label="Quoted post by alice">');
    expect(article).toContain("Proofing in the fridge overnight");
    expect(await (await alice.get("/notifications")).text()).toContain("quoted your post");
    // A stamp for another quote does not count for this one.
    const other = quoteOf("Sneaking in a stamp", note);
    await lab.peer.post(pat, { ...other.options, quote: note, quoteAuthorization: stamp });
    expect(await homePost("Sneaking in a stamp")).not.toContain("quoted-post");

    // A quote on another server than the asker's is not answered.
    await lab.peer.clearReceived();
    await lab.peer.quoteRequest(pat, note, "https://elsewhere.example/notes/1");
    await Bun.sleep(1500);
    expect((await lab.peer.received()).filter((a) => a.type === "Accept" || a.type === "Reject")).toEqual([]);

    // A followers-only post is not for quoting.
    const home = await (await alice.get("/@alice")).text();
    const privateId = /id="post-([^"]+)"[^>]*>(?:(?!<\/article>)[^])*Only for my followers/.exec(home)?.[1];
    await lab.peer.clearReceived();
    await lab.peer.quoteRequest(pat, `${skein.url}/@alice/${privateId}`, quoteOf("nope", note).uri);
    expect((await lab.peer.waitFor({ type: "Reject" })).type).toBe("Reject");

    // Once alice blocks pat, her stamp for his quote is gone.
    const patProfile = await (await alice.get(`/@${pat.handle}`)).text();
    const patId = /action="\/accounts\/([^/]+)\/unfollow"/.exec(patProfile)?.[1];
    expect((await alice.post(`/accounts/${patId}/block`, {})).status).toBe(303);
    const gone = await lab.fetch(stamp, { headers: { accept: "application/activity+json" } });
    expect(gone.status).toBe(404);
  }));

/** The id of the article on a page that holds the words. */
const articleId = (page: string, words: string) =>
  [...page.matchAll(/<article class="post" id="post-([^"]+)"[^>]*>([^]*?)<\/article>/g)].find((m) => m[2]?.includes(words))?.[1];

test("a member quotes another server's post: its author is asked, and the quote shows once approved, or goes if refused", () =>
  lab.explain(async () => {
    const { peer } = lab;
    const rory = await peer.createActor("rory", { acceptQuotes: false });
    await peer.follow(quinn, `acct:${skein.handle("alice")}`);
    await peer.waitFor((a) => a.type === "Accept" && a.recipient === "quinn");
    const original = await peer.post(quinn, { text: "Butter at room temperature, always", mentions: [skein.handle("alice")] });
    const refused = await peer.post(rory, { text: "Never quote me", mentions: [skein.handle("alice")] });
    let notes = "";
    for (let i = 0; i < 100 && !notes.includes("Never quote me"); i++) {
      notes = await (await alice.get("/notifications")).text();
      await Bun.sleep(100);
    }
    const quinnsId = articleId(notes, "room temperature");
    const rorysId = articleId(notes, "Never quote me");

    const compose = await (await alice.get(`/compose?quote=${quinnsId}`)).text();
    expect(compose).toContain(`name="quoted_status_id" value="${quinnsId}"`);
    expect(compose).toContain('<section class="quoted-post" aria-label="Quoted post by quinn">');
    await alice.post("/statuses", { status: "Agreed, and salted", visibility: "public", quoted_status_id: quinnsId as string });
    const request = await peer.waitFor({ type: "QuoteRequest" });
    expect(request.json.object).toBe(original.note);
    const instrument = request.json.instrument as string | { id: string };
    const quoteUri = typeof instrument === "string" ? instrument : instrument.id;
    // The quote post goes out with the quote, then again with quinn's stamp.
    const update = await peer.waitFor(
      (a) => a.type === "Update" && a.recipient === null && JSON.stringify(a.json).includes("quoteAuthorization"),
    );
    const note = update.json.object as { id: string; quote?: string; quoteAuthorization?: string; content: string };
    expect(note.id).toBe(quoteUri);
    expect(note.quote).toBe(original.note);
    expect(note.quoteAuthorization).toStartWith(`${peer.url}/users/quinn/quote-authorizations/`);
    expect(note.content).toContain('<p class="quote-inline">RE:');
    const shown = await homePost("Agreed, and salted");
    expect(shown).toContain('<section class="quoted-post" aria-label="Quoted post by quinn">');
    expect(shown).not.toContain("quote-pending");

    // quinn withdraws the stamp later: alice's post goes on without the quote.
    await peer.withdrawQuoteAuthorization(quinn, note.quoteAuthorization as string, skein.handle("alice"));
    for (let i = 0; (await homePost("Agreed, and salted")).includes("quoted-post"); i++) {
      if (i > 100) throw new Error("the withdrawn quote is still shown");
      await Bun.sleep(100);
    }

    // rory refuses: alice's post stays, without the quote.
    await alice.post("/statuses", { status: "Quoting rory anyway", visibility: "public", quoted_status_id: rorysId as string });
    await peer.waitFor((a) => a.type === "QuoteRequest" && a.object === refused.note);
    for (let i = 0; i < 100; i++) {
      const article = await homePost("Quoting rory anyway");
      if (!article.includes("quoted-post")) {
        expect(article).toContain("Its author did not allow this quote.");
        break;
      }
      if (i === 99) throw new Error("the refused quote is still shown");
      await Bun.sleep(100);
    }
  }));

test("a member takes back a quote of their post: the quoting server is sent a Delete of the stamp", () =>
  lab.explain(async () => {
    const { peer } = lab;
    const sam = await peer.createActor("sam");
    await peer.follow(sam, `acct:${skein.handle("alice")}`);
    await peer.waitFor((a) => a.type === "Accept" && a.recipient === "sam");
    await alice.post("/statuses", { status: "Rye starter, day three", visibility: "public" });
    const create = await peer.waitFor(
      (a) => a.type === "Create" && a.recipient === null && JSON.stringify(a.json).includes("day three"),
    );
    const note = create.object as string;
    const id = crypto.randomUUID();
    const quoteUri = `${peer.url}/users/sam/notes/${id}`;
    await peer.clearReceived();
    await peer.quoteRequest(sam, note, quoteUri);
    const stamp = (await peer.waitFor({ type: "Accept" })).json.result as string;
    await peer.post(sam, {
      id,
      text: "Mine is on day five",
      quote: note,
      quoteAuthorization: stamp,
      mentions: [skein.handle("alice")],
    });
    const notifications = await (async () => {
      for (let i = 0; i < 100; i++) {
        const page = await (await alice.get("/notifications")).text();
        if (/Mine is on day five(?:(?!<\/article>)[^])*quote-revoke/.test(page)) return page;
        await Bun.sleep(100);
      }
      throw new Error("no quote to take back on alice's notifications");
    })();
    // The button under sam's quote (not pat's older one, further down).
    const action = /Mine is on day five(?:(?!<\/article>)[^])*action="(\/statuses\/[^"]+\/quotes\/[^"]+\/revoke)"/.exec(
      notifications,
    )?.[1] as string;
    await peer.clearReceived();
    expect((await alice.post(action, {})).status).toBe(303);
    const del = await peer.waitFor({ type: "Delete" });
    expect(del.object).toBe(stamp);
    expect((await lab.fetch(stamp, { headers: { accept: "application/activity+json" } })).status).toBe(404);
    expect(await (await alice.get("/notifications")).text()).not.toContain(action);
    // sam's post (on alice's notifications: it mentions her) says what became of the quote.
    const samsPost = async () => {
      const page = await (await alice.get("/notifications")).text();
      return (
        [...page.matchAll(/<article class="post"[^>]*>([^]*?)<\/article>/g)].find((m) => m[1]?.includes("day five"))?.[1] ?? ""
      );
    };
    expect(await samsPost()).toContain("Its author removed their post from this quote.");
    // Asking again for the same quote is refused: what alice took back stays taken back.
    await peer.clearReceived();
    await peer.quoteRequest(sam, note, quoteUri);
    expect((await peer.waitFor((a) => a.type === "Accept" || a.type === "Reject")).type).toBe("Reject");
    // sam edits the quote out: what became of it goes too.
    await peer.edit(sam, quoteUri, { text: "Mine is on day five, no quote", dropQuote: true });
    for (let i = 0; i < 100; i++) {
      const article = await samsPost();
      if (article.includes("no quote")) {
        expect(article).not.toContain("Its author removed their post");
        break;
      }
      if (i === 99) throw new Error("the edit never arrived");
      await Bun.sleep(100);
    }
  }));

test("another server's quote policy is read: a post that allows no quotes offers no Quote action and refuses one", () =>
  lab.explain(async () => {
    const { peer } = lab;
    const closed = await peer.post(quinn, { text: "Mine alone", mentions: [skein.handle("alice")], quotePolicy: "none" });
    const open = await peer.post(quinn, { text: "Quote me freely", mentions: [skein.handle("alice")] });
    let notes = "";
    for (let i = 0; i < 100 && !notes.includes("Quote me freely"); i++) {
      notes = await (await alice.get("/notifications")).text();
      await Bun.sleep(100);
    }
    const closedId = articleId(notes, "Mine alone");
    const openId = articleId(notes, "Quote me freely");
    expect(closed.note).not.toBe(open.note);
    expect(notes).not.toContain(`/compose?quote=${closedId}`);
    expect(notes).toContain(`/compose?quote=${openId}`);
    const refused = await alice.post("/statuses", { status: "Quoting anyway", quoted_status_id: closedId as string });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Its author does not allow you to quote this post.");
  }));
