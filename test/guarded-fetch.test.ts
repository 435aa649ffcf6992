import { afterAll, describe, expect, test } from "bun:test";
import { isBlockedAddress } from "../src/federation/addresses.ts";
import {
  checkedAddress,
  FetchRefused,
  guardedFetch,
  guardedResponse,
  readLimited,
  type Resolve,
} from "../src/federation/guarded-fetch.ts";
import { makeCertificate } from "./helpers/tls.ts";

const notPublic = [
  ["loopback", "127.0.0.1"],
  ["loopback, anywhere in 127/8", "127.255.0.9"],
  ["10/8", "10.1.2.3"],
  ["172.16/12", "172.16.0.1"],
  ["172.16/12, top", "172.31.255.255"],
  ["192.168/16", "192.168.1.1"],
  ["link-local (cloud metadata)", "169.254.169.254"],
  ["CGNAT 100.64/10", "100.64.0.1"],
  ["CGNAT, top", "100.127.255.255"],
  ["unspecified", "0.0.0.0"],
  ["this network 0/8", "0.1.2.3"],
  ["multicast", "224.0.0.1"],
  ["broadcast", "255.255.255.255"],
  ["IPv6 unspecified", "::"],
  ["IPv6 loopback", "::1"],
  ["IPv4-mapped, dotted", "::ffff:127.0.0.1"],
  ["IPv4-mapped, hex", "::ffff:7f00:1"],
  ["IPv4-mapped public address", "::ffff:8.8.8.8"],
  ["IPv4-compatible", "::127.0.0.1"],
  ["NAT64", "64:ff9b::7f00:1"],
  ["NAT64, dotted", "64:ff9b::10.0.0.1"],
  ["NAT64 local use", "64:ff9b:1::a00:1"],
  ["6to4", "2002:7f00:1::"],
  ["Teredo", "2001:0000:4136:e378:8000:63bf:3fff:fdd2"],
  ["IPv6 link-local", "fe80::1"],
  ["IPv6 link-local with zone", "fe80::1%eth0"],
  ["IPv6 unique local", "fd12:3456::1"],
  ["IPv6 multicast", "ff02::1"],
  ["IPv6 documentation", "2001:db8::1"],
  ["IPv6 discard prefix", "100::1"],
  ["not an address", "example.com"],
] as const;

const isPublic = [
  ["public IPv4", "8.8.8.8"],
  ["just past 172.16/12", "172.32.0.1"],
  ["just past CGNAT", "100.128.0.1"],
  ["public IPv6", "2606:4700:4700::1111"],
] as const;

describe("address classification", () => {
  test.each(notPublic)("%s (%s) is refused", (_name, address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });
  test.each(isPublic)("%s (%s) is allowed", (_name, address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

const neverAsked: Resolve = async (host) => {
  throw new Error(`looked up ${host}`);
};

describe("URLs Skein refuses to fetch", () => {
  const urls = [
    ["decimal IPv4", "http://2130706433/"],
    ["hex IPv4", "http://0x7f.1/"],
    ["octal IPv4", "http://017700000001/"],
    ["short IPv4", "http://127.1/"],
    ["zero", "http://0/"],
    ["metadata service", "http://169.254.169.254/latest/meta-data/"],
    ["IPv6 loopback", "http://[::1]/"],
    ["IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]/"],
    ["IPv4-mapped IPv6, hex", "https://[::ffff:7f00:1]/"],
    ["NAT64", "http://[64:ff9b::7f00:1]/"],
    ["6to4", "http://[2002:7f00:1::]/"],
    ["Teredo", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/"],
    ["link-local IPv6", "http://[fe80::1]/"],
    ["multicast IPv6", "http://[ff02::1]/"],
    ["multicast IPv4", "http://224.0.0.1/"],
    ["a private port", "https://10.0.0.1:8443/x"],
    ["file", "file:///etc/passwd"],
    ["ftp", "ftp://example.com/"],
    ["data", "data:text/html,<script>alert(1)</script>"],
    ["javascript", "javascript:alert(1)"],
    ["gopher", "gopher://example.com/"],
  ] as const;
  test.each(urls)("%s: %s", async (_name, url) => {
    await expect(checkedAddress(new URL(url), { allowPrivate: false, resolve: neverAsked })).rejects.toBeInstanceOf(FetchRefused);
    await expect(guardedFetch(url, { allowPrivate: false, resolve: neverAsked })).rejects.toBeInstanceOf(FetchRefused);
  });

  test("a name that resolves to any private address is refused", async () => {
    const resolve: Resolve = async () => ["8.8.8.8", "10.0.0.1"];
    await expect(checkedAddress(new URL("https://mixed.test/"), { allowPrivate: false, resolve })).rejects.toBeInstanceOf(
      FetchRefused,
    );
  });

  test("the system resolver's answer for localhost is refused", async () => {
    await expect(guardedFetch("http://localhost:1/", { allowPrivate: false })).rejects.toBeInstanceOf(FetchRefused);
  });

  test("non-http schemes are refused even with allowPrivate", async () => {
    await expect(guardedFetch("file:///etc/passwd", { allowPrivate: true })).rejects.toBeInstanceOf(FetchRefused);
  });

  test("a public address is what the check returns", async () => {
    const resolve: Resolve = async () => ["93.184.215.14"];
    expect(await checkedAddress(new URL("https://example.test/"), { allowPrivate: false, resolve })).toBe("93.184.215.14");
  });
});

// A lab on loopback: 127.0.0.1 plays a public server, 127.0.0.2 a private one (`blocked`).
const hits: string[] = [];
const port = () => onA.port;
const onA: Bun.Server<undefined> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request): Response {
    const url = new URL(request.url);
    hits.push(`A ${url.pathname}`);
    const hop = /^\/hop(\d+)$/.exec(url.pathname);
    if (hop) return Response.redirect(Number(hop[1]) > 1 ? `/hop${Number(hop[1]) - 1}` : "/hop", 302);
    if (url.pathname === "/hop") return new Response("arrived");
    if (url.pathname === "/to-private") return Response.redirect(`http://127.0.0.2:${port()}/secret`, 302);
    if (url.pathname === "/to-file") return Response.redirect("file:///etc/passwd", 302);
    if (url.pathname === "/to-rebind") return Response.redirect(`http://rebind.test:${port()}/hop`, 302);
    if (url.pathname === "/bomb") return new Response(bomb, { headers: { "content-encoding": "gzip" } });
    if (url.pathname === "/slow") return new Response(slowBody());
    return new Response(`A saw host ${request.headers.get("host")}`);
  },
});
const onB = Bun.serve({
  hostname: "127.0.0.2",
  port: onA.port,
  fetch(request) {
    hits.push(`B ${new URL(request.url).pathname}`);
    return new Response("private");
  },
});
const bomb = Bun.gzipSync(new Uint8Array(64 * 1024 * 1024));
function slowBody() {
  return new ReadableStream({
    async pull(controller) {
      await Bun.sleep(100);
      controller.enqueue(new Uint8Array(10));
    },
  });
}
afterAll(() => {
  onA.stop(true);
  onB.stop(true);
});

const lab = { allowPrivate: false, blocked: (address: string) => address === "127.0.0.2" };

describe("guarded fetches", () => {
  test("the name is resolved once and the connection goes to the checked address (no DNS rebinding)", async () => {
    const answers = ["127.0.0.1", "127.0.0.2"];
    let lookups = 0;
    const resolve: Resolve = async () => [answers[Math.min(lookups++, 1)] ?? ""];
    hits.length = 0;
    const page = await guardedFetch(`http://rebind.test:${onA.port}/`, { ...lab, resolve });
    expect(page.text).toBe(`A saw host rebind.test:${onA.port}`);
    expect(lookups).toBe(1);
    expect(hits).toEqual(["A /"]);
  });

  test("a redirect is checked again: to a private address, to a name rebound to one, to file:", async () => {
    hits.length = 0;
    await expect(guardedFetch(`http://127.0.0.1:${onA.port}/to-private`, lab)).rejects.toBeInstanceOf(FetchRefused);
    await expect(guardedFetch(`http://127.0.0.1:${onA.port}/to-file`, lab)).rejects.toBeInstanceOf(FetchRefused);
    const resolve: Resolve = async () => ["127.0.0.2"];
    await expect(guardedFetch(`http://127.0.0.1:${onA.port}/to-rebind`, { ...lab, resolve })).rejects.toBeInstanceOf(
      FetchRefused,
    );
    expect(hits.filter((h) => h.startsWith("B"))).toEqual([]);
  });

  test("at most 3 redirects", async () => {
    expect((await guardedFetch(`http://127.0.0.1:${onA.port}/hop3`, lab)).text).toBe("arrived");
    await expect(guardedFetch(`http://127.0.0.1:${onA.port}/hop4`, lab)).rejects.toThrow("more than 3 redirects");
  });

  test("a gzip bomb stops at the byte limit, counted after decompression", async () => {
    const { response } = await guardedResponse(`http://127.0.0.1:${onA.port}/bomb`, lab);
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(readLimited(response, 1024 * 1024)).rejects.toThrow("larger than 1048576 bytes");
    const small = await guardedResponse(`http://127.0.0.1:${onA.port}/bomb`, lab);
    await expect(readLimited(small.response, 64 * 1024 * 1024)).resolves.toHaveLength(64 * 1024 * 1024);
  });

  test("one deadline covers the body too", async () => {
    const { response } = await guardedResponse(`http://127.0.0.1:${onA.port}/slow`, { ...lab, timeoutMs: 300 });
    await expect(readLimited(response, 1024 * 1024)).rejects.toThrow();
  });

  test("with allowPrivate (tests only) loopback is reachable", async () => {
    expect((await guardedFetch(`http://127.0.0.2:${onA.port}/`, { allowPrivate: true })).text).toBe("private");
  });
});

describe("https to the checked address", () => {
  // Bun reads NODE_EXTRA_CA_CERTS at start: the fetches run in a child process trusting the lab CA.
  const cert = makeCertificate();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: Bun.file(cert.cert), key: Bun.file(cert.key) },
    fetch: (request) => new Response(`tls host ${request.headers.get("host")}`),
  });
  afterAll(() => server.stop(true));

  async function child(url: string): Promise<string> {
    const module = new URL("../src/federation/guarded-fetch.ts", import.meta.url).pathname;
    const code = `
      const { guardedFetch } = await import(${JSON.stringify(module)});
      const resolve = async () => ["127.0.0.1"];
      try { console.log((await guardedFetch(${JSON.stringify(url)}, { allowPrivate: true, resolve })).text); }
      catch (error) { console.log("failed: " + (error.code ?? error.message)); }`;
    const run = Bun.spawn(["bun", "-e", code], { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert.ca }, stdout: "pipe" });
    return (await new Response(run.stdout).text()).trim();
  }

  test("the certificate is verified for the host name, not the address", async () => {
    // The certificate names localhost (and 127.0.0.1): the name is sent and checked.
    expect(await child(`https://localhost:${server.port}/`)).toBe(`tls host localhost:${server.port}`);
    // A name the certificate does not carry fails even though the address is in it.
    expect(await child(`https://wrong.test:${server.port}/`)).toBe("failed: ERR_TLS_CERT_ALTNAME_INVALID");
  });
});

describe("Fedify's document loaders use the guarded fetch", () => {
  const requests: { path: string; signature: string | null; agent: string | null }[] = [];
  const peer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      const signature = request.headers.get("signature") ?? request.headers.get("signature-input");
      requests.push({ path: url.pathname, signature, agent: request.headers.get("user-agent") });
      if (url.pathname === "/big") return Response.json({ id: url.href, padding: "x".repeat(3 * 1024 * 1024) });
      const note = { "@context": "https://www.w3.org/ns/activitystreams", id: url.href, type: "Note", content: "hi" };
      return new Response(JSON.stringify(note), { headers: { "content-type": "application/activity+json" } });
    },
  });
  afterAll(() => peer.stop(true));
  const base = `http://127.0.0.1:${peer.port}`;

  async function context(allowPrivateAddresses: boolean) {
    return (await setup(allowPrivateAddresses)).ctx;
  }

  async function setup(allowPrivateAddresses: boolean) {
    const { createSkeinFederation } = await import("../src/federation/federation.ts");
    const { SqliteMessageQueue } = await import("../src/federation/queue.ts");
    const { DomainEvents } = await import("../src/core/events.ts");
    const { tempDatabase } = await import("./helpers/db.ts");
    const { db } = tempDatabase();
    const config = { url: new URL("https://social.example"), allowPrivateAddresses };
    const federation = createSkeinFederation({
      db,
      events: new DomainEvents(),
      baseUrl: config.url,
      config,
      queue: new SqliteMessageQueue(db),
    });
    return { db, ctx: federation.createContext(config.url, undefined) };
  }

  test("without the test flag a private address is refused, as by the guarded fetch", async () => {
    const ctx = await context(false);
    await expect(ctx.documentLoader(`${base}/note`)).rejects.toBeInstanceOf(FetchRefused);
    await expect(ctx.documentLoader("http://[::ffff:7f00:1]/note")).rejects.toBeInstanceOf(FetchRefused);
    await expect(ctx.documentLoader("file:///etc/passwd")).rejects.toBeInstanceOf(FetchRefused);
  });

  test("plain and signed fetches go out with our user agent; a large document is refused", async () => {
    const ctx = await context(true);
    requests.length = 0;
    const plain = await ctx.documentLoader(`${base}/note`);
    expect((plain.document as { content: string }).content).toBe("hi");
    expect(plain.documentUrl).toBe(`${base}/note`);
    expect(requests[0]?.signature).toBeNull();
    expect(requests[0]?.agent).toStartWith("Skein/");
    // The activity streams context is built in, never fetched.
    await ctx.documentLoader("https://www.w3.org/ns/activitystreams");

    const { generateCryptoKeyPair } = await import("@fedify/fedify");
    const { privateKey } = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const signed = ctx.getDocumentLoader({ keyId: new URL("https://social.example/@a#main-key"), privateKey });
    await signed(`${base}/signed`);
    expect(requests.at(-1)).toMatchObject({ path: "/signed", signature: expect.stringContaining("keyId") });

    await expect(ctx.documentLoader(`${base}/big`)).rejects.toThrow("larger than");
  });

  test("WebFinger goes through the guarded fetch: a private host is not asked", async () => {
    const { lookup } = await import("../src/federation/lookup.ts");
    const { db, ctx } = await setup(false);
    requests.length = 0;
    expect(await lookup(ctx, db, `acct:alice@127.0.0.1:${peer.port}`)).toBeNull();
    expect(await lookup(ctx, db, "acct:alice@[::1]")).toBeNull();
    expect(requests).toEqual([]);
  });

  test("a remote actor whose inbox is on a private address is not kept, so nothing is delivered to it", async () => {
    const { Person, Endpoints } = await import("@fedify/vocab");
    const { persistActor } = await import("../src/federation/actors.ts");
    const { db, ctx } = await setup(false);
    const actor = (inbox: string, shared: string) =>
      new Person({
        id: new URL(`https://remote.example/users/${encodeURIComponent(inbox)}`),
        preferredUsername: "mallory",
        inbox: new URL(inbox),
        endpoints: new Endpoints({ sharedInbox: new URL(shared) }),
      });
    expect(await persistActor(ctx, db, actor("http://169.254.169.254/latest", "https://8.8.4.4/inbox"))).toBeNull();
    const sharedOnly = await persistActor(ctx, db, actor("https://8.8.4.4/inbox", "http://[::ffff:10.0.0.1]/inbox"));
    expect(sharedOnly).toMatchObject({ inboxUrl: "https://8.8.4.4/inbox", sharedInboxUrl: null });
    const fine = await persistActor(ctx, db, actor("https://8.8.8.8/inbox", "https://[2606:4700:4700::1111]/inbox"));
    expect(fine).toMatchObject({ inboxUrl: "https://8.8.8.8/inbox", sharedInboxUrl: "https://[2606:4700:4700::1111]/inbox" });
  });
});

describe("requests through the process's fetch", () => {
  test("a request by name goes to the address checked just before (a name for a private address is refused)", async () => {
    const { pinnedRequests } = await import("../src/federation/outgoing.ts");
    const seen: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (r): Response => {
        seen.push(`${r.method} ${r.headers.get("host")} ${new URL(r.url).pathname}`);
        const path = new URL(r.url).pathname;
        if (path === "/hop") return Response.redirect(`http://${r.headers.get("host")}/.well-known/webfinger`, 302);
        return new Response("", { status: 202 });
      },
    });
    try {
      const name = `http://localhost:${server.port}`;
      const post = { method: "POST", body: "{}", headers: { "content-type": "application/activity+json" } };
      const strict = pinnedRequests(fetch, false);
      await expect(strict(`${name}/inbox`, post)).rejects.toThrow("not a public address");
      await expect(strict(`http://127.0.0.1:${server.port}/inbox`, post)).rejects.toThrow("not a public address");
      // Fedify's WebFinger fallback fetches by name with the process's fetch.
      await expect(strict(`${name}/.well-known/webfinger`)).rejects.toThrow("not a public address");
      expect(seen).toEqual([]);
      // Allowed (the test lab's loopback): sent to the address, under the name asked for.
      const lab = pinnedRequests(fetch, true);
      expect((await lab(`${name}/inbox`, post)).status).toBe(202);
      const redirected = await lab(`${name}/hop`);
      expect(redirected.status).toBe(202);
      expect(redirected.url).toBe(`${name}/.well-known/webfinger`);
      expect(redirected.redirected).toBe(true);
      // A GET to an address is the guarded fetch's own pinned request, checked already.
      expect((await strict(`http://127.0.0.1:${server.port}/media`)).status).toBe(202);
      expect(seen).toEqual([
        `POST localhost:${server.port} /inbox`,
        `GET localhost:${server.port} /hop`,
        `GET localhost:${server.port} /.well-known/webfinger`,
        `GET 127.0.0.1:${server.port} /media`,
      ]);
    } finally {
      server.stop(true);
    }
  });

  test("redirects of a GET by name are checked at every hop, at most three", async () => {
    const { pinnedRequests } = await import("../src/federation/outgoing.ts");
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (r): Response => Response.redirect(`http://${r.headers.get("host")}${new URL(r.url).pathname}x`, 302),
    });
    try {
      await expect(pinnedRequests(fetch, true)(`http://localhost:${server.port}/a`)).rejects.toThrow("more than 3 redirects");
      const manual = await pinnedRequests(fetch, true)(`http://localhost:${server.port}/a`, { redirect: "manual" });
      expect(manual.status).toBe(302);
    } finally {
      server.stop(true);
    }
  });
});
