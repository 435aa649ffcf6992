// Members translate public posts through the service the admin configured, as on Mastodon:
// LibreTranslate and DeepL, each played here by a stand-in server on loopback speaking its HTTP
// API. Translations are kept until the post is edited, private posts never leave the instance,
// and a service that fails or answers nonsense gives a clear 503.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { loadConfig } from "../src/config.ts";
import { encodePng } from "../src/media/wasm.ts";
import { deepl, libreTranslate } from "../src/translation.ts";
import { apiAs, signedInMembers, testApp } from "./helpers/app.ts";
import { photo } from "./helpers/images.ts";

setDefaultTimeout(60_000);

/** What the stand-in services were asked, and how the next answers go wrong. */
const asked: { path: string; body: Record<string, unknown>; auth: string | null }[] = [];
let failing: "no" | "500" | "short" | "script" | "null" = "no";
const german = (text: string) => text.replaceAll("Hallo", "Hello").replaceAll("Welt", "World").replaceAll("Schaf", "Sheep");

const libre = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/languages")
      return Response.json([
        { code: "de", name: "German", targets: ["en", "fr"] },
        { code: "en", name: "English", targets: ["de", "fr", "zh-Hans"] },
        { code: "zh-Hans", name: "Chinese", targets: ["en"] },
      ]);
    const body = (await request.json()) as { q: string[] };
    asked.push({ path, body, auth: null });
    if (failing === "500") return new Response("overloaded", { status: 500 });
    if (failing === "null") return Response.json(null);
    const texts = failing === "short" ? body.q.slice(1) : body.q.map(german);
    if (failing === "script") texts[0] = `${texts[0]}<script>alert(1)</script><img src=x onerror=alert(2)>`;
    return Response.json({ translatedText: texts, detectedLanguage: [{ language: "de", confidence: 90 }] });
  },
});
const deeplServer = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const url = new URL(request.url);
    const auth = request.headers.get("authorization");
    if (url.pathname === "/v2/languages")
      return Response.json(
        url.searchParams.get("type") === "target"
          ? [{ language: "EN-US" }, { language: "EN-GB" }, { language: "DE" }]
          : [{ language: "DE" }, { language: "EN" }],
      );
    const body = (await request.json()) as { text: string[] };
    asked.push({ path: url.pathname, body, auth });
    return Response.json({ translations: body.text.map((text) => ({ detected_source_language: "DE", text: german(text) })) });
  },
});
afterAll(() => {
  libre.stop(true);
  deeplServer.stop(true);
});

const origin = "https://social.example";
const t = testApp(origin, { translator: libreTranslate(`http://127.0.0.1:${libre.port}`) });
const m = await signedInMembers(t, origin, ["olga", "kai", "lea"]);
const api = apiAs(t, origin, m);
const post = async (who: string, fields: Record<string, unknown>) => {
  const res = await api(who, "POST", "/api/v1/statuses", fields);
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
};
const translate = (who: string, id: string, lang?: string) =>
  api(who, "POST", `/api/v1/statuses/${id}/translate`, lang ? { lang } : undefined);

test("a public post, its content warning, poll and picture descriptions are translated once, and again after an edit", async () => {
  const picture = new FormData();
  picture.append("file", new File([await encodePng(photo(8, 8))], "schaf.png", { type: "image/png" }));
  picture.append("description", "Ein Schaf");
  const upload = await t.app.handle(
    new Request(`${origin}/api/v2/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${m("kai").token}` },
      body: picture,
    }),
  );
  const media = (await upload.json()) as { id: string };
  const withPicture = await post("kai", { status: "Hallo Welt", spoiler_text: "Schaf", language: "de", media_ids: [media.id] });
  const res = await translate("lea", withPicture, "en");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    content: "<p>Hello World</p>",
    spoiler_text: "Sheep",
    poll: null,
    media_attachments: [{ id: media.id, description: "Ein Sheep" }],
    detected_source_language: "de",
    language: "en",
    provider: "LibreTranslate",
  });
  // What the service got: the HTML as it is, the plain texts escaped, and a target.
  expect(asked.at(-1)?.body).toMatchObject({
    q: ["<p>Hallo Welt</p>", "Schaf", "Ein Schaf"],
    source: "auto",
    target: "en",
    format: "html",
  });

  // A custom emoji's shortcode is kept from the service.
  const emoji = await post("kai", { status: "Hallo :blobcat: um 19:30:00", spoiler_text: "Schaf :blobcat:", language: "de" });
  const kept = (await (await translate("lea", emoji, "en")).json()) as { content: string; spoiler_text: string };
  expect(asked.at(-1)?.body.q).toEqual([
    '<p>Hallo <span translate="no">:blobcat:</span> um 19:30:00</p>',
    'Schaf <span translate="no">:blobcat:</span>',
  ]);
  expect(kept).toMatchObject({
    content: '<p>Hello <span translate="no">:blobcat:</span> um 19:30:00</p>',
    spoiler_text: "Sheep :blobcat:",
  });

  const withPoll = await post("kai", { status: "Welt?", poll: { options: ["Hallo", "Schaf & Welt"], expires_in: 3600 } });
  const polled = (await (await translate("lea", withPoll)).json()) as { poll: { id: string; options: { title: string }[] } };
  expect(polled.poll).toEqual({ id: withPoll, options: [{ title: "Hello" }, { title: "Sheep & World" }] });

  // A second reader, or the same one again: the kept translation, no new call.
  const calls = asked.length;
  expect((await translate("olga", withPicture, "en")).status).toBe(200);
  expect(asked.length).toBe(calls);
  // A boost of it: its post is translated.
  const boost = (await (await api("olga", "POST", `/api/v1/statuses/${withPicture}/reblog`)).json()) as { id: string };
  expect((await translate("lea", boost.id, "en")).status).toBe(200);
  expect(asked.length).toBe(calls);
  // A change to its words makes it stale: an edit, or a new description.
  expect((await api("kai", "PUT", `/api/v1/statuses/${withPicture}`, { status: "Hallo Schaf" })).status).toBe(200);
  const edited = (await (await translate("lea", withPicture, "en")).json()) as { content: string };
  expect(edited.content).toBe("<p>Hello Sheep</p>");
  expect(asked.length).toBe(calls + 1);
  const redescribed = await api("kai", "PUT", `/api/v1/statuses/${withPicture}`, {
    status: "Hallo Schaf",
    media_attributes: [{ id: media.id, description: "Zwei Schafe" }],
  });
  expect(redescribed.status).toBe(200);
  const described = (await (await translate("lea", withPicture, "en-GB")).json()) as { media_attachments: unknown[] };
  expect(described.media_attachments).toEqual([{ id: media.id, description: "Zwei Sheepe" }]);
  expect(asked.length).toBe(calls + 2);
});

test("private posts are not sent; a bad language, a failing service or a strange answer get clear errors", async () => {
  const hidden = await post("kai", { status: "Hallo Freunde", visibility: "private" });
  const calls = asked.length;
  const refused = await translate("kai", hidden);
  expect(refused.status).toBe(403);
  expect(await refused.json()).toEqual({ error: "Only public posts with words are translated: others stay on this server." });
  expect((await translate("lea", hidden)).status).toBe(404); // lea does not follow kai
  // Not into its own language, nor one the service does not offer for it (its languages: de, en, fr).
  const german = await post("kai", { status: "Hallo", language: "de" });
  for (const lang of ["de", "pt-BR"]) {
    const res = await translate("lea", german, lang);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "The translation service does not translate this post into that language." });
  }
  expect(asked.length).toBe(calls); // none of these reached the service
  // A bad `lang` is ignored, as on Mastodon: the app's Accept-Language, else English.
  expect(((await (await translate("lea", german, "english!")).json()) as { language: string }).language).toBe("en");
  const open = await post("kai", { status: "Hallo" });

  failing = "500";
  // The details go to the log; members and apps read one sentence without the service's address.
  const down = await translate("lea", open, "fr");
  expect(down.status).toBe(503);
  expect(await down.json()).toEqual({ error: "The translation service did not answer as expected. Try again later." });
  for (const odd of ["short", "null"] as const) {
    failing = odd;
    expect((await translate("lea", open, "fr")).status).toBe(503);
  }
  // Whatever markup the service sends back is cleaned like any remote HTML.
  failing = "script";
  const cleaned = (await (await translate("lea", open, "fr")).json()) as { content: string };
  expect(cleaned.content).toBe("<p>Hello</p>");
  failing = "no";
});

test("the service's regional codes are read as base languages and given back as it wants them", async () => {
  const english = await post("kai", { status: "Hello", language: "en" });
  expect((await translate("lea", english, "zh-CN")).status).toBe(200);
  expect(asked.at(-1)?.body).toMatchObject({ target: "zh-Hans" });
});

test("two readers asking at once share one call to the service", async () => {
  const id = await post("kai", { status: "Hallo Schaf", language: "de" });
  const calls = asked.length;
  const [a, b] = await Promise.all([translate("lea", id, "en"), translate("olga", id, "en")]);
  expect([a.status, b.status]).toEqual([200, 200]);
  expect(asked.length).toBe(calls + 1);
});

test("the instance says it translates, and into what", async () => {
  const instance = (await (await t.request("/api/v2/instance")).json()) as {
    configuration: { translation: { enabled: boolean } };
  };
  expect(instance.configuration.translation.enabled).toBe(true);
  expect(await (await t.request("/api/v1/instance/translation_languages")).json()).toEqual({
    de: ["en", "fr"],
    en: ["de", "fr", "zh"],
    zh: ["en"],
    // Posts without a language tag ("und") go into every language the service knows.
    und: ["de", "en", "fr", "zh"],
  });
  // Without a service: nothing offered, and the call is not found.
  const plain = testApp(origin);
  const n = await signedInMembers(plain, origin, ["ana"]);
  const id = (
    (await (await apiAs(plain, origin, n)("ana", "POST", "/api/v1/statuses", { status: "Hallo", language: "de" })).json()) as {
      id: string;
    }
  ).id;
  expect((await apiAs(plain, origin, n)("ana", "POST", `/api/v1/statuses/${id}/translate`)).status).toBe(404);
  expect(await (await plain.request("/api/v1/instance/translation_languages")).json()).toEqual({});
  expect(await (await n("ana").browser.get(`/@ana/${id}`)).text()).not.toContain("Translate");
});

test("on the pages, a post in another language than the reader's has Translate, and the translation a way back", async () => {
  const id = await post("kai", { status: "Hallo Welt", language: "de" });
  const english = { "accept-language": "en-GB,en;q=0.8" };
  const page = await (await m("lea").browser.request(`/@kai/${id}`, { headers: english })).text();
  expect(page).toContain(`action="/statuses/${id}/translate"`);
  // Nothing to offer a German reader.
  const germanReader = await (await m("lea").browser.request(`/@kai/${id}`, { headers: { "accept-language": "de-DE" } })).text();
  expect(germanReader).not.toContain(`/statuses/${id}/translate`);

  const card = await m("lea").browser.post(`/statuses/${id}/translate`, {}, { headers: { ...english, "hx-request": "true" } });
  expect(card.status).toBe(200);
  const html = await card.text();
  expect(html).toContain("<p>Hello World</p>");
  expect(html).toContain("Translated from German with LibreTranslate");
  expect(html).toContain(`hx-get="/statuses/${id}/card"`);
  const original = await (await m("lea").browser.request(`/statuses/${id}/card`, { headers: { "hx-request": "true" } })).text();
  expect(original).toContain("<p>Hallo Welt</p>");

  failing = "500";
  const other = await post("kai", { status: "Welt", language: "de" });
  const failed = await m("lea").browser.post(
    `/statuses/${other}/translate`,
    {},
    { headers: { ...english, "hx-request": "true" } },
  );
  expect(failed.status).toBe(503);
  expect(await failed.text()).toContain("The translation service did not answer as expected. Try again later.");
  failing = "no";
});

test("DeepL: the key in its header, English as EN-US, its languages by base code", async () => {
  const translator = deepl("secret-key:fx", `http://127.0.0.1:${deeplServer.port}`);
  const answer = await translator.translate(
    [
      { text: "<p>Hallo Welt</p>", html: true },
      { text: "Schaf <3", html: false },
    ],
    "en",
  );
  expect(answer).toEqual({ texts: ["<p>Hello World</p>", "Sheep <3"], detected: "de" });
  expect(asked.at(-1)).toMatchObject({
    auth: "DeepL-Auth-Key secret-key:fx",
    body: { text: ["<p>Hallo Welt</p>", "Schaf &lt;3"], target_lang: "EN-US", tag_handling: "html" },
  });
  expect(await translator.languages()).toEqual({ de: ["en"], en: ["de"], und: ["de", "en"] });
});

test("the configuration takes one service, and refuses two or a bad address", () => {
  expect(loadConfig({ flags: { "deepl-key": "abc:fx" }, cwd: "/tmp" }).translation).toEqual({ service: "deepl", key: "abc:fx" });
  expect(loadConfig({ env: { SKEIN_LIBRETRANSLATE_URL: "http://localhost:5000/" }, cwd: "/tmp" }).translation).toEqual({
    service: "libretranslate",
    url: "http://localhost:5000",
    key: undefined,
  });
  expect(() => loadConfig({ flags: { "deepl-key": "a", "libretranslate-url": "http://localhost:5000" }, cwd: "/tmp" })).toThrow(
    "choose one translation service",
  );
  expect(() => loadConfig({ flags: { "libretranslate-url": "ftp://x" }, cwd: "/tmp" })).toThrow("libretranslate-url accepts");
});
