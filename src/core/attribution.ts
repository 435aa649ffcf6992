import { and, eq, isNull, sql } from "drizzle-orm";
import { accounts } from "../db/schema.ts";
import type { CoreDeps } from "./deps.ts";
import { ValidationError } from "./errors.ts";

/**
 * Author attribution, as Mastodon 4.3: a page names its author's fediverse account in
 * `<meta name="fediverse:creator" content="@name@server">`, and the link's preview card credits
 * that account only if the account lists the page's site among the websites allowed to credit it
 * (so no page can claim anyone it likes).
 */

/** As Mastodon: at most this many websites per account. */
export const MAX_ATTRIBUTION_DOMAINS = 100;

/**
 * The websites a member typed, one per entry, as host names (see siteName); case and repeats do
 * not count, empty lines are skipped. A refused entry is named in the error (field `attribution_domains`).
 */
export function attributionDomainsFrom(entries: string[]): string[] {
  const domains = new Set<string>();
  for (const entry of entries) {
    if (!entry.trim()) continue;
    const host = siteName(entry);
    if (!host) throw new ValidationError({ attribution_domains: `“${entry.trim().slice(0, 100)}” is not a website's name.` });
    domains.add(host);
  }
  if (domains.size > MAX_ATTRIBUTION_DOMAINS)
    throw new ValidationError({ attribution_domains: `List at most ${MAX_ATTRIBUTION_DOMAINS} websites.` });
  return [...domains];
}

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * A website's host name as typed or sent: `https://`, `*.` and a trailing dot or slash taken off,
 * international names in their ASCII form; null for anything that is not one.
 */
export function siteName(typed: string): string | null {
  const bare = typed
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/^\*\./, "")
    .replace(/\/$/, "");
  if (!bare || bare.length > 253 || !/^[^\s/?#@:]+$/u.test(bare)) return null;
  const host = URL.parse(`https://${bare}/`)?.hostname.replace(/\.$/, "");
  return host && HOST_NAME.test(host) ? host : null;
}

/** Whether an account listing these websites may be credited by a page on `host` (the site itself or a subdomain of it). */
export function attributableFrom(domains: readonly string[], host: string): boolean {
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  return labels.some((_, i) => domains.includes(labels.slice(i).join(".")));
}

/** `@name@server` (or `name@server`) as its two parts, or null. */
export function creatorHandle(value: string): { username: string; domain: string } | null {
  const match = /^@?([\w.-]{1,100})@([a-z0-9.-]{1,253}(?::\d{1,5})?)$/i.exec(value.trim());
  return match?.[1] && match[2] ? { username: match[1], domain: match[2].toLowerCase() } : null;
}

/** How long a remote account's stored profile is trusted before it is looked up again (its Updates keep it fresh meanwhile). */
const REMOTE_FRESH_MS = 24 * 3600_000;

/**
 * The account a page names with `fediverse:creator`: a member here, or a remote account (known and
 * fresh, else looked up on its server, whose actors may live on another host than the handle's).
 * Whether the card credits it is decided each time the card is shown (core/cards.ts): a change to
 * the account's websites, or a moderator's action, shows at once.
 */
export async function namedAccount(deps: CoreDeps, creator: string): Promise<string | null> {
  const handle = creatorHandle(creator);
  if (!handle) return null;
  const local = handle.domain === deps.baseUrl.host.toLowerCase();
  const stored = deps.db
    .select({ id: accounts.id, fetchedAt: accounts.fetchedAt })
    .from(accounts)
    .where(
      and(
        sql`lower(${accounts.username}) = lower(${handle.username})`,
        local ? isNull(accounts.domain) : eq(accounts.domain, handle.domain),
      ),
    )
    .get();
  const fresh = stored?.fetchedAt && Date.now() - stored.fetchedAt.getTime() < REMOTE_FRESH_MS;
  if (local || fresh) return stored?.id ?? null;
  const resolved = await deps.resolver?.resolveAccount(`${handle.username}@${handle.domain}`, { posts: false });
  return resolved ?? stored?.id ?? null;
}
