import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
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
 * The websites a member typed, one per entry, as host names: `https://`, `http://` and `*.` are
 * taken off, case and repeats do not count, empty lines are skipped. A refused entry is named in
 * the error (field `attribution_domains`).
 */
export function attributionDomainsFrom(entries: string[]): string[] {
  const domains = new Set<string>();
  for (const entry of entries) {
    const typed = entry
      .trim()
      .replace(/^https?:\/\//i, "")
      .replace(/^\*\./, "")
      .replace(/\/$/, "");
    if (!typed) continue;
    const host = hostOf(typed);
    if (!host) throw new ValidationError({ attribution_domains: `“${typed.slice(0, 100)}” is not a website's name.` });
    domains.add(host);
  }
  if (domains.size > MAX_ATTRIBUTION_DOMAINS)
    throw new ValidationError({ attribution_domains: `List at most ${MAX_ATTRIBUTION_DOMAINS} websites.` });
  return [...domains];
}

/** A bare host name (international names in their ASCII form), or null for anything else. */
function hostOf(typed: string): string | null {
  if (typed.length > 253 || !/^[^\s/?#@:]+$/u.test(typed)) return null;
  const url = URL.parse(`https://${typed}/`);
  const host = url?.hostname.replace(/\.$/, "");
  return host && /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host) ? host : null;
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

/**
 * The account a page on `host` credits with `fediverse:creator`, if that account allows the site:
 * a member here, or a remote account looked up on its server. Null when the handle is unknown,
 * suspended, or does not list the site.
 */
export async function creditedAccount(deps: CoreDeps, creator: string, host: string): Promise<string | null> {
  const handle = creatorHandle(creator);
  if (!handle) return null;
  const local = handle.domain === deps.baseUrl.host.toLowerCase();
  const row = (where: SQL | undefined) =>
    deps.db
      .select({
        id: accounts.id,
        domains: accounts.attributionDomains,
        suspendedAt: accounts.suspendedAt,
        fetchedAt: accounts.fetchedAt,
      })
      .from(accounts)
      .where(where)
      .get();
  const stored = row(
    and(
      sql`lower(${accounts.username}) = lower(${handle.username})`,
      local ? isNull(accounts.domain) : eq(accounts.domain, handle.domain),
    ),
  );
  // A remote account known and fresh is taken as stored (its profile's Updates keep it so);
  // else looked up on its server, whose actors may live on another host than the handle's.
  const fresh = stored && (local || (stored.fetchedAt && Date.now() - stored.fetchedAt.getTime() < STALE_MS));
  const id = fresh ? stored.id : await deps.resolver?.resolveAccount(`${handle.username}@${handle.domain}`, { posts: false });
  const account = fresh ? stored : id ? row(eq(accounts.id, id)) : undefined;
  return account && !account.suspendedAt && attributableFrom(account.domains, host) ? account.id : null;
}

/** How long a remote account's stored profile is trusted before it is looked up again. */
const STALE_MS = 24 * 3600_000;
