// Lists in core: rules for lists and their accounts, the list timeline, exclusive lists and home.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLocalUser } from "../src/core/accounts.ts";
import { CoreError, ValidationError } from "../src/core/errors.ts";
import { DomainEvents } from "../src/core/events.ts";
import { block, follow, followRejected, unfollow } from "../src/core/follows.ts";
import { reblog } from "../src/core/interactions.ts";
import {
  addToList,
  createList,
  deleteList,
  LIST_TITLE_MAX,
  listCandidates,
  listMembers,
  listsContaining,
  listsOf,
  listTimeline,
  MAX_LIST_ACCOUNTS,
  MAX_LISTS,
  removeFromList,
  updateList,
} from "../src/core/lists.ts";
import { createPost } from "../src/core/posts.ts";
import { homeTimeline } from "../src/core/timelines.ts";
import { newId } from "../src/db/ids.ts";
import { accounts } from "../src/db/schema.ts";
import { tempDatabase } from "./helpers/db.ts";

const t = tempDatabase();
afterAll(t.cleanup);
const deps = { db: t.db, events: new DomainEvents(), baseUrl: new URL("https://social.example") };
const people: Record<string, { id: string; username: string }> = {};
const who = (name: string) => people[name] as { id: string; username: string };

beforeAll(async () => {
  for (const name of ["olga", "ann", "ben", "cat", "dan", "eve"]) {
    const { accountId } = await createLocalUser(deps, {
      username: name,
      email: `${name}@example.com`,
      password: "correct horse battery",
      role: name === "olga" ? "owner" : "user",
    });
    people[name] = { id: accountId, username: name };
  }
  for (const name of ["ann", "ben", "cat", "dan"]) follow(deps, who("olga"), who(name).id);
});

const fields = (fn: () => unknown): Record<string, string> => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  return {};
};
const status = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CoreError) return error.status;
    throw error;
  }
  return undefined;
};
const post = async (name: string, text: string, extra: { inReplyToId?: string; visibility?: "private" } = {}) =>
  (await createPost(deps, who(name), { status: text, ...extra })).id;

describe("lists and their accounts", () => {
  test("create, rename, change the policy, delete; titles and policies are checked", () => {
    const list = createList(deps, who("olga"), { title: "  Friends  " });
    expect(list).toMatchObject({ title: "Friends", repliesPolicy: "list", exclusive: false });
    expect(updateList(deps, who("olga"), list.id, { title: "Pals", repliesPolicy: "none", exclusive: true })).toMatchObject({
      title: "Pals",
      repliesPolicy: "none",
      exclusive: true,
    });
    expect(fields(() => createList(deps, who("olga"), { title: "   " })).title).toBe("Give the list a title.");
    expect(fields(() => createList(deps, who("olga"), { title: "x".repeat(LIST_TITLE_MAX + 1) })).title).toContain("at most");
    expect(fields(() => updateList(deps, who("olga"), list.id, { repliesPolicy: "everyone" })).replies_policy).toBeDefined();
    expect(listsOf(t.db, who("olga").id).map((l) => l.title)).toEqual(["Pals"]);
    // Someone else's list is as good as missing.
    expect(status(() => updateList(deps, who("ann"), list.id, { title: "Mine" }))).toBe(404);
    expect(status(() => deleteList(deps, who("ann"), list.id))).toBe(404);
    deleteList(deps, who("olga"), list.id);
    expect(listsOf(t.db, who("olga").id)).toEqual([]);
  });

  test("at most 50 lists per member", () => {
    for (let i = 0; i < MAX_LISTS; i++) createList(deps, who("eve"), { title: `List ${i}` });
    expect(fields(() => createList(deps, who("eve"), { title: "One more" })).title).toContain("at most 50");
    expect(listsOf(t.db, who("eve").id)).toHaveLength(MAX_LISTS);
  });

  test("only followed accounts go in, unknown ones are 404, nothing is half done", () => {
    const list = createList(deps, who("olga"), { title: "Knitting" });
    addToList(deps, who("olga"), list.id, [who("ann").id, who("ben").id]);
    addToList(deps, who("olga"), list.id, [who("ann").id]); // already there: stays once
    expect(fields(() => addToList(deps, who("olga"), list.id, [who("cat").id, who("eve").id])).account_ids).toBe(
      "You must be following this account",
    );
    expect(status(() => addToList(deps, who("olga"), list.id, [who("cat").id, newId()]))).toBe(404);
    expect(status(() => addToList(deps, who("ann"), list.id, [who("olga").id]))).toBe(404);
    expect(
      listMembers(t.db, who("olga").id, list.id)
        .map((a) => a.username)
        .sort(),
    ).toEqual(["ann", "ben"]);
    expect(
      listsOf(t.db, who("olga").id)
        .find((l) => l.id === list.id)
        ?.accountIds.sort(),
    ).toEqual([who("ann").id, who("ben").id].sort());
    expect(listsContaining(t.db, who("olga").id, who("ann").id).map((l) => l.title)).toEqual(["Knitting"]);
    expect(listsContaining(t.db, who("ann").id, who("ann").id)).toEqual([]);
    // The add form offers followed accounts not yet in the list.
    expect(listCandidates(t.db, who("olga").id, list.id, "a").map((a) => a.username)).toEqual(["cat", "dan"]);
    removeFromList(deps, who("olga"), list.id, [who("ben").id]);
    expect(listMembers(t.db, who("olga").id, list.id).map((a) => a.username)).toEqual(["ann"]);
    deleteList(deps, who("olga"), list.id);
  });

  test("a pending follow is enough (as in Mastodon 4.2) until it is refused; members page by account id", () => {
    const remote = newId();
    t.db
      .insert(accounts)
      .values({ id: remote, username: "far", domain: "remote.example", uri: "https://remote.example/users/far" })
      .run();
    follow(deps, who("olga"), remote); // remote: pending until its server accepts
    const list = createList(deps, who("olga"), { title: "Paging" });
    addToList(deps, who("olga"), list.id, [remote]);
    expect(listMembers(t.db, who("olga").id, list.id).map((a) => a.username)).toEqual(["far"]);
    followRejected(t.db, who("olga").id, remote); // its server said no: out of the list too
    expect(listMembers(t.db, who("olga").id, list.id)).toEqual([]);
    addToList(deps, who("olga"), list.id, [who("ann").id, who("ben").id, who("cat").id]);
    const first = listMembers(t.db, who("olga").id, list.id, { limit: 2 });
    expect(first.map((a) => a.username)).toEqual(["cat", "ben"]);
    expect(listMembers(t.db, who("olga").id, list.id, { limit: 2, maxId: first[1]?.id }).map((a) => a.username)).toEqual(["ann"]);
    expect(listMembers(t.db, who("olga").id, list.id, { limit: 0 })).toHaveLength(3);
    deleteList(deps, who("olga"), list.id);
  });

  test("at most 500 accounts per list; going over adds none of them", () => {
    const ids = Array.from({ length: MAX_LIST_ACCOUNTS + 1 }, () => newId());
    t.sqlite.transaction(() => {
      for (const [i, id] of ids.entries()) {
        t.sqlite.run("INSERT INTO accounts (id, username) VALUES (?, ?)", [id, `many${i}`]);
        t.sqlite.run("INSERT INTO follows (id, follower_id, following_id, state) VALUES (?, ?, ?, 'accepted')", [
          newId(),
          who("eve").id,
          id,
        ]);
      }
    })();
    const list = listsOf(t.db, who("eve").id)[0]?.id ?? "";
    addToList(deps, who("eve"), list, ids.slice(0, 499));
    expect(fields(() => addToList(deps, who("eve"), list, ids.slice(499))).account_ids).toContain("at most 500");
    expect(listMembers(t.db, who("eve").id, list, { limit: 0 })).toHaveLength(499);
    addToList(deps, who("eve"), list, ids.slice(499, 500));
    expect(listMembers(t.db, who("eve").id, list, { limit: 0 })).toHaveLength(500);
  });

  test("unfollowing or blocking takes an account out of one's lists", () => {
    const list = createList(deps, who("olga"), { title: "Leaving" });
    addToList(deps, who("olga"), list.id, [who("ann").id, who("dan").id]);
    unfollow(deps, who("olga"), who("dan").id);
    block(deps, who("ann"), who("olga").id); // ann blocks the owner: the follow ends both ways
    expect(listMembers(t.db, who("olga").id, list.id)).toEqual([]);
    follow(deps, who("olga"), who("dan").id);
    deleteList(deps, who("olga"), list.id);
  });
});

describe("list timeline", () => {
  test("posts and boosts of the list's accounts, replies by policy, paged newest first", async () => {
    const o = who("olga");
    const list = createList(deps, o, { title: "Bakers" });
    addToList(deps, o, list.id, [who("ben").id, who("cat").id]);
    const benPost = await post("ben", "sourdough");
    const danPost = await post("dan", "rye");
    const eveReply = await post("eve", "hi eve here");
    const selfThread = await post("ben", "and more", { inReplyToId: benPost });
    const toMember = await post("cat", "nice loaf", { inReplyToId: benPost });
    const toOwner = await post("ben", "thanks", { inReplyToId: await post("olga", "question") });
    const toFollowed = await post("cat", "agreed", { inReplyToId: danPost });
    const toStranger = await post("ben", "who are you", { inReplyToId: eveReply });
    const boost = reblog(deps, who("cat"), danPost);
    const secret = await post("cat", "followers only", { visibility: "private" });

    const page = (limit = 40) => listTimeline(t.db, o.id, list.id, { limit });
    expect(page()).toEqual([secret, boost, toOwner, toMember, selfThread, benPost]);
    updateList(deps, o, list.id, { repliesPolicy: "followed" });
    expect(page()).toEqual([secret, boost, toFollowed, toOwner, toMember, selfThread, benPost]);
    updateList(deps, o, list.id, { repliesPolicy: "none" });
    expect(page()).toEqual([secret, boost, toOwner, selfThread, benPost]);

    const first = listTimeline(t.db, o.id, list.id, { limit: 2 });
    expect(first).toEqual([secret, boost]);
    expect(listTimeline(t.db, o.id, list.id, { limit: 2, maxId: boost })).toEqual([toOwner, selfThread]);
    expect(listTimeline(t.db, o.id, list.id, { limit: 2, minId: selfThread })).toEqual([boost, toOwner]);
    expect(listTimeline(t.db, o.id, list.id, { sinceId: boost })).toEqual([secret]);
    expect(status(() => listTimeline(t.db, who("ann").id, list.id))).toBe(404);
    expect(toStranger).toBeString();
    deleteList(deps, o, list.id);
  });

  test("an exclusive list's accounts leave home, and come back when it stops being exclusive", async () => {
    const o = who("olga");
    const list = createList(deps, o, { title: "Noisy", exclusive: true });
    addToList(deps, o, list.id, [who("cat").id]);
    const catPost = await post("cat", "so many posts");
    const benPost = await post("ben", "one post");
    const mine = await post("olga", "my own");
    const home = () => homeTimeline(t.db, o.id, { limit: 40 });
    expect(home()).toContain(benPost);
    expect(home()).toContain(mine);
    expect(home()).not.toContain(catPost);
    expect(homeTimeline(t.db, o.id, { minId: benPost })).toEqual([mine]);
    expect(listTimeline(t.db, o.id, list.id)[0]).toBe(catPost);
    updateList(deps, o, list.id, { exclusive: false });
    expect(home()).toContain(catPost);
    deleteList(deps, o, list.id);
  });
});
