// Muting as Mastodon does it: for good or for a while (the scheduler lifts it), with or without
// the muted account's notifications; on the profile page and through the API.
import { expect, setDefaultTimeout, test } from "bun:test";
import { endExpiredMutes } from "../src/core/follows.ts";
import { parseImportCsv } from "../src/core/imports.ts";
import { eq } from "drizzle-orm";
import { mutes } from "../src/db/schema.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";

setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olga", "ana", "ben", "cyd"]);
const api = apiAs(t, origin, m);
const { db } = t.deps;
const call = async (who: string, method: string, path: string, body?: Record<string, unknown>) => {
  const response = await api(who, method, path, body);
  // biome-ignore lint/suspicious/noExplicitAny: Mastodon's entities, read loosely
  return { status: response.status, json: (await response.json()) as any };
};
const mentionsOf = async (who: string) =>
  ((await call(who, "GET", "/api/v1/notifications?types[]=mention")).json as { status: { content: string } }[]).map(
    (n) => n.status.content,
  );

test("a mute that keeps notifications hides the posts but lets the mentions through; the default hides both", async () => {
  expect((await call("ana", "POST", `/api/v1/accounts/${m("ben").id}/follow`)).status).toBe(200);
  expect((await call("ana", "POST", `/api/v1/accounts/${m("cyd").id}/follow`)).status).toBe(200);
  const kept = await call("ana", "POST", `/api/v1/accounts/${m("ben").id}/mute`, { notifications: false });
  expect(kept.json).toMatchObject({ muting: true, muting_notifications: false });
  const hidden = await call("ana", "POST", `/api/v1/accounts/${m("cyd").id}/mute`);
  expect(hidden.json).toMatchObject({ muting: true, muting_notifications: true });
  const benPost = await call("ben", "POST", "/api/v1/statuses", { status: "@ana lunch?" });
  const cydPost = await call("cyd", "POST", "/api/v1/statuses", { status: "@ana dinner?" });
  const home = ((await call("ana", "GET", "/api/v1/timelines/home")).json as { id: string }[]).map((p) => p.id);
  expect(home).not.toContain(benPost.json.id);
  expect(home).not.toContain(cydPost.json.id);
  const mentions = await mentionsOf("ana");
  expect(mentions.some((c) => c.includes("lunch?"))).toBe(true);
  expect(mentions.some((c) => c.includes("dinner?"))).toBe(false);
  // The page shows ben's mention too.
  expect(await (await m("ana").browser.get("/notifications")).text()).toContain("lunch?");
});

test("a mute for a while says when it ends, and the scheduler lifts it then", async () => {
  const muted = await call("olga", "POST", `/api/v1/accounts/${m("ben").id}/mute`, { duration: 3600 });
  expect(muted.status).toBe(200);
  const listed = (await call("olga", "GET", "/api/v1/mutes")).json as { id: string; mute_expires_at: string | null }[];
  const ends = Date.parse(listed.find((a) => a.id === m("ben").id)?.mute_expires_at ?? "");
  expect(Math.abs(ends - (Date.now() + 3600_000))).toBeLessThan(60_000);
  expect(endExpiredMutes(db)).toBe(0);
  expect(endExpiredMutes(db, new Date(Date.now() + 3601_000))).toBe(1);
  expect((await call("olga", "GET", `/api/v1/accounts/relationships?id[]=${m("ben").id}`)).json[0].muting).toBe(false);
  // Muting again changes the choice: for good, notifications kept.
  await call("olga", "POST", `/api/v1/accounts/${m("ben").id}/mute`, { duration: 60 });
  await call("olga", "POST", `/api/v1/accounts/${m("ben").id}/mute`, { notifications: false, duration: 0 });
  const again = (await call("olga", "GET", "/api/v1/mutes")).json as { id: string; mute_expires_at: string | null }[];
  expect(again.find((a) => a.id === m("ben").id)?.mute_expires_at).toBeNull();
  // A duration that is not one is refused, nothing changed.
  const bad = await call("olga", "POST", `/api/v1/accounts/${m("cyd").id}/mute`, { duration: -5 });
  expect(bad.status).toBe(422);
  expect((await call("olga", "GET", `/api/v1/accounts/relationships?id[]=${m("cyd").id}`)).json[0].muting).toBe(false);
});

test("the profile's Mute asks for how long and about notifications; the page then says until when", async () => {
  const ben = m("ben").browser;
  const before = await (await ben.get("/@cyd")).text();
  expect(before).toContain('<form method="post" action="/accounts/');
  expect(before).toContain('<option value="86400">1 day</option>');
  expect(before).toMatch(/name="notifications" value="1" checked/);
  const saved = await ben.post(`/accounts/${m("cyd").id}/mute`, { duration: "86400" });
  expect(saved.status).toBe(303);
  const relation = (await call("ben", "GET", `/api/v1/accounts/relationships?id[]=${m("cyd").id}`)).json[0];
  expect(relation).toMatchObject({ muting: true, muting_notifications: false }); // the box was unticked
  expect(await (await ben.get("/@cyd")).text()).toMatch(
    /<span class="muted">Muted until <time datetime="[^"]+" data-local>[^<]+<\/time><\/span>/,
  );
  // Without a duration (a form of old, an app), a mute is for good.
  expect((await ben.post(`/accounts/${m("olga").id}/mute`, {})).status).toBe(303);
  const olga = (await call("ben", "GET", `/api/v1/accounts/relationships?id[]=${m("olga").id}`)).json[0];
  expect(olga).toMatchObject({ muting: true, muting_notifications: false });
  await ben.post(`/accounts/${m("olga").id}/unmute`, {});
  // A duration the menu does not offer is refused; without the form's token nothing happens.
  expect((await ben.post(`/accounts/${m("ana").id}/mute`, { duration: "5" })).status).toBe(400);
  expect((await ben.post(`/accounts/${m("ana").id}/mute`, { duration: "0" }, { csrf: false })).status).toBe(403);
  expect((await call("ben", "GET", `/api/v1/accounts/relationships?id[]=${m("ana").id}`)).json[0].muting).toBe(false);
});

test("a mute in force is changed on the profile: its notifications choice, keeping or changing its length", async () => {
  const olga = m("olga").browser;
  const target = m("cyd").id;
  await olga.post(`/accounts/${target}/mute`, { duration: "3600", notifications: "1" });
  const until = () =>
    db
      .select()
      .from(mutes)
      .where(eq(mutes.targetAccountId, target))
      .all()
      .find((r) => r.accountId === m("olga").id);
  const first = until()?.expiresAt;
  const page = await (await olga.get("/@cyd")).text();
  expect(page).toContain("<summary>Change</summary>");
  expect(page).toMatch(/<option value="keep" selected data-local-label="Until %s" data-local-at="[^"]+">Until [^<]+<\/option>/);
  expect(page).toMatch(/name="notifications" value="1" checked/);
  // Keeping its length, letting notifications through.
  expect((await olga.post(`/accounts/${target}/mute`, { duration: "keep" })).status).toBe(303);
  expect(until()).toMatchObject({ notifications: false, expiresAt: first });
  expect(await (await olga.get("/@cyd")).text()).not.toMatch(/name="notifications" value="1" checked/);
  // Then for good.
  await olga.post(`/accounts/${target}/mute`, { duration: "0", notifications: "1" });
  expect(until()).toMatchObject({ notifications: true, expiresAt: null });
  expect(await (await olga.get("/@cyd")).text()).toContain("As now: for good");
  await olga.post(`/accounts/${target}/unmute`, {});
  // A change sent from a page left open after the mute ended changes nothing.
  expect((await olga.post(`/accounts/${target}/mute`, { duration: "keep", notifications: "1" })).status).toBe(303);
  expect(until()).toBeUndefined();
});

test("the mutes file says which mutes hide notifications, and an import of it keeps each choice", async () => {
  const csv = async (who: string) => (await m(who).browser.get("/settings/export/muted_accounts.csv")).text();
  // ben muted cyd for a day without hiding notifications (above).
  expect(await csv("ben")).toBe("Account address,Hide notifications\ncyd@social.example,false\n");
  const rows = parseImportCsv(
    "muting",
    "Account address,Hide notifications\nana@social.example,false\nolga@social.example,true\nx@y.example,maybe\n",
    "ben@social.example",
  );
  expect(rows.map((r) => [r.target, r.hideNotifications, r.skip])).toEqual([
    ["ana@social.example", false, undefined],
    ["olga@social.example", true, undefined],
    ["x@y.example", undefined, "Hide notifications must be true or false."],
  ]);
});

test("a mute that hides notifications takes those already there; one whose time is up no longer counts", async () => {
  const own = await call("cyd", "POST", "/api/v1/statuses", { status: "like this" });
  expect((await call("ana", "POST", `/api/v1/statuses/${own.json.id}/favourite`)).status).toBe(200);
  const fromAna = async () =>
    ((await call("cyd", "GET", "/api/v1/notifications")).json as { account: { id: string } }[]).filter(
      (n) => n.account.id === m("ana").id,
    ).length;
  expect(await fromAna()).toBeGreaterThan(0); // the like, and her follow earlier
  expect((await call("cyd", "POST", `/api/v1/accounts/${m("ana").id}/mute`, { duration: 60 })).status).toBe(200);
  expect(await fromAna()).toBe(0);
  // Its minute is up before the scheduler's next round: it no longer counts anywhere.
  db.update(mutes)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(mutes.accountId, m("cyd").id))
    .run();
  expect((await call("cyd", "GET", `/api/v1/accounts/relationships?id[]=${m("ana").id}`)).json[0].muting).toBe(false);
  await call("ana", "POST", "/api/v1/statuses", { status: "@cyd hello again" });
  expect(await mentionsOf("cyd")).toContainEqual(expect.stringContaining("hello again"));
});

test("the API reads a duration as Mastodon does: truncated, empty or null for good, over a year for good", async () => {
  const ends = async () =>
    ((await call("olga", "GET", "/api/v1/mutes")).json as { id: string; mute_expires_at: string | null }[]).find(
      (a) => a.id === m("cyd").id,
    )?.mute_expires_at;
  expect((await call("olga", "POST", `/api/v1/accounts/${m("cyd").id}/mute`, { duration: 3600.7 })).status).toBe(200);
  expect(Math.abs(Date.parse((await ends()) ?? "") - (Date.now() + 3600_000))).toBeLessThan(60_000);
  for (const duration of [null, "", 400 * 86_400]) {
    expect((await call("olga", "POST", `/api/v1/accounts/${m("cyd").id}/mute`, { duration })).status).toBe(200);
    expect(await ends()).toBeNull();
  }
  expect((await call("olga", "POST", `/api/v1/accounts/${m("cyd").id}/mute`, { duration: "soon" })).status).toBe(422);
});

test("the live streams leave out a muted account's posts, as the timelines do", async () => {
  const heard: string[] = [];
  const stop = t.live.add({
    accountId: m("ana").id,
    streams: [{ name: "user" }, { name: "public" }],
    showsNotifications: true,
    push: (e) => void ("post" in e && heard.push(`${e.stream.name} ${e.post.text}`)),
  });
  await call("cyd", "POST", "/api/v1/statuses", { status: "cyd is muted", visibility: "public" });
  await call("olga", "POST", "/api/v1/statuses", { status: "olga is not", visibility: "public" });
  stop();
  expect(heard).toEqual(["public olga is not"]);
});
