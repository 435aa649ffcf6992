import { expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort, startInstance } from "./helpers/instance.ts";
import { makeCertificate } from "./helpers/tls.ts";
import { tempDir } from "./helpers/db.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

test("a request body over the limit gets 413 and the server goes on", async () => {
  const port = freePort();
  const data = join(tempDir(), "data");
  const instance = await startInstance({ port, args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--body-limit", "64KB"] });
  try {
    const big = await fetch(`${instance.url}/setup`, { method: "POST", body: "x".repeat(200_000) });
    expect(big.status).toBe(413);
    expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
  } finally {
    await instance.stop();
  }
});

test("SIGTERM finishes the request in flight, then closes the database cleanly", async () => {
  const instance = await startInstance();
  // A request whose body is still arriving when the signal comes.
  let send!: (chunk: string) => void;
  let end!: () => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      send = (chunk) => controller.enqueue(new TextEncoder().encode(chunk));
      end = () => controller.close();
    },
  });
  const response = fetch(`${instance.url}/setup`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
    duplex: "half",
  } as RequestInit);
  send("token=nope&username=x");
  await Bun.sleep(200);
  instance.proc.kill("SIGTERM");
  await Bun.sleep(200);
  send("&email=x%40example.com&password=long+enough&password_confirmation=long+enough");
  end();
  const res = await response;
  // A full answer (the form has no CSRF token, so it is refused), not a dropped connection.
  expect(res.status).toBe(403);
  expect(await res.text()).toContain("did not come from this site");
  expect(await instance.proc.exited).toBe(0);
  expect(instance.output()).toContain("Stopped cleanly");
  // The WAL was folded back into the database file.
  const wal = join(instance.dataDir, "skein.db-wal");
  expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
});

test("serves HTTPS itself with --tls-cert and --tls-key", async () => {
  const { ca, cert, key } = makeCertificate();
  const port = freePort();
  const data = join(tempDir(), "data");
  const url = `https://127.0.0.1:${port}`;
  const instance = await startInstance({
    port,
    scheme: "https",
    args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--tls-cert", cert, "--tls-key", key],
    caFile: ca,
  });
  try {
    const res = await fetch(`${url}/`, { tls: { ca: Bun.file(ca) } } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Skein");
    expect(instance.output()).toContain(`${url}/setup?token=`);
  } finally {
    await instance.stop();
  }
});
