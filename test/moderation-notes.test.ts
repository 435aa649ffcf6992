// Moderators write notes to each other on an account's admin page (Mastodon's moderation notes):
// never shown to the account; refused empty or too long with the message by the field; deleted
// by their author or an admin only; each written and deleted in the audit log.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema.ts";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

test("a note is written, read by the staff alone, refused when empty or long, and deleted by its author or an admin", async () => {
  const c = await community(["olga", "mona", "max", "eve"]);
  for (const name of ["mona", "max"])
    c.deps.db
      .update(users)
      .set({ role: "moderator" })
      .where(eq(users.accountId, c.member(name).accountId))
      .run();
  const browser = (name: string) => c.member(name).browser;
  const [mona, max, olga, eve] = [browser("mona"), browser("max"), browser("olga"), browser("eve")];
  const evePage = `/admin/accounts/${c.member("eve").accountId}`;

  expect(
    (await mona.post(`${evePage}/notes`, { note: "  Three reports about spam links, all from new accounts.  " })).status,
  ).toBe(303);
  const page = await c.page(max, evePage);
  expect(page).toContain("Three reports about spam links, all from new accounts.");
  expect(page).toContain("@mona · ");
  // Only its author (or an admin) is offered Delete.
  expect(page).not.toContain("/notes/");
  expect(await c.page(mona, evePage)).toContain('aria-label="Delete the note by @mona"');
  expect(await c.page(olga, evePage)).toContain('aria-label="Delete the note by @mona"');
  // The account never sees it.
  expect((await eve.get(evePage)).status).toBe(403);
  expect(await c.page(eve, "/settings/warnings")).not.toContain("spam links");

  const empty = await mona.post(`${evePage}/notes`, { note: "   " });
  expect(empty.status).toBe(422);
  expect(await empty.text()).toMatch(/<div class="field invalid">[\s\S]*Write the note first\./);
  const long = await mona.post(`${evePage}/notes`, { note: "x".repeat(5001) });
  expect(long.status).toBe(422);
  expect(await long.text()).toContain("Use at most 5000 characters.");
  expect((await mona.post(`/admin/accounts/nobody/notes`, { note: "hello" })).status).toBe(404);

  const noteId = /\/notes\/([0-9a-f-]+)\/delete/.exec(await c.page(mona, evePage))?.[1];
  expect((await max.post(`${evePage}/notes/${noteId}/delete`, {})).status).toBe(403);
  expect((await mona.post(`/admin/accounts/${c.member("max").accountId}/notes/${noteId}/delete`, {})).status).toBe(404);
  expect((await mona.post(`${evePage}/notes/${noteId}/delete`, {})).status).toBe(303);
  expect(await c.page(mona, evePage)).toContain("No notes yet.");
  // An admin deletes another's note.
  await max.post(`${evePage}/notes`, { note: "Second look: fine." });
  const second = /\/notes\/([0-9a-f-]+)\/delete/.exec(await c.page(olga, evePage))?.[1];
  expect((await olga.post(`${evePage}/notes/${second}/delete`, {})).status).toBe(303);

  // A report's notes follow the same rule, and a refused one comes back to be shortened.
  await eve.post("/reports", { account_id: c.member("max").accountId, category: "spam" });
  const reportId = c.database.sqlite.query<{ id: string }, []>("SELECT id FROM reports").get()?.id;
  const longReportNote = await mona.post(`/admin/reports/${reportId}/notes`, { note: `${"y".repeat(5001)}` });
  expect(longReportNote.status).toBe(422);
  const refusedPage = await longReportNote.text();
  expect(refusedPage).toContain("Use at most 5000 characters.");
  expect(refusedPage).toContain("y".repeat(5001));

  const audit = await c.page(olga, "/admin/audit");
  expect(audit).toContain("wrote a note on");
  expect(audit).toContain("deleted a note on");
});
