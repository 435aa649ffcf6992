// Server time of the home timeline page (40 posts) on a big instance: 2,000 accounts,
// 200,000 posts, the viewer following 150 of them. Run with `bun run bench`.
import { createLocalUser } from "../../src/core/accounts.ts";
import { newId } from "../../src/db/ids.ts";
import { testApp } from "../helpers/app.ts";
import { WebClient } from "../helpers/client.ts";

const ACCOUNTS = Number(process.env.ACCOUNTS ?? 2000);
const POSTS = Number(process.env.POSTS ?? 200_000);
const FOLLOWED = 150;
// Hashtags the viewer follows (TAGS=3): one post in 25 carries one of 20 tags.
const FOLLOWED_TAGS = Number(process.env.TAGS ?? 0);
const RUNS = Number(process.env.RUNS_TIMELINE ?? 300);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function timelineBench() {
  const t = testApp("https://social.example");
  const { sqlite } = t.database;
  const { accountId: viewerId } = await createLocalUser(t.deps, {
    username: "viewer",
    email: "v@example.com",
    password: "correct horse battery",
    role: "owner",
  });
  const began = performance.now();
  const ids: string[] = [];
  sqlite.transaction(() => {
    const account = sqlite.prepare("INSERT INTO accounts (id, username, domain, display_name, uri) VALUES (?, ?, ?, ?, ?)");
    for (let i = 0; i < ACCOUNTS; i++) {
      const id = newId();
      ids.push(id);
      const remote = i % 2 === 1;
      account.run(
        id,
        `user${i}`,
        remote ? `remote${i % 50}.example` : null,
        `User ${i}`,
        remote ? `https://remote${i % 50}.example/users/user${i}` : null,
      );
    }
    const follow = sqlite.prepare("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')");
    for (let i = 0; i < FOLLOWED; i++) follow.run(newId(), viewerId, ids[(i * 13) % ACCOUNTS] as string);
    const post = sqlite.prepare(
      "INSERT INTO posts (id, account_id, text, content_html, visibility, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const visibilities = ["public", "public", "public", "unlisted", "private"];
    const start = Date.now() - POSTS * 1000;
    for (let i = 0; i < POSTS; i++) {
      const author = ids[(i * 7919) % ACCOUNTS] as string;
      const text = `Post number ${i} with some words about knitting, bread and the weather.`;
      post.run(
        Bun.randomUUIDv7(undefined, start + i * 1000),
        author,
        text,
        `<p>${text}</p>`,
        visibilities[i % 5] as string,
        start + i * 1000,
      );
    }
    if (FOLLOWED_TAGS > 0) tagPosts(sqlite, viewerId);
  })();
  sqlite.run("ANALYZE");
  const fillMs = performance.now() - began;

  const browser = new WebClient((r) => t.app.handle(r), "https://social.example");
  await browser.login("viewer", "correct horse battery");
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < RUNS + 20; i++) {
    const started = performance.now();
    const res = await browser.get("/?limit=40");
    const body = await res.text();
    const ms = performance.now() - started;
    if (i >= 20) times.push(ms); // the first ones warm up caches and the JIT
    size = body.length;
  }
  times.sort((a, b) => a - b);
  // The "N new posts" notice polls every 30 s per open home page: its cost per request.
  const newest = /id="post-([^"]+)"/.exec(await (await browser.get("/")).text())?.[1] ?? "";
  const polls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await (await browser.get(`/timelines/home/new?since_id=${newest}`)).text();
    polls.push(performance.now() - started);
  }
  polls.sort((a, b) => a - b);
  const articles = (await (await browser.get("/")).text()).match(/<article/g)?.length ?? 0;
  console.log(
    `\nHome timeline page, server time (${ACCOUNTS} accounts, ${POSTS} posts, following ${FOLLOWED} and ${FOLLOWED_TAGS} tags; filled in ${(fillMs / 1000).toFixed(1)} s)`,
  );
  console.table({
    "p50 (ms)": { value: percentile(times, 50).toFixed(2) },
    "p90 (ms)": { value: percentile(times, 90).toFixed(2) },
    "p99 (ms)": { value: percentile(times, 99).toFixed(2), target: "≤ 20" },
    "posts on the page": { value: articles },
    "page size (KB, before gzip)": { value: (size / 1024).toFixed(1) },
    "new-posts poll p50 (ms)": { value: percentile(polls, 50).toFixed(2) },
    "new-posts poll p99 (ms)": { value: percentile(polls, 99).toFixed(2) },
  });
  t.database.cleanup();
}

function tagPosts(sqlite: import("bun:sqlite").Database, viewerId: string) {
  const tagIds = Array.from({ length: 20 }, (_, i) => {
    const id = newId();
    sqlite.run("INSERT INTO tags (id, name, display) VALUES (?, ?, ?)", [id, `topic${i}`, `Topic${i}`]);
    return id;
  });
  const postIds = sqlite.query<{ id: string }, []>("SELECT id FROM posts ORDER BY id").all();
  const tag = sqlite.prepare("INSERT INTO post_tags (post_id, tag_id) VALUES (?, ?)");
  postIds.forEach((p, i) => {
    if (i % 25 === 0) tag.run(p.id, tagIds[(i / 25) % 20] as string);
  });
  const follow = sqlite.prepare("INSERT INTO followed_tags (id, account_id, tag_id) VALUES (?, ?, ?)");
  for (const id of tagIds.slice(0, FOLLOWED_TAGS)) follow.run(newId(), viewerId, id);
}

if (import.meta.main) await timelineBench();
