// "Delete & redraft" from a post's menu, and a refused post keeping the files it uploaded: the
// compose box takes files uploaded already (media_id, unless ticked remove_media), with their alt text.
import { expect, setDefaultTimeout, test } from "bun:test";
import { community } from "./helpers/community.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(60_000);

const c = await community(["ada", "bob"]);
const jpeg = await testJpeg(64, 48);
const db = c.database.sqlite;

/** Posts the compose form with files, as a page would (multipart). */
const compose = (who: string, fields: [string, string][], files: File[] = []) =>
  c.member(who).browser.postFiles("/statuses", fields, files);
const mediaOf = (postId: string) =>
  db
    .query<{ id: string; description: string }, [string]>(
      "SELECT id, description FROM media_attachments WHERE post_id = ? ORDER BY position",
    )
    .all(postId);
const exists = (postId: string) => db.query("SELECT 1 FROM posts WHERE id = ?").get(postId) !== null;
const latest = (who: string) =>
  db
    .query<{ id: string }, [string]>("SELECT id FROM posts WHERE account_id = ? ORDER BY id DESC LIMIT 1")
    .get(c.member(who).accountId)?.id ?? "";
const hiddenIds = (html: string, name: string) =>
  [...html.matchAll(new RegExp(`name="${name}" value="([^"]+)"`, "g"))].map((m) => m[1]);

test("the redraft page starts from the post as written, its files kept with their alt text, its poll's length", async () => {
  const parent = await c.post("bob", { status: "What should I read?" });
  expect(
    (
      await compose(
        "ada",
        [
          ["status", "Try @bob's pick #books"],
          ["spoiler_text", "Opinions"],
          ["visibility", "unlisted"],
          ["language", "de"],
          ["in_reply_to_id", parent],
        ],
        [new File([jpeg], "one.jpg"), new File([jpeg], "two.jpg")],
      )
    ).status,
  ).toBe(303);
  const id = latest("ada");
  const own = await c.page(c.member("ada").browser, `/@ada/${id}`);
  expect(own).toContain(`href="/statuses/${id}/redraft"`);
  expect(await c.page(c.member("bob").browser, `/@ada/${id}`)).not.toContain(`/statuses/${id}/redraft`);

  const page = await c.page(c.member("ada").browser, `/statuses/${id}/redraft`);
  expect(page).toContain("<h1>Delete & redraft</h1>");
  expect(page).toContain("Try @bob&#x27;s pick #books</textarea>");
  expect(page).toContain('value="Opinions"');
  expect(page).toMatch(/<option value="unlisted" selected/);
  expect(page).toMatch(/<option value="de" selected/);
  expect(page).toContain(`name="in_reply_to_id" value="${parent}"`);
  expect(page).toContain(`name="redraft_of" value="${id}"`);
  expect(hiddenIds(page, "media_id")).toEqual(mediaOf(id).map((m) => m.id));
  expect(page).toContain('value="alt of one.jpg"');
  expect(page).not.toContain("Schedule for later");

  const choices: [string, string][] = [
    ["status", "Tea or coffee?"],
    ["poll[options][]", "Tea"],
    ["poll[options][]", "Coffee"],
    ["poll[expires_in]", "259200"],
    ["poll[multiple]", "true"],
  ];
  expect((await compose("ada", choices)).status).toBe(303);
  const pollPage = await c.page(c.member("ada").browser, `/statuses/${latest("ada")}/redraft`);
  expect(pollPage).toContain('value="Tea"');
  expect(pollPage).toContain('value="Coffee"');
  expect(pollPage).toMatch(/name="poll\[multiple\]" value="true" checked/);
  expect(pollPage).toMatch(/<option value="259200" selected/);
});

test("posting the redraft replaces the post, with the files not removed and their new alt text", async () => {
  await compose("ada", [["status", "Two pictures"]], [new File([jpeg], "a.jpg"), new File([jpeg], "b.jpg")]);
  const id = latest("ada");
  const [first, second] = mediaOf(id);
  await c.member("bob").browser.post(`/statuses/${id}/favourite`, {});
  const res = await compose("ada", [
    ["status", "One picture, better words"],
    ["redraft_of", id],
    ["media_id", first?.id ?? ""],
    ["media_description", "A sharper description"],
    ["media_id", second?.id ?? ""],
    ["media_description", "removed"],
    ["remove_media", second?.id ?? ""],
  ]);
  const redrafted = latest("ada");
  expect([res.status, res.headers.get("location")]).toEqual([303, `/@ada/${redrafted}`]);
  expect(exists(id)).toBe(false);
  expect(mediaOf(redrafted)).toEqual([{ id: first?.id ?? "", description: "A sharper description" }]);
  // Its like went with the old post; the new one starts without.
  expect(db.query("SELECT count(*) AS n FROM favourites WHERE post_id IN (?, ?)").get(id, redrafted)).toEqual({ n: 0 });
  // Sent again (a second tab), the redraft finds the post gone and makes no second one.
  const again = await compose("ada", [
    ["status", "One picture, better words"],
    ["redraft_of", id],
  ]);
  expect(again.status).toBe(404);
  expect(latest("ada")).toBe(redrafted);
  // The removed file waits a day unattached, as an upload never posted.
  expect(db.query("SELECT post_id AS p FROM media_attachments WHERE id = ?").get(second?.id ?? "")).toEqual({ p: null });
});

test("a refused redraft deletes nothing and comes back with its files; scheduling one is refused", async () => {
  await compose("ada", [["status", "Keep me"]], [new File([jpeg], "k.jpg")]);
  const id = latest("ada");
  const [file] = mediaOf(id);
  const tooLong = await compose("ada", [
    ["status", "x".repeat(600)],
    ["redraft_of", id],
    ["media_id", file?.id ?? ""],
  ]);
  expect(tooLong.status).toBe(422);
  const page = await tooLong.text();
  expect(page).toContain("Posts are at most 500 characters; this one has 600.");
  expect(hiddenIds(page, "media_id")).toEqual([file?.id]);
  expect(page).toContain(`name="redraft_of" value="${id}"`);
  expect(exists(id)).toBe(true);
  expect(mediaOf(id).map((m) => m.id)).toEqual([file?.id ?? ""]);

  // A hand-made form cannot make the redraft answer or quote the post it deletes.
  for (const field of ["in_reply_to_id", "quoted_status_id"]) {
    const self = await compose("ada", [
      ["status", "about myself"],
      ["redraft_of", id],
      [field, id],
    ]);
    expect(self.status).toBe(422);
    expect(exists(id)).toBe(true);
  }

  const scheduled = await compose("ada", [
    ["status", "later"],
    ["redraft_of", id],
    ["scheduled_at", "2030-01-01T10:00"],
  ]);
  expect(scheduled.status).toBe(422);
  expect(await scheduled.text()).toContain("A redraft is posted at once: post it, then schedule a new post.");
  expect(exists(id)).toBe(true);
});

test("only one's own post is redrafted, and another's files are not taken", async () => {
  const bobs = await c.post("bob", { status: "mine" });
  expect((await c.member("ada").browser.get(`/statuses/${bobs}/redraft`)).status).toBe(403);
  const refused = await compose("ada", [
    ["status", "taking it"],
    ["redraft_of", bobs],
  ]);
  expect(refused.status).toBe(403);
  expect(exists(bobs)).toBe(true);

  await compose("bob", [["status", "bob's picture"]], [new File([jpeg], "b.jpg")]);
  const [bobsFile] = mediaOf(latest("bob"));
  const taken = await compose("ada", [
    ["status", "with bob's file"],
    ["media_id", bobsFile?.id ?? ""],
  ]);
  expect(taken.status).toBe(422);
  const page = await taken.text();
  expect(page).toContain("A file is missing or belongs to another post");
  expect(hiddenIds(page, "media_id")).toEqual([]);

  await c.member("ada").browser.post(`/statuses/${bobs}/reblog`, {});
  const boost = latest("ada");
  expect((await c.member("ada").browser.get(`/statuses/${boost}/redraft`)).status).toBe(422);
});

test("a refused post keeps the files it uploaded: posting again takes them without choosing them again", async () => {
  const before = latest("ada");
  const refused = await compose("ada", [["status", "y".repeat(501)]], [new File([jpeg], "kept.jpg")]);
  expect(refused.status).toBe(422);
  const page = await refused.text();
  const [kept] = hiddenIds(page, "media_id");
  expect(kept).toBeDefined();
  expect(page).toContain('value="alt of kept.jpg"');
  expect(page).toContain("Remove file 1");
  // Three file fields are left for more.
  expect([...page.matchAll(/name="media" type="file"/g)].length).toBe(3);
  expect(latest("ada")).toBe(before);

  const res = await compose("ada", [
    ["status", "Now shorter"],
    ["media_id", kept ?? ""],
    ["media_description", "alt, reworded"],
  ]);
  expect(res.status).toBe(303);
  expect(mediaOf(latest("ada"))).toEqual([{ id: kept ?? "", description: "alt, reworded" }]);
});
