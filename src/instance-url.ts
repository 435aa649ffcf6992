import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { getLogger } from "@logtape/logtape";
import { getInternal, setInternal } from "./core/instance.ts";
import type { Db } from "./db/open.ts";
import { FatalError } from "./fatal.ts";
import { isBlockedAddress } from "./federation/addresses.ts";

const logger = getLogger(["skein", "server"]);
const KEY = "url";

/**
 * The address a data folder's instance first served under, read before the configuration is
 * settled so that a start or a command without --url keeps it. Undefined for a new folder, or one
 * whose database cannot be read (opening it properly says why).
 */
export function recordedUrl(dataDir: string): URL | undefined {
  const path = join(dataDir, "skein.db");
  if (!existsSync(path)) return undefined;
  try {
    const sqlite = new Database(path, { readonly: true });
    try {
      const row = sqlite
        .query<{ value: string }, [string]>("SELECT value FROM instance_settings WHERE key = ?")
        .get(`internal:${KEY}`);
      const url = row ? JSON.parse(row.value) : undefined;
      return typeof url === "string" && URL.canParse(url) ? new URL(url) : undefined;
    } finally {
      sqlite.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Refuses to serve under another address than the one recorded. Other servers know the
 * instance's accounts and posts by their address: an instance that answers elsewhere loses every
 * follower there, so a changed --url is almost always a mistake. Moving from an address no other
 * server could reach (a trial on localhost or a private network) is allowed, and so is a
 * deliberate move (`--change-url`, after a typo on the first start).
 */
export function checkInstanceUrl(recorded: URL | undefined, url: URL, changeUrl: boolean): void {
  if (!recorded || recorded.href === url.href || changeUrl || unreachableFromOutside(recorded)) return;
  throw new FatalError(
    `this data folder serves ${recorded.href}, and other servers know its accounts by that address; ` +
      `start it with --url ${recorded.href}, or add --change-url to move it to ${url.href} for good (followers elsewhere will not move with it)`,
  );
}

/**
 * Records the address the instance serves under. Checked again against the database itself: the
 * check before opening it reads the file on its own, and says nothing when it cannot.
 */
export function recordInstanceUrl(db: Db, url: URL, changeUrl: boolean): void {
  const recorded = getInternal(db, KEY);
  if (recorded === url.href) return;
  if (typeof recorded === "string") {
    checkInstanceUrl(new URL(recorded), url, changeUrl);
    logger.warning("The instance's address changes from {from} to {to}", { from: recorded, to: url.href });
  }
  setInternal(db, KEY, url.href);
}

/** An address no server on the internet can reach: localhost, a private IP, a name without a dot. */
function unreachableFromOutside(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return isBlockedAddress(host);
  return host === "localhost" || host.endsWith(".localhost") || !host.includes(".");
}
