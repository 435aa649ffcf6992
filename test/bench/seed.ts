// A big instance for benchmarks: accounts (half of them remote), the viewer following some of
// them, and posts spread over time in every visibility. Written straight into SQLite.
import type { Database } from "bun:sqlite";
import { newId } from "../../src/db/ids.ts";

export const ACCOUNTS = Number(process.env.ACCOUNTS ?? 2000);
export const POSTS = Number(process.env.POSTS ?? 200_000);
export const FOLLOWED = 150;

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
  })();
  sqlite.run("ANALYZE");
  return performance.now() - began;
}
