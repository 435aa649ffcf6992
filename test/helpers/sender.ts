import { generateCryptoKeyPair, signRequest } from "@fedify/fedify";
import { freePort } from "./instance.ts";

/**
 * Remote actors served from the test process over plain HTTP on loopback (Skein runs with
 * --allow-private-addresses), whose keys sign hand-made deliveries: the way to send Skein
 * what a hostile or broken server would.
 */
export async function startSenders(names: string[]) {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const keys = new Map<string, CryptoKeyPair>();
  const actors = new Map<string, Record<string, unknown>>();
  for (const name of names) {
    const pair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const der = Buffer.from(await crypto.subtle.exportKey("spki", pair.publicKey)).toString("base64");
    const pem = `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)?.join("\n")}\n-----END PUBLIC KEY-----\n`;
    keys.set(name, pair);
    actors.set(name, {
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: `${base}/users/${name}`,
      type: "Person",
      preferredUsername: name,
      inbox: `${base}/users/${name}/inbox`,
      followers: `${base}/users/${name}/followers`,
      publicKey: { id: `${base}/users/${name}#main-key`, owner: `${base}/users/${name}`, publicKeyPem: pem },
    });
  }
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch(request) {
      const name = /^\/users\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
      const actor = name ? actors.get(name) : undefined;
      return actor ? Response.json(actor, { headers: { "content-type": "application/activity+json" } }) : new Response("", { status: 202 });
    },
  });
  return {
    base,
    actorId: (name: string) => `${base}/users/${name}`,
    /** POSTs an activity signed with `signer`'s key (draft-cavage), optionally with a given Date. */
    async deliver(url: string, activity: unknown, signer: string, options: { date?: Date; rawBody?: string } = {}) {
      const pair = keys.get(signer);
      if (!pair) throw new Error(`no sender ${signer}`);
      const headers: Record<string, string> = { "content-type": "application/activity+json" };
      if (options.date) headers.date = options.date.toUTCString();
      const request = new Request(url, { method: "POST", body: options.rawBody ?? JSON.stringify(activity), headers });
      const signed = await signRequest(request, pair.privateKey, new URL(`${base}/users/${signer}#main-key`), { spec: "draft-cavage-http-signatures-12", currentTime: options.date ? Temporal.Instant.fromEpochMilliseconds(options.date.getTime()) : undefined });
      return fetch(signed);
    },
    stop: () => server.stop(true),
  };
}
