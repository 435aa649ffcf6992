// The admin overview's queries on a big instance: 200,000 posts over a year (half of them by
// 500 local members), 5,000 remote accounts, a session per member. Run on its own:
// `bun test/bench/overview.ts` (not part of `bun run bench`). Prints a table; asserts nothing.
import { activeUsersPerDay, adminOverview, databaseSize, DAY_MS, postsPerDay, signupsPerDay } from "../../src/core/overview.ts";
import { newId } from "../../src/db/ids.ts";
import { tempDatabase } from "../helpers/db.ts";

const LOCAL = 500;
const REMOTE = 5000;
const POSTS = Number(process.env.POSTS ?? 200_000);
const RUNS = 20;

export function seedBigInstance() {
  const database = tempDatabase();
  const { sqlite } = database;
  const now = Date.now();
  const local: string[] = [];
  const remote: string[] = [];
  sqlite.transaction(() => {
    const account = sqlite.prepare("INSERT INTO accounts (id, username, domain, uri, created_at) VALUES (?, ?, ?, ?, ?)");
    const user = sqlite.prepare(
      "INSERT INTO users (id, account_id, email, password_hash, approved_at, email_confirmed_at, created_at) VALUES (?, ?, ?, 'x', ?, ?, ?)",
    );
    const session = sqlite.prepare(
      "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    );
    for (let i = 0; i < LOCAL; i++) {
      const at = now - Math.floor(Math.random() * 365) * DAY_MS;
      const id = newId(new Date(at));
      local.push(id);
      account.run(id, `member${i}`, null, null, at);
      const userId = newId(new Date(at));
      user.run(userId, id, `m${i}@example.com`, at, at, at);
      const seen = now - Math.floor(Math.random() * 30 * DAY_MS);
      session.run(`s${i}`, userId, seen - DAY_MS, seen, seen + 30 * DAY_MS);
    }
    for (let i = 0; i < REMOTE; i++) {
      const id = newId(new Date(now - 400 * DAY_MS));
      remote.push(id);
      account.run(id, `user${i}`, `remote${i % 200}.example`, `https://remote${i % 200}.example/u/${i}`, now);
    }
    const post = sqlite.prepare("INSERT INTO posts (id, account_id, content_html, created_at) VALUES (?, ?, 'hello', ?)");
    for (let i = 0; i < POSTS; i++) {
      const at = now - Math.floor(Math.random() * 365 * DAY_MS);
      const authors = i % 2 === 0 ? local : remote;
      post.run(newId(new Date(at)), authors[i % authors.length] as string, at);
    }
  })();
  sqlite.run("ANALYZE");
  return database;
}

function time(label: string, run: () => unknown) {
  run(); // warm the statement cache and the page cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    run();
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  return [label, { "median (ms)": times[RUNS >> 1]?.toFixed(2), "slowest (ms)": times.at(-1)?.toFixed(2) }] as const;
}

if (import.meta.main) {
  const began = performance.now();
  const database = seedBigInstance();
  console.log(`seeded ${POSTS} posts in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  const { db, sqlite } = database;
  for (const q of [
    "SELECT 1 FROM accounts a CROSS JOIN posts p ON p.account_id = a.id AND p.id >= 'x' WHERE a.domain IS NULL AND p.created_at >= 0",
    "SELECT 1 FROM users u CROSS JOIN posts p ON p.account_id = u.account_id AND p.id >= 'x' WHERE p.created_at >= 0",
  ]) {
    console.log(sqlite.query(`EXPLAIN QUERY PLAN ${q}`).all());
  }
  console.table(
    Object.fromEntries([
      time("signups per day", () => signupsPerDay(db)),
      time("posts per day", () => postsPerDay(db)),
      time("active users per day", () => activeUsersPerDay(db)),
      time("database size", () => databaseSize(db)),
      time("whole overview", () => adminOverview(db, "owner")),
    ]),
  );
  database.cleanup();
}
