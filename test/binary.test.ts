// The built executable, run the way a person runs it: copied alone into an empty folder.
import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers/db.ts";
import { freePort, repoRoot, runCli, setupLink, startInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/client.ts";
import { unzip } from "./helpers/unzip.ts";
import { testJpeg } from "./helpers/images.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { startPeer } from "./helpers/peer.ts";
import { makeCertificate } from "./helpers/tls.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

let folder: string;
let binary: string;

beforeAll(async () => {
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`bun run build failed:\n${build.stderr.toString()}`);
  folder = tempDir("skein-binary-");
  binary = join(folder, "skein");
  copyFileSync(join(repoRoot, "dist/skein"), binary);
  Bun.spawnSync(["chmod", "+x", binary]);
}, 120_000);

test("with no arguments it serves http://localhost:3000 with its data in ./skein-data", async () => {
  const instance = await startInstance({ command: [binary], cwd: folder, args: [], port: 3000 });
  try {
    const health = await fetch("http://localhost:3000/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const home = await fetch("http://localhost:3000/", { headers: { accept: "text/html" } });
    const body = await home.text();
    expect(body).toContain("<title>Skein</title>");
    // htmx and the stylesheet come out of the binary.
    const htmx = /src="(\/assets\/htmx-[^"]+)"/.exec(body)?.[1];
    expect((await fetch(`http://localhost:3000${htmx}`)).status).toBe(200);
    expect(existsSync(join(folder, "skein-data/skein.db"))).toBe(true);
    expect(setupLink(instance.output())).toStartWith("http://localhost:3000/setup?token=");
    const webfinger = await fetch("http://localhost:3000/.well-known/nodeinfo");
    expect(webfinger.status).toBe(200);
  } finally {
    expect(await instance.stop()).toBe(0);
  }
});

test("its commands work on the running instance's folder", async () => {
  const created = await runCli(["user", "create", "ada", "--email", "ada@example.com", "--role", "owner"], {
    command: [binary],
    cwd: folder,
    stdin: "analytical engine\n",
  });
  expect(created.code).toBe(0);
  const backup = await runCli(["backup", "backup.db"], { command: [binary], cwd: folder });
  expect(backup.code).toBe(0);
  expect((await runCli(["version"], { command: [binary] })).stdout).toStartWith("skein ");
  expect((await runCli(["--listen", "nope"], { command: [binary] })).code).toBe(2);
});

test("a member logs in and posts a photo; the image pipeline runs inside the executable", async () => {
  const port = freePort();
  // The folder's own skein-data, where the previous test created ada.
  const instance = await startInstance({
    command: [binary],
    cwd: folder,
    port,
    args: ["--listen", `127.0.0.1:${port}`, "--url", `http://127.0.0.1:${port}`],
  });
  try {
    const browser = new WebClient((r) => fetch(r), instance.url);
    await browser.login("ada", "analytical engine");
    const form = new FormData();
    form.set("_csrf", await browser.csrf());
    form.set("status", "A photo from the binary");
    form.set("visibility", "public");
    form.append("media", new File([await testJpeg(2000, 1500)], "holiday.jpg", { type: "image/jpeg" }));
    form.append("description", "A gradient, standing in for a holiday photo");
    const posted = await browser.request("/statuses", { method: "POST", body: form });
    expect(posted.status).toBe(303);
    const home = await (await browser.get("/")).text();
    const thumb = /<img src="(\/media\/[^"]+-small\.webp)" alt="A gradient, standing in for a holiday photo"/.exec(home)?.[1];
    expect(thumb).toBeDefined();
    // Its description is offered to every reader behind the "ALT" badge too.
    expect(home).toContain(
      '<summary title="What the picture shows">ALT</summary><p>A gradient, standing in for a holiday photo</p>',
    );
    const image = await fetch(`${instance.url}${thumb}`);
    expect(image.headers.get("content-type")).toBe("image/webp");
    const original = /<a href="(\/media\/[^"]+\.jpg)"/.exec(home)?.[1];
    const stored = new Uint8Array(await (await fetch(`${instance.url}${original}`)).arrayBuffer());
    expect([stored[0], stored[1]]).toEqual([0xff, 0xd8]); // a JPEG, 1920 px wide at most
    // Her archive, zipped inside the executable, holds the post and the photo.
    const archive = unzip(new Uint8Array(await (await browser.get("/settings/export/archive.zip")).arrayBuffer()));
    expect(new TextDecoder().decode(archive.get("outbox.json"))).toContain("A photo from the binary");
    expect([...archive.keys()].some((name) => name.startsWith("media/") && name.endsWith(".jpg"))).toBe(true);
  } finally {
    expect(await instance.stop()).toBe(0);
  }
});

test("a phone app authorizes through OAuth with PKCE, posts through the API and hears it on the streaming socket", async () => {
  const port = freePort();
  const instance = await startInstance({
    command: [binary],
    cwd: folder,
    port,
    args: ["--listen", `127.0.0.1:${port}`, "--url", `http://127.0.0.1:${port}`],
  });
  try {
    const browser = new WebClient((r) => fetch(r), instance.url);
    await browser.login("ada", "analytical engine");
    const { token } = await authorizeApp((r) => fetch(r), instance.url, browser);
    const auth = { authorization: `Bearer ${token}` };
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/streaming?stream=user`, [token]);
    const events: string[] = [];
    socket.onmessage = (m) => events.push(String(m.data));
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const posted = await fetch(`${instance.url}/api/v1/statuses`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ status: "from an app, through the binary" }),
    });
    const status = (await posted.json()) as { id: string; content: string };
    expect(status.content).toContain("from an app, through the binary");
    for (let i = 0; i < 50 && events.length === 0; i++) await Bun.sleep(100);
    expect(JSON.parse(events[0] ?? "{}")).toMatchObject({ stream: ["user"], event: "update" });
    socket.close();
    const instanceInfo = (await (await fetch(`${instance.url}/api/v2/instance`)).json()) as { version: string };
    expect(instanceInfo.version).toStartWith("4.5.0 (compatible; Skein ");
  } finally {
    expect(await instance.stop()).toBe(0);
  }
});

test("it federates: a Fedify server follows a member and receives her post, sanitized HTML and all", async () => {
  const cert = makeCertificate();
  const port = freePort();
  const url = `https://127.0.0.1:${port}`;
  const peer = await startPeer({ cert });
  const instance = await startInstance({
    command: [binary],
    cwd: folder,
    port,
    scheme: "https",
    caFile: cert.ca,
    env: { NODE_EXTRA_CA_CERTS: cert.ca },
    args: [
      "--listen",
      `127.0.0.1:${port}`,
      "--url",
      url,
      "--tls-cert",
      cert.cert,
      "--tls-key",
      cert.key,
      "--allow-private-addresses",
    ],
  });
  try {
    const pat = await peer.createActor("pat");
    await peer.follow(pat, `acct:ada@127.0.0.1:${port}`);
    await peer.waitFor({ type: "Accept" });
    const ada = new WebClient((r) => fetch(r, { tls: { ca: Bun.file(cert.ca) } } as RequestInit), url);
    await ada.login("ada", "analytical engine");
    await ada.post("/statuses", { status: "from the binary to the fediverse", visibility: "public" });
    await peer.waitFor((a) => a.type === "Create" && JSON.stringify(a.json).includes("from the binary to the fediverse"));
    await peer.post(pat, { content: "<p>hello binary<script>x()</script></p>", mentions: [`ada@127.0.0.1:${port}`] });
    for (let i = 0; i < 100 && !(await (await ada.get("/notifications")).text()).includes("mentioned you"); i++)
      await Bun.sleep(100);
    const notifications = await (await ada.get("/notifications")).text();
    expect(notifications).toContain("hello binary");
    expect(notifications).not.toContain("<script>x()");
  } finally {
    await instance.stop();
    await peer.stop();
  }
});

test("it serves HTTPS itself given a certificate and key", async () => {
  const { ca, cert, key } = makeCertificate();
  const port = freePort();
  const url = `https://127.0.0.1:${port}`;
  const instance = await startInstance({
    command: [binary],
    cwd: folder,
    port,
    scheme: "https",
    caFile: ca,
    args: ["--listen", `127.0.0.1:${port}`, "--url", url, "--tls-cert", cert, "--tls-key", key],
  });
  try {
    const actor = await fetch(`${url}/@ada`, {
      headers: { accept: "application/activity+json" },
      tls: { ca: Bun.file(ca) },
    } as RequestInit);
    expect(actor.status).toBe(200);
    expect(((await actor.json()) as { id: string }).id).toBe(`${url}/@ada`);
  } finally {
    expect(await instance.stop()).toBe(0);
  }
});
