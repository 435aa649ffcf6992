// The limits every outgoing request gets in the server (federation/outgoing.ts), against the
// misbehaving raw server of test/helpers/fault-peer.ts.
import { afterAll, expect, test } from "bun:test";
import { limitedFetch } from "../src/federation/outgoing.ts";
import { type FaultPeer, startFaultPeer } from "./helpers/fault-peer.ts";

const peers: FaultPeer[] = [];
afterAll(() => {
  for (const p of peers) p.stop();
});
const limited = limitedFetch(fetch, { deadlineMs: 1_000, maxBytes: 256 * 1024 });
const peer = async (fetchBehaviour: Parameters<typeof startFaultPeer>[0]["fetch"]) => {
  const p = await startFaultPeer({ actors: ["someone"], fetch: fetchBehaviour });
  peers.push(p);
  return p;
};
const timed = async (work: () => Promise<unknown>): Promise<{ error?: string; ms: number }> => {
  const started = Date.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => String(e),
  );
  return { error, ms: Date.now() - started };
};

test("a server that never answers: the request fails at the deadline", async () => {
  const p = await peer("hang");
  const { error, ms } = await timed(() => limited(`${p.base}/bad/x`));
  expect(error).toContain("timed out");
  expect(ms).toBeLessThan(3_000);
});

test("a body without end: reading stops at the size limit, at once", async () => {
  const p = await peer("huge");
  const response = await limited(`${p.base}/bad/x`);
  const { error, ms } = await timed(() => response.text());
  expect(error).toContain("larger than 262144 bytes");
  expect(ms).toBeLessThan(3_000);
});

test("a body read slowly past the deadline is cut; a caller's earlier deadline wins", async () => {
  const p = await peer("huge");
  const roomy = limitedFetch(fetch, { deadlineMs: 1_000, maxBytes: 1024 * 1024 * 1024 });
  const slow = await roomy(`${p.base}/bad/x`);
  const reader = slow.body?.getReader();
  await reader?.read();
  await Bun.sleep(1_100);
  const { error } = await timed(async () => {
    for (;;) if ((await reader?.read())?.done) return;
  });
  expect(error).toContain("timed out");
  const hang = await peer("hang");
  const { ms } = await timed(() => limited(`${hang.base}/bad/x`, { signal: AbortSignal.timeout(200) }));
  expect(ms).toBeLessThan(800);
});

test("an ordinary answer comes through whole, with its status, headers and URL", async () => {
  const p = await peer("ok");
  const response = await limited(`${p.base}/users/someone`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/activity+json");
  expect(response.url).toBe(`${p.base}/users/someone`);
  expect(((await response.json()) as { id: string }).id).toBe(`${p.base}/users/someone`);
});
