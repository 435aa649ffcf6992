import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { deliveryQueue, recordDeliveryFailure, recordDeliverySuccess } from "../src/core/delivery.ts";
import { failingHostCount, findInstance } from "../src/core/instances.ts";
import { createLocalUser } from "../src/core/accounts.ts";
import { DomainEvents } from "../src/core/events.ts";
import { createPost } from "../src/core/posts.ts";
import { createSkeinFederation } from "../src/federation/federation.ts";
import { notDelivered, observeDeliveries } from "../src/federation/delivery-outcome.ts";
import { SqliteMessageQueue } from "../src/federation/queue.ts";
import { community } from "./helpers/community.ts";
import { tempDatabase } from "./helpers/db.ts";

setDefaultTimeout(60_000);

const HOUR = 3_600_000;

function remoteAccount(db: Database, id: string, username: string, domain: string) {
  db.run("INSERT INTO accounts (id, username, domain, uri) VALUES (?, ?, ?, ?)", [
    id,
    username,
    domain,
    `https://${domain}/users/${username}`,
  ]);
}

function inbox(
  db: Database,
  url: string,
  values: { failures?: number; error?: string; failedAt?: number; okAt?: number; goneAt?: number },
) {
  db.run(
    "INSERT INTO inbox_status (inbox_url, host, failures, last_error, last_failure_at, last_success_at, gone_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [
      url,
      new URL(url).host,
      values.failures ?? 0,
      values.error ?? null,
      values.failedAt ?? null,
      values.okAt ?? null,
      values.goneAt ?? null,
    ],
  );
}

function queued(db: Database, id: string, message: Record<string, unknown>) {
  db.run("INSERT INTO queue_messages (id, message, run_at) VALUES (?, ?, ?)", [id, JSON.stringify(message), Date.now()]);
}

/**
 * A small fediverse seen from social.example: friendly.example (followed both ways, delivering
 * fine), bad.example (a troll with reports, failing), 127.0.0.1:8443 (a port in its domain) and
 * a host known only from a delivery record.
 */
async function seeded() {
  const c = await community(["ada", "bob", "cid"]);
  const db = c.database.sqlite;
  const bob = c.member("bob").accountId;
  const ada = c.member("ada").accountId;
  remoteAccount(db, "r-alice", "alice", "friendly.example");
  remoteAccount(db, "r-bert", "bert", "friendly.example");
  remoteAccount(db, "r-troll", "troll", "bad.example");
  remoteAccount(db, "r-pat", "pat", "127.0.0.1:8443");
  const follow = (id: string, follower: string, following: string, state = "accepted") =>
    db.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, ?)", [id, follower, following, state]);
  follow("f1", bob, "r-alice");
  follow("f2", ada, "r-bert");
  follow("f3", "r-alice", bob);
  follow("f4", bob, "r-bert"); // bob twice: still one local account
  follow("f5", c.member("cid").accountId, "r-alice", "pending"); // not accepted: not counted
  db.run(
    "INSERT INTO reports (id, reporter_id, target_account_id, category, comment) VALUES ('rep-open', ?, 'r-troll', 'spam', 'spam')",
    [bob],
  );
  db.run(
    "INSERT INTO reports (id, reporter_id, target_account_id, category, resolved_at) VALUES ('rep-done', ?, 'r-troll', 'violation', ?)",
    [bob, Date.now() - HOUR],
  );
  const now = Date.now();
  inbox(db, "https://friendly.example/inbox", { okAt: now - HOUR, failedAt: now - 2 * HOUR, error: "HTTP 502" });
  inbox(db, "https://bad.example/inbox", { failures: 3, error: "HTTP 500: <h1>oops</h1>", failedAt: now - HOUR });
  inbox(db, "https://bad.example/users/troll/inbox", {
    failures: 1,
    error: "HTTP 410",
    failedAt: now - HOUR,
    goneAt: now - HOUR,
  });
  inbox(db, "https://127.0.0.1:8443/inbox", { okAt: now });
  inbox(db, "https://inbox-only.example/inbox", { failures: 1, error: "Unable to connect", failedAt: now });
  queued(db, "q1", { type: "outbox", inbox: "https://bad.example/inbox", attempt: 2 });
  queued(db, "q2", { type: "outbox", inbox: "https://bad.example/inbox", attempt: 0 });
  queued(db, "q3", { type: "outbox", inbox: "https://friendly.example/inbox", attempt: 0 });
  queued(db, "q4", { type: "fanout", inboxes: {} });
  queued(db, "q5", { type: "inbox", activity: {} });
  return c;
}

/** The table row of one server on the list page, as text without tags. */
function rowOf(html: string, domain: string): string {
  const rows = html.split("<tr>").filter((r) => r.includes(`>${domain}</a>`));
  expect(rows).toHaveLength(1);
  return (rows[0] ?? "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

describe("the instances list", () => {
  test("every known server with its accounts, follows, reports and delivery; the queue and failing hosts on top", async () => {
    const c = await seeded();
    const html = await c.page(c.member("ada").browser, "/admin/instances");
    expect(html).toContain('aria-current="page"><span>Instances');
    // Waiting outgoing deliveries: three (one a retry); failing: bad.example and inbox-only.example.
    expect(html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ")).toContain("Deliveries waiting 3 Retrying 1 Servers failing 2");
    // Server, accounts, followed by (local accounts), following, open reports, delivery.
    expect(rowOf(html, "friendly.example")).toMatch(/friendly\.example 2 2 1 0 OK 1h/);
    expect(rowOf(html, "bad.example")).toMatch(/bad\.example 1 0 0 1 Failing 1h · 1 gone/);
    expect(rowOf(html, "127.0.0.1:8443")).toMatch(/127\.0\.0\.1:8443 1 0 0 0 OK now/);
    expect(rowOf(html, "inbox-only.example")).toMatch(/inbox-only\.example 0 0 0 0 Failing/);
    expect(html).toContain('href="/admin/instances/127.0.0.1%3A8443"');
    expect(html).not.toContain("social.example</a>"); // local accounts are not a remote server
    expect(html).not.toContain('rel="next"');
  });

  test("the search box and the failing / blocked filters", async () => {
    const c = await seeded();
    const ada = c.member("ada").browser;
    const found = await c.page(ada, "/admin/instances?q=EXAMPLE");
    expect(found).toContain(">friendly.example</a>");
    expect(found).not.toContain(">127.0.0.1:8443</a>");
    const failing = await c.page(ada, "/admin/instances?filter=failing");
    expect(failing).toContain(">bad.example</a>");
    expect(failing).toContain(">inbox-only.example</a>");
    expect(failing).not.toContain(">friendly.example</a>");
    expect(await c.page(ada, "/admin/instances?filter=blocked")).toContain("No servers here.");
    // A block on a parent domain covers its subdomains; a domain blocked before anything is
    // known of it is listed too.
    await ada.post("/admin/domain-blocks", { domain: "example", severity: "silence" });
    await ada.post("/admin/domain-blocks", { domain: "never-seen.example", severity: "suspend" });
    const blocked = await c.page(ada, "/admin/instances?filter=blocked");
    expect(rowOf(blocked, "bad.example")).toContain("Limit (example)");
    expect(rowOf(blocked, "never-seen.example")).toContain("Suspend");
    expect(blocked).not.toContain(">127.0.0.1:8443</a>");
    // Filters and search combine, and the filter links keep the search.
    const both = await c.page(ada, "/admin/instances?q=bad&filter=blocked");
    expect(both).toContain(">bad.example</a>");
    expect(both).not.toContain(">friendly.example</a>");
    expect(both).toContain('href="/admin/instances?q=bad&filter=failing"');
    expect((await ada.get("/admin/instances?filter=nonsense")).status).toBe(400);
  });

  test("50 servers a page, with a link to the next", async () => {
    const c = await community(["ada"]);
    const db = c.database.sqlite;
    for (let i = 0; i < 120; i++) inbox(db, `https://host${String(i).padStart(3, "0")}.example/inbox`, { okAt: Date.now() });
    const ada = c.member("ada").browser;
    const seen: string[] = [];
    let path: string | undefined = "/admin/instances";
    const pages: number[] = [];
    while (path) {
      const html = await c.page(ada, path);
      const domains = [...html.matchAll(/>(host\d+\.example)<\/a>/g)].map((m) => m[1] as string);
      pages.push(domains.length);
      seen.push(...domains);
      path = /href="([^"]+)" rel="next"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    }
    expect(pages).toEqual([50, 50, 20]);
    expect(new Set(seen).size).toBe(120);
    expect(seen).toEqual([...seen].sort());
  });
});

describe("one instance", () => {
  test("its figures, accounts, reports, delivery per inbox and queue", async () => {
    const c = await seeded();
    const ada = c.member("ada").browser;
    const html = await c.page(ada, "/admin/instances/bad.example");
    const text = html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toContain("Known accounts 1");
    expect(text).toContain("Open reports 1");
    expect(text).toContain("In the queue 2 deliveries, 1 retrying");
    expect(text).toContain("Last success none recorded");
    expect(html).toContain('href="/admin/accounts/r-troll"');
    expect(html).toContain('href="/admin/reports/rep-open"');
    expect(html).toContain('href="/admin/reports/rep-done"');
    expect(html.indexOf("rep-open")).toBeLessThan(html.indexOf("rep-done")); // open first
    expect(html).toContain("https://bad.example/inbox");
    expect(text).toContain("3 failures");
    expect(html).toContain("HTTP 500: &lt;h1&gt;oops&lt;/h1&gt;"); // the remote answer, escaped
    expect(text).toContain("Gone (nothing more is sent)");
    // friendly.example: delivering, with a last success.
    const friendly = (await c.page(ada, "/admin/instances/friendly.example")).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(friendly).toContain("Local accounts following them 2");
    expect(friendly).toContain("Local accounts they follow 1");
    expect(friendly).toMatch(/Last success \d+ \w+ \d{4}/);
    expect(friendly).toContain("@alice@friendly.example");
    expect(friendly).toContain("@bert@friendly.example");
  });

  test("a domain with a port, encoded or not; an unknown domain is a 404 page", async () => {
    const c = await seeded();
    const ada = c.member("ada").browser;
    for (const path of [
      "/admin/instances/127.0.0.1%3A8443",
      "/admin/instances/127.0.0.1:8443",
      "/admin/instances/127.0.0.1%3a8443",
    ]) {
      const res = await ada.get(path);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("@pat@127.0.0.1:8443");
      expect(html).toContain("https://127.0.0.1:8443/inbox");
    }
    const unknown = await ada.get("/admin/instances/nowhere.example");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("knows nothing about that server");
    expect((await ada.get("/admin/instances/%E0%A4%A")).status).toBe(400); // a broken escape
  });

  test("blocking from the instance page returns there, shows the block and links to the domain blocks page", async () => {
    const c = await seeded();
    const ada = c.member("ada").browser;
    const path = "/admin/instances/127.0.0.1%3A8443";
    const before = await c.page(ada, path);
    expect(before).toContain('action="/admin/domain-blocks"');
    expect(before).toMatch(/<input id="domain" name="domain"[^>]* value="127\.0\.0\.1:8443"/);
    expect(before).toContain(`name="back" value="${path}"`);
    const tooLong = await ada.post("/admin/domain-blocks", {
      domain: "127.0.0.1:8443",
      severity: "silence",
      public_comment: "b".repeat(1500),
      private_comment: "kept as typed",
    });
    expect(tooLong.status).toBe(422);
    const refused = await tooLong.text();
    expect(refused).toContain("Use at most 1,000 characters.");
    expect(refused).toContain("kept as typed");
    const res = await ada.post("/admin/domain-blocks", {
      domain: "127.0.0.1:8443",
      severity: "silence",
      reject_media: "1",
      public_comment: "too many bots",
      private_comment: "see report 12",
      back: path,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(path);
    const after = (await c.page(ada, path)).replace(/\s+/g, " ");
    expect(after).toContain("Limit · media rejected");
    expect(after).toContain("Private note: see report 12");
    expect(after).toContain('href="/admin/domain-blocks"');
    expect(after).not.toContain('action="/admin/domain-blocks"');
    expect(await c.page(ada, "/admin/domain-blocks")).toContain("127.0.0.1:8443");
    // A suspension that cuts follows is confirmed on the domain blocks page, then comes back here.
    const preview = await ada.post("/admin/domain-blocks", {
      domain: "friendly.example",
      severity: "suspend",
      back: "/admin/instances/friendly.example",
    });
    const previewHtml = await preview.text();
    expect(previewHtml).toContain("cuts 5 follow relationships"); // the pending one too
    expect(previewHtml).toContain('name="back" value="/admin/instances/friendly.example"');
    const confirmed = await ada.post("/admin/domain-blocks", {
      domain: "friendly.example",
      severity: "suspend",
      confirm: "1",
      back: "/admin/instances/friendly.example",
    });
    expect(confirmed.headers.get("location")).toBe("/admin/instances/friendly.example");
    // Only a page of this site's instance list is a place to return to.
    const elsewhere = await ada.post("/admin/domain-blocks", {
      domain: "x.example",
      severity: "noop",
      back: "https://evil.example/",
    });
    expect(elsewhere.headers.get("location")).toBe("/admin/domain-blocks");
  });

  test("account and report pages link a remote account's server", async () => {
    const c = await seeded();
    const ada = c.member("ada").browser;
    expect(await c.page(ada, "/admin/accounts/r-pat")).toContain('href="/admin/instances/127.0.0.1%3A8443"');
    expect(await c.page(ada, "/admin/reports/rep-open")).toContain('href="/admin/instances/bad.example"');
    expect(await c.page(ada, `/admin/accounts/${c.member("bob").accountId}`)).not.toContain("/admin/instances/");
  });
});

describe("who may see them", () => {
  test("a user gets 403, a moderator sees the pages without the block form, a visitor is sent to log in", async () => {
    const c = await seeded();
    const bob = c.member("bob").browser;
    for (const path of ["/admin/instances", "/admin/instances/bad.example"]) {
      expect((await bob.get(path)).status).toBe(403);
      const visitor = await c.visitor.get(path);
      expect(visitor.status).toBe(303);
      expect(visitor.headers.get("location")).toStartWith("/login?next=");
    }
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("bob").accountId]);
    expect((await bob.get("/admin/instances")).status).toBe(200);
    const detail = await c.page(bob, "/admin/instances/bad.example");
    expect(detail).toContain("Only admins can block a server.");
    expect(detail).not.toContain('action="/admin/domain-blocks"');
    expect((await bob.post("/admin/domain-blocks", { domain: "bad.example", severity: "suspend" })).status).toBe(403);
  });
});

describe("delivery records", () => {
  test("a delivery that succeeds after failures resets the count: the host stops showing as failing", () => {
    const { db } = tempDatabase();
    const url = "https://slow.example/inbox";
    recordDeliveryFailure(db, url, "HTTP 503");
    recordDeliveryFailure(db, url, "Unable to connect");
    expect(findInstance(db, "slow.example")).toMatchObject({ inboxes: 1, failingInboxes: 1, lastSuccessAt: null });
    expect(failingHostCount(db)).toBe(1);
    recordDeliverySuccess(db, url);
    const after = findInstance(db, "slow.example");
    expect(after).toMatchObject({ failingInboxes: 0, goneInboxes: 0 });
    expect(after?.lastSuccessAt).toBeInstanceOf(Date);
    expect(after?.lastFailureAt).toBeInstanceOf(Date); // the history stays
    expect(failingHostCount(db)).toBe(0);
    // An inbox marked gone that takes a delivery again is back.
    recordDeliveryFailure(db, url, "HTTP 410", true);
    expect(findInstance(db, "slow.example")?.goneInboxes).toBe(1);
    recordDeliverySuccess(db, url);
    expect(findInstance(db, "slow.example")?.goneInboxes).toBe(0);
    // A first delivery that succeeds makes a record too.
    recordDeliverySuccess(db, "https://new.example:8443/inbox");
    expect(findInstance(db, "new.example:8443")?.lastSuccessAt).toBeInstanceOf(Date);
  });

  test("the queue counts outgoing deliveries, in all and per host (port included)", () => {
    const t = tempDatabase();
    queued(t.sqlite, "a", { type: "outbox", inbox: "https://a.example:8443/inbox", attempt: 1 });
    queued(t.sqlite, "b", { type: "outbox", inbox: "https://a.example/inbox", attempt: 0 });
    queued(t.sqlite, "c", { type: "outbox", inbox: "https://a.example.evil/inbox", attempt: 0 });
    queued(t.sqlite, "d", { type: "fanout" });
    expect(deliveryQueue(t.db)).toEqual({ pending: 3, retrying: 1, fanout: 1 });
    expect(deliveryQueue(t.db, "a.example")).toMatchObject({ pending: 1, retrying: 0 });
    expect(deliveryQueue(t.db, "a.example:8443")).toMatchObject({ pending: 1, retrying: 1 });
  });
});

/** Polls until `check` gives a value (deliveries happen on the queue's own time). */
async function eventually<T>(check: () => T | undefined | null | false, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error("timed out");
    await Bun.sleep(50);
  }
}

test("Fedify's real deliveries are recorded: a failed attempt, its retry that arrives, then an inbox gone", async () => {
  // A remote inbox on loopback; the test sets its answer (Fedify may knock twice per delivery,
  // with each signature spec).
  let answer = 500;
  const received: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      received.push(((await request.json()) as { object: { content: string } }).object.content);
      return new Response(answer === 500 ? "boom" : "", { status: answer });
    },
  });
  const t = tempDatabase();
  const stop = new AbortController();
  try {
    const baseUrl = new URL("https://social.example");
    const deps = { db: t.db, events: new DomainEvents(), baseUrl };
    const federation = createSkeinFederation({
      ...deps,
      config: { url: baseUrl, allowPrivateAddresses: true },
      queue: new SqliteMessageQueue(t.db, { pollIntervalMs: 100 }),
    });
    const queueDone = federation.startQueue(undefined, { signal: stop.signal });
    const { accountId } = await createLocalUser(deps, {
      username: "ada",
      email: "a@example.com",
      password: "correct horse battery",
      role: "owner",
    });
    const host = `127.0.0.1:${server.port}`;
    const inboxUrl = `http://${host}/inbox`;
    t.sqlite.run("INSERT INTO accounts (id, username, domain, uri, inbox_url) VALUES ('r1', 'pat', ?, ?, ?)", [
      host,
      `http://${host}/users/pat`,
      inboxUrl,
    ]);
    t.sqlite.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES ('f1', 'r1', ?, 'accepted')", [accountId]);
    const row = () =>
      t.sqlite
        .query<{ failures: number; last_error: string | null; last_success_at: number | null; gone_at: number | null }, [string]>(
          "SELECT failures, last_error, last_success_at, gone_at FROM inbox_status WHERE inbox_url = ?",
        )
        .get(inboxUrl);

    await createPost(deps, { id: accountId, username: "ada" }, { status: "hello" });
    const failed = await eventually(() => row());
    expect(failed).toMatchObject({ failures: 1, last_error: "HTTP 500: boom", last_success_at: null });
    expect(findInstance(t.db, host)?.failingInboxes).toBe(1);
    // The retry is due in 10 s: bring it forward. It arrives and the failure count resets.
    answer = 202;
    t.sqlite.run("UPDATE queue_messages SET run_at = 0");
    const recovered = await eventually(() => row()?.last_success_at && row());
    expect(recovered).toMatchObject({ failures: 0, gone_at: null, last_error: "HTTP 500: boom" });
    expect(failingHostCount(t.db)).toBe(0);
    // 410: counted once, and the inbox is gone.
    answer = 410;
    await createPost(deps, { id: accountId, username: "ada" }, { status: "again" });
    const gone = await eventually(() => row()?.gone_at && row());
    expect(gone).toMatchObject({ failures: 1, last_error: "HTTP 410" });
    expect(new Set(received)).toEqual(new Set(["<p>hello</p>", "<p>again</p>"]));
    stop.abort();
    await queueDone;
  } finally {
    stop.abort();
    server.stop(true);
    t.cleanup();
  }
});

test("only an outbox message handled without a failure report or a re-queue counts as delivered", async () => {
  const t = tempDatabase();
  const delivered: string[] = [];
  const queue = observeDeliveries(new SqliteMessageQueue(t.db, { pollIntervalMs: 20 }), (inbox) => delivered.push(inbox));
  const stop = new AbortController();
  let handled = 0;
  const listening = queue.listen(
    async (message) => {
      const m = message as { type: string; inbox: string; held?: boolean };
      handled++;
      await Bun.sleep(5); // the outcome must follow the message across awaits
      if (m.inbox === "https://x.example/failed") notDelivered(); // what onOutboxError does
      if (m.inbox === "https://x.example/held" && !m.held) await queue.enqueue({ ...m, held: true }); // a retry or a hold
    },
    { signal: stop.signal },
  );
  for (const inbox of ["https://x.example/sent", "https://x.example/failed", "https://x.example/held"])
    await queue.enqueue({ type: "outbox", inbox });
  await queue.enqueue({ type: "inbox", inbox: "https://x.example/not-a-delivery" });
  await eventually(() => handled === 5);
  stop.abort();
  await listening;
  // The held message was delivered the second time.
  expect(delivered.sort()).toEqual(["https://x.example/held", "https://x.example/sent"]);
  t.cleanup();
});
