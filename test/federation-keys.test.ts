// Whose key signs what: a server may speak for its own accounts only. Hostile servers here host
// key documents that name other servers' accounts (or a relay) as their owners, sign with one key
// while naming another, prove with keys their actors lack, and boost posts unasked.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { generateCryptoKeyPair, signObject, signRequest } from "@fedify/fedify";
import { Create, CryptographicKey, Multikey, Note, Person, PUBLIC_COLLECTION } from "@fedify/vocab";
import { getDocumentLoader } from "@fedify/vocab-runtime";
import { type Instance, startFederatingInstance } from "./helpers/instance.ts";

setDefaultTimeout(90_000);

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

let skein: Instance;
let url: string;
let db: Database;
const servers: ReturnType<typeof Bun.serve>[] = [];

/** Documents served as something else than a document (by path): an upload, say. */
const contentTypes = new Map<string, string>();

/** A server answering GETs with the documents it is given (by path), and 202 to any POST. */
function server(docs: Map<string, unknown>): string {
  const s = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      if (request.method === "POST") return new Response("", { status: 202 });
      const doc = docs.get(new URL(request.url).pathname);
      return doc
        ? Response.json(doc, {
            headers: { "content-type": contentTypes.get(new URL(request.url).pathname) ?? "application/activity+json" },
          })
        : new Response("", { status: 404 });
    },
  });
  servers.push(s);
  return `http://127.0.0.1:${s.port}`;
}

async function pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey("spki", key)).toString("base64");
  return `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)?.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

const relayDocs = new Map<string, unknown>();
const evilDocs = new Map<string, unknown>();
const victimDocs = new Map<string, unknown>();
let R = ""; // a relay the instance joined
let E = ""; // mallory's server
let V = ""; // trent's server, which mallory would speak for
let relayKeys: CryptoKeyPair;
let evilKeys: CryptoKeyPair;
let malloryEd: CryptoKeyPair;

beforeAll(async () => {
  let data: string;
  ({ instance: skein, url, data } = await startFederatingInstance());
  db = new Database(join(data, "skein.db"));
  R = server(relayDocs);
  E = server(evilDocs);
  V = server(victimDocs);
  relayKeys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  evilKeys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  malloryEd = await generateCryptoKeyPair("Ed25519");
  const victimKeys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  const actor = (base: string, path: string, keyPem: string, type = "Person") => ({
    "@context": CONTEXT,
    id: `${base}${path}`,
    type,
    preferredUsername: path.split("/").pop(),
    inbox: `${base}${path}/inbox`,
    publicKey: { id: `${base}${path}#main-key`, owner: `${base}${path}`, publicKeyPem: keyPem },
  });
  relayDocs.set("/actor", actor(R, "/actor", await pem(relayKeys.publicKey), "Application"));
  victimDocs.set("/users/trent", actor(V, "/users/trent", await pem(victimKeys.publicKey)));
  // Key documents on mallory's server that say they belong to the relay, and to trent.
  const evilPem = await pem(evilKeys.publicKey);
  evilDocs.set("/key-relay", {
    "@context": CONTEXT,
    id: `${E}/key-relay`,
    type: "CryptographicKey",
    owner: `${R}/actor`,
    publicKeyPem: evilPem,
  });
  evilDocs.set("/key-nobody", { "@context": CONTEXT, id: `${E}/key-nobody`, type: "CryptographicKey", publicKeyPem: evilPem });
  // A file a member of trent's server uploaded there: a "key" for trent, served as a file.
  victimDocs.set("/files/upload.bin", {
    "@context": CONTEXT,
    type: "CryptographicKey",
    owner: `${V}/users/trent`,
    publicKeyPem: evilPem,
  });
  contentTypes.set("/files/upload.bin", "application/octet-stream");
  evilDocs.set("/key-trent", {
    "@context": CONTEXT,
    id: `${E}/key-trent`,
    type: "CryptographicKey",
    owner: `${V}/users/trent`,
    publicKeyPem: evilPem,
  });
  // mallory's actor, with an Ed25519 key for integrity proofs besides her RSA key; and another
  // actor whose document lists a key "owned" by trent.
  evilDocs.set(
    "/users/mallory",
    await new Person({
      id: new URL(`${E}/users/mallory`),
      preferredUsername: "mallory",
      inbox: new URL(`${E}/users/mallory/inbox`),
      publicKey: new CryptographicKey({
        id: new URL(`${E}/users/mallory#main-key`),
        owner: new URL(`${E}/users/mallory`),
        publicKey: evilKeys.publicKey,
      }),
      assertionMethods: [
        new Multikey({
          id: new URL(`${E}/users/mallory#ed`),
          controller: new URL(`${E}/users/mallory`),
          publicKey: malloryEd.publicKey,
        }),
      ],
    }).toJsonLd({ contextLoader: getDocumentLoader() }),
  );
  // ron has no Ed25519 key at all.
  evilDocs.set(
    "/users/ron",
    await new Person({
      id: new URL(`${E}/users/ron`),
      preferredUsername: "ron",
      inbox: new URL(`${E}/users/ron/inbox`),
      publicKey: new CryptographicKey({
        id: new URL(`${E}/users/ron#main-key`),
        owner: new URL(`${E}/users/ron`),
        publicKey: evilKeys.publicKey,
      }),
    }).toJsonLd({ contextLoader: getDocumentLoader() }),
  );
  evilDocs.set("/users/eve", {
    ...actor(E, "/users/eve", evilPem),
    publicKey: { id: `${E}/users/eve#main-key`, owner: `${V}/users/trent`, publicKeyPem: evilPem },
  });
  // The instance joined the relay (as after its Accept).
  db.run(
    "INSERT INTO relays (id, inbox_url, state, follow_uri, actor_uri, state_changed_at) VALUES ('r1', ?, 'accepted', ?, ?, ?)",
    [`${R}/inbox`, `${url}/relays/r1#follow-1`, `${R}/actor`, Date.now()],
  );
});
afterAll(async () => {
  for (const s of servers) s.stop(true);
  await skein?.stop();
});

const stored = (uri: string) => db.query("SELECT id FROM posts WHERE uri = ?").get(uri) !== null;

/** Delivers a body to the shared inbox, signed with `key` under `keyId`; `claimFirst` puts another keyId before it. */
async function deliver(body: string, key: CryptoKey, keyId: string, claimFirst?: string): Promise<number> {
  const signed = await signRequest(
    new Request(`${url}/inbox`, { method: "POST", headers: { "content-type": "application/activity+json" }, body }),
    key,
    new URL(keyId),
    { spec: "draft-cavage-http-signatures-12" },
  );
  const headers = new Headers(signed.headers);
  if (claimFirst) headers.set("signature", `keyId="${claimFirst}",${headers.get("signature")}`);
  const response = await fetch(signed.url, { method: "POST", headers, body });
  await response.body?.cancel();
  return response.status;
}

/** A public Create of a note by mallory (or another actor of her server), with an integrity proof by mallory's Ed25519 key as `by`'s #ed. */
async function mallorysCreate(n: string, by = `${E}/users/mallory`): Promise<string> {
  const note = new Note({
    id: new URL(`${E}/notes/${n}`),
    attribution: new URL(by),
    content: `<p>mallory ${n}</p>`,
    to: PUBLIC_COLLECTION,
    published: Temporal.Now.instant(),
  });
  const create = new Create({
    id: new URL(`${E}/activities/${n}`),
    actor: new URL(by),
    object: note,
    to: PUBLIC_COLLECTION,
  });
  const signed = await signObject(create, malloryEd.privateKey, new URL(`${by}#ed`));
  return JSON.stringify(await signed.toJsonLd({ format: "compact" }));
}

/** A public Create by trent, mentioning alice (so it would be kept if it were trent's). */
function trentsCreate(n: string): string {
  const object = {
    id: `${V}/notes/${n}`,
    type: "Note",
    attributedTo: `${V}/users/trent`,
    content: `<p>not trent ${n}</p>`,
    to: [PUBLIC],
    cc: [`${url}/@alice`],
    tag: [{ type: "Mention", href: `${url}/@alice` }],
    published: new Date().toISOString(),
  };
  return JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${V}/activities/${n}`,
    type: "Create",
    actor: `${V}/users/trent`,
    to: [PUBLIC],
    cc: [`${url}/@alice`],
    object,
  });
}

test("a key document on one server cannot make it speak for an account on another", async () => {
  expect(await deliver(trentsCreate("k1"), evilKeys.privateKey, `${E}/key-trent`)).toBe(401);
  // Nor a key listed in one of its own actors' documents with another server's owner.
  expect(await deliver(trentsCreate("k2"), evilKeys.privateKey, `${E}/users/eve#main-key`)).toBe(401);
  expect(stored(`${V}/notes/k1`) || stored(`${V}/notes/k2`)).toBe(false);
});

test("a key that names no owner signs for nobody, whatever actor the activity carries inside it", async () => {
  const carried = { id: `${V}/users/trent`, type: "Person", inbox: `${E}/stolen-inbox`, publicKey: { id: `${E}/key-nobody` } };
  const create = { ...JSON.parse(trentsCreate("k3")), "@context": CONTEXT, actor: carried };
  expect(await deliver(JSON.stringify(create), evilKeys.privateKey, `${E}/key-nobody`)).toBe(401);
  const update = {
    "@context": CONTEXT,
    id: `${V}/activities/u1`,
    type: "Update",
    actor: carried,
    object: { ...carried, name: "Pwned" },
  };
  expect(await deliver(JSON.stringify(update), evilKeys.privateKey, `${E}/key-nobody`)).toBe(401);
  expect(stored(`${V}/notes/k3`)).toBe(false);
  expect(db.query("SELECT count(*) AS n FROM accounts WHERE inbox_url LIKE ?").get(`${E}%stolen%`)).toEqual({ n: 0 });
});

test("a file on an account's own server is not its key", async () => {
  expect(await deliver(trentsCreate("k4"), evilKeys.privateKey, `${V}/files/upload.bin`)).toBe(401);
  expect(stored(`${V}/notes/k4`)).toBe(false);
});

test("only the relay's own key makes a delivery relayed", async () => {
  // A stranger's proven public Create, under its own HTTP signature: not kept (it concerns nobody).
  await deliver(await mallorysCreate("r0"), evilKeys.privateKey, `${E}/users/mallory#main-key`);
  // Signed with a key whose document says the relay owns it: not the relay's.
  await deliver(await mallorysCreate("r1"), evilKeys.privateKey, `${E}/key-relay`);
  // Naming the relay's key first and signing with another: refused outright.
  expect(
    await deliver(await mallorysCreate("r2"), evilKeys.privateKey, `${E}/users/mallory#main-key`, `${R}/actor#main-key`),
  ).toBe(401);
  await Bun.sleep(300);
  for (const n of ["r0", "r1", "r2"]) expect(stored(`${E}/notes/${n}`)).toBe(false);
  // The relay passing mallory's post on, under its own signature: kept.
  await deliver(await mallorysCreate("r3"), relayKeys.privateKey, `${R}/actor#main-key`);
  await Bun.sleep(300);
  expect(stored(`${E}/notes/r3`)).toBe(true);
});

test("proofs by keys their actor does not have, in a burst, are refused and the instance goes on", async () => {
  // Fedify caches "no such key" as null, which the store refused: the failure went unhandled.
  const answers = [];
  for (let i = 0; i < 30; i++)
    answers.push(await deliver(await mallorysCreate(`p${i}`, `${E}/users/ron`), evilKeys.privateKey, `${E}/users/ron#main-key`));
  expect(answers.every((status) => status < 500)).toBe(true);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(skein.proc.exitCode).toBeNull();
});

test("a boost by a stranger, or by a relay the admin left, brings nothing", async () => {
  const announce = (actor: string, n: string) =>
    JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${actor}/announces/${n}`,
      type: "Announce",
      actor,
      object: `${E}/notes/${n}`,
      to: [PUBLIC],
    });
  for (const n of ["b1", "b2"])
    evilDocs.set(`/notes/${n}`, {
      "@context": CONTEXT[0],
      id: `${E}/notes/${n}`,
      type: "Note",
      attributedTo: `${E}/users/mallory`,
      content: `<p>boosted ${n}</p>`,
      to: [PUBLIC],
      published: new Date().toISOString(),
    });
  await deliver(announce(`${E}/users/mallory`, "b1"), evilKeys.privateKey, `${E}/users/mallory#main-key`);
  db.run("UPDATE relays SET state = 'idle'");
  await deliver(announce(`${R}/actor`, "b2"), relayKeys.privateKey, `${R}/actor#main-key`);
  await Bun.sleep(300);
  expect(stored(`${E}/notes/b1`) || stored(`${E}/notes/b2`)).toBe(false);
  expect(await (await fetch(`${url}/public`)).text()).not.toContain("boosted b");
});
