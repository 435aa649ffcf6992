#!/usr/bin/env bun
// The command line: `skein` with no arguments serves the instance.
import { existsSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ConfigKey, configKeys, envName, isBooleanKey, isConfigKey, loadConfig } from "./config.ts";
import { createLocalUser } from "./core/accounts.ts";
import { resetPassword } from "./core/auth.ts";
import { disableTwoFactorFor } from "./core/two-factor.ts";
import { ValidationError } from "./core/errors.ts";
import { DomainEvents } from "./core/events.ts";
import { appliedMigrations, migrate } from "./db/migrate.ts";
import { closeDatabase, errorText, type OpenDatabase, openDatabase } from "./db/open.ts";
import { roles, type Role } from "./db/schema.ts";
import { FatalError } from "./fatal.ts";
import { recordedUrl } from "./instance-url.ts";
import { configureLogging } from "./log.ts";
import { openInstanceDatabase, prepareDataFolder, servingProcess, startServer } from "./server.ts";
import { VERSION } from "./version.ts";

const HELP = `Skein ${VERSION}: a small, self-hosted, federated microblogging server.

Usage:
  skein [serve] [--change-url]          start the instance (the default); the first start records its
                                        --url, later ones without --url keep it, and one with another
                                        --url is refused unless --change-url moves the instance for good
  skein user create NAME --email EMAIL --role owner|admin|moderator|user
                                        create a local user; the password is read from standard input
  skein user password NAME              give a member a new password (read from standard input), ending
                                        their sessions and app tokens; works while the instance serves
  skein user disable-2fa NAME           turn off a member's two-factor authentication (a lost phone and
                                        lost recovery codes); works while the instance serves
  skein backup FILE                     write a consistent copy of the database, even while serving
  skein restore FILE [--force]          put a backup in place of the data folder's database (instance stopped;
                                        --force to replace an existing database, which is kept beside it)
  skein migrate                         apply pending database migrations and exit
  skein version                         print the version
  skein help                            print this help

Configuration (flag, environment variable; flags win, then the environment, then
DATA/skein.toml, then the default):
${configKeys.map((k) => `  --${k.padEnd(25)} ${envName(k)}`).join("\n")}

Examples:
  skein --url https://social.example --listen 127.0.0.1:3000
  echo "a long passphrase" | skein user create alice --email alice@example.com --role admin
  skein backup /var/backups/skein-$(date +%F).db --data /srv/skein-data
`;

type Flags = Record<string, string | true>;

interface Parsed {
  words: string[];
  flags: Flags;
}

function usage(message: string): FatalError {
  return new FatalError(`${message}; run \`skein help\` for usage`, 2);
}

/** Splits arguments into command words and --flags; `allowed` names the command's own flags, `switches` those without a value. */
function parseArgs(argv: string[], allowed: string[], switches: string[] = []): Parsed {
  const words: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (/^-[^-]/.test(arg)) throw usage(`unknown option ${arg}`);
    if (!arg.startsWith("--")) {
      words.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const known = allowed.includes(name) || switches.includes(name) || isConfigKey(name);
    if (!known) throw usage(`unknown option --${name}`);
    if (inline !== undefined) flags[name] = inline;
    else if (switches.includes(name) || (isConfigKey(name) && isBooleanKey(name))) flags[name] = true;
    else {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw usage(`--${name} needs a value`);
      flags[name] = next;
    }
  }
  return { words, flags };
}

function configFrom(flags: Flags) {
  const configFlags: Partial<Record<ConfigKey, string | boolean>> = {};
  for (const key of configKeys) if (flags[key] !== undefined) configFlags[key] = flags[key];
  return loadConfig({ flags: configFlags, env: process.env, recordedUrl });
}

async function serve(flags: Flags) {
  const config = configFrom(flags);
  await configureLogging(config);
  const running = await startServer(config, { changeUrl: flags["change-url"] === true });
  const shutdown = async () => {
    await running.stop();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

async function readPassword(prompt: string): Promise<string> {
  const tty = process.stdin.isTTY;
  if (tty) {
    process.stderr.write(prompt);
    Bun.spawnSync(["stty", "-echo"], { stdin: "inherit" });
  }
  try {
    for await (const line of console) return line;
    return "";
  } finally {
    if (tty) {
      Bun.spawnSync(["stty", "echo"], { stdin: "inherit" });
      process.stderr.write("\n");
    }
  }
}

async function userCreate(words: string[], flags: Flags) {
  const [name, ...extra] = words;
  if (!name || extra.length > 0) throw usage("expected: skein user create NAME --email EMAIL --role ROLE");
  const email = flags.email;
  const role = flags.role;
  if (typeof email !== "string") throw usage("--email EMAIL is required");
  if (typeof role !== "string" || !roles.includes(role as Role)) throw usage(`--role must be one of ${roles.join(", ")}`);
  const config = configFrom(flags);
  await configureLogging({ ...config, logLevel: "warning" });
  const password = await readPassword(`Password for ${name}: `);
  const isNew = !existsSync(join(config.data, "skein.db"));
  const database = openInstanceDatabase(config);
  try {
    await createLocalUser(
      { db: database.db, events: new DomainEvents(), baseUrl: config.url },
      { username: name, email, password, role: role as Role },
    );
    console.log(`Created ${role} @${name}@${config.url.host}.`);
    // Said aloud, so that a mistyped --data does not go unseen.
    if (isNew) console.log(`This started a new instance in ${config.data}.`);
  } catch (error) {
    throw refusal(error);
  } finally {
    closeDatabase(database);
  }
}

/** The database of an instance that exists: a mistyped --data must not make a new one. */
function existingDatabase(config: { data: string }): string {
  const path = join(config.data, "skein.db");
  if (!existsSync(path)) throw new FatalError(`no database at ${path}; point --data at the instance's data folder`);
  return path;
}

/** A new password for a member who lost theirs; works while the instance serves. */
async function userPassword(words: string[], flags: Flags) {
  const [name, ...extra] = words;
  if (!name || extra.length > 0 || flags.email || flags.role) throw usage("expected: skein user password NAME");
  const config = configFrom(flags);
  await configureLogging({ ...config, logLevel: "warning" });
  existingDatabase(config);
  const password = await readPassword(`New password for ${name}: `);
  const database = openInstanceDatabase(config);
  try {
    await resetPassword(database.db, name, password);
    console.log(`@${name} has a new password; their sessions and app tokens have ended.`);
  } catch (error) {
    throw refusal(error);
  } finally {
    closeDatabase(database);
  }
}

async function userDisableTwoFactor(words: string[], flags: Flags) {
  const [name, ...extra] = words;
  if (!name || extra.length > 0 || flags.email || flags.role) throw usage("expected: skein user disable-2fa NAME");
  const config = configFrom(flags);
  await configureLogging({ ...config, logLevel: "warning" });
  existingDatabase(config);
  const database = openInstanceDatabase(config);
  try {
    disableTwoFactorFor(database.db, name);
    console.log(`@${name} logs in with their password alone now; they can set up two-factor authentication again.`);
  } catch (error) {
    throw refusal(error);
  } finally {
    closeDatabase(database);
  }
}

/** A core refusal (a field and why) as the command line's one-line reason. */
function refusal(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  return new FatalError(
    Object.entries(error.fields)
      .map(([field, message]) => `${field}: ${message}`)
      .join(" "),
  );
}

async function backup(words: string[], flags: Flags) {
  const [file, ...extra] = words;
  if (!file || extra.length > 0) throw usage("expected: skein backup FILE");
  const target = resolve(file);
  if (existsSync(target)) throw new FatalError(`${target} already exists; choose a new file name`);
  const config = configFrom(flags);
  const source = existingDatabase(config);
  const { sqlite } = openDatabase(source, { create: false });
  try {
    // VACUUM INTO reads one consistent snapshot, even while the server writes (WAL).
    sqlite.run("VACUUM INTO ?", [target]);
  } catch (error) {
    throw new FatalError(`cannot write the backup to ${target} (${errorText(error)}); check the folder and free space`);
  } finally {
    sqlite.close();
  }
  console.log(`Backed up ${source} to ${target}. Copy the media folder beside it as well.`);
}

/**
 * Puts a backup in place: it must be a sound Skein database no newer than this Skein, and the
 * instance must be stopped. A database already there is kept (renamed), never overwritten.
 */
async function restore(words: string[], flags: Flags) {
  const [file, ...extra] = words;
  if (!file || extra.length > 0) throw usage("expected: skein restore FILE [--force]");
  const source = resolve(file);
  if (!existsSync(source)) throw new FatalError(`${source} does not exist`);
  const config = configFrom(flags);
  const pid = servingProcess(config.data);
  if (pid) throw new FatalError(`an instance (process ${pid}) is serving ${config.data}; stop it before restoring`);
  const target = prepareDataFolder(config.data);
  if (existsSync(target) && flags.force !== true)
    throw new FatalError(`${target} already exists; pass --force to replace it (it is kept beside it, renamed)`);
  let backup: OpenDatabase;
  try {
    backup = openDatabase(source, { create: false });
  } catch {
    throw new FatalError(`${source} is not an SQLite database`);
  }
  try {
    const check = backup.sqlite.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get();
    if (check?.integrity_check !== "ok")
      throw new FatalError(`${source} is damaged (${check?.integrity_check}); use another backup`);
    appliedMigrations(backup.sqlite, source);
    if (existsSync(target)) {
      // A name that says when: 2026-11-28T09-50-12 (colons are not welcome in every file system).
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "-");
      let kept = join(config.data, `skein-replaced-${stamp}.db`);
      for (let n = 2; existsSync(kept); n++) kept = join(config.data, `skein-replaced-${stamp}-${n}.db`);
      renameSync(target, kept);
      for (const suffix of ["-wal", "-shm"]) rmSync(target + suffix, { force: true });
      console.log(`The database that was there is kept as ${kept}.`);
    }
    backup.sqlite.run("VACUUM INTO ?", [target]);
  } finally {
    backup.sqlite.close();
  }
  console.log(`Restored ${source} to ${target}. Copy the media folder back as well; newer migrations apply at the next start.`);
}

async function main(argv: string[]) {
  // Asked anywhere, help is printed and nothing else is done (`skein backup -h` wrote a file "-h").
  if (argv.some((a) => a === "-h" || a === "--help")) return console.log(HELP);
  const first = argv[0];
  const command = first && (!first.startsWith("-") || ["--version", "--help", "-h"].includes(first)) ? first : "serve";
  const rest = command === argv[0] ? argv.slice(1) : argv;
  switch (command) {
    case "serve": {
      const { words, flags } = parseArgs(rest, [], ["change-url"]);
      if (words.length > 0) throw usage(`unexpected argument ${words[0]}`);
      return serve(flags);
    }
    case "user": {
      const { words, flags } = parseArgs(rest, ["email", "role"]);
      if (words[0] === "create") return userCreate(words.slice(1), flags);
      if (words[0] === "password") return userPassword(words.slice(1), flags);
      if (words[0] === "disable-2fa") return userDisableTwoFactor(words.slice(1), flags);
      throw usage(
        "expected: skein user create NAME --email EMAIL --role ROLE, skein user password NAME, or skein user disable-2fa NAME",
      );
    }
    case "backup": {
      const { words, flags } = parseArgs(rest, []);
      return backup(words, flags);
    }
    case "restore": {
      const { words, flags } = parseArgs(rest, [], ["force"]);
      return restore(words, flags);
    }
    case "migrate": {
      const { words, flags } = parseArgs(rest, []);
      if (words.length > 0) throw usage(`unexpected argument ${words[0]}`);
      const config = configFrom(flags);
      await configureLogging(config);
      // A first boot may migrate before it serves; a new instance is said aloud, so that a
      // mistyped --data does not go unseen.
      const isNew = !existsSync(join(config.data, "skein.db"));
      const path = prepareDataFolder(config.data);
      const database = openDatabase(path);
      try {
        const { applied, backup } = migrate(database.sqlite, path);
        console.log(
          applied.length === 0
            ? `${path} is up to date.`
            : `Applied ${applied.length} migrations to ${path}${backup ? `; the database before them is kept as ${backup}` : ""}.`,
        );
        if (isNew) console.log(`This started a new instance in ${config.data}.`);
      } finally {
        closeDatabase(database);
      }
      return;
    }
    case "version":
    case "--version": {
      const { words } = parseArgs(rest, []);
      if (words.length > 0) throw usage(`unexpected argument ${words[0]}`);
      console.log(`skein ${VERSION}`);
      return;
    }
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return;
    default:
      throw usage(`unknown command ${command}`);
  }
}

// The database holds the instance's private keys and secret, and backups copy it: what Skein
// writes is for the user running it alone (the pages and media are served by Skein itself).
process.umask(0o077);

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof FatalError) {
    console.error(`skein: ${error.message}`);
    process.exit(error.exitCode);
  }
  console.error(`skein: unexpected error: ${errorText(error)}`);
  process.exit(1);
}
