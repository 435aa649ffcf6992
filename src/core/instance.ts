import { eq } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { instanceSettings } from "../db/schema.ts";
import { ValidationError } from "./errors.ts";
import { randomToken } from "./tokens.ts";

export const registrationModes = ["closed", "approval", "invite", "open"] as const;

/** What the owner sets about the instance; stored as one row per key. */
export interface InstanceSettings {
  name: string;
  description: string;
  registrationMode: (typeof registrationModes)[number];
  maxPostLength: number;
  /** Authorized fetch: other servers must sign their requests to read actors and posts. */
  secureMode: boolean;
}

const defaults: InstanceSettings = {
  name: "Skein",
  description: "A small, friendly corner of the fediverse.",
  registrationMode: "approval",
  maxPostLength: 500,
  secureMode: false,
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

export function updateSettings(db: Db, patch: Partial<InstanceSettings>): void {
  db.transaction((tx) => {
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      tx.insert(instanceSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: instanceSettings.key, set: { value, updatedAt: new Date() } })
        .run();
    }
  });
}

/** Internal values kept beside the settings, never shown on a page. */
export function getInternal(db: Db, key: string): unknown {
  return db
    .select()
    .from(instanceSettings)
    .where(eq(instanceSettings.key, `internal:${key}`))
    .get()?.value;
}

export function setInternal(db: Db, key: string, value: unknown): void {
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

/** Checks and saves the settings the owner edits; problems are reported by field. */
export function saveSettings(db: Db, input: InstanceSettings): void {
  const problems: Record<string, string> = {};
  const name = input.name.trim();
  const description = input.description.trim();
  if (name.length === 0 || name.length > 60) problems.name = "Use 1 to 60 characters.";
  if (description.length > 500) problems.description = "Keep it under 500 characters.";
  if (!registrationModes.includes(input.registrationMode))
    problems.registration_mode = `Choose one of ${registrationModes.join(", ")}.`;
  if (!Number.isInteger(input.maxPostLength) || input.maxPostLength < 100 || input.maxPostLength > 10_000) {
    problems.max_post_length = "Choose a whole number from 100 to 10000.";
  }
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  updateSettings(db, {
    name,
    description,
    registrationMode: input.registrationMode,
    maxPostLength: input.maxPostLength,
    secureMode: Boolean(input.secureMode),
  });
}
