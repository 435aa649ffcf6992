// A remote server on loopback, written on raw TCP (node:net) so that it can misbehave the way
// real ones do: hang, reset the connection, answer 500, answer something that is not HTTP, or
// send a body without end. Its actors are ordinary (Skein fetches them to check signatures) and
// each has its own inbox (no shared inbox), which records what arrives.
import { createServer, type Socket } from "node:net";
import { generateCryptoKeyPair, signRequest } from "@fedify/fedify";

export type Behaviour =
  /** 202 for a POST, the document for a GET. */
  | "ok"
  /** Like ok, after `delayMs`. */
  | "slow"
  /** Reads the request and never answers (the connection stays open). */
  | "hang"
  /** Reads the request and resets the connection (RST). */
  | "reset"
  /** 500 with a short HTML body. */
  | "error500"
  /** Bytes that are not an HTTP response, then close. */
  | "not-http"
  /** 200 application/activity+json whose body is not JSON. */
  | "invalid-json"
  /** 200 text/html. */
  | "html"
  /** 200 application/activity+json with a body that never ends (until the client goes). */
  | "huge";

export interface Received {
  path: string;
  body: { id?: string; type?: string; object?: unknown } & Record<string, unknown>;
}

export interface FaultPeer {
  /** http://127.0.0.1:PORT */
  base: string;
  host: string;
  actorId(name: string): string;
  /** Behaviour of POSTs to inboxes. */
  inbox: Behaviour;
  /** Behaviour of GETs under /bad/ (an actor or a note that cannot be fetched) and /objects/. */
  fetch: Behaviour;
  delayMs: number;
  /** Everything POSTed to an inbox (parsed), in order of arrival. */
  received: Received[];
  /** Requests seen, as "METHOD /path". */
  requests: string[];
  /** Serves a note at /objects/ID (when `fetch` is ok). */
  notes: Map<string, Record<string, unknown>>;
  /** POSTs an activity signed by `signer` (draft-cavage unless told), optionally as of `date`. */
  deliver(
    url: string,
    activity: unknown,
    signer: string,
    options?: { date?: Date; spec?: "draft-cavage-http-signatures-12" | "rfc9421"; expires?: boolean },
  ): Promise<Response>;
  keyPair(name: string): CryptoKeyPair;
  stop(): void;
}

const AS = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

export async function startFaultPeer(options: { actors: string[]; inbox?: Behaviour; fetch?: Behaviour; delayMs?: number }) {
  const keys = new Map<string, CryptoKeyPair>();
  const pems = new Map<string, string>();
  for (const name of options.actors) {
    const pair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const der = Buffer.from(await crypto.subtle.exportKey("spki", pair.publicKey)).toString("base64");
    keys.set(name, pair);
    pems.set(name, `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)?.join("\n")}\n-----END PUBLIC KEY-----\n`);
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    readRequest(socket, (method, path, body) => answer(socket, method, path, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const actorDoc = (name: string) => ({
    "@context": AS,
    id: `${base}/users/${name}`,
    type: "Person",
    preferredUsername: name,
    inbox: `${base}/users/${name}/inbox`,
    outbox: `${base}/users/${name}/outbox`,
    followers: `${base}/users/${name}/followers`,
    publicKey: { id: `${base}/users/${name}#main-key`, owner: `${base}/users/${name}`, publicKeyPem: pems.get(name) },
  });

  const peer: FaultPeer = {
    base,
    host: `127.0.0.1:${port}`,
    actorId: (name) => `${base}/users/${name}`,
    inbox: options.inbox ?? "ok",
    fetch: options.fetch ?? "ok",
    delayMs: options.delayMs ?? 0,
    received: [],
    requests: [],
    notes: new Map(),
    async deliver(url, activity, signer, o = {}) {
      const pair = peer.keyPair(signer);
      const headers: Record<string, string> = { "content-type": "application/activity+json" };
      if (o.date) headers.date = o.date.toUTCString();
      const request = new Request(url, { method: "POST", body: JSON.stringify(activity), headers });
      const signed = await signRequest(request, pair.privateKey, new URL(`${base}/users/${signer}#main-key`), {
        spec: o.spec ?? "draft-cavage-http-signatures-12",
        currentTime: o.date ? Temporal.Instant.fromEpochMilliseconds(o.date.getTime()) : undefined,
        rfc9421: o.expires ? { expires: true } : undefined,
      } as Parameters<typeof signRequest>[3]);
      return fetch(signed);
    },
    keyPair(name) {
      const pair = keys.get(name);
      if (!pair) throw new Error(`no actor ${name} on ${base}`);
      return pair;
    },
    stop() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };

  async function answer(socket: Socket, method: string, path: string, body: string) {
    peer.requests.push(`${method} ${path}`);
    const actor = /^\/users\/([^/#?]+)$/.exec(path)?.[1];
    if (method === "GET" && actor && keys.has(actor)) return respond(socket, 200, "application/activity+json", actorDoc(actor));
    if (method === "POST") {
      try {
        peer.received.push({ path, body: JSON.parse(body) });
      } catch {
        peer.received.push({ path, body: { unreadable: body.slice(0, 100) } });
      }
      return behave(socket, peer.inbox, () => respond(socket, 202, "text/plain", ""));
    }
    const note = /^\/(?:objects|bad)\/(.+)$/.exec(path)?.[1];
    if (method === "GET" && note !== undefined) {
      const doc = peer.notes.get(note);
      return behave(socket, peer.fetch, () =>
        doc
          ? respond(socket, 200, "application/activity+json", { "@context": AS, ...doc })
          : respond(socket, 404, "text/plain", ""),
      );
    }
    respond(socket, 404, "text/plain", "");
  }

  async function behave(socket: Socket, behaviour: Behaviour, ok: () => void) {
    switch (behaviour) {
      case "ok":
        return ok();
      case "slow":
        await Bun.sleep(peer.delayMs);
        return ok();
      case "hang":
        return;
      case "reset":
        return socket.resetAndDestroy();
      case "error500":
        return respond(socket, 500, "text/html", "<html><body><h1>500 Internal Server Error</h1></body></html>");
      case "not-http":
        socket.end("\x00\x13garbage that is not HTTP\r\n\r\n\xff\xfe");
        return;
      case "invalid-json":
        return respond(socket, 200, "application/activity+json", '{"id": "broken", "type": ');
      case "html":
        return respond(socket, 200, "text/html", "<!doctype html><html><body><p>Welcome to nginx!</p></body></html>");
      case "huge":
        return endless(socket);
    }
  }

  return peer;
}

/** Reads one HTTP/1.1 request (headers, then Content-Length bytes of body). */
function readRequest(socket: Socket, done: (method: string, path: string, body: string) => void) {
  let buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    const end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = buffer.subarray(0, end).toString("latin1");
    const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
    if (buffer.length < end + 4 + length) return;
    socket.off("data", onData);
    const [method = "", path = ""] = head.split("\r\n")[0]?.split(" ") ?? [];
    done(method, path, buffer.subarray(end + 4, end + 4 + length).toString("utf8"));
  };
  socket.on("data", onData);
}

function respond(socket: Socket, status: number, type: string, body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const bytes = Buffer.from(text);
  socket.end(
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 ${status} X\r\ncontent-type: ${type}\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n`,
      ),
      bytes,
    ]),
  );
}

/** A 200 whose chunked body goes on until the client hangs up (or 200 MB). */
function endless(socket: Socket) {
  socket.write(
    "HTTP/1.1 200 OK\r\ncontent-type: application/activity+json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
  );
  const chunk = `${(64 * 1024).toString(16)}\r\n${"[".repeat(64 * 1024)}\r\n`;
  let sent = 0;
  const pump = () => {
    while (!socket.destroyed && sent < 3200) {
      sent++;
      if (!socket.write(chunk)) return socket.once("drain", pump);
    }
    if (!socket.destroyed) socket.end("0\r\n\r\n");
  };
  pump();
}
