// Whom the compose box suggests after `@`: handles and words of names that start so, people the
// member follows first (however many others match), never someone blocked either way, on a
// server the member blocked, suspended or moved; hashtags as first typed.
import { expect, test } from "bun:test";
import { blockDomainFor, block, follow } from "../src/core/follows.ts";
import { suggestAccounts } from "../src/core/search.ts";
import { accounts, follows } from "../src/db/schema.ts";
import { eq } from "drizzle-orm";
import { signedInMembers, testApp } from "./helpers/app.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olga", "ana", "bo"]);
const { db } = t.deps;
const handles = (query: string) =>
  suggestAccounts(db, m("ana").id, query).map((a) => (a.domain ? `${a.username}@${a.domain}` : a.username));

test("people the member follows come first, however many others match", () => {
  for (let i = 0; i < 45; i++) storeRemoteAccount(db, `https://many.example/users/bo${String(i).padStart(2, "0")}`);
  const followed = storeRemoteAccount(db, "https://far.example/users/bozz", { displayName: "Bo Zed" });
  follow(t.deps, { id: m("ana").id }, followed.id);
  // As the other server's Accept leaves it.
  db.update(follows).set({ state: "accepted" }).where(eq(follows.followingId, followed.id)).run();
  const found = handles("bo");
  expect(found[0]).toBe("bozz@far.example");
  expect(found[1]).toBe("bo"); // then this server's
  expect(found).toHaveLength(6);
  // A word of the display name, and a partly typed server.
  expect(handles("zed")).toEqual(["bozz@far.example"]);
  expect(handles("bo@far.ex")).toEqual(["bozz@far.example"]);
  expect(handles("bo@nowhere.example")).toEqual([]);
  // `%` and `_` are letters, not wildcards.
  expect(handles("%")).toEqual([]);
});

test("never someone blocked either way, on a server the member blocked, suspended or moved", () => {
  const blocker = storeRemoteAccount(db, "https://near.example/users/qoe");
  const blocked = storeRemoteAccount(db, "https://near.example/users/qack");
  storeRemoteAccount(db, "https://shut.example/users/qeta");
  const gone = storeRemoteAccount(db, "https://near.example/users/qara");
  const moved = storeRemoteAccount(db, "https://near.example/users/qeno");
  const shown = storeRemoteAccount(db, "https://open.example/users/qed");
  expect(handles("q").sort()).toEqual([
    "qack@near.example",
    "qara@near.example",
    "qed@open.example",
    "qeno@near.example",
    "qeta@shut.example",
    "qoe@near.example",
  ]);
  block(t.deps, { id: blocker.id }, m("ana").id);
  block(t.deps, { id: m("ana").id }, blocked.id);
  blockDomainFor(t.deps, { id: m("ana").id }, "shut.example");
  db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, gone.id)).run();
  db.update(accounts).set({ movedToId: shown.id }).where(eq(accounts.id, moved.id)).run();
  expect(handles("q")).toEqual(["qed@open.example"]);
  expect(handles("")).toEqual([]);
});

test("the page's endpoint offers hashtags as first typed", async () => {
  const posted = await m("ana").browser.post("/statuses", { status: "Learning #JavaScript today" });
  expect(posted.status).toBe(303);
  const answer = await (await m("ana").browser.get("/compose/suggestions?q=%23java")).text();
  expect(answer).toContain('data-insert="#JavaScript"');
  expect(answer).not.toContain("<ul");
});
