import { afterAll, expect, test } from "bun:test";
import { countLocalUsers, createLocalUser, findLocalAccount, ownerExists } from "../src/core/accounts.ts";
import { ValidationError } from "../src/core/errors.ts";
import { DomainEvents } from "../src/core/events.ts";
import { tempDatabase } from "./helpers/db.ts";

const t = tempDatabase();
afterAll(t.cleanup);
const events = new DomainEvents();
const deps = { db: t.db, events, baseUrl: new URL("https://social.example") };
const created: string[] = [];
events.on("account.created", ({ accountId }) => void created.push(accountId));

async function problems(input: Parameters<typeof createLocalUser>[1]) {
  try {
    await createLocalUser(deps, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  return {};
}

test("creates a local account and its user, with an argon2id hash and a UUIDv7 id", async () => {
  const { accountId } = await createLocalUser(deps, {
    username: "alice",
    email: "alice@example.com",
    password: "correct horse",
    role: "owner",
  });
  expect(accountId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  const user = t.sqlite.query<{ password_hash: string; role: string }, []>("SELECT * FROM users").get();
  expect(user?.password_hash).toStartWith("$argon2id$");
  expect(await Bun.password.verify("correct horse", user!.password_hash)).toBe(true);
  expect(user?.role).toBe("owner");
  expect(findLocalAccount(t.db, "ALICE")?.id).toBe(accountId);
  expect(ownerExists(t.db)).toBe(true);
  await Bun.sleep(0);
  expect(created).toEqual([accountId]);
});

test("refuses bad input with a message per field and writes nothing", async () => {
  const before = countLocalUsers(t.db);
  expect(await problems({ username: "Bad Name!", email: "nope", password: "short", role: "user" })).toEqual({
    username: "Use 1 to 30 lowercase letters, digits or underscores.",
    email: "Enter an email address like name@example.com.",
    password: "Use at least 10 characters (at most 256).",
  });
  expect(
    (await problems({ username: "admin", email: "x@example.com", password: "long enough!", role: "user" })).username,
  ).toContain("reserved");
  expect((await problems({ username: "longpw", email: "x@example.com", password: "p".repeat(257), role: "user" })).password).toBe(
    "Use at most 256 characters.",
  );
  expect(
    (await problems({ username: "a".repeat(31), email: "x@example.com", password: "long enough!", role: "user" })).username,
  ).toBeDefined();
  expect(countLocalUsers(t.db)).toBe(before);
});

test("usernames and emails are unique regardless of case; there is one owner", async () => {
  await createLocalUser(deps, { username: "bob", email: "bob@example.com", password: "long enough!", role: "user" });
  expect((await problems({ username: "bob", email: "b2@example.com", password: "long enough!", role: "user" })).username).toBe(
    "This name is taken.",
  );
  expect(
    (await problems({ username: "bob2", email: "BOB@example.com", password: "long enough!", role: "user" })).email,
  ).toContain("already uses");
  expect((await problems({ username: "carol", email: "c@example.com", password: "long enough!", role: "owner" })).role).toContain(
    "already has an owner",
  );
  // The database enforces it too, should two requests race past the checks.
  expect(() => t.sqlite.run("INSERT INTO accounts (id, username) VALUES ('x', 'BOB')")).toThrow(/UNIQUE/);
});
