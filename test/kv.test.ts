import { afterAll, expect, test } from "bun:test";
import { SqliteKvStore } from "../src/federation/kv.ts";
import { tempDatabase } from "./helpers/db.ts";

const t = tempDatabase();
afterAll(t.cleanup);
const kv = new SqliteKvStore(t.db);

test("stores, reads and deletes JSON values by key", async () => {
  await kv.set(["doc", "https://a.example/1"], { type: "Note", n: 1 });
  expect(await kv.get(["doc", "https://a.example/1"])).toEqual({ type: "Note", n: 1 });
  expect(await kv.get(["doc", "https://a.example/2"])).toBeUndefined();
  await kv.set(["doc", "https://a.example/1"], [1, "two"]);
  expect(await kv.get(["doc", "https://a.example/1"])).toEqual([1, "two"]);
  await kv.delete(["doc", "https://a.example/1"]);
  expect(await kv.get(["doc", "https://a.example/1"])).toBeUndefined();
});

test("null is a value, as Fedify's key cache stores it for a key that cannot be had", async () => {
  await kv.set(["_fedify", "publicKey", "https://a.example/key"], null, { ttl: Temporal.Duration.from({ minutes: 10 }) });
  expect(await kv.get(["_fedify", "publicKey", "https://a.example/key"])).toBeNull();
  expect(await kv.cas(["_fedify", "publicKey", "https://a.example/key"], null, "found")).toBe(true);
  expect(await kv.get(["_fedify", "publicKey", "https://a.example/key"])).toBe("found");
});

test("an entry with a ttl disappears after it", async () => {
  await kv.set(["short"], "lived", { ttl: Temporal.Duration.from({ milliseconds: 50 }) });
  expect(await kv.get(["short"])).toBe("lived");
  await Bun.sleep(80);
  expect(await kv.get(["short"])).toBeUndefined();
  expect(kv.prune()).toBe(1);
});

test("compare-and-swap changes a value only when it is the expected one", async () => {
  expect(await kv.cas(["counter"], undefined, 1)).toBe(true);
  expect(await kv.cas(["counter"], undefined, 5)).toBe(false);
  expect(await kv.cas(["counter"], 1, 2)).toBe(true);
  expect(await kv.get(["counter"])).toBe(2);
  expect(await kv.cas(["obj"], undefined, { a: [1] })).toBe(true);
  expect(await kv.cas(["obj"], { a: [1] }, { a: [2] })).toBe(true);
  expect(await kv.get(["obj"])).toEqual({ a: [2] });
});

test("lists the entries under a prefix, and only those", async () => {
  await kv.set(["p", "a"], 1);
  await kv.set(["p", "a", "x"], 2);
  await kv.set(["p", "ab"], 3); // shares characters, not the key part
  await kv.set(["q", "a"], 4);
  const listed = [];
  for await (const entry of kv.list(["p", "a"])) listed.push(entry);
  listed.sort((a, b) => a.key.length - b.key.length);
  expect(listed).toEqual([
    { key: ["p", "a"], value: 1 },
    { key: ["p", "a", "x"], value: 2 },
  ]);
  const all = [];
  for await (const entry of kv.list()) all.push(entry.key);
  expect(all).toContainEqual(["q", "a"]);
});
