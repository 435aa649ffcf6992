// Server time of the home timeline page (40 posts) on a big instance: 2,000 accounts,
// 200,000 posts, the viewer following 150 of them. Run with `bun run bench`.
import { createLocalUser } from "../../src/core/accounts.ts";
import { ACCOUNTS, FOLLOWED, FOLLOWED_TAGS, POSTS, percentile, seedInstance } from "./seed.ts";
import { testApp } from "../helpers/app.ts";
import { WebClient } from "../helpers/client.ts";

const RUNS = Number(process.env.RUNS_TIMELINE ?? 300);

export async function timelineBench() {
  const t = testApp("https://social.example");
  const { sqlite } = t.database;
  const { accountId: viewerId } = await createLocalUser(t.deps, {
    username: "viewer",
    email: "v@example.com",
    password: "correct horse battery",
    role: "owner",
  });
  const fillMs = seedInstance(sqlite, viewerId);

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
  });
  t.database.cleanup();
}

if (import.meta.main) await timelineBench();
