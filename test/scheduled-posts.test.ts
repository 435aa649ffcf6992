// Scheduled posts: written now from the compose box or an app, published by the scheduler's job
// when their time comes, through the same createPost as any post.
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { runJob } from "../src/core/jobs.ts";
import { pruneUnattachedMedia } from "../src/core/media.ts";
import { mediaAttachments, posts, scheduledPosts } from "../src/db/schema.ts";
import { maintenanceJobs } from "../src/scheduler.ts";
import { json, signedInMembers, testApp } from "./helpers/app.ts";
import { testJpeg } from "./helpers/images.ts";

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);
const { db } = t.deps;
const jpeg = await testJpeg(64, 48);
const HOUR = 3600_000;

const api = (who: string, method: string, path: string, body?: Record<string, unknown> | FormData) =>
  t.app.handle(
    new Request(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${m(who).token}`,
        ...(body && !(body instanceof FormData) ? { "content-type": "application/json" } : {}),
      },
      body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
    }),
  );
async function upload(who: string): Promise<{ id: string }> {
  const form = new FormData();
  form.set("file", new File([jpeg], "photo.jpg"));
  form.set("description", "A test photo");
  return json(await api(who, "POST", "/api/v2/media", form));
}
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
const rows = (accountId: string) => db.select().from(scheduledPosts).where(eq(scheduledPosts.accountId, accountId)).all();
const postsBy = (accountId: string) => db.select().from(posts).where(eq(posts.accountId, accountId)).all();
/** Moves a scheduled post's time into the past (its time has come) and runs the scheduler's job. */
async function timeComes(id: string) {
  db.update(scheduledPosts)
    .set({ scheduledAt: new Date(Date.now() - 1000) })
    .where(eq(scheduledPosts.id, id))
    .run();
  const job = maintenanceJobs({ ...t.deps, media: t.media }).find((j) => j.name === "publish-scheduled-posts");
  if (!job) throw new Error("no publish-scheduled-posts job");
  return (await runJob(db, job)).lastResult;
}

test("an app schedules a post with an image: kept for it, then published at its time, once", async () => {
  const media = await upload("ada");
  const at = inHours(2);
  const res = await api("ada", "POST", "/api/v1/statuses", {
    status: "Good morning, later",
    media_ids: [media.id],
    visibility: "unlisted",
    scheduled_at: at,
  });
  expect(res.status).toBe(200);
  const scheduled = await json(res);
  expect(scheduled).toMatchObject({
    scheduled_at: at,
    params: { text: "Good morning, later", visibility: "unlisted", media_ids: [media.id], poll: null, in_reply_to_id: null },
    media_attachments: [{ id: media.id, description: "A test photo", type: "image" }],
  });
  expect(postsBy(m("ada").id)).toEqual([]);
  // Its image is not free for another post, nor to delete alone, nor pruned as an unused upload.
  const other = await api("ada", "POST", "/api/v1/statuses", { status: "Same photo", media_ids: [media.id] });
  expect(other.status).toBe(422);
  expect((await api("ada", "DELETE", `/api/v1/media/${media.id}`)).status).toBe(422);
  db.update(mediaAttachments)
    .set({ createdAt: new Date(Date.now() - 48 * HOUR) })
    .where(eq(mediaAttachments.id, media.id))
    .run();
  expect(await pruneUnattachedMedia({ db, media: t.media })).toBe(0);

  expect(await json(await api("ada", "GET", "/api/v1/scheduled_statuses"))).toMatchObject([{ id: scheduled.id }]);
  expect(await json(await api("ada", "GET", `/api/v1/scheduled_statuses/${scheduled.id}`))).toMatchObject({ id: scheduled.id });
  // Someone else's is not there for them.
  expect((await api("bob", "GET", `/api/v1/scheduled_statuses/${scheduled.id}`)).status).toBe(404);
  expect((await api("bob", "DELETE", `/api/v1/scheduled_statuses/${scheduled.id}`)).status).toBe(404);

  expect(await timeComes(scheduled.id)).toBe("1 scheduled post published");
  const [published] = postsBy(m("ada").id);
  expect(published).toMatchObject({ text: "Good morning, later", visibility: "unlisted" });
  const attached = db.select().from(mediaAttachments).where(eq(mediaAttachments.id, media.id)).get();
  expect(attached).toMatchObject({ postId: published?.id, scheduledPostId: null });
  expect(rows(m("ada").id)).toEqual([]);
  expect(await timeComes(scheduled.id)).toBe("0 scheduled posts published");
  expect(postsBy(m("ada").id).length).toBe(1);
});

test("bad times and bad posts are refused with the reason, and nothing is kept", async () => {
  const refused = async (body: Record<string, unknown>, error: string) => {
    const res = await api("bob", "POST", "/api/v1/statuses", body);
    expect([res.status, (await json(res)).error]).toEqual([422, `Validation failed: ${error}`]);
  };
  await refused({ status: "Too soon", scheduled_at: inHours(0.05) }, "Choose a time at least 5 minutes from now.");
  await refused({ status: "Past", scheduled_at: "2020-01-01T10:00:00Z" }, "Choose a time at least 5 minutes from now.");
  await refused({ status: "When?", scheduled_at: "tomorrow-ish" }, "Give a date and a time.");
  await refused({ status: "", scheduled_at: inHours(1) }, "Write something or add an image.");
  await refused(
    { status: "x", in_reply_to_id: "nothing", scheduled_at: "soon" },
    "The post you reply to is gone or not visible to you.; Give a date and a time.",
  );
  expect(rows(m("bob").id)).toEqual([]);

  // Moving one: the same rules.
  const ok = await json(await api("bob", "POST", "/api/v1/statuses", { status: "Later", scheduled_at: inHours(1) }));
  const moved = await api("bob", "PUT", `/api/v1/scheduled_statuses/${ok.id}`, { scheduled_at: inHours(0.01) });
  expect([moved.status, (await json(moved)).error]).toEqual([
    422,
    "Validation failed: Choose a time at least 5 minutes from now.",
  ]);
  const later = inHours(5);
  expect(await json(await api("bob", "PUT", `/api/v1/scheduled_statuses/${ok.id}`, { scheduled_at: later }))).toMatchObject({
    scheduled_at: later,
  });
  expect((await api("bob", "DELETE", `/api/v1/scheduled_statuses/${ok.id}`)).status).toBe(200);
  expect(rows(m("bob").id)).toEqual([]);
});

test("cancelling keeps its images a day, for the app that schedules it again with them", async () => {
  const media = await upload("bob");
  db.update(mediaAttachments)
    .set({ createdAt: new Date(Date.now() - 48 * HOUR) })
    .where(eq(mediaAttachments.id, media.id))
    .run();
  const first = await json(
    await api("bob", "POST", "/api/v1/statuses", { status: "v1", media_ids: [media.id], scheduled_at: inHours(3) }),
  );
  expect((await api("bob", "DELETE", `/api/v1/scheduled_statuses/${first.id}`)).status).toBe(200);
  expect(await pruneUnattachedMedia({ db, media: t.media })).toBe(0);
  const again = await api("bob", "POST", "/api/v1/statuses", { status: "v2", media_ids: [media.id], scheduled_at: inHours(3) });
  expect(again.status).toBe(200);
  await api("bob", "DELETE", `/api/v1/scheduled_statuses/${(await json(again)).id}`);
});

test("the same idempotency key schedules one post; 25 on one day at most", async () => {
  const send = (key: string, at: string) =>
    t.app.handle(
      new Request(`${origin}/api/v1/statuses`, {
        method: "POST",
        headers: { authorization: `Bearer ${m("cy").token}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ status: `Post ${key}`, scheduled_at: at }),
      }),
    );
  // Noon UTC on a day ten days ahead: all 25 on the same day.
  const day = new Date(Date.now() + 10 * 24 * HOUR).toISOString().slice(0, 10);
  const first = await json(await send("k0", `${day}T12:00:00Z`));
  expect((await json(await send("k0", `${day}T13:00:00Z`))).id).toBe(first.id);
  for (let i = 1; i < 25; i++) expect((await send(`k${i}`, `${day}T12:${String(i).padStart(2, "0")}:00Z`)).status).toBe(200);
  const over = await send("k25", `${day}T18:00:00Z`);
  expect([over.status, (await json(over)).error]).toEqual([
    422,
    "Validation failed: You have 25 posts scheduled on that day already: choose another day.",
  ]);
  expect(rows(m("cy").id).length).toBe(25);
  for (const row of rows(m("cy").id)) await api("cy", "DELETE", `/api/v1/scheduled_statuses/${row.id}`);
});

test("one that cannot be published when its time comes waits with the reason for its author", async () => {
  const parent = await json(await api("cy", "POST", "/api/v1/statuses", { status: "Question for tomorrow" }));
  const reply = await json(
    await api("bob", "POST", "/api/v1/statuses", { status: "My answer", in_reply_to_id: parent.id, scheduled_at: inHours(3) }),
  );
  await api("cy", "DELETE", `/api/v1/statuses/${parent.id}`);
  expect(await timeComes(reply.id)).toBe("0 scheduled posts published");
  const [waiting] = rows(m("bob").id);
  expect(waiting?.error).toBe("Not published: The post you reply to is gone or not visible to you.");
  const page = await (await m("bob").browser.get("/scheduled")).text();
  expect(page).toContain("Not published: The post you reply to is gone or not visible to you.");
  expect(await timeComes(reply.id)).toBe("0 scheduled posts published"); // not tried again by itself
  // Deleting it from the page.
  expect((await m("bob").browser.post(`/scheduled/${reply.id}/delete`, {})).status).toBe(303);
  expect(rows(m("bob").id)).toEqual([]);
});

test("the compose box schedules in the member's time zone; the page changes the time and deletes", async () => {
  const when = new Date(Date.now() + 48 * HOUR);
  // Typed as 09:30 on a clock two hours ahead of UTC (what app.js sends): 07:30 UTC.
  const typed = `${when.toISOString().slice(0, 10)}T09:30`;
  const res = await m("ada").browser.post("/statuses", {
    status: "Scheduled from the page",
    visibility: "public",
    scheduled_at: typed,
    utc_offset: "120",
  });
  expect([res.status, res.headers.get("location")]).toEqual([303, "/scheduled"]);
  const [row] = rows(m("ada").id);
  expect(row?.scheduledAt.toISOString()).toBe(`${typed.slice(0, 10)}T07:30:00.000Z`);
  let page = await (await m("ada").browser.get("/scheduled")).text();
  expect(page).toContain("Scheduled from the page");
  expect(page).toContain(`data-utc="${typed.slice(0, 10)}T07:30:00.000Z"`);

  // With htmx, the form is sent to the scheduled posts' page.
  const htmx = await m("ada").browser.post(
    "/statuses",
    { status: "Another one", scheduled_at: typed },
    { headers: { "hx-request": "true" } },
  );
  expect(htmx.headers.get("hx-redirect")).toBe("/scheduled");
  // A bad time on the compose box: the message under the field, nothing kept.
  const bad = await m("ada").browser.post("/statuses", { status: "Oops", scheduled_at: "2020-01-01T10:00" });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("Choose a time at least 5 minutes from now.");
  expect(rows(m("ada").id).length).toBe(2);

  const moveTo = `${new Date(Date.now() + 72 * HOUR).toISOString().slice(0, 10)}T18:00`;
  expect((await m("ada").browser.post(`/scheduled/${row?.id}/time`, { scheduled_at: moveTo, utc_offset: "0" })).status).toBe(303);
  expect(
    rows(m("ada").id)
      .find((r) => r.id === row?.id)
      ?.scheduledAt.toISOString(),
  ).toBe(`${moveTo}:00.000Z`);
  const tooSoon = await m("ada").browser.post(`/scheduled/${row?.id}/time`, { scheduled_at: "2020-01-01T10:00" });
  expect(tooSoon.status).toBe(422);
  page = await tooSoon.text();
  expect(page).toContain("Choose a time at least 5 minutes from now.");
  // Someone else's cannot be moved or deleted.
  expect((await m("bob").browser.post(`/scheduled/${row?.id}/delete`, {})).status).toBe(404);
  expect((await m("bob").browser.post(`/scheduled/${row?.id}/time`, { scheduled_at: moveTo })).status).toBe(404);
  for (const r of rows(m("ada").id)) expect((await m("ada").browser.post(`/scheduled/${r.id}/delete`, {})).status).toBe(303);
  expect(rows(m("ada").id)).toEqual([]);
});

test("one scheduled post that fails unexpectedly does not hold back the others", async () => {
  const broken = await json(await api("cy", "POST", "/api/v1/statuses", { status: "broken", scheduled_at: inHours(1) }));
  const fine = await json(await api("cy", "POST", "/api/v1/statuses", { status: "still goes out", scheduled_at: inHours(2) }));
  // A row no check would let in (as a bad upgrade or a hand edit could leave): its text is gone.
  t.database.sqlite.run("UPDATE scheduled_posts SET params = json_remove(params, '$.status') WHERE id = ?", [broken.id]);
  db.update(scheduledPosts)
    .set({ scheduledAt: new Date(Date.now() - 1000) })
    .where(eq(scheduledPosts.id, broken.id))
    .run();
  expect(await timeComes(fine.id)).toBe("1 scheduled post published");
  expect(postsBy(m("cy").id).some((p) => p.text === "still goes out")).toBe(true);
  const [left] = rows(m("cy").id);
  expect(left?.error).toBe("Not published: something went wrong; the server's log says what.");
});
