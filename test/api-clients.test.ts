// The Mastodon API driven by real client libraries, as apps use it: masto.js against an instance
// in the TLS lab (with the Fedify peer for remote accounts), megalodon against a plain HTTP one.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, type mastodon } from "masto";
import generator from "megalodon";
import { WebClient } from "./helpers/client.ts";
import { tempDir } from "./helpers/db.ts";
import { testJpeg } from "./helpers/images.ts";
import { freePort, type Instance, runCli, startInstance } from "./helpers/instance.ts";
import { type LabInstance, type LabWithPeer, startLab, stopLab } from "./helpers/lab.ts";
import { authorizeCode } from "./helpers/oauth.ts";

setDefaultTimeout(120_000);

/** Polls until `check` gives a value (deliveries and follows are asynchronous). */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await Bun.sleep(150);
  }
}

/** Checks an entity has every documented key, with the right type. */
function shaped(entity: unknown, keys: Record<string, string>) {
  const record = entity as Record<string, unknown>;
  for (const [key, type] of Object.entries(keys)) {
    const value = record[key];
    const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    expect({ key, type: type.split("|").includes(actual) ? type : actual }).toEqual({ key, type });
  }
}

const accountKeys = {
  id: "string",
  username: "string",
  acct: "string",
  display_name: "string",
  locked: "boolean",
  bot: "boolean",
  group: "boolean",
  discoverable: "boolean|null",
  created_at: "string",
  note: "string",
  url: "string",
  uri: "string",
  avatar: "string",
  avatar_static: "string",
  header: "string",
  header_static: "string",
  followers_count: "number",
  following_count: "number",
  statuses_count: "number",
  last_status_at: "string|null",
  emojis: "array",
  fields: "array",
};
const statusKeys = {
  id: "string",
  uri: "string",
  created_at: "string",
  account: "object",
  content: "string",
  visibility: "string",
  sensitive: "boolean",
  spoiler_text: "string",
  media_attachments: "array",
  mentions: "array",
  tags: "array",
  emojis: "array",
  reblogs_count: "number",
  favourites_count: "number",
  replies_count: "number",
  url: "string|null",
  in_reply_to_id: "string|null",
  in_reply_to_account_id: "string|null",
  reblog: "object|null",
  poll: "null",
  card: "null",
  language: "string|null",
  edited_at: "string|null",
  favourited: "boolean",
  reblogged: "boolean",
  muted: "boolean",
  bookmarked: "boolean",
  pinned: "boolean",
  filtered: "array",
};

describe("masto.js against an instance in the TLS lab", () => {
  let lab: LabWithPeer;
  let one: LabInstance;
  const realFetch = globalThis.fetch;
  beforeAll(async () => {
    lab = await startLab({ instances: 1, peer: true });
    one = lab.instance(0);
    // masto.js builds a Request and fetches it, so Bun's per-call `tls` option cannot reach it:
    // this process trusts the lab's CA for every fetch instead (it is read only at start from
    // NODE_EXTRA_CA_CERTS, which the test runner did not have).
    const ca = Bun.file(lab.ca);
    globalThis.fetch = Object.assign(
      (input: Request | string | URL, init?: RequestInit) => realFetch(input, { ...init, tls: { ca } }),
      realFetch,
    );
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
    return stopLab();
  });

  /** An app registered with masto, authorized by the member through the real pages, and its client. */
  async function clientFor(username: string): Promise<mastodon.rest.Client> {
    return (await authorizedClient(username)).client;
  }
  async function authorizedClient(username: string) {
    const anonymous = createRestAPIClient({ url: one.url });
    const redirectUri = "https://app.example/callback";
    const app = await anonymous.v1.apps.create({
      clientName: "masto test",
      redirectUris: redirectUri,
      scopes: "read write follow",
    });
    const browser = await one.login(username);
    const { code, verifier } = await authorizeCode(browser, one.url, app.clientId ?? "", { redirectUri });
    const token = await createOAuthAPIClient({ url: one.url }).token.create({
      grantType: "authorization_code",
      clientId: app.clientId ?? "",
      clientSecret: app.clientSecret ?? "",
      redirectUri,
      code,
      codeVerifier: verifier,
    } as Parameters<mastodon.oauth.Client["token"]["create"]>[0]);
    return { client: createRestAPIClient({ url: one.url, accessToken: token.accessToken }), accessToken: token.accessToken };
  }

  test("post, reply, media, favourite, boost, follow here and on the peer, timelines, notifications, paging, search, edit, delete", () =>
    lab.explain(async () => {
      const { peer } = lab;
      await one.createUser("amy");
      await one.createUser("ben");
      const amy = await clientFor("amy");
      const ben = await clientFor("ben");
      const me = await amy.v1.accounts.verifyCredentials();
      expect(me.username).toBe("amy");

      // Post, reply, an image with alt text.
      const first = await amy.v1.statuses.create({ status: "hello from masto.js #clients" });
      expect(first.tags.map((t) => t.name)).toEqual(["clients"]);
      const reply = await amy.v1.statuses.create({ status: "and a reply", inReplyToId: first.id });
      expect(reply.inReplyToId).toBe(first.id);
      const media = await amy.v2.media.create({
        file: new Blob([await testJpeg(64, 48)], { type: "image/jpeg" }),
        description: "a tiny square",
      });
      expect(media.type).toBe("image");
      expect(media.description).toBe("a tiny square");
      const withImage = await amy.v1.statuses.create({ status: "look", mediaIds: [media.id] });
      expect(withImage.mediaAttachments[0]?.url).toStartWith(one.url);

      // Follow a second member, who favourites and boosts: notifications arrive.
      const benAccount = await ben.v1.accounts.verifyCredentials();
      const relationship = await amy.v1.accounts.$select(benAccount.id).follow();
      expect(relationship.following).toBe(true);
      await ben.v1.accounts.$select(me.id).follow();
      await ben.v1.statuses.$select(first.id).favourite();
      await ben.v1.statuses.$select(first.id).reblog();
      const notifications = await amy.v1.notifications.list();
      expect(notifications.map((n) => n.type).sort()).toEqual(["favourite", "follow", "reblog"]);
      const benPost = await ben.v1.statuses.create({ status: "ben says hi" });
      const home = await amy.v1.timelines.home.list({ limit: 40 });
      expect(home.map((s) => s.id)).toContain(benPost.id);

      // A remote account, found with resolve=true, followed; its post reaches amy's home.
      const pat = await peer.createActor("pat", { name: "Pat Peer" });
      const found = await amy.v2.search.list({ q: `@pat@${peer.host}`, resolve: true, type: "accounts" });
      const remote = found.accounts[0];
      expect(remote?.acct).toBe(`pat@${peer.host}`);
      await amy.v1.accounts.$select(remote?.id ?? "").follow();
      await peer.waitFor((a) => a.type === "Follow" && a.object === pat.id);
      await eventually(
        "the follow accepted",
        async () => (await amy.v1.accounts.relationships.fetch({ id: [remote?.id ?? ""] }))[0]?.following,
      );
      await peer.post(pat, { text: "hello from the peer", visibility: "public" });
      await eventually("the peer's post at home", async () =>
        (await amy.v1.timelines.home.list()).some((s) => s.content.includes("hello from the peer")),
      );

      // Paging: five more posts, read two at a time through the Link headers.
      for (let i = 0; i < 5; i++) await amy.v1.statuses.create({ status: `page ${i}` });
      const seen: string[] = [];
      for await (const page of amy.v1.accounts.$select(me.id).statuses.list({ limit: 2 })) {
        seen.push(...page.map((s) => s.id));
        if (seen.length > 20) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort().reverse());
      expect(seen.length).toBeGreaterThanOrEqual(8);

      // Edit and delete.
      const edited = await amy.v1.statuses.$select(first.id).update({ status: "hello, edited" });
      expect(edited.content).toContain("hello, edited");
      expect(edited.editedAt).not.toBeNull();
      const deleted = await amy.v1.statuses.$select(reply.id).remove();
      expect(deleted.text).toBe("and a reply");
      await expect(amy.v1.statuses.$select(reply.id).fetch()).rejects.toThrow();
    }));

  test("streaming: update, notification, status.update, delete and conversation arrive over the WebSocket", () =>
    lab.explain(async () => {
      await one.createUser("eve");
      await one.createUser("fay");
      const { client: eve, accessToken } = await authorizedClient("eve");
      const fay = await clientFor("fay");
      const ca = await Bun.file(lab.ca).text();
      // Bun's WebSocket takes TLS options as a second-argument object; masto passes protocols.
      class LabWebSocket extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, { protocols, tls: { ca } } as unknown as string[]);
        }
      }
      const instance = await eve.v2.instance.fetch();
      const streaming = createStreamingAPIClient({
        streamingApiUrl: instance.configuration.urls.streaming,
        accessToken,
        implementation: LabWebSocket,
        retry: false,
      });
      const received: { event: string; payload: unknown }[] = [];
      const subscription = streaming.user.subscribe();
      (async () => {
        for await (const e of subscription) received.push({ event: e.event, payload: e.payload });
      })().catch(() => {}); // ends when the client closes
      const fayAccount = await fay.v1.accounts.verifyCredentials();
      await eve.v1.accounts.$select(fayAccount.id).follow();
      // masto connects lazily (after a back-off pause): fay posts until eve's stream shows one.
      const post = await eventually("the update", async () => {
        const posted = await fay.v1.statuses.create({ status: "streamed words" });
        await Bun.sleep(300);
        return received.some((e) => e.event === "update" && (e.payload as { id: string }).id === posted.id) && posted;
      });
      const mine = await eve.v1.statuses.create({ status: "like me" });
      await fay.v1.statuses.$select(mine.id).favourite();
      const notification = await eventually("the notification", async () => received.find((e) => e.event === "notification"));
      expect((notification.payload as { type: string }).type).toBe("favourite");
      await fay.v1.statuses.$select(post.id).update({ status: "streamed words, edited" });
      await eventually("the status.update", async () => received.find((e) => e.event === "status.update"));
      await fay.v1.statuses.$select(post.id).remove();
      const deleted = await eventually("the delete", async () => received.find((e) => e.event === "delete"));
      expect(deleted.payload).toBe(post.id);
      expect((received.find((e) => e.event === "status.update")?.payload as { content: string }).content).toContain("edited");
      // A direct message: its conversation arrives on the `direct` stream.
      const direct = streaming.direct.subscribe();
      (async () => {
        for await (const e of direct) received.push({ event: e.event, payload: e.payload });
      })().catch(() => {});
      await Bun.sleep(300);
      await fay.v1.statuses.create({ status: "@eve psst, a secret", visibility: "direct" });
      const conversation = await eventually("the conversation", async () => received.find((e) => e.event === "conversation"));
      const payload = conversation.payload as { unread: boolean; accounts: { acct: string }[]; lastStatus: { content: string } };
      expect(payload.unread).toBe(true);
      expect(payload.accounts.map((a) => a.acct)).toEqual(["fay"]);
      expect(payload.lastStatus.content).toContain("psst, a secret");
      direct.unsubscribe();
      subscription.unsubscribe();
      streaming.close();
    }));

  test("lists: create, add an account, read the list timeline, the lists holding an account, remove, delete", () =>
    lab.explain(async () => {
      await one.createUser("dot");
      await one.createUser("eli");
      const dot = await clientFor("dot");
      const eli = await clientFor("eli");
      const eliAccount = await eli.v1.accounts.verifyCredentials();
      await dot.v1.accounts.$select(eliAccount.id).follow();
      const list = await dot.v1.lists.create({ title: "Friends", exclusive: true });
      expect(list).toMatchObject({ title: "Friends", repliesPolicy: "list", exclusive: true });
      await dot.v1.lists.$select(list.id).accounts.create({ accountIds: [eliAccount.id] });
      const members = await dot.v1.lists.$select(list.id).accounts.list();
      expect(members.map((a) => a.id)).toEqual([eliAccount.id]);
      const posted = await eli.v1.statuses.create({ status: "for the list" });
      const timeline = await dot.v1.timelines.list.$select(list.id).list();
      expect(timeline.map((s) => s.id)).toEqual([posted.id]);
      expect((await dot.v1.timelines.home.list()).map((s) => s.id)).not.toContain(posted.id); // exclusive
      expect((await dot.v1.accounts.$select(eliAccount.id).lists.list()).map((l) => l.id)).toEqual([list.id]);
      expect((await dot.v1.lists.$select(list.id).update({ title: "Pals" })).title).toBe("Pals");
      await dot.v1.lists.$select(list.id).accounts.remove({ accountIds: [eliAccount.id] });
      expect(await dot.v1.lists.$select(list.id).accounts.list()).toEqual([]);
      await dot.v1.lists.$select(list.id).remove();
      expect(await dot.v1.lists.list()).toEqual([]);
      await expect(dot.v1.lists.$select(list.id).fetch()).rejects.toThrow();
    }));

  test("the raw entities have every documented key with the right type", () =>
    lab.explain(async () => {
      await one.createUser("cat");
      const cat = await clientFor("cat");
      const post = await cat.v1.statuses.create({ status: "shape check" });
      const raw = async (path: string) => (await (await one.fetch(path)).json()) as Record<string, unknown>;
      shaped(await raw(`/api/v1/statuses/${post.id}`), statusKeys);
      shaped((await raw(`/api/v1/statuses/${post.id}`)).account, accountKeys);
      shaped(await raw(`/api/v1/statuses/${post.id}/context`), { ancestors: "array", descendants: "array" });
      shaped(await raw("/api/v2/instance"), {
        domain: "string",
        title: "string",
        version: "string",
        description: "string",
        usage: "object",
        thumbnail: "object",
        languages: "array",
        configuration: "object",
        registrations: "object",
        contact: "object",
        rules: "array",
      });
      expect(String((await raw("/api/v2/instance")).version)).toMatch(/^4\.5\.0 \(compatible; Skein /);
      shaped(await raw("/api/v1/instance"), {
        uri: "string",
        title: "string",
        version: "string",
        urls: "object",
        stats: "object",
      });
    }));
});

describe("megalodon against a plain HTTP instance", () => {
  let skein: Instance;
  let url: string;
  beforeAll(async () => {
    const cwd = tempDir();
    const data = join(cwd, "data");
    await runCli(["user", "create", "dora", "--email", "d@example.com", "--role", "owner", "--data", data], {
      cwd,
      stdin: "correct horse battery\n",
    });
    const port = freePort();
    url = `http://127.0.0.1:${port}`;
    skein = await startInstance({ cwd, port, args: ["--data", data, "--listen", `127.0.0.1:${port}`, "--url", url] });
  });
  afterAll(() => skein?.stop());

  test("register, authorize (client secret, no PKCE), post, read home and notifications, search", async () => {
    const anonymous = generator("mastodon", url);
    const redirectUri = "https://app.example/callback";
    const app = await anonymous.registerApp("megalodon test", {
      redirect_uris: redirectUri,
      scopes: ["read", "write", "follow"],
    });
    const browser = new WebClient((r) => fetch(r), url);
    await browser.login("dora", "correct horse battery");
    const params = new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "read write follow",
    });
    const consent = await browser.get(`/oauth/authorize?${params}`);
    expect(await consent.text()).toContain("megalodon test");
    const answer = await browser.post("/oauth/authorize", { ...Object.fromEntries(params), decision: "approve" });
    const code = new URL(answer.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, redirectUri);
    const client = generator("mastodon", url, token.access_token);
    expect((await client.verifyAccountCredentials()).data.username).toBe("dora");
    const posted = await client.postStatus("hello from megalodon", { visibility: "unlisted" });
    const id = "id" in posted.data ? posted.data.id : "";
    expect((await client.getHomeTimeline()).data.map((s) => s.id)).toContain(id);
    expect((await client.getNotifications()).data).toEqual([]);
    const found = await client.search("dora", { type: "accounts" });
    expect(found.data.accounts.map((a) => a.username)).toContain("dora");
    expect((await client.getInstance()).data.uri).toBe(new URL(url).host);
  });
});
