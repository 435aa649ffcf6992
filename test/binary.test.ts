// The built executable, run the way a person runs it: copied alone into an empty folder.
import { beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers/db.ts";
import { freePort, repoRoot, runCli, setupLink, startInstance } from "./helpers/instance.ts";
import { makeCertificate } from "./helpers/tls.ts";

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
    const actor = await fetch(`${url}/@ada`, { headers: { accept: "application/activity+json" }, tls: { ca: Bun.file(ca) } } as RequestInit);
    expect(actor.status).toBe(200);
    expect(((await actor.json()) as { id: string }).id).toBe(`${url}/@ada`);
  } finally {
    expect(await instance.stop()).toBe(0);
  }
});
