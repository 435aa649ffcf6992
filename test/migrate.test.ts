import { expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { embeddedMigrations, type Migration, migrate } from "../src/db/migrate.ts";
import { openDatabase } from "../src/db/open.ts";
import { FatalError } from "../src/fatal.ts";
import { WebClient } from "./helpers/client.ts";
import { tempDir } from "./helpers/db.ts";
import { startInstance } from "./helpers/instance.ts";

setDefaultTimeout(60_000);

const tables = (path: string) =>
  openDatabase(path)
    .sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);

const extra: Migration = {
  tag: "9999_test_bio_links",
  hash: "test",
  statements: ["ALTER TABLE accounts ADD COLUMN bio_links TEXT DEFAULT '[]' NOT NULL"],
};

test("the embedded migrations are the ones in drizzle/", () => {
  const files = readdirSync(join(import.meta.dir, "../drizzle")).filter((f) => f.endsWith(".sql"));
  expect(embeddedMigrations.map((m) => `${m.tag}.sql`)).toEqual(files.sort());
  expect(embeddedMigrations[0]?.statements.length).toBeGreaterThan(5);
});

test("an empty database gets every table, with WAL and foreign keys on", () => {
  const path = join(tempDir(), "skein.db");
  const { sqlite } = openDatabase(path);
  const result = migrate(sqlite, path);
  expect(result.applied).toEqual(embeddedMigrations.map((m) => m.tag));
  expect(result.backup).toBeUndefined(); // nothing to lose yet
  expect(tables(path)).toEqual(
    expect.arrayContaining([
      "accounts",
      "users",
      "sessions",
      "instance_settings",
      "actor_keys",
      "fedify_kv",
      "queue_messages",
      "schema_migrations",
    ]),
  );
  expect(sqlite.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
  expect(sqlite.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
  expect(migrate(sqlite, path).applied).toEqual([]); // a second start changes nothing
});

test("an existing database is backed up beside it, then migrated, keeping its rows", () => {
  const dir = tempDir();
  const path = join(dir, "skein.db");
  const { sqlite } = openDatabase(path);
  migrate(sqlite, path);
  sqlite.run("INSERT INTO accounts (id, username) VALUES ('01', 'alice')");

  const result = migrate(sqlite, path, [...embeddedMigrations, extra]);
  expect(result.applied).toEqual([extra.tag]);
  expect(result.backup).toStartWith(join(dir, `skein-before-${extra.tag}-`));
  expect(sqlite.query("SELECT username, bio_links FROM accounts").get()).toEqual({ username: "alice", bio_links: "[]" });

  const backup = openDatabase(result.backup!).sqlite;
  expect(backup.query("SELECT username FROM accounts").get()).toEqual({ username: "alice" });
  expect(backup.query("SELECT count(*) AS n FROM schema_migrations WHERE tag = ?").get(extra.tag)).toEqual({ n: 0 });
});

test("a migration that fails leaves the database as it was", () => {
  const path = join(tempDir(), "skein.db");
  const { sqlite } = openDatabase(path);
  migrate(sqlite, path);
  const broken: Migration = {
    tag: "9998_broken",
    hash: "x",
    statements: ["CREATE TABLE half_done (id TEXT)", "SELECT * FROM no_such_table"],
  };
  expect(() => migrate(sqlite, path, [...embeddedMigrations, broken])).toThrow(/no_such_table/);
  expect(tables(path)).not.toContain("half_done");
  expect(sqlite.query("SELECT count(*) AS n FROM schema_migrations").get()).toEqual({ n: embeddedMigrations.length });
});

test("a database from a newer Skein is refused before anything is written", () => {
  const path = join(tempDir(), "skein.db");
  const { sqlite } = openDatabase(path);
  migrate(sqlite, path, [...embeddedMigrations, extra]);
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const before = readFileSync(path);
  const error = (() => {
    try {
      migrate(sqlite, path);
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(FatalError);
  expect((error as Error).message).toMatch(
    /has schema 9999_test_bio_links, newer than this Skein knows .* run a newer Skein or restore a backup/,
  );
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  expect(readFileSync(path).equals(before)).toBe(true);
});

test("a database of another program is refused", () => {
  const path = join(tempDir(), "other.db");
  const { sqlite } = openDatabase(path);
  sqlite.run("CREATE TABLE notes (id INTEGER)");
  expect(() => migrate(sqlite, path)).toThrow(/is not a Skein database/);
});

test("a file that is not a database gives one clear line", () => {
  const path = join(tempDir(), "skein.db");
  Bun.write(path, "this is not sqlite at all, just text that is long enough to be a header......");
  expect(() => openDatabase(path)).toThrow(/the database .* cannot be read \(.*\); restore it from a backup/);
});

test("upgrades: a database from the first committed schemas, with data, runs under this Skein: backed up, migrated, intact", async () => {
  const dir = tempDir();
  const data = join(dir, "data");
  mkdirSync(data);
  const path = join(data, "skein.db");
  // The schema as the first two migrations left it (the foundation and the web app), with a member and a post.
  const old = openDatabase(path);
  migrate(old.sqlite, path, embeddedMigrations.slice(0, 2));
  const hash = await Bun.password.hash("correct horse battery", { algorithm: "argon2id" });
  old.sqlite.run("INSERT INTO accounts (id, username, display_name) VALUES ('a1', 'olga', 'Olga')");
  old.sqlite.run(
    "INSERT INTO users (id, account_id, email, password_hash, role, approved_at) VALUES ('u1', 'a1', 'olga@example.com', ?, 'owner', 1)",
    [hash],
  );
  const postId = Bun.randomUUIDv7();
  old.sqlite.run(
    `INSERT INTO posts (id, account_id, text, content_html, visibility) VALUES ('${postId}', 'a1', 'from long ago', '<p>from long ago</p>', 'public')`,
  );
  old.sqlite.run("INSERT INTO posts_search (rowid, post_id, body) VALUES (7, ?, 'from long ago')", [postId]);
  old.sqlite.close();

  const instance = await startInstance({ cwd: dir, dataDir: data });
  try {
    expect(instance.output()).toContain(`Applied migration ${embeddedMigrations.at(-1)?.tag}`);
    expect(readdirSync(data).some((f) => f.startsWith(`skein-before-${embeddedMigrations[2]?.tag}`))).toBe(true);
    const olga = new WebClient((r) => fetch(r), instance.url);
    await olga.login("olga", "correct horse battery");
    expect(await (await olga.get("/@olga")).text()).toContain("from long ago");
    expect((await olga.post("/statuses", { status: "and from today" })).status).toBe(303);
  } finally {
    await instance.stop();
  }
  // The post indexed before search_rowid existed knows its row.
  const now = openDatabase(path);
  expect(now.sqlite.query("SELECT search_rowid FROM posts WHERE id = ?").get(postId)).toEqual({ search_rowid: 7 });
  now.sqlite.close();
});

test("migration 0065: notes from two moderators, from before warnings had ids, come from the member once", () => {
  const path = join(tempDir(), "skein.db");
  const { sqlite } = openDatabase(path);
  const upTo = embeddedMigrations.findIndex((m) => m.tag.startsWith("0065_"));
  migrate(sqlite, path, embeddedMigrations.slice(0, upTo));
  sqlite.run("INSERT INTO accounts (id, username) VALUES ('m', 'member'), ('s1', 'staff1'), ('s2', 'staff2')");
  sqlite.run(
    "INSERT INTO notifications (id, account_id, type, from_account_id) VALUES ('n1', 'm', 'moderation_warning', 's1'), ('n2', 'm', 'moderation_warning', 's2')",
  );
  migrate(sqlite, path);
  expect(sqlite.query("SELECT from_account_id AS f FROM notifications").all()).toEqual([{ f: "m" }]);
  sqlite.close();
});

test("migration 0066: notification e-mails start after the upgrade, not with every notification left unread", () => {
  const path = join(tempDir(), "skein.db");
  const { sqlite } = openDatabase(path);
  const upTo = embeddedMigrations.findIndex((m) => m.tag.startsWith("0066_"));
  migrate(sqlite, path, embeddedMigrations.slice(0, upTo));
  sqlite.run("INSERT INTO accounts (id, username) VALUES ('a', 'ana'), ('b', 'ben'), ('c', 'cyd')");
  sqlite.run(
    "INSERT INTO users (id, account_id, email, password_hash) VALUES ('ua', 'a', 'ana@example.com', 'x'), ('uc', 'c', 'cyd@example.com', 'x')",
  );
  sqlite.run(
    "INSERT INTO notifications (id, account_id, type, from_account_id) VALUES ('n1', 'a', 'follow', 'b'), ('n2', 'a', 'mention', 'b')",
  );
  migrate(sqlite, path);
  expect(
    sqlite.query("SELECT id, notifications_mailed_id AS mailed, mail_notifications AS choices FROM users ORDER BY id").all(),
  ).toEqual([
    { id: "ua", mailed: "n2", choices: '["mention","follow","follow_request","quote"]' },
    { id: "uc", mailed: null, choices: '["mention","follow","follow_request","quote"]' },
  ]);
  sqlite.close();
});
