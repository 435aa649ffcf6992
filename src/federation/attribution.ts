import { Person, Service, Update } from "@fedify/vocab";
import { MAX_ATTRIBUTION_DOMAINS, siteName } from "../core/attribution.ts";

/**
 * Mastodon's `attributionDomains` on actors (the websites allowed to credit an account as an
 * author, core/attribution.ts). Fedify's vocabulary has no such property, so the actor classes
 * below add it to the JSON-LD they write, under Mastodon's own term, and `attributionDomainsIn`
 * reads it from what a server sent.
 */

const IRI = "http://joinmastodon.org/ns#attributionDomains";
/**
 * Mastodon types the values as ids (`"@type": "@id"`), but host names are not IRIs: Fedify's Linked
 * Data signature then fails on them. As plain strings the JSON is the same and signs cleanly.
 */
const TERM = {
  toot: "http://joinmastodon.org/ns#",
  // @set: one website stays a list, as in the actor document.
  attributionDomains: { "@id": "toot:attributionDomains", "@container": "@set" },
};

type ToJsonLdOptions = Parameters<Person["toJsonLd"]>[0];
type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** The actor's JSON-LD with its attribution domains: a compact document names them with Mastodon's term. */
function withDomains(json: unknown, options: ToJsonLdOptions, domains: readonly string[]): unknown {
  if (domains.length === 0) return json;
  if (options?.format === "expand") {
    // Expanded (inside an Update being compacted): the IRI itself, with the values.
    const node = Array.isArray(json) ? json[0] : json;
    if (isObject(node)) node[IRI] = domains.map((d) => ({ "@value": d }));
    return json;
  }
  if (!isObject(json)) return json;
  const context = json["@context"];
  return {
    ...json,
    "@context": Array.isArray(context) ? [...context, TERM] : context === undefined ? undefined : [context, TERM],
    attributionDomains: [...domains],
  };
}

/** A member's Person, with the websites allowed to credit them. */
export class AttributedPerson extends Person {
  attributionDomains: readonly string[] = [];
  override clone(...args: Parameters<Person["clone"]>): AttributedPerson {
    // Fedify clones with `new this.constructor`: the copy is of this class, without the domains.
    const copy = super.clone(...args) as AttributedPerson;
    copy.attributionDomains = this.attributionDomains;
    return copy;
  }
  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return withDomains(await super.toJsonLd(options), options, this.attributionDomains);
  }
}

/** A member's account marked as automated (Mastodon's bot), likewise. */
export class AttributedService extends Service {
  attributionDomains: readonly string[] = [];
  override clone(...args: Parameters<Service["clone"]>): AttributedService {
    // Fedify clones with `new this.constructor`: the copy is of this class, without the domains.
    const copy = super.clone(...args) as AttributedService;
    copy.attributionDomains = this.attributionDomains;
    return copy;
  }
  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return withDomains(await super.toJsonLd(options), options, this.attributionDomains);
  }
}

/**
 * The Update that carries a member's profile: its compact form (what is sent) also defines
 * Mastodon's term, so the expanded domains come out as `attributionDomains`, where Mastodon reads
 * them. Without them there, a receiving Mastodon would take the Update as clearing the list.
 */
export class ProfileUpdate extends Update {
  override async toJsonLd(options?: Parameters<Update["toJsonLd"]>[0]): Promise<unknown> {
    if (options?.format !== "compact" || options.context !== undefined) return super.toJsonLd(options);
    const plain = await super.toJsonLd(options);
    const context = isObject(plain) ? plain["@context"] : undefined;
    if (context === undefined) return plain;
    return super.toJsonLd({ ...options, context: [...(Array.isArray(context) ? context : [context]), TERM] });
  }
}

/**
 * The attribution domains a remote actor's JSON lists, compact (`attributionDomains`) or expanded,
 * as host names (at most 100); none when the JSON has none. Undefined when there is no JSON to
 * read: Fedify keeps the JSON of a document it fetched or received (`sentJson`), not of an actor
 * inside an activity, which it writes anew without what its vocabulary lacks.
 */
export function attributionDomainsIn(json: unknown): string[] | undefined {
  const node = Array.isArray(json) ? json[0] : json;
  if (!isObject(node)) return undefined;
  const raw = node.attributionDomains ?? node[IRI] ?? node["toot:attributionDomains"] ?? [];
  const values = (Array.isArray(raw) ? raw : [raw])
    .slice(0, MAX_ATTRIBUTION_DOMAINS)
    .map((v) => (typeof v === "string" ? v : isObject(v) ? (v["@id"] ?? v["@value"] ?? v.id) : undefined));
  return [...new Set(values.map((v) => (typeof v === "string" ? siteName(v) : null)).filter((v) => v !== null))];
}

/** The JSON a server sent for this object, if Fedify kept it (its property for that is protected). */
export const sentJson = (object: object): unknown => (object as { _cachedJsonLd?: unknown })._cachedJsonLd;
