import { expect, test } from "bun:test";
import { join } from "node:path";
import type { Context } from "@fedify/fedify";
import { Collection, Note, Person, PUBLIC_COLLECTION, Question } from "@fedify/vocab";
import { eq } from "drizzle-orm";
import { runJob } from "../src/core/jobs.ts";
import { endExpiredPolls, sendPollCounts, vote } from "../src/core/polls.ts";
import { maintenanceJobs } from "../src/scheduler.ts";
import { deleteRemoteAccount, receiveRemotePost, upsertRemoteAccount } from "../src/core/remote.ts";
import { pruneRemotePosts } from "../src/core/retention.ts";
import { polls, posts } from "../src/db/schema.ts";
import { MediaStore } from "../src/media/store.ts";
import { accountFromAs, postFromAs } from "../src/federation/convert.ts";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { tempDir } from "./helpers/db.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

const t = testApp("https://social.example");
const send = (request: Request) => t.app.handle(request);
const origin = "http://127.0.0.1:3000";
const { db } = t.deps;

const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);

async function call(who: string | null, method: string, path: string, body?: Record<string, unknown> | URLSearchParams) {
  const json = body && !(body instanceof URLSearchParams);
  const response = await send(
    new Request(`${origin}${path}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${m(who).token}` } : {}),
        ...(json ? { "content-type": "application/json" } : {}),
        ...(body instanceof URLSearchParams ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: json ? JSON.stringify(body) : body,
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk API entities
  return { status: response.status, json: (await response.json()) as any };
}
const pollPost = async (poll: Record<string, unknown>, who = "ada") =>
  call(who, "POST", "/api/v1/statuses", { status: "Which bread?", poll });
const counts = (poll: { options: { votes_count: number | null }[] }) => poll.options.map((o) => o.votes_count);
const postCount = () => db.select({ id: posts.id }).from(posts).all().length;

test("a poll posted through the API, as JSON or as form fields, is the status's poll", async () => {
  const created = await pollPost({ options: ["Rye", "Spelt", "Wheat"], expires_in: 3600 });
  expect(created.status).toBe(200);
  const poll = created.json.poll;
  expect(poll.id).toBe(created.json.id);
  expect(poll.options).toEqual([
    { title: "Rye", votes_count: 0 },
    { title: "Spelt", votes_count: 0 },
    { title: "Wheat", votes_count: 0 },
  ]);
  expect(poll).toMatchObject({ expired: false, multiple: false, votes_count: 0, voted: true, own_votes: [] });
  expect(Math.abs(Date.parse(poll.expires_at) - Date.now() - 3600_000)).toBeLessThan(10_000);

  const form = new URLSearchParams([
    ["status", "Coffee or tea?"],
    ["poll[options][]", "Coffee"],
    ["poll[options][]", "Tea"],
    ["poll[expires_in]", "300"],
    ["poll[multiple]", "true"],
  ]);
  const fromForm = await call("bob", "POST", "/api/v1/statuses", form);
  expect(fromForm.status).toBe(200);
  expect(fromForm.json.poll).toMatchObject({ multiple: true, voters_count: 0, options: [{ title: "Coffee" }, { title: "Tea" }] });

  // Clients that send `poll: null` with every post (Mastodon's own web app does) post no poll.
  const plain = await call("ada", "POST", "/api/v1/statuses", { status: "no poll here", poll: null });
  expect(plain.status).toBe(200);
  expect(plain.json.poll).toBeNull();
  const instance = await call(null, "GET", "/api/v2/instance");
  expect(instance.json.configuration.polls).toEqual({
    max_options: 4,
    max_characters_per_option: 50,
    min_expiration: 300,
    max_expiration: 2_629_746,
  });
});

test("a poll that breaks a rule is refused with the reason and nothing is posted", async () => {
  const before = postCount();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ options: ["Only one"], expires_in: 3600 }, /at least 2 choices/],
    [{ options: ["a", "b", "c", "d", "e"], expires_in: 3600 }, /at most 4 choices/],
    [{ options: ["Rye", ""], expires_in: 3600 }, /at least 2 choices/],
    [{ options: ["Rye", "rye"], expires_in: 3600 }, /must be different/],
    [{ options: ["Rye", "x".repeat(51)], expires_in: 3600 }, /at most 50 characters/],
    [{ options: ["Rye", "Spelt"], expires_in: 60 }, /5 minutes to a month/],
    [{ options: ["Rye", "Spelt"], expires_in: 40_000_000 }, /5 minutes to a month/],
    [{ options: ["Rye", "Spelt"], expires_in: "soon" }, /5 minutes to a month/],
  ];
  for (const [poll, reason] of cases) {
    const answer = await pollPost(poll);
    expect(answer.status).toBe(422);
    expect(answer.json.error).toMatch(reason);
  }
  expect(postCount()).toBe(before);
});

test("members vote once, within the poll's rules; the counts and their own votes follow", async () => {
  const poll = (await pollPost({ options: ["Rye", "Spelt", "Wheat"], expires_in: 3600 })).json.poll;
  const votes = (who: string, choices: unknown[]) => call(who, "POST", `/api/v1/polls/${poll.id}/votes`, { choices });

  expect((await votes("ada", [0])).json.error).toBe("You cannot vote in your own poll.");
  expect((await votes("bob", [0, 1])).json.error).toBe("This poll takes one choice.");
  expect((await votes("bob", [3])).json.error).toBe("Choose among the poll's options.");
  expect((await votes("bob", [])).status).toBe(422);
  const voted = await votes("bob", [1]);
  expect(voted.status).toBe(200);
  expect(voted.json).toMatchObject({ voted: true, own_votes: [1], votes_count: 1, voters_count: null });
  expect(counts(voted.json)).toEqual([0, 1, 0]);
  const again = await votes("bob", [2]);
  expect([again.status, again.json.error]).toEqual([422, "You have already voted in this poll."]);
  // As form fields, the way most apps send them.
  const form = await call("cy", "POST", `/api/v1/polls/${poll.id}/votes`, new URLSearchParams([["choices[]", "1"]]));
  expect(counts(form.json)).toEqual([0, 2, 0]);

  // Everyone sees the counts; a visitor's poll says nothing of votes of their own.
  const visitor = await call(null, "GET", `/api/v1/polls/${poll.id}`);
  expect(counts(visitor.json)).toEqual([0, 2, 0]);
  expect("voted" in visitor.json).toBe(false);
  expect((await call("ada", "GET", `/api/v1/statuses/${poll.id}`)).json.poll).toMatchObject({ voted: true, own_votes: [] });
  expect((await call(null, "GET", "/api/v1/polls/not-a-poll")).status).toBe(404);
});

test("a multiple-choice poll counts voters apart from votes; hidden totals show to the author alone", async () => {
  const poll = (await pollPost({ options: ["Butter", "Jam", "Honey"], expires_in: 3600, multiple: true, hide_totals: true })).json
    .poll;
  const voted = await call("bob", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [0, 2] });
  expect(voted.json).toMatchObject({ votes_count: 2, voters_count: 1, own_votes: [0, 2] });
  expect(counts(voted.json)).toEqual([null, null, null]);
  const author = await call("ada", "GET", `/api/v1/polls/${poll.id}`);
  expect(counts(author.json)).toEqual([1, 0, 1]);
});

test("when a poll ends its author and voters are told once, and no vote counts after", async () => {
  const poll = (await pollPost({ options: ["Yes", "No"], expires_in: 300 })).json.poll;
  await call("bob", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [0] });
  db.update(polls)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(polls.postId, poll.id))
    .run();
  const ended: string[] = [];
  t.deps.events.on("poll.ended", ({ postId }) => {
    ended.push(postId);
  });
  expect(endExpiredPolls(t.deps)).toBeGreaterThanOrEqual(1);
  expect(endExpiredPolls(t.deps)).toBe(0);
  await Bun.sleep(20);
  expect(ended).toContain(poll.id);
  const pollNotices = async (who: string) =>
    ((await call(who, "GET", "/api/v1/notifications?types[]=poll")).json as { type: string; status: { id: string } }[]).filter(
      (n) => n.status.id === poll.id,
    );
  expect((await pollNotices("ada")).map((n) => n.type)).toEqual(["poll"]);
  expect((await pollNotices("bob")).map((n) => n.type)).toEqual(["poll"]);
  expect(await pollNotices("cy")).toEqual([]);
  const late = await call("cy", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [1] });
  expect([late.status, late.json.error]).toEqual([422, "This poll has ended."]);
  expect((await call("cy", "GET", `/api/v1/polls/${poll.id}`)).json).toMatchObject({ expired: true, votes_count: 1 });
});

// Another server's poll, read as the inbox reads it (everything embedded: nothing is fetched).
const ctx = {
  documentLoader: async (url: string) => {
    throw new Error(`no fetch of ${url}`);
  },
} as unknown as Context<void>;
const far = new Person({
  id: new URL("https://far.example/users/mal"),
  preferredUsername: "mal",
  inbox: new URL("https://far.example/users/mal/inbox"),
});
const mal = upsertRemoteAccount(db, (await accountFromAs(ctx, far)) as NonNullable<Awaited<ReturnType<typeof accountFromAs>>>);
const question = (counts: number[], titles = ["Red", "Blue"], extra: Partial<ConstructorParameters<typeof Question>[0]> = {}) =>
  new Question({
    id: new URL("https://far.example/questions/1"),
    attribution: far.id,
    tos: [PUBLIC_COLLECTION],
    content: "<p>Which colour?</p>",
    exclusiveOptions: titles.map((name, i) => new Note({ name, replies: new Collection({ totalItems: counts[i] ?? 0 }) })),
    endTime: Temporal.Now.instant().add({ hours: 1 }),
    voters: counts.reduce((a, b) => a + b, 0),
    ...extra,
  });
const receive = async (q: Question) =>
  receiveRemotePost(t.deps, await postFromAs(ctx, q, { id: mal.id, followersUrl: null }, () => []));

test("another server's poll keeps its counts; a member's vote adds to them until its server sends new ones", async () => {
  const post = await receive(question([3, 5]));
  const shown = await call("bob", "GET", `/api/v1/statuses/${post.id}`);
  expect(shown.json.content).toBe("<p>Which colour?</p>");
  expect(shown.json.poll).toMatchObject({ votes_count: 8, voted: false, expired: false });
  expect(counts(shown.json.poll)).toEqual([3, 5]);

  const sent: string[][] = [];
  t.deps.events.on("poll.voted", ({ voteIds }) => {
    sent.push(voteIds);
  });
  const voted = await call("bob", "POST", `/api/v1/polls/${post.id}/votes`, { choices: [0] });
  expect(counts(voted.json)).toEqual([4, 5]);
  await Bun.sleep(20);
  expect(sent.at(-1)).toHaveLength(1);

  // Its server's Update: the counts are its own now; bob's vote is still his.
  await receive(question([4, 7]));
  const updated = await call("bob", "GET", `/api/v1/polls/${post.id}`);
  expect(counts(updated.json)).toEqual([4, 7]);
  expect(updated.json.own_votes).toEqual([0]);
  // An edit that rewrote the options: the votes cast here are gone, as on Mastodon.
  await receive(question([0, 0, 0], ["Green", "Yellow", "Pink"]));
  expect((await call("bob", "GET", `/api/v1/polls/${post.id}`)).json).toMatchObject({ voted: false, own_votes: [] });

  // A closed Question ends the poll here too.
  await receive(question([1, 2, 3], ["Green", "Yellow", "Pink"], { closed: Temporal.Now.instant() }));
  expect((await call("bob", "GET", `/api/v1/polls/${post.id}`)).json.expired).toBe(true);
});

test("another server's voters: one choice each, more one by one in a multiple-choice poll", async () => {
  const single = (await pollPost({ options: ["Rye", "Spelt"], expires_in: 3600 })).json.poll;
  const several = (await pollPost({ options: ["Butter", "Jam"], expires_in: 3600, multiple: true })).json.poll;
  vote(t.deps, mal, single.id, [0], { uri: "https://far.example/votes/1" });
  expect(() => vote(t.deps, mal, single.id, [1], { uri: "https://far.example/votes/2" })).toThrow("already voted");
  vote(t.deps, mal, several.id, [0], { uri: "https://far.example/votes/3" });
  vote(t.deps, mal, several.id, [1], { uri: "https://far.example/votes/4" });
  expect(() => vote(t.deps, mal, several.id, [1], { uri: "https://far.example/votes/5" })).toThrow("already voted");
  expect(counts((await call("ada", "GET", `/api/v1/polls/${single.id}`)).json)).toEqual([1, 0]);
  expect((await call("ada", "GET", `/api/v1/polls/${several.id}`)).json).toMatchObject({ votes_count: 2, voters_count: 1 });
});

test("a local poll's new counts go to other servers with the next job run, once however many votes came", async () => {
  const poll = (await pollPost({ options: ["Oats", "Barley"], expires_in: 3600 })).json.poll;
  sendPollCounts(t.deps); // the earlier tests' polls
  // Update activities (one queued message per receiving inbox).
  const updates = () =>
    new Set(
      t.database.sqlite
        .query<{ message: string }, [string]>("SELECT message FROM queue_messages WHERE message LIKE ?")
        .all(`%/@ada/${poll.id}%`)
        .map((r) => JSON.parse(r.message) as { activityType?: string; activityId?: string })
        .filter((m) => m.activityType?.endsWith("Update"))
        .map((m) => m.activityId),
    ).size;
  const settled = async (n: number) => {
    // The queue hands the Update over asynchronously; a loaded machine (CI) may take seconds.
    for (let i = 0; i < 200 && updates() < n; i++) await Bun.sleep(50);
    return updates();
  };
  vote(t.deps, mal, poll.id, [0], { uri: "https://far.example/votes/20" });
  await call("bob", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [1] });
  await call("cy", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [1] });
  await Bun.sleep(100);
  expect(updates()).toBe(0); // nothing per vote
  // The scheduler's job, due at each minute's check.
  const job = maintenanceJobs({ ...t.deps, media: t.media }).find((j) => j.name === "send-poll-counts");
  if (!job) throw new Error("no send-poll-counts job");
  expect((await runJob(db, job)).lastResult).toBe("new counts sent for 1 poll");
  expect(await settled(1)).toBe(1);
  expect(sendPollCounts(t.deps)).toBe(0);

  // A vote, then the end: the final count goes once, with the end.
  vote(t.deps, storeRemoteAccount(db, "https://far.example/users/kim"), poll.id, [0], { uri: "https://far.example/votes/21" });
  db.update(polls)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(polls.postId, poll.id))
    .run();
  endExpiredPolls(t.deps);
  expect(sendPollCounts(t.deps)).toBe(0);
  expect(await settled(2)).toBe(2);
});

test("a remote poll a member voted in is kept when old remote posts are pruned", async () => {
  const old = new Date(Date.now() - 90 * 24 * 3600_000);
  const at = (n: number, extra: Partial<ConstructorParameters<typeof Question>[0]> = {}) =>
    question([0, 0], ["Red", "Blue"], {
      id: new URL(`https://far.example/questions/old-${n}`),
      published: Temporal.Instant.fromEpochMilliseconds(old.getTime()),
      endTime: Temporal.Now.instant().add({ hours: 1 }),
      ...extra,
    });
  const voted = await receive(at(1));
  const ignored = await receive(at(2));
  vote(t.deps, { id: m("cy").id }, voted.id, [1]);
  await pruneRemotePosts({ db, media: new MediaStore(join(tempDir("skein-polls-"), "media")) }, new Date(), 30);
  const left = new Set(
    db
      .select({ id: posts.id })
      .from(posts)
      .all()
      .map((p) => p.id),
  );
  expect(left.has(voted.id)).toBe(true);
  expect(left.has(ignored.id)).toBe(false);
});

test("the pages: a poll from the compose box, a vote with htmx, the results, and a problem next to the field", async () => {
  const ada = m("ada").browser;
  const bob = m("bob").browser;
  const composed = await ada.post("/statuses", [
    ["status", "Sourdough or yeast?"],
    ["visibility", "public"],
    ["poll[options][]", "Sourdough"],
    ["poll[options][]", "Yeast"],
    ["poll[options][]", ""],
    ["poll[options][]", ""],
    ["poll[expires_in]", "86400"],
  ]);
  expect(composed.status).toBe(303);
  const post = db.select().from(posts).where(eq(posts.text, "Sourdough or yeast?")).get();
  if (!post) throw new Error("not posted");
  const page = await (await bob.get(`/@ada/${post.id}`)).text();
  expect(page).toContain(`action="/statuses/${post.id}/votes"`);
  expect(page).toMatch(/type="radio" name="choices" value="1"\s*\/?>\s*<span>Yeast<\/span>/);
  expect(page).toContain("1 day left");
  // The author sees results, not a form.
  expect(await (await ada.get(`/@ada/${post.id}`)).text()).not.toContain(`action="/statuses/${post.id}/votes"`);

  const noChoice = await bob.post(`/statuses/${post.id}/votes`, {}, { headers: { "hx-request": "true" } });
  expect(noChoice.status).toBe(422);
  expect(await noChoice.text()).toContain("Choose among the poll&#x27;s options.");
  const voted = await bob.post(`/statuses/${post.id}/votes`, { choices: "1" }, { headers: { "hx-request": "true" } });
  expect(voted.status).toBe(200);
  const card = await voted.text();
  expect(card).toContain(`id="post-${post.id}"`);
  expect(card).toMatch(/<strong>100%<\/strong> <span>Yeast<\/span><span class="poll-mine"> · your choice<\/span>/);
  expect(card).toContain("1 person · 1 day left");

  const bad = await ada.post("/statuses", [
    ["status", "A poll of one"],
    ["poll[options][]", "Alone"],
    ["poll[expires_in]", "86400"],
  ]);
  expect(bad.status).toBe(422);
  const form = await bad.text();
  expect(form).toContain("A poll needs at least 2 choices.");
  expect(form).toContain('value="Alone"');
  expect(db.select().from(posts).where(eq(posts.text, "A poll of one")).get()).toBeUndefined();
});

test("an API edit that sends the same poll keeps its votes; other choices start it again; none removes it", async () => {
  const poll = (await pollPost({ options: ["Rye", "Spelt"], expires_in: 3600 })).json.poll;
  await call("bob", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [1] });
  const edit = (body: Record<string, unknown>) =>
    call("ada", "PUT", `/api/v1/statuses/${poll.id}`, { status: "Which bread, really?", ...body });
  expect(counts((await edit({ poll: { options: ["Rye", "Spelt"], expires_in: 3600 } })).json.poll)).toEqual([0, 1]);
  const refused = await edit({ poll: { options: ["Rye"], expires_in: 3600 } });
  expect(refused.status).toBe(422);
  expect(counts((await call("ada", "GET", `/api/v1/polls/${poll.id}`)).json)).toEqual([0, 1]);
  const changed = await edit({ poll: { options: ["Rye", "Spelt", "Oat"], expires_in: 7200 } });
  expect(changed.json.poll.options.map((o: { title: string }) => o.title)).toEqual(["Rye", "Spelt", "Oat"]);
  expect(counts(changed.json.poll)).toEqual([0, 0, 0]);
  expect((await call("bob", "GET", `/api/v1/polls/${poll.id}`)).json).toMatchObject({ voted: false, own_votes: [] });
  expect((await edit({})).json.poll).toBeNull();
  expect((await call("bob", "GET", `/api/v1/polls/${poll.id}`)).status).toBe(404);
});

test("an edit form without poll fields (one made by hand) leaves the poll as it is", async () => {
  const poll = (await pollPost({ options: ["Rye", "Spelt"], expires_in: 3600 })).json.poll;
  await call("bob", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [0] });
  const edited = await m("ada").browser.post(`/statuses/${poll.id}/edit`, { status: "Which bread? (edited)" });
  expect(edited.status).toBe(303);
  expect(counts((await call("ada", "GET", `/api/v1/polls/${poll.id}`)).json)).toEqual([1, 0]);
});

test("when a voter's account is deleted, the local polls it voted in count without it", async () => {
  const poll = (await pollPost({ options: ["Rye", "Spelt"], expires_in: 3600 })).json.poll;
  const far = storeRemoteAccount(db, "https://far.example/users/gone");
  vote(t.deps, far, poll.id, [0], { uri: "https://far.example/votes/gone" });
  await call("bob", "POST", `/api/v1/polls/${poll.id}/votes`, { choices: [1] });
  expect(counts((await call("ada", "GET", `/api/v1/polls/${poll.id}`)).json)).toEqual([1, 1]);
  deleteRemoteAccount(db, far.id);
  expect((await call("ada", "GET", `/api/v1/polls/${poll.id}`)).json).toMatchObject({ votes_count: 1 });
  expect(counts((await call("ada", "GET", `/api/v1/polls/${poll.id}`)).json)).toEqual([0, 1]);
});

test("search finds a poll by its choices", async () => {
  const poll = (await pollPost({ options: ["Einkorn", "Emmer"], expires_in: 3600 })).json.poll;
  const found = await call("ada", "GET", "/api/v2/search?q=einkorn&type=statuses");
  expect(found.json.statuses.map((s: { id: string }) => s.id)).toContain(poll.id);
});
