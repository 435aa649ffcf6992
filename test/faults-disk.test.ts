// The disk under the data folder fills up, or the folder is read-only: writes fail with a clear
// message (page, API, log), reads go on, nothing is corrupt, and writes work again once space
// returns. A full disk is a real one where the machine lets us mount: a small tmpfs (we run as
// root in the dev container). Elsewhere (CI without mount rights) the process runs with a file
// size limit (RLIMIT_FSIZE, set and lifted with prlimit, SIGXFSZ ignored so writes fail with
// EFBIG instead of killing it): a different errno, the same SQLite write path.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { closeSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { WebClient } from "./helpers/client.ts";
import { tempDir } from "./helpers/db.ts";
import { type FaultPeer, startFaultPeer } from "./helpers/fault-peer.ts";
import { freePort, type Instance, mainScript, runCli, startInstance } from "./helpers/instance.ts";
import { testJpeg } from "./helpers/images.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(120_000);

/** Temporary folders of this file, removed at the end (after any mount on them is gone). */
const scratchDirs: string[] = [];
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

const PASSWORD = "correct horse battery";
const mounts: string[] = [];
const instances: Instance[] = [];
const peers: FaultPeer[] = [];
afterAll(async () => {
  for (const p of peers) p.stop();
  for (const i of instances) if (i.proc.exitCode === null) await i.stop();
  // Never leave a mount behind, even when a test failed.
  for (const dir of mounts.reverse()) Bun.spawnSync(["umount", "-l", dir]);
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function sh(...command: string[]): boolean {
  return Bun.spawnSync(command, { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
}

/** Mounts a tmpfs of `size` at a new folder; undefined when this machine does not let us. */
function smallDisk(size: string): string | undefined {
  const dir = scratch("skein-faults-disk-");
  // FAULTS_NO_MOUNT=1 tries the fallback on a machine that could mount.
  if (process.env.FAULTS_NO_MOUNT || !sh("mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir)) return undefined;
  mounts.push(dir);
  return dir;
}

/** Fills the file system holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC: on to smaller pieces.
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

const scalar = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return Object.values(db.query(sql).get() as object)[0];
  } finally {
    db.close();
  }
};

/** A data folder in `cwd` whose owner is alice, made by the CLI. */
async function folderWithOwner(cwd: string): Promise<string> {
  const data = join(cwd, "data");
  const created = await runCli(["user", "create", "alice", "--email", "a@example.com", "--role", "owner", "--data", data], {
    cwd,
    stdin: `${PASSWORD}\n`,
  });
  expect(created.code).toBe(0);
  return data;
}

test("disk full: writes fail with a clear error, reads go on, nothing is corrupt, writes work again", async () => {
  const disk = smallDisk("24m");
  const mode = disk ? "tmpfs" : "file size limit";
  const cwd = disk ?? scratch("skein-faults-disk-");
  const data = await folderWithOwner(cwd);
  const dbPath = join(data, "skein.db");
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const skein = await startInstance({
    cwd,
    port,
    // The shell ignores SIGXFSZ, and bun inherits that: over the limit a write fails (EFBIG).
    command: disk ? undefined : ["sh", "-c", `trap '' XFSZ; exec bun "$0" "$@"`, mainScript],
    args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--allow-private-addresses"],
  });
  instances.push(skein);
  const peer = await startFaultPeer({ actors: ["far"] });
  peers.push(peer);
  const note = (n: string) => ({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${peer.base}/objects/${n}/activity`,
    type: "Create",
    actor: peer.actorId("far"),
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    object: {
      id: `${peer.base}/objects/${n}`,
      type: "Note",
      attributedTo: peer.actorId("far"),
      content: `<p>${n}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${url}/@alice`], // a post that concerns nobody here is not kept
    },
  });
  const browser = new WebClient((r) => fetch(r), url);
  await browser.login("alice", PASSWORD);
  const { token } = await authorizeApp((r) => fetch(r), url, browser);
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });
  expect((await browser.post("/statuses", { status: "Written before the disk filled", visibility: "public" })).status).toBe(303);
  // The next page view wants to note the session as seen: a write, on a full disk.
  const writable = new Database(dbPath);
  writable.run("UPDATE sessions SET last_seen_at = 0");
  writable.run("UPDATE oauth_tokens SET last_used_at = NULL");
  writable.close();

  let filler: string | undefined;
  if (disk) filler = fill(disk);
  else {
    // No file may grow past the WAL's size now: every write appends to the WAL.
    const size = statSync(join(data, "skein.db-wal"), { throwIfNoEntry: false })?.size || statSync(dbPath).size;
    expect(sh("prlimit", "--pid", String(skein.proc.pid), `--fsize=${size}:unlimited`)).toBe(true);
  }

  // Reads go on.
  const home = await browser.get("/");
  expect(home.status).toBe(200);
  expect(await home.text()).toContain("Written before the disk filled");
  expect((await browser.get("/@alice")).status).toBe(200);
  expect((await api("/api/v1/timelines/home")).status).toBe(200);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);

  // Writes fail, clearly. SQLite may still fit a write or two into its WAL: the first that fails counts.
  let page: Response | undefined;
  for (let i = 0; i < 30 && !page; i++) {
    const res = await browser.post("/statuses", { status: `Written on a full disk ${i}`, visibility: "public" });
    if (res.status !== 303) page = res;
  }
  expect(page?.status).toBeGreaterThanOrEqual(500);
  const html = (await page?.text()) ?? "";
  const message = disk ? "disk is full" : /disk is full|could not write to its disk/;
  expect(html).toMatch(message);
  const posted = await api("/api/v1/statuses", {
    method: "POST",
    body: JSON.stringify({ status: "From an app, on a full disk" }),
  });
  expect(posted.status).toBeGreaterThanOrEqual(500);
  expect(((await posted.json()) as { error: string }).error).toMatch(message);
  // An activity from another server is not accepted (a 2xx would be a promise to keep it): 5xx, and its server retries.
  const inbound = await peer.deliver(`${url}/inbox`, note("during"), "far");
  expect(inbound.status).toBeGreaterThanOrEqual(500);
  // A photo: its file does not fit on the disk either.
  const form = new FormData();
  form.append("file", new File([await testJpeg(400, 300)], "photo.jpg", { type: "image/jpeg" }));
  const media = await fetch(`${url}/api/v2/media`, { method: "POST", body: form, headers: { authorization: `Bearer ${token}` } });
  expect(media.status).toBeGreaterThanOrEqual(500);
  expect(((await media.json()) as { error: string }).error).toMatch(message);
  expect(skein.output()).toMatch(disk ? /The disk under the data folder is full/ : /disk under the data folder/);
  // Still serving reads after the failed writes; the database is sound.
  expect((await browser.get("/")).status).toBe(200);
  expect(scalar(dbPath, "PRAGMA integrity_check")).toBe("ok");

  // Space returns: writes work again, without a restart.
  if (filler) rmSync(filler);
  else expect(sh("prlimit", "--pid", String(skein.proc.pid), "--fsize=unlimited:unlimited")).toBe(true);
  expect((await browser.post("/statuses", { status: "Written after space returned", visibility: "public" })).status).toBe(303);
  expect(await (await browser.get("/")).text()).toContain("Written after space returned");
  expect((await peer.deliver(`${url}/inbox`, note("during"), "far")).status).toBeLessThan(300);
  expect(scalar(dbPath, `SELECT count(*) FROM posts WHERE uri = '${peer.base}/objects/during'`)).toBe(1);
  expect(await skein.stop()).toBe(0);
  expect(scalar(dbPath, "PRAGMA integrity_check")).toBe("ok");
  console.log(`disk full (${mode}): write failed with ${page?.status}; the API said ${posted.status}`);
});

/** Makes `path` (a folder or a file) read-only in place with a read-only bind mount. */
function readOnly(path: string): boolean {
  if (process.env.FAULTS_NO_MOUNT || !sh("mount", "--bind", path, path)) return false;
  mounts.push(path);
  return sh("mount", "-o", "remount,bind,ro", path);
}

test("a read-only data folder or database: start refuses with a one-line reason and a non-zero exit", async () => {
  const cwd = scratch("skein-faults-ro-");
  const data = await folderWithOwner(cwd);
  const port = freePort();
  const args = ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", `http://127.0.0.1:${port}`];
  const start = async (options: { asNobody?: boolean } = {}) => {
    // Root ignores permission bits: without mounts, the server runs as nobody on root's folder.
    const command = options.asNobody
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bun", mainScript]
      : ["bun", mainScript];
    const result = await runCli(args, { cwd, command });
    const lines = `${result.stdout}${result.stderr}`.trim().split("\n");
    return { code: result.code, lines };
  };
  const mounted = readOnly(join(data, "skein.db"));
  const cases: [string, () => Promise<{ code: number; lines: string[] }>, RegExp][] = [];
  if (mounted) {
    cases.push(["the database file", () => start(), /skein\.db.*read-only/]);
    cases.push([
      "the whole folder",
      async () => {
        expect(readOnly(data)).toBe(true);
        return start();
      },
      /data folder.*(read-only|EROFS)/i,
    ]);
  } else {
    Bun.spawnSync(["chmod", "755", cwd]);
    cases.push(["the folder, for another user", () => start({ asNobody: true }), /data folder.*(permission|EACCES)/i]);
  }
  for (const [what, run, reason] of cases) {
    const { code, lines } = await run();
    console.log(`read-only ${what}: exit ${code}: ${lines.join(" | ")}`);
    expect(code).not.toBe(0);
    expect(lines.filter((l) => !l.includes("[WRN]"))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(reason);
  }
});

test("the data folder turns read-only while serving: uploads fail clearly, posts and reads go on", async () => {
  const cwd = scratch("skein-faults-ro-live-");
  const data = await folderWithOwner(cwd);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const skein = await startInstance({ cwd, port, args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url] });
  instances.push(skein);
  const browser = new WebClient((r) => fetch(r), url);
  await browser.login("alice", PASSWORD);
  const { token } = await authorizeApp((r) => fetch(r), url, browser);
  const upload = async () => {
    const form = new FormData();
    form.append("file", new File([await testJpeg(400, 300)], "photo.jpg", { type: "image/jpeg" }));
    return fetch(`${url}/api/v2/media`, { method: "POST", body: form, headers: { authorization: `Bearer ${token}` } });
  };
  expect((await upload()).status).toBe(200);
  // Linux refuses to remount read-only a file system the instance holds files open on for
  // writing (EBUSY). A read-only bind mount over the folder is allowed: what the instance opens
  // from now on (a new media file, the pid file at stop) is read-only; the database, already
  // open, stays writable, as it would under a real remount only until the kernel's next write.
  if (!readOnly(data)) {
    console.log("read-only while serving: cannot mount here; skipped");
    return;
  }
  const refused = await upload();
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { error: string }).error).toContain("cannot be written");
  expect(skein.output()).toContain("The data folder cannot be written");
  expect((await browser.post("/statuses", { status: "Text still saves", visibility: "public" })).status).toBe(303);
  expect(await (await browser.get("/")).text()).toContain("Text still saves");
  // It stops cleanly, though it cannot remove its pid file.
  expect(await skein.stop()).toBe(0);
  expect(skein.output()).toContain("Could not remove");
});
