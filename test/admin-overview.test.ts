import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { activeUsersPerDay, DAY_MS, dayLabel, dayNumber, postsPerDay, SERIES_DAYS, signupsPerDay } from "../src/core/overview.ts";
import { lowestIdAt, newId } from "../src/db/ids.ts";
import { MediaStore } from "../src/media/store.ts";
import { formatBytes } from "../views/admin/overview.tsx";
import { community } from "./helpers/community.ts";
import { tempDatabase } from "./helpers/db.ts";

setDefaultTimeout(60_000);

const at = (iso: string) => new Date(iso).getTime();

function localAccount(db: Database, name: string, options: { createdAt?: number; approved?: boolean } = {}) {
  const accountId = newId();
  const userId = newId();
  const created = options.createdAt ?? Date.now();
  db.run("INSERT INTO accounts (id, username, created_at) VALUES (?, ?, ?)", [accountId, name, created]);
  db.run(
    "INSERT INTO users (id, account_id, email, password_hash, approved_at, email_confirmed_at, created_at) VALUES (?, ?, ?, 'x', ?, ?, ?)",
    [userId, accountId, `${name}@example.com`, options.approved === false ? null : created, created, created],
  );
  return { accountId, userId };
}

/** A post dated `ms`, its id made at that time as the app does. */
function postAt(db: Database, accountId: string, ms: number, options: { reblogOf?: string } = {}) {
  const id = newId(new Date(ms));
  db.run("INSERT INTO posts (id, account_id, content_html, reblog_of_id, created_at) VALUES (?, ?, 'hi', ?, ?)", [
    id,
    accountId,
    options.reblogOf ?? null,
    ms,
  ]);
  return id;
}

describe("day buckets", () => {
  test("a post at 23:59 UTC and one at 00:01 UTC fall on different days; the window is 30 days ending today", () => {
    const { db, sqlite } = tempDatabase();
    const { accountId } = localAccount(sqlite, "ada", { createdAt: at("2025-01-01T00:00:00Z") });
    postAt(sqlite, accountId, at("2025-03-09T23:59:00Z"));
    postAt(sqlite, accountId, at("2025-03-10T00:01:00Z"));
    postAt(sqlite, accountId, at("2025-03-10T00:02:00Z"));
    postAt(sqlite, accountId, at("2025-02-08T23:59:00Z")); // 30 days before today: outside
    const series = postsPerDay(db, new Date("2025-03-10T12:00:00Z"));
    expect(series.days).toHaveLength(SERIES_DAYS);
    expect(series.days[0]?.day).toBe("2025-02-09");
    expect(series.days.at(-2)).toEqual({ day: "2025-03-09", count: 1 });
    expect(series.days.at(-1)).toEqual({ day: "2025-03-10", count: 2 });
    expect(series.days.reduce((sum, d) => sum + d.count, 0)).toBe(3);
    expect(series.last7).toBe(3);
  });

  test("day numbers and ids: the lowest id of a moment sorts before every id made then or later", () => {
    expect(dayNumber(at("2025-03-09T23:59:59.999Z")) + 1).toBe(dayNumber(at("2025-03-10T00:00:00Z")));
    expect(dayLabel(dayNumber(at("2025-03-10T00:00:00Z")))).toBe("2025-03-10");
    const ms = at("2025-03-10T00:00:00Z");
    for (let i = 0; i < 50; i++) {
      expect(newId(new Date(ms)) >= lowestIdAt(ms)).toBe(true);
      expect(newId(new Date(ms - 1)) < lowestIdAt(ms)).toBe(true);
    }
  });

  test("the last 7 days against the 7 before; boosts and remote posts are not local posts", () => {
    const { db, sqlite } = tempDatabase();
    const now = new Date("2025-03-20T08:00:00Z");
    const { accountId, userId } = localAccount(sqlite, "ada", { createdAt: at("2025-03-14T10:00:00Z") });
    localAccount(sqlite, "bob", { createdAt: at("2025-03-07T10:00:00Z"), approved: false });
    sqlite.run(
      "INSERT INTO accounts (id, username, domain, uri) VALUES ('r1', 'far', 'far.example', 'https://far.example/u/far')",
    );
    const original = postAt(sqlite, "r1", at("2025-03-19T10:00:00Z"));
    postAt(sqlite, accountId, at("2025-03-19T11:00:00Z"), { reblogOf: original });
    postAt(sqlite, accountId, at("2025-03-14T00:00:00Z")); // first of the last 7 days
    postAt(sqlite, accountId, at("2025-03-13T23:00:00Z")); // last of the 7 before
    expect(postsPerDay(db, now)).toMatchObject({ last7: 1, previous7: 1 });
    expect(signupsPerDay(db, now)).toMatchObject({ last7: 1, previous7: 1 });

    // Active: the boost (19th) and posts (13th, 14th), a session seen on the 18th, started on the 2nd.
    sqlite.run("INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES ('s', ?, ?, ?, ?)", [
      userId,
      at("2025-03-02T09:00:00Z"),
      at("2025-03-18T09:00:00Z"),
      at("2025-04-18T09:00:00Z"),
    ]);
    const active = activeUsersPerDay(db, now);
    const count = (day: string) => active.days.find((d) => d.day === day)?.count;
    expect([count("2025-03-02"), count("2025-03-13"), count("2025-03-14"), count("2025-03-18"), count("2025-03-19")]).toEqual([
      1, 1, 1, 1, 1,
    ]);
    expect(active.days.reduce((sum, d) => sum + d.count, 0)).toBe(5);
    // One member, whatever the number of days: distinct members per week.
    expect(active).toMatchObject({ last7: 1, previous7: 1 });
  });
});

/** One card of the page, from its heading id to the end of its section. */
function card(html: string, id: string): string {
  const start = html.indexOf(`aria-labelledby="${id}-h"`);
  if (start < 0) throw new Error(`no card ${id}`);
  return html.slice(start, html.indexOf("</section>", start));
}

const DAY = DAY_MS;

async function seeded() {
  const c = await community(["ada", "bob", "cid"]); // three sign-ups today, each with a session
  const db = c.database.sqlite;
  const now = Date.now();
  const today = dayNumber(now) * DAY;
  const bob = c.member("bob").accountId;
  for (let i = 0; i < 3; i++) postAt(db, bob, today - 2 * DAY + (i + 1) * 60_000);
  postAt(db, bob, today - 10 * DAY + 3600_000);
  localAccount(db, "dee", { createdAt: today - 9 * DAY + 3600_000, approved: false });
  db.run("INSERT INTO accounts (id, username, domain, uri) VALUES ('r1', 'troll', 'bad.example', 'https://bad.example/u/troll')");
  db.run("INSERT INTO accounts (id, username, domain, uri) VALUES ('r2', 'kind', 'good.example', 'https://good.example/u/kind')");
  db.run("INSERT INTO reports (id, reporter_id, target_account_id, comment) VALUES ('rep1', ?, 'r1', 'spam')", [bob]);
  db.run("INSERT INTO reports (id, reporter_id, target_account_id, resolved_at) VALUES ('rep2', ?, 'r1', ?)", [bob, now]);
  db.run("INSERT INTO queue_messages (id, message, run_at) VALUES ('q1', ?, ?)", [
    JSON.stringify({ type: "outbox", inbox: "https://bad.example/inbox", attempt: 2 }),
    now,
  ]);
  db.run(
    "INSERT INTO inbox_status (inbox_url, host, failures, last_failure_at) VALUES ('https://bad.example/inbox', 'bad.example', 3, ?)",
    [now],
  );
  db.run(
    "INSERT INTO job_runs (name, last_started_at, last_finished_at, last_result, runs) VALUES ('tidy', ?, ?, '2 things tidied', 4)",
    [now - 3600_000, now - 3600_000],
  );
  db.run(
    "INSERT INTO job_runs (name, last_started_at, last_finished_at, last_error, runs) VALUES ('broken', ?, ?, 'Error: disk on fire', 1)",
    [now, now],
  );
  await c.media.save(new Uint8Array(1500), "image/png");
  return c;
}

describe("the overview page", () => {
  test("seeded figures: weekly totals, one bar a day, queue, failing servers, storage and jobs", async () => {
    const c = await seeded();
    const html = await c.page(c.member("ada").browser, "/admin");
    expect(html).toContain('<a href="/admin" aria-current="page"><span>Overview</span></a>');

    const signups = card(html, "signups");
    expect(signups).toContain("<strong>3</strong>");
    expect(signups).toContain("1 in the 7 days before");
    const posts = card(html, "posts");
    expect(posts).toContain("<strong>3</strong>");
    expect(posts).toContain("1 in the 7 days before");
    expect(posts).toContain(`<th scope="row">${dayLabel(dayNumber(Date.now()) - 2)}</th><td>3</td>`);
    const active = card(html, "active");
    expect(active).toContain("<strong>3</strong>"); // three sessions today, bob's posts too
    expect(active).toContain("1 in the 7 days before"); // bob's older post
    const reports = card(html, "reports");
    expect(reports).toContain("<strong>2</strong>"); // the open one and the resolved one, both today
    for (const chart of [signups, posts, active, reports]) {
      expect(chart.match(/<rect class="bar/g)).toHaveLength(SERIES_DAYS);
      expect(chart).toContain("<title");
      expect(chart.match(/<tr><th scope="row">/g)).toHaveLength(SERIES_DAYS);
    }
    expect(posts).toContain("at most 3 on one day");

    expect(html).toMatch(/Open reports<\/h2><p class="figure attention"><strong>1<\/strong>/);
    expect(html).toMatch(/Waiting sign-ups<\/h2><p class="figure attention"><strong>1<\/strong>/);
    expect(html).toMatch(/Members<\/h2><p class="figure"><strong>3<\/strong>/);
    expect(html).toContain("2 remote accounts known");
    expect(html).toContain('href="/admin/reports"');
    expect(html).toContain('href="/admin/registrations"');

    const delivery = card(html, "delivery");
    expect(delivery).toContain("<dt>Waiting to be sent</dt><dd>1</dd>");
    expect(delivery).toContain("<dt>Retrying</dt><dd>1</dd>");
    expect(delivery).toContain('<dt>Servers failing</dt><dd class="danger">1</dd>');
    expect(delivery).toContain('href="/admin/instances?filter=failing"');

    const storage = card(html, "storage");
    const pages = c.database.sqlite
      .query<{ n: number }, []>("SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()")
      .get();
    expect(storage).toContain(`<dt>Database</dt><dd>${formatBytes(pages?.n ?? 0)}</dd>`);
    expect(storage).toContain("<dt>Media</dt><dd>1.5 kB</dd>");
    expect(storage).toContain("1 media file;");

    const jobs = card(html, "jobs");
    expect(jobs).toContain("tidy");
    expect(jobs).toContain("2 things tidied");
    expect(jobs).toContain("Failed: Error: disk on fire");
  });

  test("a new instance renders: zero everywhere, empty bars, no jobs yet", async () => {
    const c = await community(["ada"]);
    c.database.sqlite.run("DELETE FROM sessions");
    c.database.sqlite.run("UPDATE users SET created_at = 0, last_sign_in_at = NULL");
    // Logged out by the delete: sign in again (a session today).
    await c.member("ada").browser.login("ada", "correct horse battery");
    const res = await c.member("ada").browser.get("/admin");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("NaN");
    expect(html).not.toContain("undefined");
    expect(card(html, "posts")).toContain("<strong>0</strong>");
    expect(card(html, "posts").match(/<rect class="bar zero/g)).toHaveLength(SERIES_DAYS);
    expect(card(html, "signups")).toContain("at most 0 on one day");
    expect(card(html, "active")).toContain("<strong>1</strong>");
    expect(html).toContain("No job has run yet");
    expect(html).toContain("<dt>Media</dt><dd>0 bytes</dd>");
  });

  test("moderators and up see it; a user gets 403; a visitor is sent to log in", async () => {
    const c = await community(["ada", "bob"]);
    const bob = c.member("bob").browser;
    expect((await bob.get("/admin")).status).toBe(403);
    const visitor = await c.visitor.get("/admin");
    expect(visitor.status).toBe(303);
    expect(visitor.headers.get("location")).toBe("/login?next=%2Fadmin");
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("bob").accountId]);
    expect((await bob.get("/admin")).status).toBe(200);
    // On other admin pages the Overview tab is not the current one.
    const reports = await c.page(bob, "/admin/reports");
    expect(reports).toContain('<a href="/admin"><span>Overview</span></a>');
    expect(reports).toContain('<a href="/admin/reports" aria-current="page"><span>Reports</span>');
  });
});

describe("media usage", () => {
  test("sums the folder's files, and stops (saying so) after the limit", async () => {
    const { dir } = tempDatabase();
    const store = new MediaStore(`${dir}/media`);
    expect(await store.usage()).toEqual({ bytes: 0, files: 0, complete: true }); // no folder yet
    for (let i = 0; i < 5; i++) await store.save(new Uint8Array(100), "image/jpeg");
    expect(await store.usage()).toEqual({ bytes: 500, files: 5, complete: true });
    const partial = await store.usage(3);
    expect(partial.complete).toBe(false);
    expect(partial.files).toBeLessThanOrEqual(3);
  });
});

describe("in a browser", () => {
  test("reads on a desktop and a phone, with no CSP or script errors (screenshots in test-results/)", async () => {
    const c = await seeded();
    const db = c.database.sqlite;
    // A month of varied activity, so the charts have shapes to show.
    const today = dayNumber(Date.now()) * DAY;
    for (let d = 1; d < 30; d++) {
      const { accountId, userId } = localAccount(db, `m${d}`, { createdAt: today - d * DAY + 7200_000 });
      for (let i = 0; i < ((d * 7) % 11) + (d % 5 === 0 ? 0 : 2); i++) postAt(db, accountId, today - d * DAY + i * 60_000);
      db.run("INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)", [
        `s${d}`,
        userId,
        today - d * DAY,
        today - Math.floor(d / 3) * DAY + 1000,
        Date.now() + DAY,
      ]);
      if (d % 4 === 1) {
        const filed = today - d * DAY + 3600_000;
        db.run("INSERT INTO reports (id, target_account_id, reporter_domain, created_at) VALUES (?, 'r1', 'good.example', ?)", [
          newId(new Date(filed)),
          filed,
        ]);
      }
    }
    const server = Bun.serve({ port: 0, fetch: (request) => c.app.handle(request) });
    const { launchBrowser, screenshotPath } = await import("./helpers/browser.ts");
    const browser = await launchBrowser();
    try {
      const problems: string[] = [];
      for (const [name, viewport, colorScheme] of [
        ["admin-overview-desktop", { width: 1280, height: 900 }, "light"],
        ["admin-overview-phone", { width: 390, height: 844 }, "light"],
        ["admin-overview-dark", { width: 1000, height: 900 }, "dark"],
      ] as const) {
        const context = await browser.newContext({ viewport, colorScheme });
        await context.addCookies(
          [...c.member("ada").browser.cookies].map(([name, value]) => ({ name, value, url: server.url.href })),
        );
        const page = await context.newPage();
        page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
        page.on("pageerror", (e) => problems.push(e.message));
        await page.goto(new URL("/admin", server.url).href);
        expect(await page.getByRole("heading", { name: "Sign-ups", exact: true }).isVisible()).toBe(true);
        expect(await page.getByRole("img", { name: /^Posts per day, 30 days/ }).count()).toBe(1);
        await page.screenshot({ path: screenshotPath(name), fullPage: true });
        await context.close();
      }
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      server.stop(true);
    }
  });
});
