import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/open.ts";
import { instanceSettings } from "../db/schema.ts";
import { EMAIL_PATTERN, findLocalAccount, findOwner, type LocalAccount } from "./accounts.ts";
import { ValidationError } from "./errors.ts";
import { isLanguageCode } from "./languages.ts";
import { randomToken } from "./tokens.ts";

export const registrationModes = ["closed", "approval", "invite", "open"] as const;
/** blocklist: every server but the suspended ones; allowlist: only the servers on the allow-list. */
export const federationModes = ["blocklist", "allowlist"] as const;
export type FederationMode = (typeof federationModes)[number];

/** What the owner sets about the instance; stored as one row per key. */
export interface InstanceSettings {
  name: string;
  description: string;
  registrationMode: (typeof registrationModes)[number];
  maxPostLength: number;
  /** Authorized fetch: other servers must sign their requests to read actors and posts. */
  secureMode: boolean;
  /** Which servers the instance federates with; read in SQL by core/domain-allows.ts (federatesWith). */
  federationMode: FederationMode;
  /** The instance's rules, shown numbered on /about. */
  rules: string[];
  /** A local username people can write to, and an email address; empty when not given. */
  contactUsername: string;
  contactEmail: string;
  /** Plain text; empty means the built-in default policy (privacy) or none (terms). */
  privacyPolicy: string;
  termsOfService: string;
  /** ISO 639-1 code given to new posts that name no language; empty for none. */
  defaultLanguage: string;
  /** Members (not only staff) may make invite links. */
  membersMayInvite: boolean;
  /** The youngest age allowed to sign up (Mastodon 4.4's minimum age); 0 for none. */
  minimumAge: number;
  /** `/api/v1/instance/activity` answers (Mastodon's "publish aggregate statistics"). */
  activityApiEnabled: boolean;
  /** Days before remote posts no member interacted with are removed (core/retention.ts); 0 keeps them. */
  remotePostRetentionDays: number;
  /** Days before cached copies of remote media are removed (fetched again when viewed); 0 keeps them. */
  remoteMediaCacheDays: number;
  /** Explore shows what trends (core/trends.ts); set on the admin trends page. */
  trendsEnabled: boolean;
}

export const MAX_RULES = 50;
export const MAX_RULE_LENGTH = 300;
export const MAX_POLICY_LENGTH = 50_000;

const defaults: InstanceSettings = {
  name: "Skein",
  description: "A small, friendly corner of the fediverse.",
  registrationMode: "approval",
  maxPostLength: 500,
  secureMode: false,
  federationMode: "blocklist",
  rules: [],
  contactUsername: "",
  contactEmail: "",
  privacyPolicy: "",
  termsOfService: "",
  defaultLanguage: "",
  membersMayInvite: false,
  minimumAge: 0,
  activityApiEnabled: true,
  remotePostRetentionDays: 30,
  remoteMediaCacheDays: 7,
  trendsEnabled: true,
};

export function getSettings(db: Db): InstanceSettings {
  const stored = Object.fromEntries(
    db
      .select()
      .from(instanceSettings)
      .all()
      .map((r) => [r.key, r.value]),
  );
  const settings = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof InstanceSettings)[]) {
    if (key in stored) Object.assign(settings, { [key]: stored[key] });
  }
  return settings;
}

/** Saves the settings given; one whose value is unchanged keeps its row (and its date: the terms' date means something). */
export function updateSettings(db: DbOrTx, patch: Partial<InstanceSettings>): void {
  db.transaction((tx) => {
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const stored = tx
        .select({ value: instanceSettings.value })
        .from(instanceSettings)
        .where(eq(instanceSettings.key, key))
        .get();
      const current = stored ? stored.value : defaults[key as keyof InstanceSettings];
      if (JSON.stringify(current) === JSON.stringify(value)) continue;
      tx.insert(instanceSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: instanceSettings.key, set: { value, updatedAt: new Date() } })
        .run();
    }
  });
}

/** When a setting was last saved, or null while it has its default. */
export function settingUpdatedAt(db: Db, key: keyof InstanceSettings): Date | null {
  return (
    db.select({ at: instanceSettings.updatedAt }).from(instanceSettings).where(eq(instanceSettings.key, key)).get()?.at ?? null
  );
}

/** Internal values kept beside the settings, never shown on a page. */
export function getInternal(db: Db, key: string): unknown {
  return db
    .select()
    .from(instanceSettings)
    .where(eq(instanceSettings.key, `internal:${key}`))
    .get()?.value;
}

export function setInternal(db: DbOrTx, key: string, value: unknown): void {
  const k = `internal:${key}`;
  if (value === undefined) {
    db.delete(instanceSettings).where(eq(instanceSettings.key, k)).run();
    return;
  }
  db.insert(instanceSettings)
    .values({ key: k, value })
    .onConflictDoUpdate({ target: instanceSettings.key, set: { value, updatedAt: new Date() } })
    .run();
}

/** The instance's signing secret (CSRF and invite tokens), made on first start. */
export function instanceSecret(db: Db): string {
  const existing = getInternal(db, "secret");
  if (typeof existing === "string") return existing;
  const secret = randomToken(32);
  setInternal(db, "secret", secret);
  return secret;
}

export const MAX_DESCRIPTION_LENGTH = 500;

/** Checks and saves the settings the owner edits; problems are reported by field, nothing is saved then. */
export function saveSettings(db: Db, input: InstanceSettings): void {
  const problems: Record<string, string> = {};
  const name = input.name.trim();
  const description = input.description.trim();
  if (name.length === 0 || name.length > 60) problems.name = "Use 1 to 60 characters.";
  if (description.length > MAX_DESCRIPTION_LENGTH) problems.description = `Keep it under ${MAX_DESCRIPTION_LENGTH} characters.`;
  if (!registrationModes.includes(input.registrationMode))
    problems.registration_mode = `Choose one of ${registrationModes.join(", ")}.`;
  if (!federationModes.includes(input.federationMode)) problems.federation_mode = "Choose blocklist or allowlist.";
  if (!Number.isInteger(input.maxPostLength) || input.maxPostLength < 100 || input.maxPostLength > 10_000) {
    problems.max_post_length = "Choose a whole number from 100 to 10000.";
  }
  if (!Number.isInteger(input.minimumAge) || input.minimumAge < 0 || input.minimumAge > 100)
    problems.minimum_age = "Choose a whole number of years from 0 (none) to 100.";
  const rules = input.rules.map((r) => r.trim()).filter((r) => r.length > 0);
  const ruleProblem = checkRules(rules);
  if (ruleProblem) problems.rules = ruleProblem;
  const contactName = input.contactUsername.trim().replace(/^@/, "");
  const contact = contactName ? findLocalAccount(db, contactName) : undefined;
  if (contactName && !contact) problems.contact_username = `There is no member called @${contactName} here.`;
  const contactEmail = input.contactEmail.trim();
  if (contactEmail && (contactEmail.length > 254 || !EMAIL_PATTERN.test(contactEmail)))
    problems.contact_email = "Enter an email address like admin@example.com.";
  const privacyPolicy = input.privacyPolicy.trim();
  const termsOfService = input.termsOfService.trim();
  const tooLong = `Keep it under ${MAX_POLICY_LENGTH.toLocaleString("en")} characters.`;
  if (privacyPolicy.length > MAX_POLICY_LENGTH) problems.privacy_policy = tooLong;
  if (termsOfService.length > MAX_POLICY_LENGTH) problems.terms_of_service = tooLong;
  const defaultLanguage = input.defaultLanguage.trim().toLowerCase();
  if (defaultLanguage && !isLanguageCode(defaultLanguage))
    problems.default_language = "Choose a language from the list (a two-letter ISO 639-1 code).";
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  updateSettings(db, {
    name,
    description,
    registrationMode: input.registrationMode,
    maxPostLength: input.maxPostLength,
    secureMode: Boolean(input.secureMode),
    federationMode: input.federationMode,
    rules,
    contactUsername: contact?.username ?? "",
    contactEmail,
    privacyPolicy,
    termsOfService,
    defaultLanguage,
    membersMayInvite: Boolean(input.membersMayInvite),
    minimumAge: input.minimumAge,
    activityApiEnabled: Boolean(input.activityApiEnabled),
  });
}

function checkRules(rules: string[]): string | undefined {
  if (rules.length > MAX_RULES) return `Keep to ${MAX_RULES} rules at most (there are ${rules.length}).`;
  const long = rules.findIndex((r) => r.length > MAX_RULE_LENGTH);
  if (long >= 0) return `Rule ${long + 1} is longer than ${MAX_RULE_LENGTH} characters; shorten it.`;
  const ids = rules.map(ruleId);
  const twice = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (twice >= 0) return `Rule ${twice + 1} is written twice; keep one.`;
  return undefined;
}

/**
 * A rule's id, made from its words: moving a rule up or down keeps it, rewording it makes it
 * another rule. An app that asks to report a rule by an id it read before the rules changed is
 * then refused, never pointed at whichever rule took that place. Digits, as Mastodon's ids are.
 */
export function ruleId(text: string): string {
  return String(Number.parseInt(createHash("sha256").update(text).digest("hex").slice(0, 12), 16));
}

/** The instance's rules in their order, each with its id. */
export function instanceRules(db: Db): { id: string; text: string }[] {
  return getSettings(db).rules.map((text) => ({ id: ruleId(text), text }));
}

/** The member the owner chose as the instance's contact, while that account exists. */
export function chosenContact(db: Db): LocalAccount | undefined {
  const { contactUsername } = getSettings(db);
  return contactUsername ? findLocalAccount(db, contactUsername) : undefined;
}

/** Whom apps name as the instance's contact account: the member chosen, else the owner. */
export function contactAccount(db: Db): LocalAccount | undefined {
  return chosenContact(db) ?? findOwner(db);
}
