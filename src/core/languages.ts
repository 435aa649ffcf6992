/**
 * The languages Mastodon accepts for a post: ISO 639-1 codes, some ISO 639-3 ones, and the
 * regional variants it keeps apart (Traditional and Simplified Chinese, Brazilian Portuguese…).
 */
export const languageCodes: readonly string[] = (
  "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es " +
  "et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki " +
  "kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no " +
  "nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te " +
  "tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu " +
  "ast chr ckb cnr csb gsw jbo kab kmr ldn lfn moh nds pdc sco sma smj szl tai tok zba zgh " +
  "es-AR es-MX pt-BR pt-PT sr-Latn zh-CN zh-HK zh-TW"
).split(" ");

const codes = new Set(languageCodes);

export function isLanguageCode(code: string): boolean {
  return codes.has(code);
}

const canonical = new Map(languageCodes.map((code) => [code.toLowerCase(), code]));

/**
 * A language as an app or a form named it, if it is one, read as Mastodon reads it: a variant it
 * keeps (`zh-TW`, `pt_br`) as such, another one as its language (`fr-CA` is `fr`); else null.
 */
export function languageOf(named: string | null | undefined): string | null {
  const tag = named?.trim().toLowerCase().replace(/_/g, "-");
  if (!tag) return null;
  return canonical.get(tag) ?? canonical.get(tag.split("-")[0] ?? "") ?? null;
}

const names = new Intl.DisplayNames(["en"], { type: "language", fallback: "code" });
/** Names ICU lacks, or gives twice (Kurmanji is "Kurdish" there, as ku is), as Mastodon names them. */
const ownNames: Record<string, string> = { ldn: "Láadan", tai: "Tai", zba: "Balaibalan", kmr: "Kurmanji (Kurdish)" };

/** A language's English name ("German" for de, from the runtime's ICU data), or its code when unknown. */
export function languageName(code: string): string {
  try {
    return ownNames[code] ?? names.of(code) ?? code;
  } catch {
    return code; // not a well-formed language tag
  }
}

let choices: { code: string; name: string }[] | undefined;

/** Codes with their English names, sorted by name, for a select (made once: every compose box has one). */
export function languageChoices(): { code: string; name: string }[] {
  choices ??= languageCodes
    .map((code) => ({ code, name: languageName(code) }))
    .toSorted((a, b) => a.name.localeCompare(b.name, "en"));
  return choices;
}
