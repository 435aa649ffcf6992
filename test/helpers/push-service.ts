import { createECDH, randomBytes } from "node:crypto";
import { decrypt } from "http_ece";

export interface PushDelivery {
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * A push service on loopback (what FCM or Mozilla's autopush are to a phone or browser) and the
 * subscriber's side: its keys, as a browser's PushManager makes them, and the decryption it does.
 */
export function startPushService() {
  const received: PushDelivery[] = [];
  const waiting: (() => void)[] = [];
  let status = 201;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      received.push({ headers: Object.fromEntries(request.headers), body: new Uint8Array(await request.arrayBuffer()) });
      for (const wake of waiting.splice(0)) wake();
      return new Response(null, { status });
    },
  });
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16).toString("base64url");
  return {
    endpoint: `http://127.0.0.1:${server.port}/push/device-1`,
    keys: { p256dh: ecdh.getPublicKey("base64url"), auth },
    received,
    /** What the service answers from now on (410: the subscription is gone). */
    answer(code: number) {
      status = code;
    },
    /** Waits until `count` pushes have arrived. */
    async until(count: number) {
      while (received.length < count) await new Promise<void>((resolve) => waiting.push(resolve));
      return received[count - 1] as PushDelivery;
    },
    /** Opens a push as the subscriber's device would. */
    open({ headers, body }: PushDelivery): Record<string, unknown> {
      const encoding = headers["content-encoding"] as "aesgcm" | "aes128gcm";
      const legacy =
        encoding === "aesgcm"
          ? {
              salt: /salt=([\w-]+)/.exec(headers.encryption ?? "")?.[1],
              dh: /dh=([\w-]+)/.exec(headers["crypto-key"] ?? "")?.[1],
            }
          : {};
      return JSON.parse(
        decrypt(Buffer.from(body), { version: encoding, privateKey: ecdh, authSecret: auth, ...legacy }).toString(),
      );
    },
    stop: () => server.stop(true),
  };
}

/** Checks a VAPID JWT (ES256) against the instance's public key; returns its claims. */
export async function verifiedVapid(jwt: string, serverKey: string): Promise<Record<string, unknown>> {
  const [header = "", claims = "", signature = ""] = jwt.split(".");
  const key = await crypto.subtle.importKey(
    "raw",
    Buffer.from(serverKey, "base64url"),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    Buffer.from(signature, "base64url"),
    new TextEncoder().encode(`${header}.${claims}`),
  );
  if (!ok) throw new Error("the VAPID signature does not verify with the server key");
  return JSON.parse(Buffer.from(claims, "base64url").toString());
}
