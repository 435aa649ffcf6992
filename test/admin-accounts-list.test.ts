// The moderators' list of accounts: each with its role and e-mail (members) or server (remote),
// when it joined and last signed in; narrowed to this instance or other servers, to a state, or
// by a name or an e-mail address; paged by 50.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { accounts } from "../src/db/schema.ts";
import { community } from "./helpers/community.ts";
import { storeRemoteAccount } from "./helpers/remote.ts";

setDefaultTimeout(60_000);

test("the list shows who, where from and since when, and filters by origin, state and search", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  const remote = storeRemoteAccount(c.deps.db, "https://far.example/users/carol");
  c.deps.db
    .update(accounts)
    .set({ suspendedAt: new Date() })
    .where(eq(accounts.id, c.member("bob").accountId))
    .run();
  const all = await c.page(ada, "/admin/accounts");
  expect(all).toContain("@carol@far.example");
  expect(all).toContain("bob@example.com");
  expect(all).toMatch(/owner<\/span><p class="muted">ada@example.com/);
  expect(all).toContain('<span class="tag-label">suspended</span>');
  const local = await c.page(ada, "/admin/accounts?origin=local");
  expect(local).not.toContain("@carol@far.example");
  expect(local).toContain("@bob");
  const remoteOnly = await c.page(ada, "/admin/accounts?origin=remote");
  expect(remoteOnly).toContain(`/admin/accounts/${remote.id}`);
  expect(remoteOnly).not.toContain("ada@example.com");
  const suspended = await c.page(ada, "/admin/accounts?state=suspended");
  expect(suspended).toContain("@bob");
  expect(suspended).not.toContain("@carol@far.example");
  // By e-mail address, which only staff see.
  const byMail = await c.page(ada, "/admin/accounts?q=BOB%40example.com");
  expect(byMail).toContain("@bob");
  expect(byMail).not.toContain("ada@example.com");
  // A filter that is not one is refused.
  expect((await ada.get("/admin/accounts?state=asleep")).status).toBe(400);
});
