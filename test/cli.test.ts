import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { WebClient } from "./helpers/client.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { freePort, runCli, startInstance } from "./helpers/instance.ts";
import { tempDir } from "./helpers/db.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

const oneLine = (text: string) => text.trim().split("\n").length === 1;

describe("commands", () => {
  test("help and version", async () => {
    const help = await runCli(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("skein user create NAME --email EMAIL --role owner|admin|moderator|user");
    expect(help.stdout).toContain("--allow-private-addresses");
    const version = await runCli(["version"]);
    expect(version.stdout.trim()).toMatch(/^skein \d+\.\d+\.\d+$/);
    // Asked after any command, help is all that happens: `backup -h` once wrote a file named "-h".
    const cwd = tempDir();
    for (const args of [
      ["backup", "-h"],
      ["user", "password", "--help"],
      ["restore", "x.db", "-h"],
    ]) {
      const result = await runCli(args, { cwd });
      expect([result.code, result.stdout.includes("Usage:")]).toEqual([0, true]);
    }
    expect(existsSync(join(cwd, "-h"))).toBe(false);
  });

  test("usage mistakes say what was expected and exit 2", async () => {
    for (const args of [
      ["frobnicate"],
      ["serve", "--colour", "blue"],
      ["user", "delete", "x"],
      ["user", "password"],
      ["user", "password", "alice", "--role", "admin"],
      ["backup"],
      ["backup", "-x"],
      ["version", "--bogus"],
      ["serve", "--url"],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^skein: .*; run `skein help` for usage\n$/);
    }
  });

  test("a bad configuration value stops the start with one line naming the key", async () => {
    const result = await runCli(["--url", "ftp://x.example"]);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(true);
    expect(result.stderr).toContain("--url");
    const env = await runCli([], { env: { SKEIN_LISTEN: "nowhere" } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("SKEIN_LISTEN");
  });
});

describe("skein user create", () => {
  test("creates a user with the password from standard input", async () => {
    const cwd = tempDir();
    const ok = await runCli(["user", "create", "alice", "--email", "alice@example.com", "--role", "admin"], {
      cwd,
      stdin: "a long passphrase\n",
    });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Created admin @alice@localhost:3000.");
    const db = new Database(join(cwd, "skein-data/skein.db"));
    const row = db.query<{ role: string; password_hash: string }, []>("SELECT role, password_hash FROM users").get();
    expect(row?.role).toBe("admin");
    expect(await Bun.password.verify("a long passphrase", row!.password_hash)).toBe(true);

    const again = await runCli(["user", "create", "alice", "--email", "other@example.com", "--role", "user"], {
      cwd,
      stdin: "a long passphrase\n",
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("skein: username: This name is taken.\n");
    const weak = await runCli(["user", "create", "bob", "--email", "bob@example.com", "--role", "user"], {
      cwd,
      stdin: "short\n",
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("password: Use at least 10 characters");
  });

  test("refuses a missing or unknown role and a password given as a flag", async () => {
    expect((await runCli(["user", "create", "c", "--email", "c@example.com"])).code).toBe(2);
    expect((await runCli(["user", "create", "c", "--email", "c@example.com", "--role", "god"])).stderr).toContain(
      "--role must be one of owner, admin, moderator, user",
    );
    expect(
      (await runCli(["user", "create", "c", "--email", "c@example.com", "--role", "user", "--password", "x"])).stderr,
    ).toContain("unknown option --password");
  });
});

/** A data folder with the owner alice (password "a long passphrase"), served. */
async function servingOwner() {
  const cwd = tempDir();
  const data = join(cwd, "data");
  await runCli(["user", "create", "alice", "--email", "alice@example.com", "--role", "owner", "--data", data], {
    cwd,
    stdin: "a long passphrase\n",
  });
  return { cwd, data, instance: await startInstance({ cwd, dataDir: data }) };
}

describe("skein user password", () => {
  test("gives a member a new password while serving; their sessions and app tokens end", async () => {
    const { cwd, data, instance } = await servingOwner();
    try {
      const browser = new WebClient(fetch, instance.url);
      await browser.login("alice", "a long passphrase");
      const { token } = await authorizeApp(fetch, instance.url, browser);
      const credentials = () =>
        fetch(`${instance.url}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token}` } });
      expect((await credentials()).status).toBe(200);

      const weak = await runCli(["user", "password", "alice", "--data", data], { cwd, stdin: "short\n" });
      expect(weak.code).toBe(1);
      expect(weak.stderr).toBe("skein: password: Use at least 10 characters (at most 256).\n");
      const nobody = await runCli(["user", "password", "mallory", "--data", data], { cwd, stdin: "a new passphrase\n" });
      expect(nobody.stderr).toBe("skein: username: There is no member @mallory here.\n");
      expect((await credentials()).status).toBe(200); // refusals changed nothing

      const reset = await runCli(["user", "password", "alice", "--data", data], { cwd, stdin: "a new passphrase\n" });
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain("@alice has a new password");
      expect((await credentials()).status).toBe(401);
      expect((await browser.get("/settings")).status).toBe(303); // the session ended: back to the login page
      const stranger = new WebClient(fetch, instance.url);
      expect((await stranger.post("/login", { username: "alice", password: "a long passphrase" })).status).toBe(422);
      expect((await stranger.login("alice", "a new passphrase")).status).toBe(303);
    } finally {
      expect(await instance.stop()).toBe(0);
    }
  });
});

describe("skein backup", () => {
  test("copies the database consistently while the server runs", async () => {
    const { cwd, data, instance } = await servingOwner();
    try {
      const result = await runCli(["backup", "copy.db", "--data", data], { cwd });
      expect(result.code).toBe(0);
      const copy = new Database(join(cwd, "copy.db"), { readonly: true });
      expect(copy.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      expect(copy.query("SELECT username FROM accounts").all()).toEqual([{ username: "alice" }]);
      // The database and its copies hold the instance's keys: for the user running Skein alone.
      const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
      expect([mode(join(cwd, "copy.db")), mode(data), mode(join(data, "skein.db"))]).toEqual(["600", "700", "600"]);
      const refused = await runCli(["backup", "copy.db", "--data", data], { cwd });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("already exists");
    } finally {
      expect(await instance.stop()).toBe(0);
    }
    const none = await runCli(["backup", "x.db", "--data", join(cwd, "empty")], { cwd });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no database at");
  });
});

describe("a start that cannot succeed ends with one clear line and leaves the database alone", () => {
  test("a corrupt database", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "skein-data"));
    const garbage = "not a database ".repeat(100);
    writeFileSync(join(cwd, "skein-data/skein.db"), garbage);
    const result = await runCli([], { cwd });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe(true);
    expect(result.stderr).toMatch(/skein: the database .*skein.db cannot be read .* restore it from a backup/);
    expect(readFileSync(join(cwd, "skein-data/skein.db"), "utf8")).toBe(garbage);
  });

  test("a database from a newer Skein", async () => {
    const cwd = tempDir();
    await runCli(["user", "create", "ada", "--email", "ada@example.com", "--role", "owner"], {
      cwd,
      stdin: "a long passphrase\n",
    });
    const migrated = await runCli(["migrate"], { cwd });
    expect(migrated.stdout).toBe(`${join(cwd, "skein-data/skein.db")} is up to date.\n`);
    const path = join(cwd, "skein-data/skein.db");
    const db = new Database(path);
    db.run("INSERT INTO schema_migrations VALUES ('9999_future', 'x', 0)");
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const before = readFileSync(path);
    const result = await runCli([], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("newer than this Skein knows");
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  test("a data folder that cannot be created", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "a-file"), "");
    const result = await runCli(["--data", "a-file/data"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^skein: cannot use the data folder .*a-file\/data .*choose another with --data/);
  });

  test("a second server on a folder already served", async () => {
    const cwd = tempDir();
    const first = await startInstance({ cwd, dataDir: join(cwd, "data") });
    try {
      const second = await runCli(["--data", join(cwd, "data"), "--listen", `127.0.0.1:${freePort()}`], { cwd });
      expect(second.code).toBe(1);
      expect(oneLine(second.stderr)).toBe(true);
      expect(second.stderr).toContain(`an instance (process ${first.proc.pid}) already serves`);
      // The refused start left the first one's mark: a restore is still refused.
      await runCli(["backup", join(cwd, "copy.db"), "--data", join(cwd, "data")], { cwd });
      const restore = await runCli(["restore", join(cwd, "copy.db"), "--force", "--data", join(cwd, "data")], { cwd });
      expect(restore.stderr).toContain(`an instance (process ${first.proc.pid}) is serving`);
      expect(readFileSync(join(cwd, "data/skein.pid"), "utf8")).toBe(String(first.proc.pid));
    } finally {
      await first.stop();
    }
  });

  test("a command on a folder with no instance makes none", async () => {
    const cwd = tempDir();
    for (const args of [
      ["user", "password", "ada"],
      ["user", "disable-2fa", "ada"],
    ]) {
      const result = await runCli([...args, "--data", "typo"], { cwd, stdin: "a long passphrase\n" });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^skein: no database at .*typo\/skein.db; point --data at the instance's data folder\n$/);
    }
    expect(existsSync(join(cwd, "typo"))).toBe(false);
    const created = await runCli(["user", "create", "ada", "--email", "ada@example.com", "--role", "owner", "--data", "fresh"], {
      cwd,
      stdin: "a long passphrase\n",
    });
    expect(created.stdout).toContain(`This started a new instance in ${join(cwd, "fresh")}.`);
    // migrate may run before a first start (a container's entry point): it says it made one.
    const migrated = await runCli(["migrate", "--data", "first-boot"], { cwd });
    expect(migrated.stdout).toContain(`This started a new instance in ${join(cwd, "first-boot")}.`);
  });

  test("a port in use", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("other") });
    try {
      const result = await runCli(["--listen", `127.0.0.1:${taken.port}`]);
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(true);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${taken.port}: the port is in use`);
    } finally {
      taken.stop(true);
    }
  });
});

describe("the instance's address", () => {
  const start = (cwd: string, port: number, ...args: string[]) =>
    startInstance({ cwd, port, args: ["--data", join(cwd, "data"), "--listen", `127.0.0.1:${port}`, ...args] });
  const webfinger = (port: number, acct: string) =>
    fetch(`http://127.0.0.1:${port}/.well-known/webfinger?resource=acct:${acct}`).then((r) => r.status);

  test("is recorded at the first start, kept without --url, and another one is refused unless --change-url", async () => {
    const cwd = tempDir();
    const port = freePort();
    const first = await start(cwd, port, "--url", "https://social.example");
    expect(await first.stop()).toBe(0);

    // Without --url, the command line and the server keep the recorded address, not localhost.
    const created = await runCli(
      ["user", "create", "ada", "--email", "ada@example.com", "--role", "user", "--data", join(cwd, "data")],
      {
        cwd,
        stdin: "a long passphrase\n",
      },
    );
    expect(created.stdout).toContain("Created user @ada@social.example.");
    const kept = await start(cwd, port);
    expect(await webfinger(port, "ada@social.example")).toBe(200);
    expect(await kept.stop()).toBe(0);

    const refused = await runCli(
      ["--data", join(cwd, "data"), "--listen", `127.0.0.1:${port}`, "--url", "https://other.example"],
      { cwd },
    );
    expect(refused.code).toBe(1);
    expect(oneLine(refused.stderr)).toBe(true);
    expect(refused.stderr).toContain("this data folder serves https://social.example/");
    expect(refused.stderr).toContain("--change-url");

    const moved = await start(cwd, port, "--url", "https://other.example", "--change-url");
    expect(moved.output()).toContain("changes from https://social.example/ to https://other.example/");
    expect(await webfinger(port, "ada@other.example")).toBe(200);
    expect(await moved.stop()).toBe(0);
    const after = await start(cwd, port);
    expect(await webfinger(port, "ada@other.example")).toBe(200);
    expect(await after.stop()).toBe(0);
  });

  test("an address no other server could reach, like a trial on localhost, may change freely", async () => {
    const cwd = tempDir();
    const port = freePort();
    const trial = await start(cwd, port, "--url", `http://localhost:${port}`);
    expect(await trial.stop()).toBe(0);
    const real = await start(cwd, port, "--url", "https://social.example");
    expect(await real.stop()).toBe(0);
    const back = await runCli(
      ["--data", join(cwd, "data"), "--listen", `127.0.0.1:${port}`, "--url", `http://localhost:${port}`],
      { cwd },
    );
    expect(back.stderr).toContain("this data folder serves https://social.example/");
  });
});

describe("skein restore", () => {
  test("a backup restored into a new folder serves the same accounts and posts; bad cases are refused", async () => {
    const cwd = tempDir();
    const data = join(cwd, "data");
    await runCli(["user", "create", "rosa", "--email", "rosa@example.com", "--role", "owner", "--data", data], {
      stdin: "correct horse battery\n",
    });
    const first = await startInstance({ cwd, dataDir: data });
    const rosa = new WebClient((r) => fetch(r), first.url);
    await rosa.login("rosa", "correct horse battery");
    await rosa.post("/statuses", { status: "kept through a restore", visibility: "public" });
    expect((await runCli(["backup", join(cwd, "backup.db"), "--data", data])).code).toBe(0);
    // Not while the instance serves the folder, even with --force.
    const live = await runCli(["restore", join(cwd, "backup.db"), "--force", "--data", data]);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain("stop it before restoring");
    await first.stop();

    const fresh = join(cwd, "fresh");
    const restored = await runCli(["restore", join(cwd, "backup.db"), "--data", fresh]);
    expect(restored.code).toBe(0);
    const second = await startInstance({ cwd, dataDir: fresh });
    try {
      const again = new WebClient((r) => fetch(r), second.url);
      await again.login("rosa", "correct horse battery");
      expect(await (await again.get("/@rosa")).text()).toContain("kept through a restore");
    } finally {
      await second.stop();
    }

    // A database is already there: refused without --force; with it, the old one is kept aside.
    const exists = await runCli(["restore", join(cwd, "backup.db"), "--data", fresh]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain("pass --force");
    const forced = await runCli(["restore", join(cwd, "backup.db"), "--force", "--data", fresh]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/skein-replaced-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.db/);
    // Not a Skein database, not a database at all, a missing file.
    const other = join(cwd, "other.db");
    new Database(other).run("CREATE TABLE notes (id INTEGER)");
    writeFileSync(join(cwd, "junk.db"), "this is not a database at all, just some text that goes on");
    for (const [file, message] of [
      [other, "not a Skein database"],
      [join(cwd, "junk.db"), "not"],
      [join(cwd, "missing.db"), "does not exist"],
    ]) {
      const refused = await runCli(["restore", file as string, "--force", "--data", join(cwd, "third")]);
      expect(refused.code).toBe(1);
      expect(oneLine(refused.stderr)).toBe(true);
      expect(refused.stderr).toContain(message as string);
    }
  });
});
