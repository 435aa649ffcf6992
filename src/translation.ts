import { getLogger } from "@logtape/logtape";
import { htmlToPlainText } from "./core/text.ts";
import { baseLanguage, type TranslationItem, TranslationFailed, type Translator } from "./core/translations.ts";
import type { Config } from "./config.ts";
import { readLimited } from "./federation/guarded-fetch.ts";
import { unlimitedFetch } from "./federation/outgoing.ts";
import { sanitizeRemoteHtml } from "./federation/sanitize.ts";

const logger = getLogger(["skein", "translation"]);
const TIMEOUT_MS = 20_000;
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;
const LANGUAGES_FOR_MS = 24 * 3600_000;

/** The translator the configuration names, or undefined when none is. */
export function configuredTranslator(config: Config["translation"]): Translator | undefined {
  if (!config) return undefined;
  if (config.service === "deepl") return deepl(config.key);
  return libreTranslate(config.url, config.key);
}

/**
 * What went wrong goes to the log, for the admin (a bad key, a spent quota); members and apps get
 * one plain sentence, which never shows the service's address.
 */
function failed(detail: string): TranslationFailed {
  logger.warning("Translation failed: {detail}", { detail });
  return new TranslationFailed("The translation service did not answer as expected. Try again later.");
}

/** Runs a call to the service; any failure in it, a strange answer included, becomes a TranslationFailed. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TranslationFailed) throw error;
    throw failed(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}

/**
 * A JSON call to the service. Not the guarded fetch: the admin chose this address (a
 * LibreTranslate on the same machine is usual, which the process-wide guard would refuse), but
 * it is bounded in time (the reading of the answer included) and size all the same.
 */
async function call(url: string, init: RequestInit = {}): Promise<unknown> {
  const response = await unlimitedFetch()(url, { ...init, redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) {
    await response.body?.cancel();
    throw failed(`${new URL(url).pathname} answered ${response.status}`);
  }
  // Past the cap the rest is not read (guarded() turns the refusal into a TranslationFailed).
  return JSON.parse(new TextDecoder().decode(await readLimited(response, MAX_ANSWER_BYTES)));
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/**
 * Custom emoji shortcodes are marked as not to translate (both services honour translate="no"),
 * as Mastodon does: only in text between tags, and only a shortcode standing alone (not the
 * digits of 19:30:00).
 */
const shortcode = /(?<=^|[^\p{L}\p{N}:]):([A-Za-z0-9_]{2,}):(?=$|[^\p{L}\p{N}:])/gu;
const keepEmoji = (html: string) =>
  html.replace(
    /(^|>)([^<]*)/g,
    (_, edge: string, text: string) => edge + text.replace(shortcode, '<span translate="no">:$1:</span>'),
  );

/** Sends every item as HTML (plain text escaped), and brings plain text back to plain text. */
async function translateAsHtml(
  items: TranslationItem[],
  send: (html: string[]) => Promise<{ texts: unknown; detected?: string }>,
): Promise<{ texts: string[]; detected?: string }> {
  const answer = await guarded(() => send(items.map((item) => keepEmoji(item.html ? item.text : escapeHtml(item.text)))));
  const texts = answer.texts;
  if (!Array.isArray(texts) || texts.length !== items.length || !texts.every((t) => typeof t === "string"))
    throw failed("an answer that does not match the question");
  return {
    texts: texts.map((text: string, i) => (items[i]?.html ? sanitizeRemoteHtml(text) : htmlToPlainText(text).trim())),
    detected: answer.detected,
  };
}

/** Languages fetched once a day: the list changes with the service, not with each post. */
function cached(load: () => Promise<Record<string, string[]>>) {
  let kept: { until: number; languages: Promise<Record<string, string[]>> } | undefined;
  return () => {
    if (!kept || Date.now() > kept.until) {
      const languages = guarded(load).then(withUnknownSource);
      const entry = { until: Date.now() + LANGUAGES_FOR_MS, languages };
      kept = entry;
      // A failure is kept a minute: a service that is down is not asked at each page.
      languages.catch(() => {
        entry.until = Date.now() + 60_000;
      });
    }
    return kept.languages;
  };
}

/** A post without a language tag ("und", as Mastodon names it) goes into every target the service knows. */
function withUnknownSource(pairs: Record<string, string[]>): Record<string, string[]> {
  return { ...pairs, und: [...new Set(Object.values(pairs).flat())].sort() };
}

/** Every source language into each of the targets but itself. */
function everyWay(sources: string[], targets: string[]): Record<string, string[]> {
  return Object.fromEntries(sources.map((source) => [source, targets.filter((t) => t !== source)]));
}

/** LibreTranslate (https://libretranslate.com), self-hosted or not. */
export function libreTranslate(baseUrl: string, key?: string): Translator {
  const withKey = (body: Record<string, unknown>) => JSON.stringify(key ? { ...body, api_key: key } : body);
  // Its languages go by base code, as posts and readers do ("zh" for its zh-Hans); this is the code it wants back.
  const serviceCodes = new Map<string, string>();
  return {
    name: "LibreTranslate",
    languages: cached(async () => {
      const list = await call(`${baseUrl}/languages`);
      if (!Array.isArray(list)) throw failed("a language list that is not a list");
      const entries = list.flatMap((l: { code?: unknown; targets?: unknown }) => {
        const base = typeof l.code === "string" ? baseLanguage(l.code) : undefined;
        if (!base) return [];
        if (!serviceCodes.has(base)) serviceCodes.set(base, String(l.code));
        const targets = Array.isArray(l.targets) ? l.targets.map((t) => baseLanguage(String(t))) : undefined;
        return [{ base, targets }];
      });
      const every = entries.map((e) => e.base);
      const pairs = new Map<string, Set<string>>();
      for (const { base, targets } of entries)
        for (const target of targets ?? every)
          if (target && target !== base) pairs.set(base, (pairs.get(base) ?? new Set()).add(target));
      return Object.fromEntries([...pairs].map(([base, targets]) => [base, [...targets]]));
    }),
    translate: (items, target) =>
      translateAsHtml(items, async (html) => {
        const answer = (await call(`${baseUrl}/translate`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: withKey({ q: html, source: "auto", target: serviceCodes.get(target) ?? target, format: "html" }),
        })) as { translatedText?: unknown; detectedLanguage?: unknown } | null;
        const detected = [answer?.detectedLanguage].flat()[0] as { language?: unknown } | null | undefined;
        return {
          texts: answer?.translatedText,
          detected: typeof detected?.language === "string" ? detected.language : undefined,
        };
      }),
  };
}

/** DeepL's codes for a target: English and Portuguese need their variety. */
const deeplTarget = (language: string) => ({ en: "EN-US", pt: "PT-PT" })[language] ?? language.toUpperCase();

/** DeepL (https://www.deepl.com/pro-api); a key ending in ":fx" belongs to the free plan and its address. */
export function deepl(
  key: string,
  baseUrl = key.endsWith(":fx") ? "https://api-free.deepl.com" : "https://api.deepl.com",
): Translator {
  const headers = { authorization: `DeepL-Auth-Key ${key}`, "content-type": "application/json" };
  const codes = async (type: "source" | "target") => {
    const list = await call(`${baseUrl}/v2/languages?type=${type}`, { headers });
    if (!Array.isArray(list)) throw failed("a language list that is not a list");
    const found = list.flatMap((l: { language?: unknown }) =>
      typeof l.language === "string" ? [l.language.toLowerCase().split("-")[0] ?? ""] : [],
    );
    return [...new Set(found)].filter(Boolean);
  };
  return {
    name: "DeepL",
    languages: cached(async () => everyWay(await codes("source"), await codes("target"))),
    translate: (items, target) =>
      translateAsHtml(items, async (html) => {
        const answer = (await call(`${baseUrl}/v2/translate`, {
          method: "POST",
          headers,
          body: JSON.stringify({ text: html, target_lang: deeplTarget(target), tag_handling: "html" }),
        })) as { translations?: ({ text?: unknown; detected_source_language?: unknown } | null)[] } | null;
        const translations = Array.isArray(answer?.translations) ? answer.translations : [];
        const detected = translations[0]?.detected_source_language;
        return {
          texts: translations.map((t) => t?.text),
          detected: typeof detected === "string" ? detected.toLowerCase() : undefined,
        };
      }),
  };
}
