// What a broken or hostile server might send: each is refused or ignored, and nothing is stored.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { WebClient } from "./helpers/client.ts";
import { type Instance, startFederatingInstance } from "./helpers/instance.ts";
import { startSenders } from "./helpers/sender.ts";

setDefaultTimeout(60_000);

let skein: Instance;
let url: string;
let db: Database;
let senders: Awaited<ReturnType<typeof startSenders>>;
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

beforeAll(async () => {
  let data: string;
  ({ instance: skein, url, data } = await startFederatingInstance());
  db = new Database(join(data, "skein.db"), { readonly: true });
  senders = await startSenders(["mallory", "trent"]);
});
afterAll(async () => {
  senders?.stop();
  await skein?.stop();
});

// Addressed to alice: a post that concerns nobody here is not kept at all.
const note = (id: string, attributedTo: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "Note",
  attributedTo,
  content: "<p>hostile</p>",
  to: [PUBLIC],
  cc: [`${url}/@alice`],
  published: new Date().toISOString(),
  ...extra,
});
const create = (actor: string, object: unknown, id = `${actor}/activities/${crypto.randomUUID()}`) => ({
  "@context": "https://www.w3.org/ns/activitystreams",
  id,
  type: "Create",
  actor,
  to: [PUBLIC],
  object,
});
const count = (sql: string) => (db.query(sql).get() as { n: number }).n;
const settle = () => Bun.sleep(600); // inbound work runs on the queue

test("a signature by another actor's key is refused (401)", async () => {
  const res = await senders.deliver(
    `${url}/inbox`,
    create(senders.actorId("trent"), note(`${senders.base}/n/1`, senders.actorId("trent"))),
    "mallory",
  );
  expect(res.status).toBe(401);
});

test("a Date an hour and more away is refused", async () => {
  const old = new Date(Date.now() - 2 * 3600_000);
  const res = await senders.deliver(
    `${url}/inbox`,
    create(senders.actorId("mallory"), note(`${senders.base}/n/2`, senders.actorId("mallory"))),
    "mallory",
    { date: old },
  );
  expect(res.status).toBe(401);
});

test("malformed JSON gets a 4xx", async () => {
  const res = await senders.deliver(`${url}/inbox`, null, "mallory", { rawBody: "{ this is not json" });
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
});

test("a post claiming a local author, or hosted on another server than its actor, is not stored", async () => {
  const mallory = senders.actorId("mallory");
  const posts = count("SELECT count(*) AS n FROM posts");
  // The object says alice wrote it.
  await senders.deliver(`${url}/inbox`, create(mallory, note(`${senders.base}/n/3`, `${url}/@alice`)), "mallory");
  // The object lives on another host than its sender.
  await senders.deliver(`${url}/inbox`, create(mallory, note("https://elsewhere.example/n/4", mallory)), "mallory");
  await settle();
  expect(count("SELECT count(*) AS n FROM posts")).toBe(posts);
});

test("a genuine post from the same sender is stored, once, sanitized", async () => {
  const mallory = senders.actorId("mallory");
  const activity = create(mallory, note(`${senders.base}/n/5`, mallory, { content: "<p>fine<script>alert(1)</script></p>" }));
  expect((await senders.deliver(`${url}/inbox`, activity, "mallory")).status).toBeLessThan(300);
  expect((await senders.deliver(`${url}/inbox`, activity, "mallory")).status).toBeLessThan(300); // a resend
  await settle();
  expect(db.query("SELECT content_html FROM posts WHERE uri = ?").all(`${senders.base}/n/5`)).toEqual([
    { content_html: "<p>fine</p>" },
  ]);
});

test("an Announce of a followers-only post stores no boost; a Delete by someone else deletes nothing", async () => {
  const mallory = senders.actorId("mallory");
  const trent = senders.actorId("trent");
  await senders.deliver(
    `${url}/inbox`,
    create(trent, note(`${senders.base}/n/6`, trent, { to: [`${trent}/followers`] })),
    "trent",
  );
  await settle();
  const boosts = count("SELECT count(*) AS n FROM posts WHERE reblog_of_id IS NOT NULL");
  await senders.deliver(
    `${url}/inbox`,
    {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${mallory}/a/boost`,
      type: "Announce",
      actor: mallory,
      object: `${senders.base}/n/6`,
      to: [PUBLIC],
    },
    "mallory",
  );
  await senders.deliver(
    `${url}/inbox`,
    {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${mallory}/a/del`,
      type: "Delete",
      actor: mallory,
      object: `${senders.base}/n/6`,
      to: [PUBLIC],
    },
    "mallory",
  );
  await settle();
  expect(count("SELECT count(*) AS n FROM posts WHERE reblog_of_id IS NOT NULL")).toBe(boosts);
  expect(count(`SELECT count(*) AS n FROM posts WHERE uri = '${senders.base}/n/6'`)).toBe(1);
});

test("a reply chain that loops is fetched a bounded number of times", async () => {
  const trent = senders.actorId("trent");
  // n/7 answers n/8 and n/8 answers n/7 (the server would serve them; ours answers 202 with no body).
  const res = await senders.deliver(
    `${url}/inbox`,
    create(trent, note(`${senders.base}/n/7`, trent, { inReplyTo: `${senders.base}/n/8` })),
    "trent",
  );
  expect(res.status).toBeLessThan(300);
  await settle();
  expect(count(`SELECT count(*) AS n FROM posts WHERE uri = '${senders.base}/n/7'`)).toBe(1);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test("an actor on a server that answers only signed fetches is found, signed by the instance actor", async () => {
  const browser = new WebClient((r) => fetch(r), url);
  await browser.login("alice", "correct horse battery");
  const target = `${senders.base}/secure/users/trent`;
  const page = await (await browser.get(`/search?q=${encodeURIComponent(target)}`)).text();
  expect(page).toContain("@trent@");
  expect(senders.signedFetches).toContain(`${url}/@skein`);
  const actor = await fetch(`${url}/@skein`, { headers: { accept: "application/activity+json" } });
  expect(((await actor.json()) as { type: string }).type).toBe("Application");
});

test("in secure mode, actors and posts answer only signed requests; the instance actor stays open", async () => {
  const writable = new Database(db.filename);
  writable.run("INSERT INTO instance_settings (key, value) VALUES ('secureMode', 'true')");
  try {
    const as = { headers: { accept: "application/activity+json" } };
    expect((await fetch(`${url}/@alice`, as)).status).toBe(401);
    expect((await fetch(`${url}/@skein`, as)).status).toBe(200);
    // A signed GET from a remote actor reads the profile.
    const signed = await senders.signedGet(`${url}/@alice`, "mallory");
    expect(signed.status).toBe(200);
    // People still see the HTML page.
    expect((await fetch(`${url}/@alice`, { headers: { accept: "text/html" } })).status).toBe(200);
  } finally {
    writable.run("DELETE FROM instance_settings WHERE key = 'secureMode'");
  }
});

test("after a remote actor rotates its key, the refused delivery's retry is accepted", async () => {
  const trent = senders.actorId("trent");
  expect(
    (await senders.deliver(`${url}/inbox`, create(trent, note(`${senders.base}/n/rot-1`, trent)), "trent")).status,
  ).toBeLessThan(300);
  await senders.rotateKey("trent");
  const second = create(trent, note(`${senders.base}/n/rot-2`, trent));
  // Checked against the cached key: refused, and the cache is dropped.
  expect((await senders.deliver(`${url}/inbox`, second, "trent")).status).toBe(401);
  // The sender's retry: checked against the freshly fetched key.
  expect((await senders.deliver(`${url}/inbox`, second, "trent")).status).toBeLessThan(300);
  await settle();
  expect(count(`SELECT count(*) AS n FROM posts WHERE uri LIKE '${senders.base}/n/rot-%'`)).toBe(2);
});

test("a WebFinger answer naming another server's actor does not give that actor the handle", async () => {
  const other = await startSenders(["victim"]);
  try {
    senders.pointWebfingerAt(other.actorId("victim"));
    const browser = new WebClient((r) => fetch(r), url);
    await browser.login("alice", "correct horse battery");
    const host = new URL(senders.base).host;
    const page = await (await browser.get(`/search?q=${encodeURIComponent(`@impostor@${host}`)}`)).text();
    // Whatever was found is shown under its own server's name, never as impostor@<the WebFinger host>.
    expect(page).not.toContain(`class="handle">@impostor@`);
    expect(count(`SELECT count(*) AS n FROM accounts WHERE username = 'impostor'`)).toBe(0);
    const stored = db.query("SELECT domain FROM accounts WHERE username = 'victim'").get() as { domain: string } | null;
    if (stored) expect(stored.domain).toBe(new URL(other.base).host);
  } finally {
    senders.pointWebfingerAt(undefined);
    other.stop();
  }
});

test("a server that never answers does not hang a search for long", async () => {
  const browser = new WebClient((r) => fetch(r), url);
  await browser.login("alice", "correct horse battery");
  const started = Date.now();
  const res = await browser.get(`/search?q=${encodeURIComponent(`${senders.base}/hang/users/x`)}`);
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(30_000); // bounded by the lookup deadline (8 s), not forever
}, 60_000);

test("deeply nested JSON is refused before it is parsed; so is a body over 1 MB sent without a length", async () => {
  const mallory = senders.actorId("mallory");
  const posts = count("SELECT count(*) AS n FROM posts");
  const deep = JSON.stringify(create(mallory, note(`${senders.base}/n/deep`, mallory))).replace(
    '"<p>hostile</p>"',
    `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
  );
  const nested = await senders.deliver(`${url}/inbox`, null, "mallory", { rawBody: deep });
  expect(nested.status).toBe(400);
  expect(((await nested.json()) as { error: string }).error).toContain("nested too deeply");

  // A streamed body carries no Content-Length: it is still cut at 1 MB.
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 40) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const streamed = await fetch(`${url}/inbox`, {
    method: "POST",
    body: stream,
    headers: { "content-type": "application/activity+json" },
  });
  expect(streamed.status).toBe(413);
  await settle();
  expect(count("SELECT count(*) AS n FROM posts")).toBe(posts);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test("invalid JSON-LD is refused with 400 (never a 500), and stores nothing", async () => {
  const mallory = senders.actorId("mallory");
  const posts = count("SELECT count(*) AS n FROM posts");
  const valid = (n: string) => create(mallory, note(`${senders.base}/n/ld-${n}`, mallory));
  const variants: Record<string, unknown> = {
    unknownContext: { ...valid("a"), "@context": "https://contexts.invalid/nothing-here" },
    numberContext: { ...valid("b"), "@context": 42 },
    redefinedTerms: { ...valid("c"), "@context": { Create: "https://evil.example/Thing", object: "@id" } },
    objectTypeAsObject: { ...valid("d"), type: ["Create", { nested: true }] },
    idNotAString: { ...valid("e"), object: { ...note("x", mallory), id: 5 } },
    noContext: (({ "@context": _, ...rest }) => rest)(valid("f")),
  };
  for (const [name, activity] of Object.entries(variants)) {
    const res = await senders.deliver(`${url}/inbox`, activity, "mallory");
    expect({ name, status: res.status }).toEqual({ name, status: 400 });
  }
  await settle();
  expect(count("SELECT count(*) AS n FROM posts")).toBe(posts);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test("an Announce cannot vouch for another server's post: an embedded copy claiming that server's ids is not stored", async () => {
  const other = await startSenders(["victim"]);
  try {
    const mallory = senders.actorId("mallory");
    const victim = other.actorId("victim");
    const forged = (n: string) => note(`${other.base}/n/${n}`, victim, { content: "<p>words the victim never wrote</p>" });
    const announce = (object: unknown, id?: string) => ({
      "@context": "https://www.w3.org/ns/activitystreams",
      ...(id ? { id } : {}),
      type: "Announce",
      actor: mallory,
      object,
      to: [PUBLIC],
    });
    // The Announce's own id claims the victim's server, so the embedded copy looks same-origin…
    const a = await senders.deliver(`${url}/inbox`, announce(forged("f1"), `${other.base}/activities/a1`), "mallory");
    // …or it has no id at all, so there is no origin to compare with.
    const b = await senders.deliver(`${url}/inbox`, announce(forged("f2")), "mallory");
    // …or an honest id of its own.
    const c = await senders.deliver(`${url}/inbox`, announce(forged("f3"), `${mallory}/activities/a3`), "mallory");
    for (const res of [a, b, c]) expect(res.status).toBeLessThan(500);
    await settle();
    // The victim's server does not serve those notes, so nothing is stored under its name.
    expect(db.query(`SELECT uri FROM posts WHERE uri LIKE '${other.base}/n/%'`).all()).toEqual([]);
    expect(count("SELECT count(*) AS n FROM posts WHERE content_html LIKE '%never wrote%'")).toBe(0);
  } finally {
    other.stop();
  }
});

test("an Update cannot rewrite another actor's profile or another actor's post", async () => {
  const mallory = senders.actorId("mallory");
  const trent = senders.actorId("trent");
  await senders.deliver(`${url}/inbox`, create(trent, note(`${senders.base}/n/upd-1`, trent)), "trent");
  await settle();
  const name = () => (db.query("SELECT display_name AS n FROM accounts WHERE uri = ?").get(trent) as { n: string } | null)?.n;
  const before = name();
  await senders.deliver(
    `${url}/inbox`,
    {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${mallory}/activities/upd`,
      type: "Update",
      actor: mallory,
      object: { id: trent, type: "Person", name: "Trent (hacked)", preferredUsername: "trent", inbox: `${trent}/inbox` },
      to: [PUBLIC],
    },
    "mallory",
  );
  // Trent's note edited by Mallory.
  await senders.deliver(
    `${url}/inbox`,
    {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${mallory}/activities/upd2`,
      type: "Update",
      actor: mallory,
      object: note(`${senders.base}/n/upd-1`, trent, { content: "<p>edited by mallory</p>" }),
      to: [PUBLIC],
    },
    "mallory",
  );
  await settle();
  expect(name()).toBe(before);
  expect(count("SELECT count(*) AS n FROM posts WHERE content_html LIKE '%edited by mallory%'")).toBe(0);
  expect(count(`SELECT count(*) AS n FROM posts WHERE uri = '${senders.base}/n/upd-1'`)).toBe(1);
});

test("an Update cannot widen who sees a post, nor bring back an older version", async () => {
  const trent = senders.actorId("trent");
  const id = `${senders.base}/n/private-1`;
  const followersOnly = { to: [`${trent}/followers`], cc: [`${url}/@alice`] };
  const updated = (at: string) => new Date(Date.now() + Number(at)).toISOString();
  await senders.deliver(`${url}/inbox`, create(trent, note(id, trent, { ...followersOnly, content: "<p>v1</p>" })), "trent");
  await settle();
  const update = (extra: Record<string, unknown>) => ({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${trent}/activities/${crypto.randomUUID()}`,
    type: "Update",
    actor: trent,
    to: [PUBLIC],
    object: note(id, trent, extra),
  });
  // Now public, as it says: the post stays followers-only (as on Mastodon).
  await senders.deliver(`${url}/inbox`, update({ content: "<p>v2</p>", updated: updated("60000") }), "trent");
  await settle();
  const row = () => db.query("SELECT visibility, content_html AS html FROM posts WHERE uri = ?").get(id);
  expect(row()).toEqual({ visibility: "private", html: "<p>v2</p>" });
  // An older version, late or replayed, changes nothing.
  await senders.deliver(`${url}/inbox`, update({ ...followersOnly, content: "<p>v0</p>", updated: updated("0") }), "trent");
  await settle();
  expect(row()).toEqual({ visibility: "private", html: "<p>v2</p>" });
});

test("an activity whose id is on another server than its actor is refused before Fedify records the id", async () => {
  const other = await startSenders(["victim"]);
  try {
    const mallory = senders.actorId("mallory");
    const victim = other.actorId("victim");
    // Mallory takes the id the victim's next activity will have…
    const takenId = `${other.base}/activities/next`;
    const res = await senders.deliver(
      `${url}/inbox`,
      create(mallory, note(`${senders.base}/n/taken`, mallory), takenId),
      "mallory",
    );
    expect(res.status).toBe(400);
    // …and with an actor given as an object, too.
    const nested = {
      ...create(mallory, note(`${senders.base}/n/taken2`, mallory), takenId),
      actor: { id: mallory, type: "Person" },
    };
    expect((await senders.deliver(`${url}/inbox`, nested, "mallory")).status).toBe(400);
    // The victim's own activity with that id is then taken in.
    const genuine = create(victim, note(`${other.base}/n/genuine`, victim), takenId);
    expect((await other.deliver(`${url}/inbox`, genuine, "victim")).status).toBeLessThan(300);
    await settle();
    expect(count(`SELECT count(*) AS n FROM posts WHERE uri = '${other.base}/n/genuine'`)).toBe(1);
    expect(count(`SELECT count(*) AS n FROM posts WHERE uri LIKE '${senders.base}/n/taken%'`)).toBe(0);
  } finally {
    other.stop();
  }
});

test("a post that concerns nobody here (no follower, no member named, no thread we keep) is answered but not kept", async () => {
  const id = `${senders.base}/n/unsolicited`;
  const unsolicited = note(id, senders.actorId("trent"), { cc: [] });
  const res = await senders.deliver(`${url}/inbox`, create(senders.actorId("trent"), unsolicited), "trent");
  expect(res.status).toBe(202);
  await settle();
  expect(count(`SELECT count(*) AS n FROM posts WHERE uri = '${id}'`)).toBe(0);
  // Naming alice, the same kind of post is kept.
  const named = `${senders.base}/n/solicited`;
  await senders.deliver(`${url}/inbox`, create(senders.actorId("trent"), note(named, senders.actorId("trent"))), "trent");
  await settle();
  expect(count(`SELECT count(*) AS n FROM posts WHERE uri = '${named}'`)).toBe(1);
});
