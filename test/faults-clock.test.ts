// A peer whose clock is off: its signed deliveries are accepted a few minutes off and refused an
// hour off, for draft-cavage signatures (the Date header, or (created)/(expires)) and RFC 9421
// ones (created/expires). Signature windows are Fedify's (an hour, federation.ts sets no other).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers/db.ts";
import { type FaultPeer, startFaultPeer } from "./helpers/fault-peer.ts";
import { freePort, type Instance, runCli, startInstance } from "./helpers/instance.ts";

setDefaultTimeout(60_000);

/** Temporary folders of this file, removed at the end (after any mount on them is gone). */
const scratchDirs: string[] = [];
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const MINUTE = 60_000;
let skein: Instance;
let url: string;
let peer: FaultPeer;

beforeAll(async () => {
  const cwd = scratch("skein-faults-clock-");
  const data = join(cwd, "data");
  await runCli(["user", "create", "alice", "--email", "a@example.com", "--role", "owner", "--data", data], {
    cwd,
    stdin: "correct horse battery\n",
  });
  const port = freePort();
  url = `http://127.0.0.1:${port}`;
  skein = await startInstance({
    cwd,
    port,
    args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--allow-private-addresses"],
  });
  peer = await startFaultPeer({ actors: ["skewed"] });
});
afterAll(async () => {
  peer?.stop();
  await skein?.stop();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function activity() {
  const actor = peer.actorId("skewed");
  const id = `${peer.base}/objects/clock-${++n}`;
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${id}/activity`,
    type: "Create",
    actor,
    to: [PUBLIC],
    object: { id, type: "Note", attributedTo: actor, content: "<p>what time is it?</p>", to: [PUBLIC] },
  };
}

const b64 = (bytes: ArrayBuffer) => Buffer.from(bytes).toString("base64");
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A draft-cavage delivery whose signature carries (created) and (expires), as Mastodon 4.x can send. */
async function cavageWithExpiry(created: number, expires: number): Promise<number> {
  const target = new URL(`${url}/inbox`);
  const body = JSON.stringify(activity());
  const digest = `SHA-256=${b64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)))}`;
  const date = new Date().toUTCString();
  const signed: [string, string][] = [
    ["(request-target)", `post ${target.pathname}`],
    ["(created)", String(seconds(created))],
    ["(expires)", String(seconds(expires))],
    ["host", target.host],
    ["date", date],
    ["digest", digest],
  ];
  const text = signed.map(([k, v]) => `${k}: ${v}`).join("\n");
  const signature = b64(
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", peer.keyPair("skewed").privateKey, new TextEncoder().encode(text)),
  );
  const header =
    `keyId="${peer.actorId("skewed")}#main-key",algorithm="hs2019",created=${seconds(created)},expires=${seconds(expires)},` +
    `headers="${signed.map(([k]) => k).join(" ")}",signature="${signature}"`;
  const res = await fetch(target, {
    method: "POST",
    body,
    headers: { "content-type": "application/activity+json", date, digest, signature: header },
  });
  return res.status;
}

/** An RFC 9421 delivery with the given created and expires (Fedify's signer sets expires only an hour on). */
async function rfc9421WithExpiry(created: number, expires: number): Promise<number> {
  const target = new URL(`${url}/inbox`);
  const body = JSON.stringify(activity());
  const digest = `sha-256=:${b64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)))}:`;
  const components = `("@method" "@target-uri" "@authority" "content-digest")`;
  const params = `alg="rsa-v1_5-sha256";keyid="${peer.actorId("skewed")}#main-key";created=${seconds(created)};expires=${seconds(expires)}`;
  const base = [
    `"@method": POST`,
    `"@target-uri": ${target.href}`,
    `"@authority": ${target.host}`,
    `"content-digest": ${digest}`,
    `"@signature-params": ${components};${params}`,
  ].join("\n");
  const signature = b64(
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", peer.keyPair("skewed").privateKey, new TextEncoder().encode(base)),
  );
  const res = await fetch(target, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/activity+json",
      "content-digest": digest,
      "signature-input": `sig1=${components};${params}`,
      signature: `sig1=:${signature}:`,
    },
  });
  return res.status;
}

const deliver = async (offsetMs: number, spec: "draft-cavage-http-signatures-12" | "rfc9421") =>
  (await peer.deliver(`${url}/inbox`, activity(), "skewed", { date: new Date(Date.now() + offsetMs), spec })).status;

test("draft-cavage: a Date five minutes off either way is accepted; 61 minutes off is refused (401)", async () => {
  const spec = "draft-cavage-http-signatures-12";
  expect(await deliver(-5 * MINUTE, spec)).toBeLessThan(300);
  expect(await deliver(5 * MINUTE, spec)).toBeLessThan(300);
  expect(await deliver(-61 * MINUTE, spec)).toBe(401);
  expect(await deliver(61 * MINUTE, spec)).toBe(401);
});

test("RFC 9421: created five minutes off is accepted; 61 minutes off is refused (401)", async () => {
  expect(await deliver(-5 * MINUTE, "rfc9421")).toBeLessThan(300);
  expect(await deliver(5 * MINUTE, "rfc9421")).toBeLessThan(300);
  expect(await deliver(-61 * MINUTE, "rfc9421")).toBe(401);
  expect(await deliver(61 * MINUTE, "rfc9421")).toBe(401);
});

test("draft-cavage (created)/(expires): valid now is accepted; expired, or created an hour ahead, is refused", async () => {
  const now = Date.now();
  expect(await cavageWithExpiry(now - MINUTE, now + 5 * MINUTE)).toBeLessThan(300);
  expect(await cavageWithExpiry(now - 10 * MINUTE, now - 5 * MINUTE)).toBe(401);
  expect(await cavageWithExpiry(now + 61 * MINUTE, now + 70 * MINUTE)).toBe(401);
});

test("RFC 9421 expires: valid now is accepted; a signature that expired is refused", async () => {
  const now = Date.now();
  expect(await rfc9421WithExpiry(now - MINUTE, now + 5 * MINUTE)).toBeLessThan(300);
  expect(await rfc9421WithExpiry(now - 10 * MINUTE, now - 5 * MINUTE)).toBe(401);
});
