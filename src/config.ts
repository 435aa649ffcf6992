import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FatalError } from "./fatal.ts";

export const logLevels = ["debug", "info", "warning", "error"] as const;

/** Everything the instance is started with. Built once, by loadConfig, and never changed. */
export interface Config {
  /** The public base URL; every URL the instance generates starts with it. */
  url: URL;
  listen: { hostname: string; port: number };
  /** Absolute path of the data folder (database, media, skein.toml). */
  data: string;
  tls?: { cert: string; key: string };
  /** Testing only: lets federation reach loopback and private addresses. */
  allowPrivateAddresses: boolean;
  logLevel: (typeof logLevels)[number];
  logFormat: "text" | "json";
  /** Largest request body accepted, in bytes (413 above it). */
  bodyLimit: number;
  /** How the instance sends e-mail (password resets); absent, it sends none. */
  mail?: { smtpUrl: string; from: string };
  /** The service that translates posts for members (src/translation.ts); absent, none is offered. */
  translation?: { service: "deepl"; key: string } | { service: "libretranslate"; url: string; key?: string };
}

type Raw = string | number | boolean;

interface KeySpec {
  accepts: string;
  /** Returns the parsed value, or undefined when the raw value is not acceptable. */
  parse(raw: Raw, cwd: string): unknown;
  /** Whether the key may appear in skein.toml (not the data folder itself). */
  inFile?: boolean;
  /** A flag that stands alone, like --allow-private-addresses. */
  boolean?: boolean;
  /** Never repeated in a message: it may hold a password. */
  secret?: boolean;
}

const keys = {
  url: { accepts: "an http(s) URL without a path, like https://social.example", parse: parseBaseUrl },
  listen: { accepts: "PORT or HOST:PORT, like 127.0.0.1:3000 or [::]:443", parse: parseListen },
  data: {
    accepts: "a folder path",
    parse: (raw, cwd) => (typeof raw === "string" && raw ? resolve(cwd, raw) : undefined),
    inFile: false,
  },
  "tls-cert": { accepts: "the path of a readable PEM certificate file", parse: readablePath },
  "tls-key": { accepts: "the path of a readable PEM private key file", parse: readablePath },
  "allow-private-addresses": { accepts: "true or false", parse: parseBoolean, boolean: true },
  "log-level": { accepts: logLevels.join(", "), parse: (raw) => oneOf(raw, logLevels) },
  "log-format": { accepts: "text or json", parse: (raw) => oneOf(raw, ["text", "json"] as const) },
  "body-limit": { accepts: "a size like 50MB, 512KB or 1048576 (bytes)", parse: parseSize },
  "smtp-url": {
    accepts: "smtp://USER:PASSWORD@HOST:PORT (STARTTLS when the server offers it) or smtps://USER:PASSWORD@HOST:465",
    parse: parseSmtpUrl,
    secret: true,
  },
  "mail-from": { accepts: "an address like noreply@social.example or Skein <noreply@social.example>", parse: parseMailFrom },
  "deepl-key": { accepts: "a DeepL API key (one ending in :fx is for the free plan)", parse: parseKeyText, secret: true },
  "libretranslate-url": { accepts: "an http(s) URL like http://localhost:5000", parse: parseServiceUrl },
  "libretranslate-key": { accepts: "the API key the LibreTranslate server asks for", parse: parseKeyText, secret: true },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof keys;
export const configKeys = Object.keys(keys) as ConfigKey[];

const defaults: Record<ConfigKey, Raw | undefined> = {
  // Where it listens (listenUrl), unless the data folder's instance already has an address.
  url: undefined,
  listen: "localhost:3000",
  data: "./skein-data",
  "tls-cert": undefined,
  "tls-key": undefined,
  "allow-private-addresses": false,
  "log-level": "info",
  "log-format": "text",
  // The largest upload is a 40 MB video with its 10 MB cover, in a form with the post around them.
  "body-limit": "64MB",
  "smtp-url": undefined,
  "mail-from": undefined,
  "deepl-key": undefined,
  "libretranslate-url": undefined,
  "libretranslate-key": undefined,
};

export const envName = (key: ConfigKey) => `SKEIN_${key.toUpperCase().replaceAll("-", "_")}`;

export function isConfigKey(name: string): name is ConfigKey {
  return Object.hasOwn(keys, name);
}

export function isBooleanKey(key: ConfigKey): boolean {
  return (keys[key] as KeySpec).boolean === true;
}

export interface ConfigSources {
  flags?: Partial<Record<ConfigKey, Raw>>;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The address the data folder's instance already serves under (src/instance-url.ts). */
  recordedUrl?: (data: string) => URL | undefined;
}

/**
 * Flags win over SKEIN_* environment variables, which win over data/skein.toml, then defaults;
 * the address the instance already serves under comes before the default URL.
 */
export function loadConfig({ flags = {}, env = {}, cwd = process.cwd(), recordedUrl }: ConfigSources = {}): Config {
  const fromEnv: Partial<Record<ConfigKey, Raw>> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("SKEIN_") || value === undefined) continue;
    const key = configKeys.find((k) => envName(k) === name);
    if (!key) throw configError(`unknown environment variable ${name}`, `known: ${configKeys.map(envName).join(", ")}`);
    fromEnv[key] = value;
  }
  const pick = (key: ConfigKey, file: Partial<Record<ConfigKey, Raw>> = {}) =>
    ([
      [flags[key], `--${key}`],
      [fromEnv[key], envName(key)],
      [file[key], `${key} in skein.toml`],
      [defaults[key], `default ${key}`],
    ].find(([value]) => value !== undefined) ?? [undefined, key]) as [Raw | undefined, string];

  const [rawData, dataSource] = pick("data");
  const data = parseKey("data", rawData ?? "", dataSource, cwd) as string;
  const file = readConfigFile(join(data, "skein.toml"));
  const value = (key: ConfigKey) => {
    const [raw, source] = pick(key, file);
    return raw === undefined ? undefined : parseKey(key, raw, source, cwd);
  };

  const cert = value("tls-cert") as string | undefined;
  const key = value("tls-key") as string | undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw configError("tls-cert and tls-key go together", "give both files to serve HTTPS, or neither");
  }
  const listen = value("listen") as Config["listen"];
  const url =
    pick("url", file)[0] === undefined ? (recordedUrl?.(data) ?? listenUrl(listen, cert !== undefined)) : (value("url") as URL);
  const smtpUrl = value("smtp-url") as string | undefined;
  const deeplKey = value("deepl-key") as string | undefined;
  const libreUrl = value("libretranslate-url") as string | undefined;
  if (deeplKey && libreUrl) throw configError("deepl-key and libretranslate-url both given", "choose one translation service");
  return {
    url,
    listen,
    data,
    tls: cert && key ? { cert, key } : undefined,
    allowPrivateAddresses: value("allow-private-addresses") as boolean,
    logLevel: value("log-level") as Config["logLevel"],
    logFormat: value("log-format") as Config["logFormat"],
    bodyLimit: value("body-limit") as number,
    mail: smtpUrl
      ? { smtpUrl, from: (value("mail-from") as string | undefined) ?? `Skein <noreply@${url.hostname}>` }
      : undefined,
    translation: deeplKey
      ? { service: "deepl", key: deeplKey }
      : libreUrl
        ? { service: "libretranslate", url: libreUrl, key: value("libretranslate-key") as string | undefined }
        : undefined,
  };
}

function parseKey(key: ConfigKey, raw: Raw, source: string, cwd: string): unknown {
  const spec: KeySpec = keys[key];
  const parsed = spec.parse(raw, cwd);
  const shown = spec.secret ? "the value" : JSON.stringify(raw);
  if (parsed === undefined) throw configError(`${source}: ${shown} is not valid`, `${key} accepts ${spec.accepts}`);
  return parsed;
}

function readConfigFile(path: string): Partial<Record<ConfigKey, Raw>> {
  if (!existsSync(path)) return {};
  let parsed: Record<string, unknown>;
  try {
    parsed = Bun.TOML.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw configError(`${path} is not valid TOML (${error instanceof Error ? error.message : error})`, "fix or remove it");
  }
  const out: Partial<Record<ConfigKey, Raw>> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!isConfigKey(name) || (keys[name] as KeySpec).inFile === false) {
      throw configError(`unknown key ${name} in ${path}`, `known: ${configKeys.filter((k) => k !== "data").join(", ")}`);
    }
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw configError(`${name} in ${path} must be a string, number or boolean`, `${name} accepts ${keys[name].accepts}`);
    }
    out[name] = value;
  }
  return out;
}

export function configError(what: string, hint: string): FatalError {
  return new FatalError(`configuration: ${what}; ${hint}`, 2);
}

function parseBaseUrl(raw: Raw): URL | undefined {
  if (typeof raw !== "string" || !URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  if (!["http:", "https:"].includes(url.protocol)) return undefined;
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) return undefined;
  return url;
}

function parseSmtpUrl(raw: Raw): string | undefined {
  if (typeof raw !== "string" || !URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  return ["smtp:", "smtps:"].includes(url.protocol) && url.hostname && url.pathname.replace("/", "") === "" ? raw : undefined;
}

/** A translation service's address: the admin's choice, so a loopback or private one is fine. */
function parseServiceUrl(raw: Raw): string | undefined {
  if (typeof raw !== "string" || !URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  return ["http:", "https:"].includes(url.protocol) && !url.username && !url.search ? url.href.replace(/\/$/, "") : undefined;
}

/** An API key: one line of printable characters. */
function parseKeyText(raw: Raw): string | undefined {
  const text = String(raw).trim();
  return /^[\x21-\x7e]{1,200}$/.test(text) ? text : undefined;
}

/** An address alone, or a name and an address in angle brackets, on one line. */
function parseMailFrom(raw: Raw): string | undefined {
  const text = String(raw).trim();
  const address = /<([^<>]+)>$/.exec(text)?.[1] ?? text;
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address) && !/[\r\n]/.test(text) ? text : undefined;
}

/**
 * Without --url, the instance is where it listens (a port of this machine, or the address it
 * listens on when that is one address): the setup link and every link it writes then work there.
 */
function listenUrl({ hostname, port }: Config["listen"], tls: boolean): URL {
  const anyAddress = ["0.0.0.0", "::", "localhost"].includes(hostname);
  const host = anyAddress ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return new URL(`${tls ? "https" : "http"}://${host}:${port}`);
}

function parseListen(raw: Raw): Config["listen"] | undefined {
  const text = String(raw);
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { hostname: (match[1] ?? "localhost").replace(/^\[(.*)\]$/, "$1"), port };
}

function readablePath(raw: Raw, cwd: string): string | undefined {
  if (typeof raw !== "string" || !raw) return undefined;
  const path = resolve(cwd, raw);
  try {
    readFileSync(path);
    return path;
  } catch {
    return undefined;
  }
}

function parseBoolean(raw: Raw): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  const text = String(raw).toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off", ""].includes(text)) return false;
  return undefined;
}

function oneOf<T extends string>(raw: Raw, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === raw);
}

const units: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

function parseSize(raw: Raw): number | undefined {
  const match = /^(\d+)\s*([kmg]?b?)$/i.exec(String(raw).trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * (units[(match[2] ?? "").toLowerCase()] ?? Number.NaN);
  return Number.isSafeInteger(bytes) && bytes >= 1024 ? bytes : undefined;
}
