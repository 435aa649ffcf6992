import { generateCryptoKeyPair, signRequest, verifyRequest } from "@fedify/fedify";

/** Fetches JSON-LD documents from loopback, which Fedify's default loader refuses. */
async function loopbackLoader(url: string) {
  const response = await fetch(url, { headers: { accept: "application/activity+json" } });
  return { contextUrl: null, documentUrl: response.url, document: (await response.json()) as unknown };
}

/**
 * Remote actors served from the test process over plain HTTP on loopback (Skein runs with
 * --allow-private-addresses), whose keys sign hand-made deliveries: the way to send Skein
 * what a hostile or broken server would.
 */
export async function startSenders(
  names: string[],
  options: {
    /** Called with the body of each delivery to these actors' inboxes (benchmarks time them). */
    received?: (body: string) => void;
  } = {},
) {
  const keys = new Map<string, CryptoKeyPair>();
  const actors = new Map<string, Record<string, unknown>>();
  /** Makes (or replaces: a key rotation) an actor's key pair and document. */
  const makeActor = async (name: string) => {
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
  };
  const signedFetches: string[] = [];
  const requests: string[] = [];
  let webfingerTarget: string | undefined;
  // Port 0: the system picks a free one (a port probed first could be taken by a parallel start).
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request): Promise<Response> {
      const path = new URL(request.url).pathname;
      requests.push(`${request.method} ${path}`);
      if (request.method === "POST" && options.received) options.received(await request.text());
      // A server that accepts the connection and never answers (until Bun's idle timeout).
      if (path.startsWith("/hang/")) return new Promise<Response>(() => {});
      // WebFinger that names an actor on another server than the handle's.
      if (path === "/.well-known/webfinger") {
        if (!webfingerTarget) return new Response("", { status: 404 });
        return Response.json(
          {
            subject: new URL(request.url).searchParams.get("resource"),
            links: [{ rel: "self", type: "application/activity+json", href: webfingerTarget }],
          },
          { headers: { "content-type": "application/jrd+json" } },
        );
      }
      // /secure/users/NAME answers only requests whose HTTP signature verifies (secure mode).
      const secure = path.startsWith("/secure/");
      const name = /^\/(?:secure\/)?users\/([^/]+)$/.exec(path)?.[1];
      const actor = name ? actors.get(name) : undefined;
      if (!actor) return new Response("", { status: 202 });
      if (secure) {
        const key = await verifyRequest(request, { documentLoader: loopbackLoader });
        if (!key) return new Response("signature required", { status: 401 });
        signedFetches.push(key.ownerId?.href ?? key.id?.href ?? "");
        const id = `${base}${path}`;
        return Response.json(
          { ...actor, id, publicKey: { ...(actor.publicKey as object), owner: id, id: `${id}#main-key` } },
          { headers: { "content-type": "application/activity+json" } },
        );
      }
      return Response.json(actor, { headers: { "content-type": "application/activity+json" } });
    },
  });
  const base: string = `http://127.0.0.1:${server.port}`;
  for (const name of names) await makeActor(name);
  return {
    base,
    actorId: (name: string) => `${base}/users/${name}`,
    /** POSTs an activity signed with `signer`'s key (draft-cavage), optionally with a given Date. */
    async deliver(url: string, activity: unknown, signer: string, options: { date?: Date; rawBody?: string } = {}) {
      return fetch(await this.sign(url, activity, signer, options));
    },
    /** The signed delivery that `deliver` sends, to send later (benchmarks sign beforehand). */
    async sign(url: string, activity: unknown, signer: string, options: { date?: Date; rawBody?: string } = {}) {
      const pair = keys.get(signer);
      if (!pair) throw new Error(`no sender ${signer}`);
      const headers: Record<string, string> = { "content-type": "application/activity+json" };
      if (options.date) headers.date = options.date.toUTCString();
      const request = new Request(url, { method: "POST", body: options.rawBody ?? JSON.stringify(activity), headers });
      return signRequest(request, pair.privateKey, new URL(`${base}/users/${signer}#main-key`), {
        spec: "draft-cavage-http-signatures-12",
        currentTime: options.date ? Temporal.Instant.fromEpochMilliseconds(options.date.getTime()) : undefined,
      });
    },
    /** Gives the actor a new key under the same key id, as a server rotating its keys does. */
    rotateKey: makeActor,
    /** A GET signed with `signer`'s key, as servers in secure mode require. */
    async signedGet(url: string, signer: string) {
      const pair = keys.get(signer);
      if (!pair) throw new Error(`no sender ${signer}`);
      const request = new Request(url, { headers: { accept: "application/activity+json" } });
      return fetch(
        await signRequest(request, pair.privateKey, new URL(`${base}/users/${signer}#main-key`), {
          spec: "draft-cavage-http-signatures-12",
        }),
      );
    },
    /** Makes this server's WebFinger point every handle at the given actor URL. */
    pointWebfingerAt(actorUrl: string | undefined) {
      webfingerTarget = actorUrl;
    },
    /** Key owners of the signed fetches the secure paths answered. */
    signedFetches,
    /** Every request this server received, as "METHOD /path" (deliveries are POSTs to …/inbox). */
    requests,
    stop: () => server.stop(true),
  };
}
