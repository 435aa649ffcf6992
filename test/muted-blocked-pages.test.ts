// The accounts a member mutes and blocks, listed in settings with the button that ends each, as
// Mastodon's "Muted users" and "Blocked users": a member can find again whom they muted.
import { expect, setDefaultTimeout, test } from "bun:test";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";

setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["ana", "ben", "cyd", "dee"]);
const api = apiAs(t, origin, m);
/** The list item of one account on a page. */
const itemOf = (page: string, handle: string) => page.split("<li>").find((item) => item.includes(`@${handle}<`)) ?? "";
const relation = async (who: string, target: string) =>
  ((await (await api(who, "GET", `/api/v1/accounts/relationships?id[]=${m(target).id}`)).json()) as Record<string, unknown>[])[0];

test("the muted accounts page lists each mute with how long it lasts and what it hides, and Unmute ends it", async () => {
  const ana = m("ana").browser;
  expect(await (await ana.get("/settings/mutes")).text()).toContain("You have muted no one.");
  await api("ana", "POST", `/api/v1/accounts/${m("ben").id}/mute`, { duration: 3600 });
  await api("ana", "POST", `/api/v1/accounts/${m("cyd").id}/mute`, { notifications: false });
  const page = await (await ana.get("/settings/mutes")).text();
  expect(page).toContain('aria-current="page">Muted accounts</a>');
  expect(itemOf(page, "ben")).toMatch(/Until <time datetime="[^"]+" data-local>[^<]+ UTC<\/time> · notifications hidden too/);
  expect(itemOf(page, "cyd")).toContain("For good · notifications still shown");
  expect(page).toContain(`action="/accounts/${m("ben").id}/unmute"`);
  expect(page).toContain('aria-label="Unmute @ben"');
  // Unmuting from the list comes back to it, without them.
  const done = await ana.post(
    `/accounts/${m("ben").id}/unmute`,
    {},
    { headers: { referer: "http://127.0.0.1:3000/settings/mutes" } },
  );
  expect(done.status).toBe(303);
  expect(done.headers.get("location")).toBe("/settings/mutes");
  expect((await relation("ana", "ben"))?.muting).toBe(false);
  const after = await (await ana.get("/settings/mutes")).text();
  expect(after).not.toContain("@ben<");
  expect(after).toContain("@cyd<");
  // Someone else's mutes are not on it.
  expect(await (await m("dee").browser.get("/settings/mutes")).text()).toContain("You have muted no one.");
});

test("the profile asks before a block, on its own page; once blocked, that page leads to the profile", async () => {
  const dee = m("dee").browser;
  const profile = await (await dee.get("/@ana")).text();
  expect(profile).toContain(`href="/accounts/${m("ana").id}/block"`);
  expect(profile).not.toContain(`action="/accounts/${m("ana").id}/block"`); // no one-click block
  const confirm = await (await dee.get(`/accounts/${m("ana").id}/block`)).text();
  expect(confirm).toContain("Block @ana?");
  expect(confirm).toContain(`action="/accounts/${m("ana").id}/block"`);
  const done = await dee.post(
    `/accounts/${m("ana").id}/block`,
    {},
    {
      headers: { referer: `http://127.0.0.1:3000/accounts/${m("ana").id}/block` },
    },
  );
  const again = await dee.get(done.headers.get("location") ?? "");
  expect([again.status, again.headers.get("location")]).toEqual([303, "/@ana"]);
  // A local account has no domain to block; one's own account cannot be blocked.
  expect((await dee.get(`/accounts/${m("ben").id}/block_domain`)).headers.get("location")).toBe("/@ben");
  expect((await dee.get(`/accounts/${m("dee").id}/block`)).headers.get("location")).toBe("/@dee");
  await dee.post(`/accounts/${m("ana").id}/unblock`, {});
});

test("the blocked accounts page lists blocks, pages by 40, and Unblock ends one", async () => {
  const dee = m("dee").browser;
  for (const who of ["ana", "ben", "cyd"]) await api("dee", "POST", `/api/v1/accounts/${m(who).id}/block`);
  const page = await (await dee.get("/settings/blocks")).text();
  // Newest first.
  expect(page.indexOf("@cyd<")).toBeLessThan(page.indexOf("@ana<"));
  expect(page).not.toContain("Load more");
  expect(itemOf(page, "ana")).not.toContain("For good");
  await dee.post(`/accounts/${m("cyd").id}/unblock`, {});
  expect((await relation("dee", "cyd"))?.blocking).toBe(false);
  expect(await (await dee.get("/settings/blocks")).text()).not.toContain("@cyd<");
});

test("the pages ask a visitor to log in, and read a cursor that is not one as the start", async () => {
  const visitor = await t.app.handle(new Request(`${origin}/settings/blocks`, { headers: { accept: "text/html" } }));
  expect(visitor.status).toBe(303);
  expect(visitor.headers.get("location")).toBe("/login?next=%2Fsettings%2Fblocks");
  const odd = await m("dee").browser.get("/settings/blocks?max_id=%27%3B--");
  expect(odd.status).toBe(200);
  expect(await odd.text()).toContain("You have blocked no one.");
  expect((await m("dee").browser.get(`/settings/blocks?max_id=${"9".repeat(65)}`)).status).toBe(400);
});
