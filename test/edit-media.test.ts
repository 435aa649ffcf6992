// Editing a post's files and poll: from the edit page (remove a file, add one, change the poll)
// and through the API (media_ids, as Mastodon's apps send them on every edit).
import { expect, setDefaultTimeout, test } from "bun:test";
import { json } from "./helpers/app.ts";
import { community } from "./helpers/community.ts";
import { testJpeg } from "./helpers/images.ts";
import { authorizeApp } from "./helpers/oauth.ts";

setDefaultTimeout(60_000);

const c = await community(["ada", "bob"]);
const jpeg = await testJpeg(64, 48);
const db = c.database.sqlite;

const send = (who: string, path: string, fields: [string, string][], files: File[] = []) =>
  c.member(who).browser.postFiles(path, fields, files);
const latest = (who: string) =>
  db
    .query<{ id: string }, [string]>("SELECT id FROM posts WHERE account_id = ? ORDER BY id DESC LIMIT 1")
    .get(c.member(who).accountId)?.id ?? "";
const filesOf = (postId: string) =>
  db
    .query<{ id: string; description: string }, [string]>(
      "SELECT id, description FROM media_attachments WHERE post_id = ? ORDER BY position",
    )
    .all(postId);
const pollOf = (postId: string) =>
  db.query<{ options: string }, [string]>("SELECT options FROM polls WHERE post_id = ?").get(postId)?.options;

test("the edit page removes a file, adds one and rewrites alt text; a file of another's is refused", async () => {
  await send("ada", "/statuses", [["status", "Two pictures"]], [new File([jpeg], "a.jpg"), new File([jpeg], "b.jpg")]);
  const id = latest("ada");
  const [a, b] = filesOf(id);
  const page = await c.page(c.member("ada").browser, `/statuses/${id}/edit`);
  expect(page).toContain('enctype="multipart/form-data"');
  expect(page).toContain("Remove file 2");
  expect([...page.matchAll(/name="media" type="file"/g)].length).toBe(2);

  const edited = await send(
    "ada",
    `/statuses/${id}/edit`,
    [
      ["status", "One old picture, one new"],
      ["media_id", a?.id ?? ""],
      ["media_description", "first, reworded"],
      ["media_id", b?.id ?? ""],
      ["media_description", "alt of b.jpg"],
      ["remove_media", b?.id ?? ""],
    ],
    [new File([jpeg], "c.jpg")],
  );
  expect(edited.status).toBe(303);
  const after = filesOf(id);
  expect(after.map((f) => f.description)).toEqual(["first, reworded", "alt of c.jpg"]);
  expect(after[0]?.id).toBe(a?.id ?? "");
  expect(db.query("SELECT post_id AS p FROM media_attachments WHERE id = ?").get(b?.id ?? "")).toEqual({ p: null });
  expect(await c.page(c.visitor, `/@ada/${id}`)).toContain('alt="alt of c.jpg"');

  await send("bob", "/statuses", [["status", "bob's"]], [new File([jpeg], "bob.jpg")]);
  const [bobs] = filesOf(latest("bob"));
  const taken = await send("ada", `/statuses/${id}/edit`, [
    ["status", "taking bob's"],
    ["media_id", bobs?.id ?? ""],
  ]);
  expect(taken.status).toBe(422);
  expect(await taken.text()).toContain("A file is missing or belongs to another post");
  expect(filesOf(id).length).toBe(2);

  // Every file removed, the edit refused (too long), then sent again as the page shows it then:
  // the files stay removed, and the sensitive mark goes with them.
  const [c1, c2] = filesOf(id);
  const removeAll: [string, string][] = [
    ["media_listed", "1"],
    ["sensitive", "1"],
    ["media_id", c1?.id ?? ""],
    ["remove_media", c1?.id ?? ""],
    ["media_id", c2?.id ?? ""],
    ["remove_media", c2?.id ?? ""],
  ];
  const refused = await send("ada", `/statuses/${id}/edit`, [["status", "z".repeat(501)], ...removeAll]);
  expect(refused.status).toBe(422);
  expect(await refused.text()).not.toContain('name="media_id"');
  const resent = await send("ada", `/statuses/${id}/edit`, [
    ["status", "Words alone now"],
    ["media_listed", "1"],
  ]);
  expect(resent.status).toBe(303);
  expect(filesOf(id)).toEqual([]);
  expect(db.query("SELECT sensitive FROM posts WHERE id = ?").get(id)).toEqual({ sensitive: 0 });
});

test("the edit page keeps a poll's votes when its choices stay, starts it again when they change, and takes it away", async () => {
  const choices = (a: string, b: string): [string, string][] => [
    ["poll[options][]", a],
    ["poll[options][]", b],
    ["poll[expires_in]", "86400"],
  ];
  expect((await send("ada", "/statuses", [["status", "Tea or coffee?"], ...choices("Tea", "Coffee")])).status).toBe(303);
  const id = latest("ada");
  expect((await c.member("bob").browser.post(`/statuses/${id}/votes`, { choices: "0" })).status).toBe(303);
  const page = await c.page(c.member("ada").browser, `/statuses/${id}/edit`);
  expect(page).toContain('value="Coffee"');
  expect(page).toContain("Changing the choices starts the poll again, without its votes.");

  await send("ada", `/statuses/${id}/edit`, [["status", "Tea or coffee? (edited)"], ...choices("Tea", "Coffee")]);
  expect(JSON.parse(pollOf(id) ?? "[]")).toEqual([
    { title: "Tea", votes: 1 },
    { title: "Coffee", votes: 0 },
  ]);
  // The same choices with another length: it now ends a week from now, its votes kept; "As now" keeps the end.
  const endOf = () => db.query<{ e: number }, [string]>("SELECT expires_at AS e FROM polls WHERE post_id = ?").get(id)?.e ?? 0;
  const longer: [string, string][] = [...choices("Tea", "Coffee").slice(0, 2), ["poll[expires_in]", "604800"]];
  await send("ada", `/statuses/${id}/edit`, [["status", "Tea or coffee? (a week)"], ...longer]);
  expect(endOf()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  expect(JSON.parse(pollOf(id) ?? "[]")[0]).toEqual({ title: "Tea", votes: 1 });
  const end = endOf();
  const keep: [string, string][] = [...choices("Tea", "Coffee").slice(0, 2), ["poll[expires_in]", "keep"]];
  expect((await send("ada", `/statuses/${id}/edit`, [["status", "Tea or coffee? (kept)"], ...keep])).status).toBe(303);
  expect(endOf()).toBe(end);
  expect(await c.page(c.member("ada").browser, `/statuses/${id}/edit`)).toMatch(
    /<option value="keep" selected[^>]*>As now: ends /,
  );

  await send("ada", `/statuses/${id}/edit`, [["status", "Tea or water?"], ...choices("Tea", "Water")]);
  expect(JSON.parse(pollOf(id) ?? "[]")).toEqual([
    { title: "Tea", votes: 0 },
    { title: "Water", votes: 0 },
  ]);
  const withPicture = await send(
    "ada",
    `/statuses/${id}/edit`,
    [["status", "and a picture"], ...choices("Tea", "Water")],
    [new File([jpeg], "p.jpg")],
  );
  expect(withPicture.status).toBe(422);
  expect(await withPicture.text()).toContain("A post with a poll cannot have images too.");
  await send("ada", `/statuses/${id}/edit`, [["status", "No poll after all"], ...choices("", "")]);
  expect(pollOf(id)).toBeUndefined();
});

test("through the API an edit's media_ids are its files from then on; without them the files stay", async () => {
  const app = await authorizeApp((r) => c.app.handle(r), "https://social.example", c.member("ada").browser, {
    scopes: "read write",
  });
  const api = (method: string, path: string, body: unknown) =>
    c.app.handle(
      new Request(`https://social.example${path}`, {
        method,
        headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  const upload = async () => {
    const form = new FormData();
    form.set("file", new File([jpeg], "x.jpg"));
    return (await json(
      await c.app.handle(
        new Request("https://social.example/api/v2/media", {
          method: "POST",
          headers: { authorization: `Bearer ${app.token}` },
          body: form,
        }),
      ),
    )) as { id: string };
  };
  const [one, two] = [await upload(), await upload()];
  const status = (await json(await api("POST", "/api/v1/statuses", { status: "one", media_ids: [one.id] }))) as { id: string };
  const edit = async (body: unknown) =>
    (await json(await api("PUT", `/api/v1/statuses/${status.id}`, body))) as { media_attachments: { id: string }[] };
  expect((await edit({ status: "two, reordered", media_ids: [two.id, one.id] })).media_attachments.map((m) => m.id)).toEqual([
    two.id,
    one.id,
  ]);
  expect((await edit({ status: "words only" })).media_attachments.length).toBe(2);
  // As Mastodon's apps send an edit: the files and their new alt text together.
  const described = (await edit({
    status: "described",
    media_ids: [one.id, two.id],
    media_attributes: [{ id: two.id, description: "the second, described" }],
  })) as { media_attachments: { id: string; description: string | null }[] };
  expect(described.media_attachments.map((m) => [m.id, m.description])).toEqual([
    [one.id, null],
    [two.id, "the second, described"],
  ]);
  // Another member's file is refused, and nothing changes.
  const bobs = await send("bob", "/statuses", [["status", "bob's own"]], [new File([jpeg], "bob2.jpg")]);
  expect(bobs.status).toBe(303);
  const [bobFile] = filesOf(latest("bob"));
  const refused = await api("PUT", `/api/v1/statuses/${status.id}`, { status: "taking", media_ids: [bobFile?.id] });
  expect(refused.status).toBe(422);
  expect(filesOf(status.id).map((f) => f.id)).toEqual([one.id, two.id]);
  expect((await edit({ status: "none", media_ids: [] })).media_attachments).toEqual([]);
});
