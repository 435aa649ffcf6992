// The staff's announcements: admins write them on /admin/announcements; members see them on top
// of their home page and in apps (/api/v1/announcements), dismiss them and react to them.
import { expect, setDefaultTimeout, test } from "bun:test";
import { addLocalEmoji } from "../src/core/local-emojis.ts";
import { announcementReactions, announcements, auditLog } from "../src/db/schema.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";
import { WebClient } from "./helpers/client.ts";
import { startFederatingInstance } from "./helpers/instance.ts";
import { authorizeApp } from "./helpers/oauth.ts";
import { encodePng } from "../src/media/wasm.ts";
import { photo } from "./helpers/images.ts";

setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ada", "bob", "cy"]);
const call = apiAs(t, origin, m);
const api = async (who: string, path = "/api/v1/announcements") => json(await call(who, "GET", path));
const home = async (who: string) => (await m(who).browser.get("/")).text();
const form = (fields: Partial<Record<"text" | "starts_at" | "ends_at" | "all_day" | "publish", string>>) => ({
  text: "",
  starts_at: "",
  ends_at: "",
  ...fields,
});
const newest = () => t.deps.db.select().from(announcements).all().at(-1)?.id ?? "";
const count = () => t.deps.db.select().from(announcements).all().length;

test("an admin writes an announcement; a draft stays hidden until it is published", async () => {
  await addLocalEmoji({ db: t.deps.db, media: t.media }, m("ada").id, {
    shortcode: "party",
    bytes: await encodePng(photo(16, 16)),
  });
  const text = "Server maintenance on Sunday: see https://status.social.example #maintenance :party: thanks @bob";
  const draft = await m("ada").browser.post("/admin/announcements", form({ text, starts_at: "2099-01-04T22:00" }));
  expect(draft.status).toBe(303);
  const id = newest();
  const admin = await (await m("ada").browser.get("/admin/announcements")).text();
  expect(admin).toContain("draft: members do not see it");
  // The time in UTC, which the reader's browser writes in their own zone.
  expect(admin).toContain('From <time datetime="2099-01-04T22:00:00.000Z" data-local>4 Jan 2099, 22:00 UTC</time>');
  expect(await home("bob")).not.toContain("Server maintenance");
  expect(await api("bob")).toEqual([]);
  expect((await call("bob", "POST", `/api/v1/announcements/${id}/dismiss`)).status).toBe(404);

  expect((await m("ada").browser.post(`/admin/announcements/${id}/publish`, {})).status).toBe(303);
  const page = await home("bob");
  expect(page).toContain("New announcement");
  expect(page).toContain('href="https://status.social.example"');
  expect(page).toContain(`href="${origin}/tags/maintenance"`);
  expect(page).toMatch(/<img class="emoji" src="\/media\/[^"]+" alt=":party:"/);
  expect(page).toContain(`href="${origin}/@bob"`);
  const [entity] = await api("bob");
  expect(entity).toMatchObject({
    id,
    starts_at: "2099-01-04T22:00:00.000Z",
    ends_at: null,
    all_day: false,
    published: true,
    read: false,
    mentions: [{ id: m("bob").id, username: "bob", acct: "bob" }],
    tags: [{ name: "maintenance", url: `${origin}/tags/maintenance` }],
    emojis: [{ shortcode: "party" }],
    reactions: [],
  });
  expect(entity.content).toContain("Server maintenance on Sunday");
  const actions = t.deps.db
    .select()
    .from(auditLog)
    .all()
    .map((r) => r.action);
  expect(actions).toEqual(expect.arrayContaining(["announcement.create", "announcement.publish"]));
});

test("bad input is answered next to its field and stores nothing", async () => {
  const before = count();
  const cases: [Record<string, string>, string][] = [
    [form({ text: "   ", publish: "1" }), "Write what you want to tell the members."],
    [form({ text: "x".repeat(2001), publish: "1" }), "At most 2000 characters (this is 2001)."],
    [form({ text: "Soon", starts_at: "next tuesday", publish: "1" }), "Give a date, like 2026-12-24, or a date and a time."],
    [
      form({ text: "Soon", starts_at: "2099-02-02T10:00", ends_at: "2099-02-01T10:00", publish: "1" }),
      "The end comes before the start.",
    ],
    [
      form({ text: "Late", ends_at: "2020-01-01T10:00", publish: "1" }),
      "This end has passed: members would never see the announcement.",
    ],
  ];
  for (const [fields, message] of cases) {
    const res = await m("ada").browser.post("/admin/announcements", fields);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(message.replace("'", "&#x27;"));
    expect(html).toContain('aria-invalid="true"');
  }
  // A member who is not staff is refused before anything is read.
  expect((await m("bob").browser.post("/admin/announcements", form({ text: "Hi", publish: "1" }))).status).toBe(403);
  expect(count()).toBe(before);
});

test("members dismiss announcements, on the page and in apps", async () => {
  const id = newest();
  expect((await m("bob").browser.post(`/announcements/${id}/dismiss`, {})).status).toBe(303);
  const page = await home("bob");
  expect(page).not.toContain("Server maintenance");
  expect(page).toContain('<a href="/announcements">1 announcement you dismissed</a>');
  expect(await (await m("bob").browser.get("/announcements")).text()).toContain("Server maintenance");
  // Apps: without with_dismissed it is gone, with it it is there and read.
  expect(await api("bob")).toEqual([]);
  expect(await api("bob", "/api/v1/announcements?with_dismissed=true")).toMatchObject([{ id, read: true }]);
  // Cy has not dismissed it; dismissing through the API marks it read for cy alone.
  expect(await api("cy")).toMatchObject([{ id, read: false }]);
  expect((await call("cy", "POST", `/api/v1/announcements/${id}/dismiss`)).status).toBe(200);
  expect(await api("cy")).toEqual([]);
  expect(await home("ada")).toContain("Server maintenance");
});

test("reactions: one emoji or the instance's own, eight different at most, each member's own to take back", async () => {
  const id = newest();
  const react = (who: string, name: string, method = "PUT") =>
    call(who, method, `/api/v1/announcements/${id}/reactions/${encodeURIComponent(name)}`);
  expect((await react("bob", "👍")).status).toBe(200);
  expect((await react("cy", "👍")).status).toBe(200);
  expect((await react("cy", "👍")).status).toBe(200); // twice is once
  expect((await react("cy", ":Party:")).status).toBe(200); // the instance's spelling is kept
  for (const bad of ["hello", "👍👍", ":nothing:", "<b>"]) {
    const res = await react("bob", bad);
    expect([res.status, (await json(res)).error]).toEqual([
      422,
      "React with one emoji, or with one of this instance's custom emoji.",
    ]);
  }
  const [seen] = await api("bob", "/api/v1/announcements?with_dismissed=1");
  expect(seen.reactions).toEqual([
    { name: "👍", count: 2, me: true },
    {
      name: "party",
      count: 1,
      me: false,
      url: expect.stringMatching(/^https:\/\/social\.example\/media\//),
      static_url: expect.stringMatching(/^https:\/\/social\.example\/media\//),
    },
  ]);
  // The page: a pressed button takes back, the others add.
  const page = await (await m("bob").browser.get("/announcements")).text();
  expect(page).toMatch(/name="undo" value="1"[\s\S]*aria-pressed="true"/);
  expect((await m("bob").browser.post(`/announcements/${id}/reactions`, { name: "👍", undo: "1" })).status).toBe(303);
  expect((await m("bob").browser.post(`/announcements/${id}/reactions`, { name: "🎉" })).status).toBe(303);
  expect((await api("bob", "/api/v1/announcements?with_dismissed=1"))[0].reactions.map((r: { name: string }) => r.name)).toEqual([
    "👍",
    "party",
    "🎉",
  ]);
  // Eight different reactions at most; more of one already there is fine.
  for (const name of ["😀", "😃", "😄", "😁", "😆"]) expect((await react("ada", name)).status).toBe(200);
  const ninth = await react("ada", "🙃");
  expect([ninth.status, (await json(ninth)).error]).toEqual([
    422,
    "An announcement has at most 8 different reactions: add to one of them.",
  ]);
  const refused = await m("ada").browser.post(`/announcements/${id}/reactions`, { name: "🙃" });
  expect(refused.status).toBe(422);
  expect(await refused.text()).toContain("at most 8 different reactions");
  expect((await react("ada", "🎉")).status).toBe(200);
  expect((await react("cy", "👍", "DELETE")).status).toBe(200);
  const rows = t.deps.db.select().from(announcementReactions).all();
  expect(rows.filter((r) => r.name === "👍")).toEqual([]);
});

test("an announcement stops showing at its end (all day: after its last day), when unpublished, and when deleted", async () => {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const allDay = await m("ada").browser.post(
    "/admin/announcements",
    form({ text: "Pie day today", ends_at: day(0), all_day: "1", publish: "1" }),
  );
  expect(allDay.status).toBe(303);
  const pie = newest();
  expect(await home("cy")).toContain("Pie day today");
  // Its stored end is the day's midnight, already past: the day itself still counts.
  expect((await api("cy")).map((a: { id: string }) => a.id)).toContain(pie);
  t.database.sqlite.run("UPDATE announcements SET ends_at = ? WHERE id = ?", [Date.now() - 2 * 86_400_000, pie]);
  expect(await home("cy")).not.toContain("Pie day today");
  expect(await (await m("ada").browser.get("/admin/announcements")).text()).toContain(">ended<");

  await m("ada").browser.post("/admin/announcements", form({ text: "Back soon", publish: "1" }));
  const soon = newest();
  expect(await home("cy")).toContain("Back soon");
  expect((await m("ada").browser.post(`/admin/announcements/${soon}/unpublish`, {})).status).toBe(303);
  expect(await home("cy")).not.toContain("Back soon");
  expect((await call("cy", "PUT", `/api/v1/announcements/${soon}/reactions/%F0%9F%91%8D`)).status).toBe(404);
  // Editing it keeps it a draft until published again.
  const edit = await (await m("ada").browser.get(`/admin/announcements/${soon}`)).text();
  expect(edit).toContain(">Back soon</textarea>");
  await m("ada").browser.post(`/admin/announcements/${soon}`, form({ text: "Back sooner", publish: "1" }));
  expect(await home("cy")).toContain("Back sooner");
  expect((await m("ada").browser.post(`/admin/announcements/${soon}/delete`, {})).status).toBe(303);
  expect(await home("cy")).not.toContain("Back sooner");
  expect(
    t.deps.db
      .select()
      .from(announcements)
      .all()
      .some((a) => a.id === soon),
  ).toBe(false);
});

test("streaming: apps hear an announcement published, reacted to and taken back", async () => {
  const { instance, url } = await startFederatingInstance("alice");
  try {
    const send = (r: Request) => fetch(r);
    const browser = new WebClient(send, url);
    await browser.login("alice", "correct horse battery");
    const { token } = await authorizeApp(send, url, browser);
    const socket = new WebSocket(`${url.replace("http", "ws")}/api/v1/streaming?stream=user`, [token]);
    const events: { event: string; payload: string }[] = [];
    socket.onmessage = (message) => events.push(JSON.parse(String(message.data)));
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const waitFor = async (event: string) => {
      for (let i = 0; i < 50 && !events.some((e) => e.event === event); i++) await Bun.sleep(100);
      return events.find((e) => e.event === event)?.payload ?? "";
    };
    expect((await browser.post("/admin/announcements", form({ text: "Streamed news", publish: "1" }))).status).toBe(303);
    const published = JSON.parse(await waitFor("announcement"));
    expect(published).toMatchObject({ content: "<p>Streamed news</p>", published: true, read: false });
    const put = await fetch(`${url}/api/v1/announcements/${published.id}/reactions/%F0%9F%8E%89`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(put.status).toBe(200);
    expect(JSON.parse(await waitFor("announcement.reaction"))).toEqual({ name: "🎉", count: 1, announcement_id: published.id });
    expect((await browser.post(`/admin/announcements/${published.id}/unpublish`, {})).status).toBe(303);
    // As Mastodon's `delete`, the payload is the id itself.
    expect(await waitFor("announcement.delete")).toBe(published.id);
    socket.close();
  } finally {
    await instance.stop();
  }
});
