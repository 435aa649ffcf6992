// A federation lab: Skein instances as real processes serving HTTPS on loopback, with a
// throwaway CA they trust through NODE_EXTRA_CA_CERTS, and optionally the independent Fedify
// peer (test/helpers/peer.ts). Handles look like alice@127.0.0.1:PORT.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { WebClient } from "./client.ts";
import { tempDir } from "./db.ts";
import { freePort, type Instance, runCli, startInstance } from "./instance.ts";
import { type Peer, startPeer } from "./peer.ts";
import { makeCertificate, type TestCertificate } from "./tls.ts";

/** The password of every user createUser makes. */
export const LAB_PASSWORD = "correct horse battery staple";

export type LabRole = "owner" | "admin" | "moderator" | "user";

export interface LabInstance {
  /** https://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  port: number;
  dataDir: string;
  instance: Instance;
  /** fetch of a path (or a full URL) on this instance, trusting the lab's CA. */
  fetch(path: string, init?: BunFetchRequestInit): Promise<Response>;
  /** alice → alice@127.0.0.1:PORT */
  handle(username: string): string;
  /** `skein user create` against this instance's data folder; the password is LAB_PASSWORD. */
  createUser(username: string, options?: { role?: LabRole; email?: string; password?: string }): Promise<void>;
  /** A browser stand-in signed in as the user, over HTTPS. */
  login(username: string, password?: string): Promise<WebClient>;
  output(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
}

export interface Lab {
  cert: TestCertificate;
  /** Path of the CA certificate every process trusts. */
  ca: string;
  instances: LabInstance[];
  /** Milliseconds from startLab's call until every server answered. */
  startupMs: number;
  /** The instance at index (0-based); throws when there is none. */
  instance(index: number): LabInstance;
  /** fetch of any URL, trusting the lab's CA. */
  fetch(url: string, init?: BunFetchRequestInit): Promise<Response>;
  /** Every subprocess's output so far, labelled. */
  output(): string;
  /** Runs fn; if it throws, prints every subprocess's output, then rethrows. */
  explain<T>(fn: () => Promise<T>): Promise<T>;
  /** Stops every process of the lab (idempotent); throws with their output if one exited badly. */
  stop(): Promise<void>;
}

export interface LabWithPeer extends Lab {
  peer: Peer;
}

export interface LabOptions {
  instances: number;
  peer?: boolean;
  /** Extra flags for every Skein instance (e.g. ["--log-level", "debug"]). */
  args?: string[];
  /** Extra environment for every subprocess. */
  env?: Record<string, string>;
}

const running = new Set<Lab>();
const children = new Set<{ kill(signal?: number | NodeJS.Signals): void; exitCode: number | null }>();

// Should the test process die without stopping its lab, take the servers with it.
process.once("exit", () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

export function startLab(options: LabOptions & { peer: true }): Promise<LabWithPeer>;
export function startLab(options: LabOptions): Promise<Lab & { peer?: Peer }>;
export async function startLab(options: LabOptions): Promise<Lab & { peer?: Peer }> {
  const started = performance.now();
  const cert = makeCertificate();
  const ca = Bun.file(cert.ca);
  const trusted = (url: string, init: BunFetchRequestInit = {}) => fetch(url, { ...init, tls: { ca, ...init.tls } });
  const env = { NODE_EXTRA_CA_CERTS: cert.ca, ...options.env };

  const ports = new Set<number>();
  while (ports.size < options.instances) ports.add(freePort());
  // A free port can be taken by another process before the instance binds it: one more try then.
  const start = (port: number) =>
    startLabInstance(port, cert, env, options.args ?? [], trusted).catch((error: unknown) => {
      if (!String(error).includes("the port is in use")) throw error;
      return startLabInstance(freePort(), cert, env, options.args ?? [], trusted);
    });
  const starting = [...ports].map(start);
  const peerStarting = options.peer ? startPeer({ cert, env }) : Promise.resolve(undefined);
  const [instanceResults, peerResult] = await Promise.all([Promise.allSettled(starting), Promise.allSettled([peerStarting])]);

  const instances = instanceResults.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const peer = peerResult[0]?.status === "fulfilled" ? peerResult[0].value : undefined;
  const failures = [...instanceResults, ...peerResult].flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (failures.length > 0) {
    await Promise.all([...instances.map((i) => i.stop()), peer?.stop()]);
    throw new Error(`the lab did not start:\n${failures.map((f) => (f instanceof Error ? f.message : String(f))).join("\n\n")}`);
  }
  for (const i of instances) children.add(i.instance.proc);
  if (peer) children.add(peer.proc);

  const output = () =>
    [
      ...instances.map((i) => `----- skein ${i.host} (${i.dataDir}) -----\n${i.output()}`),
      ...(peer ? [`----- peer ${peer.host} -----\n${peer.output()}`] : []),
    ].join("\n");

  let stopping: Promise<void> | undefined;
  const lab: Lab & { peer?: Peer } = {
    cert,
    ca: cert.ca,
    instances,
    peer,
    startupMs: Math.round(performance.now() - started),
    instance(index) {
      const found = instances[index];
      if (!found) throw new Error(`the lab has ${instances.length} instances, not ${index + 1}`);
      return found;
    },
    fetch: trusted,
    output,
    async explain(fn) {
      try {
        return await fn();
      } catch (error) {
        console.error(`lab: the test failed; output of its processes follows\n${output()}`);
        throw error;
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        running.delete(lab);
        const codes = await Promise.all([...instances.map((i) => i.stop()), peer?.stop()]);
        for (const i of instances) children.delete(i.instance.proc);
        if (peer) children.delete(peer.proc);
        const bad = codes.flatMap((code, n) =>
          code !== undefined && code !== 0 ? [`${instances[n]?.host ?? "peer"} exited with ${code}`] : [],
        );
        if (bad.length > 0) throw new Error(`the lab did not stop cleanly (${bad.join(", ")}):\n${output()}`);
        // Kept when something went wrong, for a look at the databases.
        for (const dir of [dirname(cert.ca), ...instances.map((i) => dirname(i.dataDir))])
          rmSync(dir, { recursive: true, force: true });
      })()),
  };
  running.add(lab);
  return lab;
}

/** Stops every lab still running (for afterAll). */
export async function stopLab(): Promise<void> {
  const results = await Promise.allSettled([...running].map((lab) => lab.stop()));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

async function startLabInstance(
  port: number,
  cert: TestCertificate,
  env: Record<string, string>,
  extraArgs: string[],
  trusted: (url: string, init?: BunFetchRequestInit) => Promise<Response>,
): Promise<LabInstance> {
  const cwd = tempDir("skein-lab-");
  const dataDir = join(cwd, "data");
  const host = `127.0.0.1:${port}`;
  const url = `https://${host}`;
  const instance = await startInstance({
    cwd,
    dataDir,
    port,
    scheme: "https",
    caFile: cert.ca,
    env,
    args: [
      "--data",
      dataDir,
      "--listen",
      host,
      "--url",
      url,
      "--tls-cert",
      cert.cert,
      "--tls-key",
      cert.key,
      "--allow-private-addresses",
      ...extraArgs,
    ],
  });
  let stopped: Promise<number> | undefined;
  return {
    url,
    host,
    port,
    dataDir,
    instance,
    fetch: (path, init) => trusted(new URL(path, url).href, init),
    handle: (username) => `${username}@${host}`,
    async createUser(username, o = {}) {
      const role = o.role ?? "user";
      const email = o.email ?? `${username}@example.com`;
      const result = await runCli(
        ["user", "create", username, "--email", email, "--role", role, "--data", dataDir, "--url", url],
        {
          cwd,
          env,
          stdin: `${o.password ?? LAB_PASSWORD}\n`,
        },
      );
      if (result.code !== 0)
        throw new Error(`skein user create ${username} failed (${result.code}):\n${result.stdout}${result.stderr}`);
    },
    async login(username, password = LAB_PASSWORD) {
      const client = new WebClient((request) => fetch(request, { tls: { ca: Bun.file(cert.ca) } }), url);
      await client.login(username, password);
      return client;
    },
    output: () => instance.output(),
    stop: () =>
      (stopped ??= (async () => {
        // A server that does not finish within its own drain time is killed, and says so.
        const timer = setTimeout(() => instance.proc.kill("SIGKILL"), 15_000);
        const code = await instance.stop();
        clearTimeout(timer);
        return code;
      })()),
  };
}
