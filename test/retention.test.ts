import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { getSettings } from "../src/core/instance.ts";
import { jobInProgress, runJob } from "../src/core/jobs.ts";
import {
  optimizeDatabase,
  pruneExpiredRecords,
  pruneRemoteAccounts,
  pruneRemotePosts,
  RETENTION_BATCH,
} from "../src/core/retention.ts";
import { newId } from "../src/db/ids.ts";
import { enableIncrementalVacuum } from "../src/db/open.ts";
import { MediaStore } from "../src/media/store.ts";
import { community } from "./helpers/community.ts";
import { tempDatabase, tempDir } from "./helpers/db.ts";

setDefaultTimeout(60_000);

const DAY = 86_400_000;
const now = new Date();
const ago = (days: number) => now.getTime() - days * DAY;

/** A seeded instance: members, remote accounts and posts written as the app writes them. */
function seed() {
  const t = tempDatabase();
  const sqlite = t.sqlite;
  const media = new MediaStore(join(t.dir, "media"));
  const deps = { db: t.db, media };

  const local = (name: string) => {
    const id = newId(new Date(ago(400)));
    sqlite.run("INSERT INTO accounts (id, username) VALUES (?, ?)", [id, name]);
    const userId = newId();
    sqlite.run("INSERT INTO users (id, account_id, email, password_hash, approved_at) VALUES (?, ?, ?, 'x', ?)", [
      userId,
      id,
      `${name}@example.com`,
      ago(400),
    ]);
    return { id, userId };
  };
  /** A remote account last refreshed `seenDaysAgo` days ago. */
  const remote = (name: string, options: { seenDaysAgo?: number; bot?: boolean; silenced?: boolean; avatar?: string } = {}) => {
    const id = newId(new Date(ago(400)));
    const seen = ago(options.seenDaysAgo ?? 40);
    sqlite.run(
      `INSERT INTO accounts (id, username, domain, uri, bot, silenced_at, avatar_url, created_at, updated_at, fetched_at)
       VALUES (?, ?, 'remote.example', ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        name,
        `https://remote.example/users/${name}`,
        options.bot ? 1 : 0,
        options.silenced ? seen : null,
        options.avatar ?? null,
        ago(400),
        seen,
        seen,
      ],
    );
    return id;
  };
  /** A post `daysAgo` old (its id made from its date, as receiveRemotePost does). */
  const post = (
    accountId: string,
    daysAgo: number,
    options: { replyTo?: string; boostOf?: string; pinned?: boolean; remote?: boolean } = {},
  ) => {
    const id = newId(new Date(ago(daysAgo)));
    sqlite.run(
      `INSERT INTO posts (id, account_id, uri, content_html, in_reply_to_id, reblog_of_id, pinned_at, created_at)
       VALUES (?, ?, ?, 'hello', ?, ?, ?, ?)`,
      [
        id,
        accountId,
        options.remote === false ? null : `https://remote.example/notes/${id}`,
        options.replyTo ?? null,
        options.boostOf ?? null,
        options.pinned ? ago(daysAgo) : null,
        ago(daysAgo),
      ],
    );
    sqlite.run("INSERT INTO posts_search (post_id, body) VALUES (?, 'hello')", [id]);
    return id;
  };
  const exists = (table: string, id: string) => sqlite.query(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== null;
  const count = (query: string, ...params: string[]) => (sqlite.query(query).get(...params) as { n: number }).n;
  return { ...t, deps, media, local, remote, post, exists, count };
}

describe("pruning remote posts", () => {
  test("keeps what a member touched, by Mastodon's rules; removes the rest with what hangs on it", async () => {
    const s = seed();
    const { sqlite } = s;
    const ada = s.local("ada");
    const stranger = s.remote("stranger");
    const friend = s.remote("friend");
    const fan = s.remote("fan");
    sqlite.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')", [
      newId(),
      ada.id,
      friend,
    ]);
    const adaPost = s.post(ada.id, 100, { remote: false });

    const old = (options = {}) => s.post(stranger, 40, options);
    const kept = {
      recent: s.post(stranger, 10),
      bookmarked: old(),
      favourited: old(),
      boostedByMember: old(),
      boostedRecently: old(),
      replied: old(),
      replyToMember: old({ replyTo: adaPost }),
      mentionsMember: old(),
      pinned: old({ pinned: true }),
      byFollowed: s.post(friend, 40),
      openReport: old(),
      boostOfLocal: old({ boostOf: adaPost }),
      quotedByMember: old(),
      local: adaPost,
    };
    const alsoKept = {
      memberBoost: s.post(ada.id, 40, { boostOf: kept.boostedByMember, remote: false }),
      recentBoost: s.post(fan, 5, { boostOf: kept.boostedRecently }),
      recentReply: s.post(fan, 5, { replyTo: kept.replied }),
    };
    const pruned = {
      plain: old(),
      favouritedRemotely: old(),
      boostedLongAgo: old(),
      mentionsRemote: old(),
      resolvedReport: old(),
      withMedia: old(),
    };
    const threadRoot = old();
    const alsoPruned = {
      oldBoost: s.post(fan, 35, { boostOf: pruned.boostedLongAgo }),
      threadLeaf: s.post(stranger, 39, { replyTo: threadRoot }),
    };

    sqlite.run("UPDATE posts SET quote_of_id = ? WHERE id = ?", [kept.quotedByMember, adaPost]);
    sqlite.run("INSERT INTO bookmarks (id, account_id, post_id) VALUES (?, ?, ?)", [newId(), ada.id, kept.bookmarked]);
    sqlite.run("INSERT INTO favourites (id, account_id, post_id) VALUES (?, ?, ?)", [newId(), ada.id, kept.favourited]);
    sqlite.run("INSERT INTO favourites (id, account_id, post_id) VALUES (?, ?, ?)", [newId(), fan, pruned.favouritedRemotely]);
    sqlite.run("INSERT INTO mentions (post_id, account_id) VALUES (?, ?)", [kept.mentionsMember, ada.id]);
    sqlite.run("INSERT INTO mentions (post_id, account_id) VALUES (?, ?)", [pruned.mentionsRemote, fan]);
    const report = (postId: string, resolved: boolean) =>
      sqlite.run("INSERT INTO reports (id, reporter_id, target_account_id, post_ids, resolved_at) VALUES (?, ?, ?, ?, ?)", [
        newId(),
        ada.id,
        stranger,
        JSON.stringify([postId]),
        resolved ? ago(1) : null,
      ]);
    report(kept.openReport, false);
    report(pruned.resolvedReport, true);
    // What hangs on a pruned post: a tag, a cached picture, a notification, an edit.
    const tagId = newId();
    sqlite.run("INSERT INTO tags (id, name, display) VALUES (?, 'cats', 'cats')", [tagId]);
    sqlite.run("INSERT INTO post_tags (post_id, tag_id) VALUES (?, ?)", [pruned.withMedia, tagId]);
    const file = await s.media.save(new Uint8Array([1, 2, 3]), "image/png");
    sqlite.run(
      "INSERT INTO media_attachments (id, account_id, post_id, mime, path, remote_url) VALUES (?, ?, ?, 'image/png', ?, 'https://remote.example/a.png')",
      [newId(), stranger, pruned.withMedia, file],
    );
    sqlite.run("INSERT INTO notifications (id, account_id, type, from_account_id, post_id) VALUES (?, ?, 'status', ?, ?)", [
      newId(),
      ada.id,
      stranger,
      pruned.withMedia,
    ]);
    sqlite.run("INSERT INTO post_edits (id, post_id, content_html) VALUES (?, ?, 'before')", [newId(), pruned.withMedia]);

    const line = await pruneRemotePosts(s.deps, now, 30);
    expect(line).toMatch(
      /^8 remote posts older than 30 days removed; database [\d.]+ \w+ \([^)]+ free\) → [\d.]+ \w+ \([^)]+ free\)$/,
    );

    for (const [what, id] of Object.entries({ ...kept, ...alsoKept }))
      expect({ what, kept: s.exists("posts", id) }).toEqual({ what, kept: true });
    for (const [what, id] of Object.entries({ ...pruned, ...alsoPruned }))
      expect({ what, kept: s.exists("posts", id) }).toEqual({ what, kept: false });
    // The thread erodes from its leaf: the root had a reply during this run, so it waits for the next.
    expect(s.exists("posts", threadRoot)).toBe(true);
    expect(s.count("SELECT count(*) AS n FROM post_tags")).toBe(0);
    expect(s.count("SELECT count(*) AS n FROM media_attachments")).toBe(0);
    expect(s.count("SELECT count(*) AS n FROM notifications")).toBe(0);
    expect(s.count("SELECT count(*) AS n FROM post_edits")).toBe(0);
    expect(existsSync(join(s.media.root, file))).toBe(false);
    expect(s.count("SELECT count(*) AS n FROM posts_search WHERE post_id = ?", pruned.plain)).toBe(0);
    expect(s.count("SELECT count(*) AS n FROM posts_search")).toBe(s.count("SELECT count(*) AS n FROM posts"));

    expect(await pruneRemotePosts(s.deps, now, 30)).toStartWith("1 remote post older");
    expect(s.exists("posts", threadRoot)).toBe(false);
    expect(await pruneRemotePosts(s.deps, now, 0)).toBe("kept forever (remote post retention is off)");
    s.cleanup();
  });

  test("deletes in batches: more than one batch goes, and nothing kept is touched", async () => {
    const s = seed();
    const stranger = s.remote("stranger");
    const ada = s.local("ada");
    const keep = s.post(stranger, 40);
    s.sqlite.run("INSERT INTO bookmarks (id, account_id, post_id) VALUES (?, ?, ?)", [newId(), ada.id, keep]);
    const n = RETENTION_BATCH * 2 + 7;
    s.sqlite.transaction(() => {
      for (let i = 0; i < n; i++) s.post(stranger, 31 + (i % 300));
    })();
    expect(await pruneRemotePosts(s.deps, now, 30)).toStartWith(`${n.toLocaleString("en")} remote posts`);
    expect(s.count("SELECT count(*) AS n FROM posts")).toBe(1);
    expect(s.exists("posts", keep)).toBe(true);
    s.cleanup();
  });
});

describe("pruning remote accounts", () => {
  test("an account goes only with no tie to a member, unseen for the period; bots and moderated ones stay", async () => {
    const s = seed();
    const { sqlite } = s;
    const ada = s.local("ada");
    const adaPost = s.post(ada.id, 100, { remote: false });
    const avatar = await s.media.save(new Uint8Array([4, 5, 6]), "image/png");
    const pruned = {
      lonely: s.remote("lonely", { avatar: `/media/${avatar}` }),
      lastPostPruned: s.remote("poster"),
    };
    const kept = {
      seenRecently: s.remote("fresh", { seenDaysAgo: 2 }),
      follower: s.remote("follower"),
      followed: s.remote("followed"),
      requested: s.remote("requester"),
      blocked: s.remote("blocked"),
      blocksMember: s.remote("blocker"),
      muted: s.remote("muted"),
      reported: s.remote("reported"),
      noted: s.remote("noted"),
      listed: s.remote("listed"),
      notifier: s.remote("notifier"),
      mentioned: s.remote("mentioned"),
      favouriter: s.remote("favouriter"),
      withPost: s.remote("withpost"),
      alias: s.remote("alias"),
      moveTarget: s.remote("target"),
      bot: s.remote("relay", { bot: true }),
      silenced: s.remote("silenced", { silenced: true }),
    };
    s.post(pruned.lastPostPruned, 40);
    s.post(kept.withPost, 5);
    const follow = (from: string, to: string, state = "accepted") =>
      sqlite.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, ?)", [newId(), from, to, state]);
    follow(kept.follower, ada.id);
    follow(ada.id, kept.followed);
    follow(kept.requested, ada.id, "pending");
    const relation = (table: string, from: string, to: string) =>
      sqlite.run(`INSERT INTO ${table} (id, account_id, target_account_id) VALUES (?, ?, ?)`, [newId(), from, to]);
    relation("blocks", ada.id, kept.blocked);
    relation("blocks", kept.blocksMember, ada.id);
    relation("mutes", ada.id, kept.muted);
    sqlite.run("INSERT INTO reports (id, reporter_id, target_account_id) VALUES (?, ?, ?)", [newId(), ada.id, kept.reported]);
    sqlite.run("INSERT INTO account_moderation_notes (id, account_id, author_id, text) VALUES (?, ?, ?, 'spam?')", [
      newId(),
      kept.noted,
      ada.id,
    ]);
    const listId = newId();
    sqlite.run("INSERT INTO lists (id, account_id, title) VALUES (?, ?, 'friends')", [listId, ada.id]);
    sqlite.run("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)", [listId, kept.listed]);
    sqlite.run("INSERT INTO notifications (id, account_id, type, from_account_id) VALUES (?, ?, 'follow', ?)", [
      newId(),
      ada.id,
      kept.notifier,
    ]);
    sqlite.run("INSERT INTO mentions (post_id, account_id) VALUES (?, ?)", [adaPost, kept.mentioned]);
    sqlite.run("INSERT INTO favourites (id, account_id, post_id) VALUES (?, ?, ?)", [newId(), kept.favouriter, adaPost]);
    sqlite.run("UPDATE accounts SET also_known_as = ?, moved_to_id = ? WHERE id = ?", [
      JSON.stringify(["https://remote.example/users/alias"]),
      kept.moveTarget,
      ada.id,
    ]);

    // Posts first, as the scheduler runs them: the poster's last post goes, then the poster.
    await pruneRemotePosts(s.deps, now, 30);
    const line = await pruneRemoteAccounts(s.deps, now, 30);
    expect(line).toStartWith("2 remote accounts with no tie here removed; database ");
    for (const [what, id] of Object.entries(kept)) expect({ what, kept: s.exists("accounts", id) }).toEqual({ what, kept: true });
    for (const [what, id] of Object.entries(pruned))
      expect({ what, kept: s.exists("accounts", id) }).toEqual({ what, kept: false });
    expect(s.exists("accounts", ada.id)).toBe(true);
    expect(existsSync(join(s.media.root, avatar))).toBe(false);
    expect(await pruneRemoteAccounts(s.deps, now, 0)).toStartWith("kept forever");
    s.cleanup();
  });
});

describe("expired records and the database file", () => {
  test("expired sessions, codes, revoked tokens, cache entries, rejections, dead queue rows and stale uploads go", async () => {
    const s = seed();
    const { sqlite } = s;
    const ada = s.local("ada");
    const session = (id: string, expires: number) =>
      sqlite.run("INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)", [id, ada.userId, expires]);
    session("expired", ago(1));
    session("live", ago(-10));
    const appId = newId();
    sqlite.run(
      "INSERT INTO oauth_apps (id, client_id, client_secret_hash, name, redirect_uris, scopes) VALUES (?, 'c', 'h', 'App', '[]', 'read')",
      [appId],
    );
    const code = (hash: string, expires: number) =>
      sqlite.run(
        "INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scopes, expires_at) VALUES (?, ?, ?, 'x', 'read', ?)",
        [hash, appId, ada.userId, expires],
      );
    code("old-code", ago(2));
    code("just-expired-code", ago(0.5)); // kept a day: a second use still revokes its tokens
    const token = (id: string, revoked: number | null) =>
      sqlite.run(
        "INSERT INTO oauth_tokens (id, token_hash, app_id, user_id, scopes, revoked_at) VALUES (?, ?, ?, ?, 'read', ?)",
        [id, `h-${id}`, appId, ada.userId, revoked],
      );
    token("revoked-long-ago", ago(3));
    token("revoked-now", ago(0.1));
    token("live-token", null);
    const kv = (key: string, expires: number | null) =>
      sqlite.run("INSERT INTO fedify_kv (key, value, expires_at) VALUES (?, '1', ?)", [key, expires]);
    kv('["expired"]', ago(0.01));
    kv('["later"]', ago(-1));
    kv('["forever"]', null);
    const message = (id: string, attempts: number, createdDaysAgo: number) =>
      sqlite.run("INSERT INTO queue_messages (id, message, run_at, attempts, created_at) VALUES (?, '{}', ?, ?, ?)", [
        id,
        ago(-0.01),
        attempts,
        ago(createdDaysAgo),
      ]);
    message("dead", 30, 2);
    message("failing-since-today", 6, 0.5);
    message("waiting-long", 0, 3); // never failed: a delayed delivery, kept
    const rejection = (id: string, daysAgo: number) =>
      sqlite.run(
        "INSERT INTO signup_rejections (id, username, email, password_hash, created_at) VALUES (?, 'x', 'x@example.com', 'h', ?)",
        [id, ago(daysAgo)],
      );
    rejection("old-rejection", 31);
    rejection("new-rejection", 29);
    const key = (k: string, daysAgo: number) =>
      sqlite.run("INSERT INTO idempotency_keys (account_id, key, created_at) VALUES (?, ?, ?)", [ada.id, k, ago(daysAgo)]);
    key("old-key", 2);
    key("new-key", 0.5);
    const upload = await s.media.save(new Uint8Array([7]), "image/png");
    sqlite.run(
      "INSERT INTO media_attachments (id, account_id, mime, path, created_at) VALUES ('stale-upload', ?, 'image/png', ?, ?)",
      [ada.id, upload, ago(2)],
    );
    sqlite.run("INSERT INTO media_attachments (id, account_id, mime, created_at) VALUES ('fresh-upload', ?, 'image/png', ?)", [
      ada.id,
      ago(0.1),
    ]);

    const card = (id: string, daysAgo: number) =>
      sqlite.run("INSERT INTO preview_cards (id, url, title, fetched_at) VALUES (?, ?, 'A page', ?)", [
        id,
        `https://news.example/${id}`,
        ago(daysAgo),
      ]);
    card("unused-old", 2);
    card("unused-new", 0.5); // fetched for a post being written
    card("shown-old", 40);
    sqlite.run("INSERT INTO post_cards (post_id, card_id) VALUES (?, 'shown-old')", [s.post(ada.id, 40, { remote: false })]);

    const line = await pruneExpiredRecords(s.deps, now);
    expect(line).toStartWith(
      "1 expired session, 1 authorization code, 1 revoked token, 1 expired cache entry, 1 old sign-up rejection, 1 idempotency key, 1 unused link preview, 1 failed queued message, 1 unattached upload removed; database ",
    );
    expect((sqlite.query("SELECT id FROM preview_cards ORDER BY id").all() as { id: string }[]).map((r) => r.id)).toEqual([
      "shown-old",
      "unused-new",
    ]);
    const ids = (q: string) => (sqlite.query(q).all() as { id: string }[]).map((r) => r.id).sort();
    expect(ids("SELECT id FROM sessions")).toEqual(["live"]);
    expect(ids("SELECT code_hash AS id FROM oauth_codes")).toEqual(["just-expired-code"]);
    expect(ids("SELECT id FROM oauth_tokens")).toEqual(["live-token", "revoked-now"]);
    expect(ids("SELECT key AS id FROM fedify_kv")).toEqual(['["forever"]', '["later"]']);
    expect(ids("SELECT id FROM queue_messages")).toEqual(["failing-since-today", "waiting-long"]);
    expect(ids("SELECT id FROM signup_rejections")).toEqual(["new-rejection"]);
    expect(ids("SELECT key AS id FROM idempotency_keys")).toEqual(["new-key"]);
    expect(ids("SELECT id FROM media_attachments")).toEqual(["fresh-upload"]);
    expect(existsSync(join(s.media.root, upload))).toBe(false);
    s.cleanup();
  });

  test("a new database vacuums incrementally: the optimize job gives freed pages back", async () => {
    const s = seed();
    expect(s.sqlite.query("PRAGMA auto_vacuum").get()).toEqual({ auto_vacuum: 2 });
    const stranger = s.remote("stranger");
    s.sqlite.transaction(() => {
      for (let i = 0; i < 3000; i++) s.post(stranger, 40);
    })();
    await pruneRemotePosts(s.deps, now, 30);
    const pages = () => (s.sqlite.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    const free = () => (s.sqlite.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
    const before = pages();
    expect(free()).toBeGreaterThan(100);
    const line = await optimizeDatabase(s.db);
    expect(line).toMatch(
      /^statistics refreshed, free pages returned; database [\d.]+ \w+ \([\d.]+ \w+ free\) → [\d.]+ \w+ \(0 bytes free\)$/,
    );
    expect(free()).toBe(0);
    expect(pages()).toBeLessThan(before);
    s.cleanup();
  });

  test("an older database is switched to incremental vacuum once, keeping its rows", () => {
    const dir = tempDir();
    const path = join(dir, "old.db");
    const old = new Database(path);
    old.run("PRAGMA journal_mode = WAL");
    old.run("CREATE TABLE t (x TEXT)");
    for (let i = 0; i < 100; i++) old.run("INSERT INTO t VALUES (?)", ["x".repeat(1000)]);
    expect(old.query("PRAGMA auto_vacuum").get()).toEqual({ auto_vacuum: 0 });
    expect(enableIncrementalVacuum(old)).toMatch(
      /^switched the database to incremental vacuum \(once\) in \d+ ms: \d+ → \d+ pages$/,
    );
    expect(old.query("PRAGMA auto_vacuum").get()).toEqual({ auto_vacuum: 2 });
    expect(old.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 100 });
    expect(enableIncrementalVacuum(old)).toBeUndefined();
    old.close();
  });
});

test("a job never runs twice at once: the second start is refused while the first runs", async () => {
  const { db, cleanup } = tempDatabase();
  let finish = () => {};
  const job = { name: "slow", everyMs: 1000, run: () => new Promise<string>((resolve) => (finish = () => resolve("done"))) };
  const first = runJob(db, job);
  expect(jobInProgress("slow")).toBe(true);
  await expect(runJob(db, job)).rejects.toThrow("The job slow is running already.");
  finish();
  expect((await first).lastResult).toBe("done");
  expect(jobInProgress("slow")).toBe(false);
  cleanup();
});

describe("the retention page", () => {
  test("an admin saves the periods (audited); bad input is refused next to its field and changes nothing", async () => {
    const c = await community(["ada", "bob"]);
    const ada = c.member("ada").browser;
    const page = await c.page(ada, "/admin/retention");
    expect(page).toContain('<a href="/admin/retention" aria-current="page"><span>Retention</span></a>');
    expect(page).toMatch(/<input id="content_cache_retention_period" name="content_cache_retention_period"[^>]* value="30"/);
    expect(page).toMatch(/<input id="media_cache_retention_period" name="media_cache_retention_period"[^>]* value="7"/);
    for (const name of [
      "prune-remote-posts",
      "prune-remote-accounts",
      "prune-expired-records",
      "prune-orphan-media",
      "optimize-database",
    ])
      expect(page).toContain(`action="/admin/retention/jobs/${name}"`);

    for (const [posts, media, field] of [
      ["-1", "7", "content_cache_retention_period"],
      ["3651", "7", "content_cache_retention_period"],
      ["2.5", "7", "content_cache_retention_period"],
      ["30", "", "media_cache_retention_period"],
      ["30", "a week", "media_cache_retention_period"],
    ] as const) {
      const res = await ada.post("/admin/retention", {
        content_cache_retention_period: posts,
        media_cache_retention_period: media,
      });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain("Nothing was saved: fix the fields marked below.");
      expect(html).toContain(
        `<p class="error" id="${field}-error">Enter a whole number of days from 1 to 3650, or 0 to keep them forever.</p>`,
      );
      expect(html).toContain(`aria-describedby="${field}-hint ${field}-error"`);
    }
    expect(getSettings(c.deps.db)).toMatchObject({ remotePostRetentionDays: 30, remoteMediaCacheDays: 7 });

    const saved = await ada.post("/admin/retention", { content_cache_retention_period: "90", media_cache_retention_period: "0" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/admin/retention?saved=1");
    expect(getSettings(c.deps.db)).toMatchObject({ remotePostRetentionDays: 90, remoteMediaCacheDays: 0 });
    expect(await c.page(ada, "/admin/retention?saved=1")).toContain("Saved.");
    const audit = await c.page(ada, "/admin/audit");
    expect(audit).toContain("settings.update");
    expect(audit).toContain("remotePostRetentionDays");
    // The instance settings form leaves the periods alone.
    const row = c.database.sqlite
      .query("SELECT count(*) AS n FROM instance_settings WHERE key = 'remotePostRetentionDays'")
      .get();
    expect(row).toEqual({ n: 1 });
  });

  test("Run now runs a job, records it for the overview and the audit log", async () => {
    const c = await community(["ada"]);
    const ada = c.member("ada").browser;
    const res = await ada.post("/admin/retention/jobs/prune-expired-records", {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/retention?ran=prune-expired-records");
    const page = await c.page(ada, "/admin/retention?ran=prune-expired-records");
    expect(page).toContain("prune-expired-records: nothing had expired; database ");
    const overview = await c.page(ada, "/admin");
    expect(overview).toContain("prune-expired-records");
    expect(overview).toContain("nothing had expired; database ");
    expect(await c.page(ada, "/admin/audit")).toContain("job.run");
    expect((await ada.post("/admin/retention/jobs/no-such-job", {})).status).toBe(404);
  });

  test("moderators and members may neither see nor change retention, nor run jobs", async () => {
    const c = await community(["ada", "mia", "bob"]);
    c.database.sqlite.run("UPDATE users SET role = 'moderator' WHERE account_id = ?", [c.member("mia").accountId]);
    for (const name of ["mia", "bob"]) {
      const browser = c.member(name).browser;
      expect((await browser.get("/admin/retention")).status).toBe(403);
      const save = await browser.post("/admin/retention", {
        content_cache_retention_period: "1",
        media_cache_retention_period: "1",
      });
      expect(save.status).toBe(403);
      expect((await browser.post("/admin/retention/jobs/prune-remote-posts", {})).status).toBe(403);
    }
    expect(getSettings(c.deps.db).remotePostRetentionDays).toBe(30);
    expect(c.database.sqlite.query("SELECT count(*) AS n FROM job_runs").get()).toEqual({ n: 0 });
    const visitor = await c.visitor.get("/admin/retention");
    expect(visitor.status).toBe(303);
  });
});

describe("in a browser", () => {
  test("an admin fixes a refused period, saves, runs a job; no CSP or script errors (screenshots in test-results/)", async () => {
    const c = await community(["ada"]);
    const server = Bun.serve({ port: 0, fetch: (request) => c.app.handle(request) });
    const { launchBrowser, screenshotPath } = await import("./helpers/browser.ts");
    const browser = await launchBrowser();
    try {
      const problems: string[] = [];
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies(
        [...c.member("ada").browser.cookies].map(([name, value]) => ({ name, value, url: server.url.href })),
      );
      const page = await context.newPage();
      // The refused form answers 422, which Chromium reports on the console: that one is expected.
      page.on("console", (m) => m.type() === "error" && !m.text().includes("422") && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto(new URL("/admin/retention", server.url).href);
      const posts = page.getByLabel("Keep remote posts nobody here interacted with for");
      await posts.fill("5000");
      await page.getByRole("button", { name: "Save retention settings" }).click();
      await page.getByText("Nothing was saved: fix the fields marked below.").waitFor();
      expect(await posts.getAttribute("aria-invalid")).toBe("true");
      await page.screenshot({ path: screenshotPath("admin-retention-refused"), fullPage: true });
      await posts.fill("60");
      await page.getByRole("button", { name: "Save retention settings" }).click();
      await page.getByText("Saved.").waitFor();
      expect(getSettings(c.deps.db).remotePostRetentionDays).toBe(60);
      const job = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "prune-expired-records" }) });
      await job.getByRole("button", { name: /^Run .+ now$/ }).click();
      await page.getByRole("status").filter({ hasText: "prune-expired-records: nothing had expired" }).waitFor();
      await page.screenshot({ path: screenshotPath("admin-retention-desktop"), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: screenshotPath("admin-retention-phone"), fullPage: true });
      await context.close();
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      server.stop(true);
    }
  });
});
