// What a post's and a profile's More menus offer, as on Mastodon: mention or message someone
// from their profile (the compose box opens with the handle), block or report from a post,
// copy a post's link; the bell and boosts only once a follow is accepted; no "remove your post
// from this quote" on one's own quote.
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";

setDefaultTimeout(60_000);

test("a profile offers Mention and Message, which open the compose box with the handle and the audience", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  const bobId = c.member("bob").accountId;
  const profile = await c.page(ada, "/@bob");
  expect(profile).toContain(`<a href="/compose?mention=${bobId}">Mention @bob</a>`);
  expect(profile).toContain(`<a href="/compose?mention=${bobId}&visibility=direct">Message @bob</a>`);
  const message = await c.page(ada, `/compose?mention=${bobId}&visibility=direct`);
  expect(message).toMatch(/<textarea id="status"[^>]*>@bob <\/textarea>/);
  expect(message).toContain('<option value="direct" selected>');
  expect((await ada.get(`/compose?mention=${bobId}&visibility=secret`)).status).toBe(400);
  // Someone unknown, suspended, or blocked either way: the box opens empty.
  const empty = /<textarea id="status"[^>]*><\/textarea>/;
  expect(await c.page(ada, "/compose?mention=nobody")).toMatch(empty);
  await ada.post(`/accounts/${bobId}/block`, {});
  expect(await c.page(ada, `/compose?mention=${bobId}`)).toMatch(empty);
  expect(await c.page(c.member("bob").browser, `/compose?mention=${c.member("ada").accountId}`)).toMatch(empty);
  await ada.post(`/accounts/${bobId}/unblock`, {});
  c.database.sqlite.run("UPDATE accounts SET suspended_at = 1 WHERE id = ?", [bobId]);
  expect(await c.page(ada, `/compose?mention=${bobId}`)).toMatch(empty);
});

test("a follow request waiting offers no bell or boosts; an accepted follow does", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  c.database.sqlite.run("UPDATE accounts SET locked = 1 WHERE username = 'bob'");
  await ada.post(`/accounts/${c.member("bob").accountId}/follow`, {});
  const waiting = await c.page(ada, "/@bob");
  expect(waiting).toContain("Cancel follow request");
  expect(waiting).not.toContain("Notify me of new posts");
  expect(waiting).not.toContain("Hide boosts");
  c.database.sqlite.run("UPDATE follows SET state = 'accepted'");
  const following = await c.page(ada, "/@bob");
  expect(following).toContain("Notify me of new posts");
  expect(following).toContain("Hide boosts");
});

test("another's post offers Copy link, Mute, Block and Report; one's own quote of one's own post offers no removal", async () => {
  const c = await community(["ada", "bob"]);
  const ada = c.member("ada").browser;
  const bobPost = await c.post("bob", { status: "hello there", visibility: "public" });
  const page = await c.page(ada, `/@bob/${bobPost}`);
  expect(page).toContain(
    `<button type="button" data-copy="https://social.example/@bob/${bobPost}" hidden>Copy link to post</button>`,
  );
  expect(page).toContain(`<a href="/accounts/${c.member("bob").accountId}/block" class="danger">Block @bob…</a>`);
  expect(page).toContain(`>Report @bob</a>`);
  // Mute @bob… asks for how long on a page of its own, then leads to his profile.
  const mutePath = `/accounts/${c.member("bob").accountId}/mute`;
  expect(page).toContain(`<a href="${mutePath}">Mute @bob…</a>`);
  const ask = await c.page(ada, mutePath);
  expect(ask).toContain("Mute @bob?");
  expect(ask).toContain('<select id="mute-duration" name="duration">');
  expect((await ada.post(mutePath, { notifications: "1", duration: "3600" })).status).toBe(303);
  const muted = c.database.sqlite.query("SELECT expires_at FROM mutes").get() as { expires_at: number } | null;
  expect(muted?.expires_at).toBeGreaterThan(Date.now());
  expect((await ada.get(mutePath)).headers.get("location")).toBe("/@bob");
  // bob quotes himself: no "remove your post from this quote" for him; ada quoting him gets it shown to bob.
  const selfQuote = await c.post("bob", { status: "me again", quoted_status_id: bobPost });
  expect(await c.page(c.member("bob").browser, `/@bob/${selfQuote}`)).not.toContain("Remove your post from this quote");
  const adaQuote = await c.post("ada", { status: "look", quoted_status_id: bobPost });
  expect(await c.page(c.member("bob").browser, `/@ada/${adaQuote}`)).toContain("Remove your post from this quote");
});
