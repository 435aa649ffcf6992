// A delivery survives its receiver being down and Skein restarting in between.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { startLab, stopLab } from "./helpers/lab.ts";
import { startInstance } from "./helpers/instance.ts";
import { type Peer, startPeer } from "./helpers/peer.ts";

setDefaultTimeout(120_000);
afterAll(() => stopLab());

test("a post to a server that is down arrives after it comes back, even across a Skein restart", async () => {
  const lab = await startLab({ instances: 1, peer: true });
  const skein = lab.instance(0);
  let peer: Peer = lab.peer;
  let restarted: Awaited<ReturnType<typeof startInstance>> | undefined;
  try {
    await skein.createUser("erin");
    const erin = await skein.login("erin");
    const pat = await peer.createActor("pat");
    await peer.follow(pat, `acct:${skein.handle("erin")}`);
    await peer.waitFor({ type: "Accept" });

    // The peer goes away; erin posts; the first delivery fails and is queued for a retry.
    const port = peer.port;
    await peer.stop();
    await erin.post("/statuses", { status: "written while you were away", visibility: "public" });
    await Bun.sleep(1500);

    // Skein restarts (the queue is in its database), then the peer comes back on its port.
    expect(await skein.stop()).toBe(0);
    restarted = await startInstance({
      port: skein.port,
      scheme: "https",
      caFile: lab.ca,
      env: { NODE_EXTRA_CA_CERTS: lab.ca },
      args: [
        "--data",
        skein.dataDir,
        "--listen",
        `127.0.0.1:${skein.port}`,
        "--url",
        skein.url,
        "--tls-cert",
        lab.cert.cert,
        "--tls-key",
        lab.cert.key,
        "--allow-private-addresses",
      ],
    });
    peer = await startPeer({ cert: lab.cert, env: { PEER_PORT: String(port) } });
    const create = await peer.waitFor(
      (a) => a.type === "Create" && JSON.stringify(a.json).includes("written while you were away"),
      60_000,
    );
    expect(create.actor).toBe(`${skein.url}/@erin`);
  } catch (error) {
    console.error(lab.output(), restarted?.output(), peer.output());
    throw error;
  } finally {
    await restarted?.stop();
    if (peer !== lab.peer) await peer.stop();
  }
});
