// Deleting a local account for good, by its owner or at the end of a suspension, and the job runner.
import { expect, setDefaultTimeout, test } from "bun:test";
import { deleteExpiredSuspensions, SUSPENSION_GRACE_MS } from "../src/core/account-deletion.ts";
import { listJobRuns, runJob } from "../src/core/jobs.ts";
import { community, PASSWORD } from "./helpers/community.ts";

setDefaultTimeout(60_000);

test("a deleted account's name stays taken, its profile and actor answer 410, its posts and search entries go", async () => {
  const c = await community(["ada", "bob"]);
  await c.post("bob", { status: "a word only bob writes: zebrafinch" });
  const db = c.database.sqlite;
  const wrong = await c.member("bob").browser.post("/settings/delete", { delete_password: "nope" });
  expect(wrong.status).toBe(422);
  expect((await c.member("bob").browser.post("/settings/delete", { delete_password: PASSWORD })).status).toBe(303);

  expect((await c.visitor.get("/@bob")).status).toBe(410);
  const actor = await c.app.handle(
    new Request("https://social.example/@bob", { headers: { accept: "application/activity+json" } }),
  );
  expect(actor.status).toBe(410);
  expect(db.query("SELECT count(*) AS n FROM posts_search WHERE body MATCH 'zebrafinch'").get()).toEqual({ n: 0 });
  expect(db.query("SELECT count(*) AS n FROM posts").get()).toEqual({ n: 0 });
  expect(db.query("SELECT username, keys IS NOT NULL AS k FROM deleted_accounts").all()).toEqual([
    // No remote follower to tell: the keys were handed to the (empty) Delete and cleared.
    { username: "bob", k: 0 },
  ]);
  const signup = await c.visitor.post("/signup", {
    username: "bob",
    email: "new-bob@example.com",
    password: PASSWORD,
    password_confirmation: PASSWORD,
    agreement: "1",
  });
  expect(await signup.text()).toContain("belonged to a deleted account");
});

test("a suspension is reversible for 30 days; then the job deletes the account, and records its run", async () => {
  const c = await community(["ada", "eve"]);
  await c.member("ada").browser.post(`/admin/accounts/${c.member("eve").accountId}/action`, {
    action: "suspend",
    reason: "spam",
  });
  const db = c.database.sqlite;
  const in29Days = new Date(Date.now() + SUSPENSION_GRACE_MS - 24 * 3600_000);
  expect(deleteExpiredSuspensions(c.deps, in29Days)).toBe(0);
  const job = {
    name: "delete-expired-suspensions",
    everyMs: 3600_000,
    run: (now: Date) => `${deleteExpiredSuspensions(c.deps, now)} deleted`,
  };
  const run = await runJob(c.deps.db, job, new Date(Date.now() + SUSPENSION_GRACE_MS + 60_000));
  expect(run).toMatchObject({ lastResult: "1 deleted", lastError: null, runs: 1 });
  expect(db.query("SELECT count(*) AS n FROM accounts WHERE username = 'eve'").get()).toEqual({ n: 0 });
  expect(db.query("SELECT username FROM deleted_accounts").all()).toEqual([{ username: "eve" }]);

  const failing = await runJob(c.deps.db, {
    name: "broken",
    everyMs: 1000,
    run: () => Promise.reject(new Error("disk on fire")),
  });
  expect(failing.lastError).toContain("disk on fire");
  expect(listJobRuns(c.deps.db).map((r) => r.name)).toEqual(["broken", "delete-expired-suspensions"]);
});
