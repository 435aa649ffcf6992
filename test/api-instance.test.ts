import { expect, setDefaultTimeout, test } from "bun:test";
import { blockDomain } from "../src/core/domain-blocks.ts";
import { updateSettings } from "../src/core/instance.ts";
import { sha256Hex } from "../src/core/tokens.ts";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema.ts";
import { apiAs, json, signedInMembers, testApp } from "./helpers/app.ts";

setDefaultTimeout(30_000);

const ORIGIN = "https://social.example";

test("activity: twelve weeks from this Monday back, counting local posts, active members and sign-ups", async () => {
  const t = testApp(ORIGIN);
  const members = await signedInMembers(t, ORIGIN, ["olga", "ada"]);
  const call = apiAs(t, ORIGIN, members);
  await call("ada", "POST", "/api/v1/statuses", { status: "one" });
  await call("ada", "POST", "/api/v1/statuses", { status: "two" });
  await call("olga", "POST", "/api/v1/statuses", { status: "three" });
  // A member who signed up five weeks ago and has not been back.
  const fiveWeeksAgo = new Date(Date.now() - 35 * 24 * 3600_000);
  t.deps.db
    .update(users)
    .set({ createdAt: fiveWeeksAgo })
    .where(eq(users.accountId, members("ada").id))
    .run();

  const weeks = await json(await call(null, "GET", "/api/v1/instance/activity"));
  expect(weeks).toHaveLength(12);
  const monday = new Date(Number(weeks[0].week) * 1000);
  expect(monday.getUTCDay()).toBe(1);
  expect(monday.getUTCHours()).toBe(0);
  expect(Date.now() - monday.getTime()).toBeLessThan(7 * 24 * 3600_000);
  expect(Number(weeks[1].week)).toBe(Number(weeks[0].week) - 7 * 24 * 3600);
  expect(weeks[0]).toEqual({ week: weeks[0].week, statuses: "3", logins: "2", registrations: "1" });
  expect(weeks.reduce((n: number, w: { registrations: string }) => n + Number(w.registrations), 0)).toBe(2);
  // The owner may keep it private (on a tiny instance it tells when its members were active).
  updateSettings(t.deps.db, { activityApiEnabled: false });
  expect((await call(null, "GET", "/api/v1/instance/activity")).status).toBe(404);
});

test("domain blocks, privacy policy and terms as the about page shows them", async () => {
  const t = testApp(ORIGIN);
  const members = await signedInMembers(t, ORIGIN, ["olga"]);
  const call = apiAs(t, ORIGIN, members);
  const block = (domain: string, severity: "suspend" | "silence" | "noop", publicComment: string, obfuscate = false) =>
    blockDomain(t.deps, members("olga").id, {
      domain,
      severity,
      publicComment,
      obfuscate,
      privateComment: "only staff read this",
      rejectMedia: false,
      rejectReports: false,
    });
  block("spam.example", "suspend", "spam");
  block("loud.example", "silence", "", true);
  block("quiet.example", "noop", "");
  expect(await json(await call(null, "GET", "/api/v1/instance/domain_blocks"))).toEqual([
    { domain: "l*ud.ex*mp*e", digest: sha256Hex("loud.example"), severity: "silence", comment: null },
    { domain: "spam.example", digest: sha256Hex("spam.example"), severity: "suspend", comment: "spam" },
  ]);

  const policy = await json(await call(null, "GET", "/api/v1/instance/privacy_policy"));
  expect(policy.content).toStartWith("<p>");
  expect(Date.parse(policy.updated_at)).toBeGreaterThan(0);
  expect((await call(null, "GET", "/api/v1/instance/terms_of_service")).status).toBe(404);
  updateSettings(t.deps.db, { termsOfService: "Be kind.\n\nNo <script> here.", description: "A small place." });
  const terms = await json(await call(null, "GET", "/api/v1/instance/terms_of_service"));
  expect(terms).toEqual({
    effective_date: new Date().toISOString().slice(0, 10),
    effective: true,
    content: "<p>Be kind.</p><p>No &lt;script&gt; here.</p>",
    succeeded_by: null,
  });
  // Saving the settings form again, the terms unchanged, keeps their date.
  t.database.sqlite.run("UPDATE instance_settings SET updated_at = 86400000 WHERE key = 'termsOfService'");
  updateSettings(t.deps.db, { termsOfService: "Be kind.\n\nNo <script> here.", maxPostLength: 600 });
  expect((await json(await call(null, "GET", "/api/v1/instance/terms_of_service"))).effective_date).toBe("1970-01-02");
  const about = await json(await call(null, "GET", "/api/v1/instance/extended_description"));
  expect(about.content).toBe("<p>A small place.</p>");

  const instance = await json(await call(null, "GET", "/api/v2/instance"));
  expect(instance.configuration.timelines_access.trending_link_feeds).toEqual({ local: "public", remote: "public" });
  updateSettings(t.deps.db, { trendsEnabled: false });
  const off = await json(await call(null, "GET", "/api/v2/instance"));
  expect(off.configuration.timelines_access.trending_link_feeds).toEqual({ local: "disabled", remote: "disabled" });
});

test("the languages a post may be tagged with, by code and English name, for apps' pickers", async () => {
  const t = testApp(ORIGIN);
  const call = apiAs(t, ORIGIN, await signedInMembers(t, ORIGIN, ["olga"]));
  const languages = (await json(await call(null, "GET", "/api/v1/instance/languages"))) as { code: string; name: string }[];
  // ISO 639-1, the ISO 639-3 codes and the regional variants Mastodon accepts.
  expect(languages.length).toBe(213);
  expect(languages).toContainEqual({ code: "de", name: "German" });
  expect(languages).toContainEqual({ code: "zh-TW", name: "Chinese (Taiwan)" });
  expect(languages).toContainEqual({ code: "ja", name: "Japanese" });
  expect(languages.map((l) => l.name)).toEqual(languages.map((l) => l.name).toSorted((a, b) => a.localeCompare(b, "en")));
});
