import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { FatalError } from "../src/fatal.ts";
import { tempDir } from "./helpers/db.ts";

function folderWithToml(toml: string): string {
  const cwd = tempDir();
  mkdirSync(join(cwd, "skein-data"));
  writeFileSync(join(cwd, "skein-data/skein.toml"), toml);
  return cwd;
}

function configError(run: () => unknown): FatalError {
  try {
    run();
  } catch (error) {
    if (error instanceof FatalError) return error;
    throw error;
  }
  throw new Error("expected a configuration error");
}

describe("loadConfig", () => {
  test("defaults give a local instance on port 3000 with data in ./skein-data", () => {
    const cwd = tempDir();
    const config = loadConfig({ cwd });
    expect(config.url.href).toBe("http://localhost:3000/");
    expect(config.listen).toEqual({ hostname: "localhost", port: 3000 });
    expect(config.data).toBe(join(cwd, "skein-data"));
    expect(config.tls).toBeUndefined();
    expect(config.allowPrivateAddresses).toBe(false);
    expect(config.logLevel).toBe("info");
    expect(config.bodyLimit).toBe(64 * 1024 * 1024);
  });

  test("without a URL the instance is where it listens", () => {
    const cwd = tempDir();
    const at = (listen: string) => loadConfig({ cwd, flags: { listen } }).url.href;
    expect(at("4100")).toBe("http://localhost:4100/");
    expect(at("0.0.0.0:8080")).toBe("http://localhost:8080/");
    expect(at("192.0.2.7:4100")).toBe("http://192.0.2.7:4100/");
    expect(at("[::1]:4100")).toBe("http://[::1]:4100/");
    expect(at("127.0.0.1:80")).toBe("http://127.0.0.1/");
  });

  test("flags win over the environment, which wins over skein.toml", () => {
    const cwd = folderWithToml(`url = "https://file.example"\nlisten = "0.0.0.0:4000"\nlog-level = "error"\n`);
    const config = loadConfig({
      cwd,
      env: { SKEIN_URL: "https://env.example", SKEIN_LISTEN: "5000", PATH: "/bin" },
      flags: { url: "https://flag.example" },
    });
    expect(config.url.href).toBe("https://flag.example/");
    expect(config.listen).toEqual({ hostname: "localhost", port: 5000 });
    expect(config.logLevel).toBe("error");
  });

  test("the data folder comes from the flag or SKEIN_DATA and holds skein.toml", () => {
    const cwd = folderWithToml(`url = "https://file.example"`);
    expect(loadConfig({ cwd, env: { SKEIN_DATA: "skein-data" } }).url.host).toBe("file.example");
    expect(loadConfig({ cwd, flags: { data: "elsewhere" } }).url.host).toBe("localhost:3000");
  });

  test("parses every kind of value", () => {
    const cwd = tempDir();
    const cert = join(cwd, "cert.pem");
    writeFileSync(cert, "x");
    const config = loadConfig({
      cwd,
      flags: {
        listen: "[::1]:8443",
        "tls-cert": cert,
        "tls-key": cert,
        "allow-private-addresses": true,
        "body-limit": "2MB",
        "log-format": "json",
      },
      env: { SKEIN_LOG_LEVEL: "debug" },
    });
    expect(config.listen).toEqual({ hostname: "::1", port: 8443 });
    expect(config.tls).toEqual({ cert, key: cert });
    expect(config.allowPrivateAddresses).toBe(true);
    expect(config.bodyLimit).toBe(2 * 1024 * 1024);
    expect(config.logFormat).toBe("json");
    expect(config.logLevel).toBe("debug");
    expect(loadConfig({ cwd, env: { SKEIN_ALLOW_PRIVATE_ADDRESSES: "1" } }).allowPrivateAddresses).toBe(true);
  });

  test("e-mail: none without an SMTP server; the sender defaults to noreply at the instance's host", () => {
    const cwd = tempDir();
    expect(loadConfig({ cwd }).mail).toBeUndefined();
    const smtpUrl = "smtps://skein:s3cret@mail.example:465";
    expect(loadConfig({ cwd, flags: { url: "https://social.example", "smtp-url": smtpUrl } }).mail).toEqual({
      smtpUrl,
      from: "Skein <noreply@social.example>",
    });
    const env = { SKEIN_SMTP_URL: "smtp://mail.example:587", SKEIN_MAIL_FROM: "Knitters <hello@knit.example>" };
    expect(loadConfig({ cwd, env }).mail?.from).toBe("Knitters <hello@knit.example>");
  });

  test("a bad SMTP address is refused without repeating it (it may hold a password)", () => {
    const error = configError(() => loadConfig({ cwd: tempDir(), env: { SKEIN_SMTP_URL: "https://user:s3cret@mail.example" } }));
    expect(error.message).toMatch(/SKEIN_SMTP_URL: the value is not valid; smtp-url accepts smtp:\/\//);
    expect(error.message).not.toContain("s3cret");
  });

  const bad: [string, Parameters<typeof loadConfig>[0], RegExp][] = [
    ["a URL with a path", { flags: { url: "https://x.example/social" } }, /--url: .* url accepts an http\(s\) URL/],
    ["a URL of another scheme", { flags: { url: "ftp://x.example" } }, /--url/],
    ["a port out of range", { flags: { listen: "70000" } }, /--listen: "70000" is not valid; listen accepts PORT or HOST:PORT/],
    ["a listen address without port", { env: { SKEIN_LISTEN: "localhost" } }, /SKEIN_LISTEN: "localhost" is not valid/],
    ["an unknown log level", { flags: { "log-level": "loud" } }, /log-level accepts debug, info, warning, error/],
    ["a size without a number", { flags: { "body-limit": "lots" } }, /body-limit accepts a size/],
    ["a boolean that is not one", { env: { SKEIN_ALLOW_PRIVATE_ADDRESSES: "maybe" } }, /SKEIN_ALLOW_PRIVATE_ADDRESSES: "maybe"/],
    [
      "a certificate that does not exist",
      { flags: { "tls-cert": "/nonexistent.pem", "tls-key": "/nonexistent.pem" } },
      /--tls-cert/,
    ],
    ["an unknown SKEIN_ variable", { env: { SKEIN_PORT: "3000" } }, /unknown environment variable SKEIN_PORT/],
    ["a sender that is no address", { flags: { "smtp-url": "smtp://mail.example", "mail-from": "Skein" } }, /mail-from accepts/],
  ];
  for (const [what, sources, message] of bad) {
    test(`refuses ${what}, naming the key, with exit code 2`, () => {
      const error = configError(() => loadConfig({ cwd: tempDir(), ...sources }));
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(2);
      expect(error.message).not.toContain("\n");
    });
  }

  test("refuses a certificate without its key", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "c.pem"), "x");
    expect(configError(() => loadConfig({ cwd, flags: { "tls-cert": "c.pem" } })).message).toContain(
      "tls-cert and tls-key go together",
    );
  });

  test("refuses an unknown key, the data key and broken TOML in skein.toml", () => {
    expect(configError(() => loadConfig({ cwd: folderWithToml(`port = 3000`) })).message).toMatch(
      /unknown key port in .*skein.toml/,
    );
    expect(configError(() => loadConfig({ cwd: folderWithToml(`data = "x"`) })).message).toMatch(/unknown key data/);
    expect(configError(() => loadConfig({ cwd: folderWithToml(`url = `) })).message).toMatch(/skein.toml is not valid TOML/);
    expect(configError(() => loadConfig({ cwd: folderWithToml(`url = ["a"]`) })).message).toMatch(/url in .* must be a string/);
  });
});
