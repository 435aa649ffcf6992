// A big instance for benchmarks: accounts (half of them remote), the viewer following some of
// them, and posts spread over time in every visibility. Written straight into SQLite.
import type { Database } from "bun:sqlite";
import { newId } from "../../src/db/ids.ts";

export const ACCOUNTS = Number(process.env.ACCOUNTS ?? 2000);
export const POSTS = Number(process.env.POSTS ?? 200_000);
export const FOLLOWED = 150;
// Hashtags the viewer follows (TAGS=3): one post in 25 carries one of 20 tags.
export const FOLLOWED_TAGS = Number(process.env.TAGS ?? 0);

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Fills the database; returns how long it took (ms). */
export function seedInstance(sqlite: Database, viewerId: string): number {
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
      "INSERT INTO posts (id, account_id, text, content_html, visibility, created_at, search_rowid) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    // Every post is in the search index too, as on a real instance (its size slows what scans it).
    const indexed = sqlite.prepare("INSERT INTO posts_search (rowid, post_id, body) VALUES (?, ?, ?)");
    const visibilities = ["public", "public", "public", "unlisted", "private"];
    const start = Date.now() - POSTS * 1000;
    for (let i = 0; i < POSTS; i++) {
      const author = ids[(i * 7919) % ACCOUNTS] as string;
      const text = `Post number ${i} with some words about knitting, bread and the weather.`;
      const id = Bun.randomUUIDv7(undefined, start + i * 1000);
      post.run(id, author, text, `<p>${text}</p>`, visibilities[i % 5] as string, start + i * 1000, i + 1);
      indexed.run(i + 1, id, text);
    }
    if (FOLLOWED_TAGS > 0) tagPosts(sqlite, viewerId);
  })();
  sqlite.run("ANALYZE");
  return performance.now() - began;
}

function tagPosts(sqlite: Database, viewerId: string) {
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
