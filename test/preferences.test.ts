// A member's preferences, as Mastodon's: posting defaults (who sees and may quote new posts, their
// language, media marked sensitive) that the compose box and the API start from, and how posts
// read (content warnings open, media always shown or always hidden). The page, the API's
// /api/v1/preferences and update_credentials all go through core/preferences.ts.
import { expect, setDefaultTimeout, test } from "bun:test";
import { eq } from "drizzle-orm";
import { updateSettings } from "../src/core/instance.ts";
import { languageChoices } from "../src/core/languages.ts";
import { posts } from "../src/db/schema.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";
import { testJpeg } from "./helpers/images.ts";

setDefaultTimeout(60_000);

const origin = "https://social.example";
const t = testApp(origin);
const m = await signedInMembers(t, origin, ["olga", "ana", "ben"]);
const api = apiAs(t, origin, m);
const { db } = t.deps;
updateSettings(db, { defaultLanguage: "en" });

const call = async (who: string, method: string, path: string, body?: Record<string, unknown>) => {
  const response = await api(who, method, path, body);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & { [key: string]: unknown } };
};

/** A picture uploaded through the API, for a post. */
async function picture(who: string) {
  const form = new FormData();
  form.append("file", new File([await testJpeg(80, 60)], "photo.jpg", { type: "image/jpeg" }));
  form.append("description", "a small photo");
  const response = await t.app.handle(
    new Request(`${origin}/api/v2/media`, { method: "POST", headers: { authorization: `Bearer ${m(who).token}` }, body: form }),
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

test("the page saves posting defaults; the compose box and new posts start from them", async () => {
  const ana = m("ana").browser;
  const page = await (await ana.get("/settings/preferences")).text();
  expect(page).toContain("<h2>Posting defaults</h2>");
  expect(page).toContain(`<option value="" selected>This server&#x27;s default (English)</option>`);
  const saved = await ana.post("/settings/preferences", {
    default_visibility: "unlisted",
    default_quote_policy: "followers",
    default_language: "de",
    default_sensitive: "1",
  });
  expect(saved.status).toBe(303);
  expect(saved.headers.get("location")).toBe("/settings/preferences?saved=1");
  expect(await (await ana.get("/settings/preferences?saved=1")).text()).toContain("Your preferences are saved.");
  const home = await (await ana.get("/")).text();
  expect(home).toContain('<option value="unlisted" selected>');
  expect(home).toContain('<option value="followers" selected>Followers can quote</option>');
  expect(home).toContain('<option value="de" selected>German</option>');
  expect(home).toMatch(/<input type="checkbox" name="sensitive" value="1" checked\/>/);
  // A post from the page, its language and sensitive box left as they start.
  const posted = await ana.post("/statuses", { status: "Guten Morgen", language: "de", sensitive: "1" });
  expect(posted.status).toBe(303);
  const post = db.select().from(posts).where(eq(posts.text, "Guten Morgen")).get();
  expect(post).toMatchObject({ language: "de", sensitive: true, visibility: "unlisted", quotePolicy: "followers" });
  // Unticked, the box says not sensitive; another language chosen is kept.
  await ana.post("/statuses", { status: "Good morning", language: "en" });
  expect(db.select().from(posts).where(eq(posts.text, "Good morning")).get()).toMatchObject({ language: "en", sensitive: false });
});

test("the API reads the same preferences, and apps set them through update_credentials", async () => {
  const prefs = await call("ana", "GET", "/api/v1/preferences");
  expect(prefs.json).toMatchObject({
    "posting:default:visibility": "unlisted",
    "posting:default:quote_policy": "followers",
    "posting:default:sensitive": true,
    "posting:default:language": "de",
    "reading:expand:media": "default",
    "reading:expand:spoilers": false,
  });
  // A post through the API that names no language or sensitivity takes the member's defaults.
  const media = await picture("ana");
  const plain = await call("ana", "POST", "/api/v1/statuses", { status: "Ein Foto", media_ids: [media] });
  expect(plain.json).toMatchObject({ language: "de", sensitive: true });
  // A language that is not one is no language: the default again.
  expect((await call("ana", "POST", "/api/v1/statuses", { status: "hmm", language: "zz" })).json.language).toBe("de");
  const updated = await call("ben", "PATCH", "/api/v1/accounts/update_credentials", {
    source: { language: "fr", sensitive: true, privacy: "private" },
  });
  expect(updated.status).toBe(200);
  expect(updated.json.source).toMatchObject({ language: "fr", sensitive: true, privacy: "private" });
  expect((await call("ben", "POST", "/api/v1/statuses", { status: "Bonjour" })).json).toMatchObject({
    language: "fr",
    visibility: "private",
  });
  // A language that is not one is refused with the rest of the call: nothing changes.
  const bad = await call("ben", "PATCH", "/api/v1/accounts/update_credentials", {
    display_name: "Benoît",
    source: { language: "klingon" },
  });
  expect(bad.status).toBe(422);
  expect(bad.json.error).toContain("Choose a language from the list.");
  const me = await call("ben", "GET", "/api/v1/accounts/verify_credentials");
  expect(me.json.display_name).not.toBe("Benoît");
  expect((me.json.source as { language: string }).language).toBe("fr");
});

test("reading: content warnings open, and media shown or hidden as the member chooses", async () => {
  const media = await picture("ben");
  const sensitive = await call("ben", "POST", "/api/v1/statuses", {
    status: "a sensitive picture",
    media_ids: [media],
    sensitive: true,
    visibility: "public",
  });
  const warned = await call("ben", "POST", "/api/v1/statuses", {
    status: "the ending",
    spoiler_text: "film spoilers",
    visibility: "public",
  });
  const plain = await call("ben", "POST", "/api/v1/statuses", {
    status: "a plain picture",
    media_ids: [await picture("ben")],
    sensitive: false,
    visibility: "public",
  });
  const olga = m("olga").browser;
  const show = async (id: unknown) => (await olga.get(`/@ben/${String(id)}`)).text();
  // The defaults: the warning folds the post; sensitive media folds on its own, the words readable.
  expect(await show(warned.json.id)).toContain('<details class="content-warning"><summary>');
  const sensitivePage = await show(sensitive.json.id);
  expect(sensitivePage).toContain('<details class="media-hidden"><summary><span>Sensitive media</span>');
  expect(sensitivePage).not.toContain('class="content-warning"');
  expect(await show(plain.json.id)).not.toContain("media-hidden");
  // Always open warnings, always show media.
  expect((await olga.post("/settings/preferences", { expand_spoilers: "1", media_display: "show_all" })).status).toBe(303);
  expect(await show(warned.json.id)).toContain('<details class="content-warning" open><summary>');
  expect(await show(sensitive.json.id)).not.toContain("media-hidden");
  // Always hide media: every picture folds, sensitive or not.
  expect((await olga.post("/settings/preferences", { media_display: "hide_all" })).status).toBe(303);
  expect(await show(plain.json.id)).toContain('<details class="media-hidden"><summary><span>Media hidden</span>');
  expect((await call("olga", "GET", "/api/v1/preferences")).json).toMatchObject({
    "reading:expand:media": "hide_all",
    "reading:expand:spoilers": false, // the last form left it unticked
  });
});

test("a choice the page does not offer is refused next to its field, and nothing changes", async () => {
  const ana = m("ana").browser;
  const bad = await ana.post("/settings/preferences", { default_language: "xx", default_visibility: "public" });
  expect(bad.status).toBe(422);
  const page = await bad.text();
  expect(page).toContain("Choose a language from the list.");
  expect(page).toContain('<div class="field invalid"><label for="default_language">');
  expect((await call("ana", "GET", "/api/v1/preferences")).json["posting:default:visibility"]).toBe("unlisted");
  // A value no select sends is refused before it reaches the preferences.
  expect((await ana.post("/settings/preferences", { media_display: "sideways" })).status).toBe(400);
  // Without the form's token, nothing is saved.
  const forged = await t.request("/settings/preferences", {
    method: "POST",
    body: new URLSearchParams({ default_visibility: "direct" }),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(forged.status).toBe(403);
  expect((await call("ana", "GET", "/api/v1/preferences")).json["posting:default:visibility"]).toBe("unlisted");
});

test("an edit changes the language and the sensitive mark when it says so, and keeps them when it does not", async () => {
  const media = await picture("ana");
  const created = await call("ana", "POST", "/api/v1/statuses", { status: "Ein Bild", media_ids: [media], language: "de" });
  expect(created.json).toMatchObject({ sensitive: true, language: "de" }); // ana's default marks media
  // An app's edit that names neither keeps both.
  const kept = await call("ana", "PUT", `/api/v1/statuses/${created.json.id}`, { status: "Ein schönes Bild" });
  expect(kept.json).toMatchObject({ sensitive: true, language: "de" });
  // The page's edit form: the box and the language as the post has them.
  const ana = m("ana").browser;
  const form = await (await ana.get(`/statuses/${created.json.id}/edit`)).text();
  expect(form).toMatch(/<input type="checkbox" name="sensitive" value="1" checked\/>/);
  expect(form).toContain('<option value="de" selected>German</option>');
  // Unticked and another language chosen.
  const saved = await ana.post(`/statuses/${created.json.id}/edit`, { status: "A nice picture", language: "en" });
  expect(saved.status).toBe(303);
  expect((await call("ana", "GET", `/api/v1/statuses/${created.json.id}`)).json).toMatchObject({
    sensitive: false,
    language: "en",
  });
  // A post without media has no box: its edit leaves the mark alone.
  const words = await call("ana", "POST", "/api/v1/statuses", { status: "words", sensitive: true });
  expect((await ana.get(`/statuses/${words.json.id}/edit`)).status).toBe(200);
  await ana.post(`/statuses/${words.json.id}/edit`, { status: "more words", language: "" });
  expect((await call("ana", "GET", `/api/v1/statuses/${words.json.id}`)).json).toMatchObject({ sensitive: true, language: "de" });
});

test("a language is read as Mastodon reads it; a bad visibility or quote policy is refused like a bad language", async () => {
  expect((await call("ben", "POST", "/api/v1/statuses", { status: "Olá", language: "pt_br" })).json.language).toBe("pt-BR");
  expect((await call("ben", "POST", "/api/v1/statuses", { status: "Salut", language: "fr-CA" })).json.language).toBe("fr");
  const upper = await call("ben", "PATCH", "/api/v1/accounts/update_credentials", { source: { language: "DE" } });
  expect((upper.json.source as { language: string }).language).toBe("de");
  for (const source of [{ privacy: "everyone" }, { quote_policy: "all" }]) {
    const bad = await call("ben", "PATCH", "/api/v1/accounts/update_credentials", { display_name: "Nope", source });
    expect(bad.status).toBe(422);
  }
  const me = (await call("ben", "GET", "/api/v1/accounts/verify_credentials")).json;
  expect(me.display_name).not.toBe("Nope");
  expect(me.source).toMatchObject({ privacy: "private", language: "de" });
});

test("an opened content warning does not show the sensitive pictures with it", async () => {
  const warned = await call("ben", "POST", "/api/v1/statuses", {
    status: "the picture",
    spoiler_text: "eye strain",
    media_ids: [await picture("ben")],
    visibility: "public",
  });
  const ana = m("ana").browser;
  expect((await ana.post("/settings/preferences", { expand_spoilers: "1", media_display: "default" })).status).toBe(303);
  const page = await (await ana.get(`/@ben/${String(warned.json.id)}`)).text();
  expect(page).toContain('<details class="content-warning" open><summary>');
  expect(page).toContain('<details class="media-hidden"><summary><span>Sensitive media</span>');
});

test("public timelines and hashtag pages show only the languages a member chose; none chosen is all", async () => {
  const english = await call("ben", "POST", "/api/v1/statuses", {
    status: "Tea time #daily",
    language: "en",
    visibility: "public",
  });
  const french = await call("ben", "POST", "/api/v1/statuses", {
    status: "L'heure du thé #daily",
    language: "fr",
    visibility: "public",
  });
  db.update(posts)
    .set({ language: null })
    .where(eq(posts.id, String(english.json.id)))
    .run(); // a post that names none
  const unnamed = english;
  const german = await call("ben", "POST", "/api/v1/statuses", {
    status: "Teezeit #daily",
    language: "de",
    visibility: "public",
  });
  const olga = m("olga").browser;
  const saved = await olga.post("/settings/preferences", [
    ["chosen_languages", "de"],
    ["chosen_languages", "EN"],
  ]);
  expect(saved.status).toBe(303);
  const page = await (await olga.get("/settings/preferences")).text();
  expect(page).toContain("Public timelines in: German, English");
  expect(page).toMatch(/<input type="checkbox" name="chosen_languages" value="de" checked\/>/);
  for (const path of ["/public/local", "/public", "/tags/daily"]) {
    const shown = await (await olga.get(path)).text();
    expect({ path, german: shown.includes(`post-${german.json.id}`), none: shown.includes(`post-${unnamed.json.id}`) }).toEqual({
      path,
      german: true,
      none: true,
    });
    expect({ path, french: shown.includes(`post-${french.json.id}`) }).toEqual({ path, french: false });
  }
  const timeline = (await call("olga", "GET", "/api/v1/timelines/public?local=true")).json as unknown as { id: string }[];
  expect(timeline.map((p) => p.id)).not.toContain(String(french.json.id));
  expect(timeline.map((p) => p.id)).toContain(String(german.json.id));
  // Others, and visitors, see every language.
  expect(await (await m("ana").browser.get("/public/local")).text()).toContain(`post-${french.json.id}`);
  // A language not in the list is refused, nothing changed; none ticked is all again.
  const bad = await olga.post("/settings/preferences", { chosen_languages: "xx" });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("Choose languages from the list.");
  expect((await olga.post("/settings/preferences", {})).status).toBe(303);
  expect(await (await olga.get("/public/local")).text()).toContain(`post-${french.json.id}`);
});

test("an edit changes the media's descriptions, on the page and through the API (media_attributes); only the post's own", async () => {
  const [first, second] = [await picture("ana"), await picture("ana")];
  const created = await call("ana", "POST", "/api/v1/statuses", { status: "Two pictures", media_ids: [first, second] });
  const id = created.json.id as string;
  const ana = m("ana").browser;
  const form = await (await ana.get(`/statuses/${id}/edit`)).text();
  expect(form).toContain('<label for="edit-kept-2">Description of file 2 (alt text)</label>');
  expect(form).toContain(`<input type="hidden" name="media_id" value="${second}"/>`);
  const saved = await ana.post(`/statuses/${id}/edit`, [
    ["status", "Two pictures"],
    ["media_id", first ?? ""],
    ["media_description", "A red door"],
    ["media_id", second ?? ""],
    ["media_description", "  A blue window  "],
  ]);
  expect(saved.status).toBe(303);
  const described = async () =>
    ((await call("ana", "GET", `/api/v1/statuses/${id}`)).json.media_attachments as { description: string }[]).map(
      (a) => a.description,
    );
  expect(await described()).toEqual(["A red door", "A blue window"]);
  // An app sends media_attributes; an id of someone else's media is passed over.
  const bens = await picture("ben");
  const edited = await call("ana", "PUT", `/api/v1/statuses/${id}`, {
    status: "Two pictures",
    media_attributes: [
      { id: second, description: "A green window", focus: "0.2,-0.4" },
      { id: bens, description: "taken over" },
    ],
  });
  expect(edited.status).toBe(200);
  expect(await described()).toEqual(["A red door", "A green window"]);
  // Its focal point too, as Ivory and Mastodon's web send it; an edit leaving it out keeps it.
  const focusOf = async () =>
    ((await call("ana", "GET", `/api/v1/statuses/${id}`)).json.media_attachments as { meta: { focus: unknown } }[])[1]?.meta
      .focus;
  expect(await focusOf()).toEqual({ x: 0.2, y: -0.4 });
  await call("ana", "PUT", `/api/v1/statuses/${id}`, {
    status: "Two pictures",
    media_attributes: [{ id: second, description: "A green window" }],
  });
  expect(await focusOf()).toEqual({ x: 0.2, y: -0.4 });
  const badFocus = await call("ana", "PUT", `/api/v1/statuses/${id}`, {
    status: "Two pictures",
    media_attributes: [{ id: second, focus: "9,9" }],
  });
  expect(badFocus.status).toBe(422);
  expect((await call("ben", "GET", `/api/v1/media/${bens}`)).json.description).toBe("a small photo");
  // Too long: refused next to the fields, the typed text kept, nothing changed.
  const long = await ana.post(`/statuses/${id}/edit`, [
    ["status", "Two pictures"],
    ["media_id", first ?? ""],
    ["media_description", "x".repeat(1501)],
  ]);
  expect(long.status).toBe(422);
  expect(await long.text()).toContain("Keep each description under 1500 characters.");
  expect(await described()).toEqual(["A red door", "A green window"]);
});

test("every language a post may have is offered by a name, each name once", () => {
  const choices = languageChoices();
  expect(choices.filter((c) => c.name === c.code)).toEqual([]);
  const names = choices.map((c) => c.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  expect(choices.find((c) => c.code === "kmr")?.name).toBe("Kurmanji (Kurdish)");
});

test("the colours follow the device, or stay light or dark as the member chooses; other pages keep theirs", async () => {
  const ben = m("ben").browser;
  const theme = async (who: string) =>
    /<html lang="en"(?: data-theme="(\w+)")?>/.exec(await (await m(who).browser.get("/")).text())?.[1];
  expect(await theme("ben")).toBeUndefined();
  expect((await ben.post("/settings/preferences", { theme: "dark" })).status).toBe(303);
  expect(await theme("ben")).toBe("dark");
  expect(await (await ben.get("/settings/preferences")).text()).toContain('id="theme-dark" name="theme" value="dark" checked');
  expect(await theme("ana")).toBeUndefined();
  // An old form without the choice keeps it; a value the page does not offer is refused.
  await ben.post("/settings/preferences", { expand_spoilers: "1" });
  expect(await theme("ben")).toBe("dark");
  expect((await ben.post("/settings/preferences", { theme: "neon" })).status).toBe(400);
  await ben.post("/settings/preferences", { theme: "auto" });
  expect(await theme("ben")).toBeUndefined();
});
