import { fileEarlierConversations } from "./core/conversations.ts";
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { getLogger, withContext } from "@logtape/logtape";
import { withoutSecrets } from "./log.ts";
import type { Server } from "bun";
import { smtpMailer } from "./mail.ts";
import { configuredTranslator } from "./translation.ts";
import { createApp } from "./app.ts";
import { clientIp, rememberPeer } from "./client-ip.ts";
import type { Config } from "./config.ts";
import { ownerExists } from "./core/accounts.ts";
import { DomainEvents } from "./core/events.ts";
import { instanceSecret } from "./core/instance.ts";
import { createSetupToken } from "./core/setup.ts";
import { migrate } from "./db/migrate.ts";
import { paceHeap } from "./memory.ts";
import { closeDatabase, enableIncrementalVacuum, errorText, type OpenDatabase, openDatabase } from "./db/open.ts";
import { FatalError } from "./fatal.ts";
import { checkInstanceUrl, recordedUrl, recordInstanceUrl } from "./instance-url.ts";
import { createSkeinFederation } from "./federation/federation.ts";
import { verifyProfileLinks } from "./federation/profile-links.ts";
import { limitOutgoingRequests, unlimitedFetch } from "./federation/outgoing.ts";
import { SqliteMessageQueue } from "./federation/queue.ts";
import { maintenanceJobs, startScheduler } from "./scheduler.ts";
import { type Connection, createStreaming } from "./api/streaming.ts";
import { createLiveHub } from "./core/live.ts";
import { unsubscribeUrl } from "./web/unsubscribe.tsx";
import { MediaStore } from "./media/store.ts";
import { RemoteMediaCache } from "./media/remote-cache.ts";
import { guardedFetch, guardedFile, guardedPost } from "./federation/guarded-fetch.ts";
import { skeinUserAgent } from "./federation/loaders.ts";
import { compress } from "./web/compress.ts";
import { withSecurityHeaders } from "./web/security.ts";

const logger = getLogger(["skein", "server"]);
const accessLog = getLogger(["skein", "http"]);

export interface RunningServer {
  url: URL;
  server: Server<Connection>;
  database: OpenDatabase;
  /** Stops accepting, finishes requests and queued work in flight, closes the database. */
  stop(): Promise<void>;
}

/** The file, in the data folder, naming the process that serves it. */
export const PID_FILE = "skein.pid";

/**
 * The process serving a data folder, if one is alive: a file left by a crash does not count, nor
 * one whose number the system has since given to another program.
 */
export function servingProcess(dataDir: string): number | undefined {
  const path = join(dataDir, PID_FILE);
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return runsSameProgram(pid) ? pid : undefined;
}

/** Whether a process runs this program (Linux tells; elsewhere, or when it may not be read, assume so). */
function runsSameProgram(pid: number): boolean {
  try {
    // A binary replaced by an upgrade while it runs reads "… (deleted)".
    const program = (path: string) => readlinkSync(path).replace(/ \(deleted\)$/, "");
    return program(`/proc/${pid}/exe`) === program("/proc/self/exe");
  } catch {
    return true;
  }
}

/**
 * Marks the folder as served by this process, at once and only if no live process serves it:
 * two servers on one folder would each run the queue and the jobs, and `skein restore` must not
 * slip in while one starts. The mark goes at a clean stop, or when this process ends early.
 */
function claimDataFolder(dir: string): string {
  const path = join(dir, PID_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const other = servingProcess(dir);
      if (other)
        throw new FatalError(`an instance (process ${other}) already serves ${dir}; stop it first, or choose another --data`);
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  process.once("exit", () => {
    try {
      releaseDataFolder(path);
    } catch {
      // A folder that turned read-only keeps the file: it names a process that is gone, which counts for nothing.
    }
  });
  return path;
}

/** Removes the mark, if it is still ours (a refused second start must not unmark the one serving). */
function releaseDataFolder(path: string): void {
  if (existsSync(path) && readFileSync(path, "utf8").trim() === String(process.pid)) rmSync(path);
}

/** Creates the data folder if needed and checks that it, and the database files in it, can be written. */
export function prepareDataFolder(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new FatalError(
      `cannot use the data folder ${dir} (${errorText(error)}); choose another with --data or fix its permissions`,
    );
  }
  const path = join(dir, "skein.db");
  // SQLite opens a file it cannot write read-only without a word, and the first write then
  // failed as "unexpected error: attempt to write a readonly database".
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      throw new FatalError(`the database file ${file} is read-only (${errorText(error)}); make it writable and start again`);
    }
  }
  keepPrivate(dir, path);
  return path;
}

/**
 * The folder and database of an instance made before Skein wrote them for its user alone (main.ts
 * sets the umask): the keys in the database were readable by every account on the machine.
 */
function keepPrivate(dir: string, path: string): void {
  try {
    for (const file of [dir, path, `${path}-wal`, `${path}-shm`]) {
      const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0;
      if (mode & 0o077) chmodSync(file, mode & 0o700);
    }
  } catch {
    // Another user's folder (a container's volume, say): its owner decides.
  }
}

/** Opens and migrates the database of a data folder. */
export function openInstanceDatabase(config: Pick<Config, "data">): OpenDatabase {
  const database = openDatabase(prepareDataFolder(config.data));
  try {
    migrate(database.sqlite, database.path);
  } catch (error) {
    database.sqlite.close();
    throw error;
  }
  return database;
}

export async function startServer(config: Config, options: { changeUrl?: boolean } = {}): Promise<RunningServer> {
  // A promise a library let fail unawaited (Fedify's proof check while its key is still being
  // fetched) must not stop the instance for everyone: a stranger could otherwise crash it at will.
  process.on("unhandledRejection", (reason) =>
    logger.error("Unhandled failure: {reason}", {
      reason: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
    }),
  );
  if (config.allowPrivateAddresses) {
    logger.warning("allow-private-addresses is on: federation may reach loopback and private hosts. Use it for tests only.");
  }
  // Every request to another server gets a deadline and a size limit, Fedify's included, and
  // deliveries go to a checked address.
  limitOutgoingRequests(undefined, { allowPrivate: config.allowPrivateAddresses });
  // Refused before anything is written: a mistyped --url must not even migrate the database.
  checkInstanceUrl(recordedUrl(config.data), config.url, options.changeUrl ?? false);
  prepareDataFolder(config.data);
  const pidFile = claimDataFolder(config.data);
  const database = openInstanceDatabase(config);
  const { db, sqlite } = database;
  recordInstanceUrl(db, config.url, options.changeUrl ?? false);
  const vacuum = enableIncrementalVacuum(sqlite);
  if (vacuum) logger.info("Database: {vacuum}", { vacuum });
  const filed = fileEarlierConversations(db);
  if (filed > 0) logger.info("Filed {filed} earlier direct messages as conversations (once)", { filed });
  const secret = instanceSecret(db);

  const events = new DomainEvents((error) => logger.error("A domain event handler failed: {error}", { error }));
  const queue = new SqliteMessageQueue(db);
  const abandoned = queue.releaseAbandoned();
  if (abandoned > 0) logger.info("Resuming {abandoned} queued messages left by the last run", { abandoned });
  const federation = createSkeinFederation({ db, events, baseUrl: config.url, config, queue });
  verifyProfileLinks({ db, events, baseUrl: config.url, allowPrivate: config.allowPrivateAddresses });
  const live = createLiveHub({ db, events, baseUrl: config.url });
  const media = new MediaStore(join(config.data, "media"));
  const remoteMedia = new RemoteMediaCache(db, join(config.data, "media-cache"), (url, large) =>
    guardedFile(url, {
      allowPrivate: config.allowPrivateAddresses,
      userAgent: skeinUserAgent(config.url),
      // A video of 40 MB on a slow server: two minutes, the body counted by the cache.
      ...(large ? { fetcher: unlimitedFetch(), timeoutMs: 120_000 } : {}),
    }),
  );
  const mailer = config.mail ? smtpMailer(config.mail) : undefined;
  const app = createApp({
    db,
    sqlite,
    events,
    baseUrl: config.url,
    config,
    federation,
    secret,
    media,
    remoteMedia,
    live,
    queue,
    fetchPage: (url) =>
      guardedFetch(url, {
        allowPrivate: config.allowPrivateAddresses,
        userAgent: `${skeinUserAgent(config.url)} (link preview)`,
      }),
    push: ({ endpoint, headers, body }) =>
      guardedPost(
        endpoint,
        { headers, body },
        { allowPrivate: config.allowPrivateAddresses, userAgent: skeinUserAgent(config.url) },
      ),
    mailer,
    translator: configuredTranslator(config.translation),
  }).compile();

  const streaming = createStreaming({ db, events, baseUrl: config.url }, live);
  let server: Server<Connection>;
  try {
    server = Bun.serve({
      hostname: config.listen.hostname,
      port: config.listen.port,
      tls: config.tls ? { cert: Bun.file(config.tls.cert), key: Bun.file(config.tls.key) } : undefined,
      maxRequestBodySize: config.bodyLimit,
      // Bun's default (10 s) would cut a search that waits on a slow remote server.
      idleTimeout: 30,
      fetch: (request, srv) => {
        // The Mastodon streaming API upgrades to a WebSocket; everything else goes to the app.
        const streamed = streaming.upgrade(request, srv);
        if (streamed === null) return undefined;
        if (streamed) return withSecurityHeaders(streamed);
        return handle(app, request, srv.requestIP(request)?.address);
      },
      websocket: streaming.websocket,
      error: (error) => {
        logger.error("Unhandled error: {error}", { error });
        return withSecurityHeaders(new Response("Internal Server Error", { status: 500 }));
      },
    });
  } catch (error) {
    database.sqlite.close();
    throw listenError(config, error);
  }

  const queueStop = new AbortController();
  const queueDone = federation.startQueue(undefined, { signal: queueStop.signal });
  const coreDeps = { db, events, baseUrl: config.url };
  const notificationMail = mailer && {
    ...coreDeps,
    mailer,
    online: (accountId: string) => live.listening(accountId),
    unsubscribeUrl: unsubscribeUrl(secret, config.url),
    onMailFailure: (error: unknown) => logger.error("Could not e-mail a notification: {error}", { error: String(error) }),
  };
  const scheduler = startScheduler(coreDeps, maintenanceJobs({ ...coreDeps, media, remoteMedia, notificationMail }));

  const listening = `${config.tls ? "https" : "http"}://${formatHost(config.listen.hostname)}:${server.port}`;
  logger.info("Skein serves {url} on {listening}, data in {data}", { url: config.url.href, listening, data: config.data });
  if (config.mail) {
    const smtp = new URL(config.mail.smtpUrl);
    logger.info("E-mail goes out through {smtp} as {from}", { smtp: `${smtp.protocol}//${smtp.host}`, from: config.mail.from });
  }
  if (config.translation) {
    const where = config.translation.service === "deepl" ? "DeepL" : `LibreTranslate at ${config.translation.url}`;
    logger.info("Members can translate public posts with {where}", { where });
  }
  const stopPacing = paceHeap();
  if (!ownerExists(db)) {
    const link = new URL(`/setup?token=${createSetupToken(db)}`, config.url).href;
    // A warning, so that a quiet log level still shows it: without it nobody can finish the setup.
    logger.warning("No owner yet. Open this one-time link to create the owner account: {link}", { link });
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info("Stopping: finishing requests in flight");
      // Requests in flight get a few seconds; idle keep-alive connections are then closed.
      streaming.close();
      await Promise.race([server.stop(), Bun.sleep(5_000)]);
      await server.stop(true);
      queueStop.abort();
      await Promise.race([Promise.all([queueDone, scheduler.stop()]), Bun.sleep(10_000)]);
      closeDatabase(database);
      stopPacing();
      try {
        releaseDataFolder(pidFile);
      } catch (error) {
        // A folder that turned read-only: the file names a process that is gone, which counts for nothing.
        logger.warning("Could not remove {pidFile}: {error}", { pidFile, error: errorText(error) });
      }
      logger.info("Stopped cleanly");
    })());

  return { url: new URL(listening), server, database, stop };
}

/** Every request gets an id, carried by the logs written while serving it and by the response. */
async function handle(app: { handle(request: Request): Promise<Response> }, request: Request, peer?: string) {
  rememberPeer(request, peer);
  const ip = clientIp(request);
  // A proxy's id is kept so its logs and ours line up; anything odd-looking is replaced.
  const given = request.headers.get("x-request-id") ?? "";
  const requestId = /^[\w.-]{8,64}$/.test(given) ? given : Bun.randomUUIDv7();
  const started = performance.now();
  return withContext({ requestId }, async () => {
    const response = await compress(request, await app.handle(request));
    response.headers.set("x-request-id", requestId);
    const url = new URL(request.url);
    accessLog.info("{method} {path} {status} {ms}ms from {ip}", {
      method: request.method,
      path: withoutSecrets(url.pathname),
      status: response.status,
      ms: Math.round(performance.now() - started),
      ip,
    });
    return response;
  });
}

function listenError(config: Config, error: unknown): FatalError {
  const where = `${formatHost(config.listen.hostname)}:${config.listen.port}`;
  const code = (error as { code?: string }).code;
  if (code === "EADDRINUSE") {
    return new FatalError(
      `cannot listen on ${where}: the port is in use; stop the other program or choose another with --listen`,
    );
  }
  if (code === "EACCES") {
    return new FatalError(`cannot listen on ${where}: permission denied; use a port above 1023 or a reverse proxy`);
  }
  if (config.tls) {
    return new FatalError(`cannot serve HTTPS on ${where} (${errorText(error)}); check --tls-cert and --tls-key`);
  }
  return new FatalError(`cannot listen on ${where} (${errorText(error)}); check --listen`);
}

function formatHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
