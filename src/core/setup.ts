import { timingSafeEqual } from "node:crypto";
import { type NewLocalUser, createLocalUser, ownerExists, validateNewUser } from "./accounts.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { getInternal, setInternal } from "./instance.ts";
import { randomToken, sha256Hex as sha256 } from "./tokens.ts";
import type { Db } from "../db/open.ts";

/**
 * Makes the one-time token of the setup link printed at start while the instance has no owner.
 * Only its hash is stored; a new start makes a new token and the old link stops working.
 */
export function createSetupToken(db: Db): string {
  const token = randomToken(24);
  setInternal(db, "setup_token_sha256", sha256(token));
  return token;
}

export function isValidSetupToken(db: Db, token: string): boolean {
  const stored = getInternal(db, "setup_token_sha256");
  if (typeof stored !== "string" || ownerExists(db)) return false;
  const given = Buffer.from(sha256(token));
  return timingSafeEqual(given, Buffer.from(stored));
}

/** Creates the owner from the setup form; the token then stops working. */
export async function completeSetup(
  deps: CoreDeps,
  token: string,
  { confirmation, ...owner }: Omit<NewLocalUser, "role"> & { confirmation: string },
) {
  if (ownerExists(deps.db)) throw new CoreError("This instance already has an owner; the setup link no longer works.", 410);
  if (!isValidSetupToken(deps.db, token)) {
    throw new CoreError("This setup link is not valid; use the newest link the server printed at start.", 403);
  }
  // Every problem at once: differing passwords used to hide a bad name or e-mail until the next try.
  if (owner.password !== confirmation) {
    const input = { ...owner, username: owner.username.trim(), email: owner.email.trim(), role: "owner" as const };
    throw new ValidationError({ ...validateNewUser(deps.db, input), password_confirmation: "The two passwords differ." });
  }
  const created = await createLocalUser(deps, { ...owner, role: "owner" });
  setInternal(deps.db, "setup_token_sha256", undefined);
  return created;
}
