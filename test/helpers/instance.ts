import { join } from "node:path";
import type { Subprocess } from "bun";
import { tempDir } from "./db.ts";

export const repoRoot = join(import.meta.dir, "../..");
export const mainScript = join(repoRoot, "src/main.ts");

export function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (source, or the built binary) to completion. */
export async function runCli(
  args: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string>; command?: string[] } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([...(options.command ?? ["bun", mainScript]), ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...cleanEnv(), ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** The environment without SKEIN_* variables of the machine running the tests. */
export function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith("SKEIN_") && v !== undefined)) as Record<
    string,
    string
  >;
}

export interface Instance {
  url: string;
  dataDir: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
}

/** Starts a server process and waits for its /healthz. */
export async function startInstance(
  options: {
    args?: string[];
    cwd?: string;
    command?: string[];
    dataDir?: string;
    port?: number;
    scheme?: "http" | "https";
    /** The CA to trust when the instance serves HTTPS. */
    caFile?: string;
    /** Extra environment variables, merged over cleanEnv(). */
    env?: Record<string, string>;
  } = {},
): Promise<Instance> {
  const cwd = options.cwd ?? tempDir();
  const dataDir = options.dataDir ?? join(cwd, "data");
  const port = options.port ?? freePort();
  const scheme = options.scheme ?? "http";
  const args = options.args ?? ["--data", dataDir, "--listen", `127.0.0.1:${port}`, "--url", `${scheme}://127.0.0.1:${port}`];
  const proc = Bun.spawn([...(options.command ?? ["bun", mainScript]), ...args], {
    cwd,
    env: { ...cleanEnv(), ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
  };
  const collecting = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  const url = `${scheme}://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await collecting;
      throw new Error(`the instance exited with ${proc.exitCode}:\n${out}`);
    }
    const init = options.caFile ? ({ tls: { ca: Bun.file(options.caFile) } } as RequestInit) : {};
    const ok = await fetch(`${url}/healthz`, init).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the instance did not answer /healthz:\n${out}`);
    await Bun.sleep(50);
  }
  return {
    url,
    dataDir,
    proc,
    output: () => out,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await collecting;
      return code;
    },
  };
}

/** The one-time setup link the server printed. */
export function setupLink(output: string): string {
  const match = /(https?:\/\/\S+\/setup\?token=[\w-]+)/.exec(output);
  if (!match?.[1]) throw new Error(`no setup link in:\n${output}`);
  return match[1];
}

/**
 * A Skein process on loopback that may federate with loopback senders (test/helpers/sender.ts),
 * with one owner created first through the CLI (password "correct horse battery").
 */
export async function startFederatingInstance(owner = "alice", extraArgs: string[] = []) {
  const cwd = tempDir();
  const data = join(cwd, "data");
  await runCli(["user", "create", owner, "--email", `${owner}@example.com`, "--role", "owner", "--data", data], {
    cwd,
    stdin: "correct horse battery\n",
  });
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const instance = await startInstance({
    cwd,
    port,
    args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url, "--allow-private-addresses", ...extraArgs],
  });
  return { instance, url, data };
}

/** Makes a user of a running instance with the CLI, the password on standard input, as an admin would. */
export async function createUserWithCli(
  instance: Pick<Instance, "url" | "dataDir">,
  name: string,
  role: string,
  password: string,
) {
  const args = ["user", "create", name, "--email", `${name}@example.com`, "--role", role, "--data", instance.dataDir];
  const result = await runCli([...args, "--url", instance.url], { stdin: `${password}\n` });
  if (result.code !== 0) throw new Error(`user create ${name}: ${result.stdout}${result.stderr}`);
}
