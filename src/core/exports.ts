import { asc, count, eq, inArray, type SQL, sql } from "drizzle-orm";
import { accountDomainBlocks, accounts, blocks, bookmarks, favourites, follows, lists, mutes } from "../db/schema.ts";
import { domainBlocksOf } from "./account-domain-blocks.ts";
import { toCsv } from "./csv.ts";
import type { CoreDeps } from "./deps.ts";
import { listsOf } from "./lists.ts";
import { loadPostViews } from "./views.ts";

/**
 * A member's follows, blocks, mutes, bookmarks and lists as the CSV files Mastodon's
 * Settings › Import and export writes (same names, headers and values), so that they import
 * into Mastodon and back here.
 */

export const csvExports = [
  "following_accounts",
  "blocked_accounts",
  "muted_accounts",
  "blocked_domains",
  "bookmarks",
  "lists",
] as const;
export type CsvExport = (typeof csvExports)[number];

type AccountKind = "following" | "blocking" | "muting";

export interface ExportedAccount {
  accountId: string;
  /** `user@domain`, local members with this instance's host, as Mastodon writes it. */
  address: string;
  showReblogs: boolean;
  notify: boolean;
  /** A mute that hides the account's notifications too. */
  hideNotifications: boolean;
}

const address = (host: string, a: { username: string; domain: string | null }) => `${a.username}@${a.domain ?? host}`;

/** The accounts a member follows (also those still asked), blocks or mutes, oldest first. */
export function exportedAccounts(deps: CoreDeps, accountId: string, kind: AccountKind): ExportedAccount[] {
  const { db } = deps;
  const host = deps.baseUrl.host;
  const who = { username: accounts.username, domain: accounts.domain, id: accounts.id };
  if (kind === "following") {
    return db
      .select({ ...who, showReblogs: follows.showReblogs, notify: follows.notify })
      .from(follows)
      .innerJoin(accounts, eq(accounts.id, follows.followingId))
      .where(eq(follows.followerId, accountId))
      .orderBy(asc(follows.createdAt), asc(follows.id))
      .all()
      .map((r) => ({
        accountId: r.id,
        address: address(host, r),
        showReblogs: r.showReblogs,
        notify: r.notify,
        hideNotifications: false,
      }));
  }
  const table = kind === "blocking" ? blocks : mutes;
  return db
    .select({ ...who, hideNotifications: kind === "muting" ? mutes.notifications : sql<boolean>`0` })
    .from(table)
    .innerJoin(accounts, eq(accounts.id, table.targetAccountId))
    .where(eq(table.accountId, accountId) as SQL)
    .orderBy(asc(table.id))
    .all()
    .map((r) => ({
      accountId: r.id,
      address: address(host, r),
      showReblogs: true,
      notify: false,
      hideNotifications: Boolean(r.hideNotifications),
    }));
}

/** The posts a member bookmarked (or liked) that are still visible to them, oldest first. */
export function exportedBookmarks(
  deps: CoreDeps,
  accountId: string,
  table: typeof bookmarks | typeof favourites = bookmarks,
): { postId: string; uri: string; url: string }[] {
  const ids = deps.db
    .select({ postId: table.postId })
    .from(table)
    .where(eq(table.accountId, accountId))
    .orderBy(asc(table.id))
    .all()
    .map((r) => r.postId);
  const views: { postId: string; uri: string; url: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    for (const p of loadPostViews(deps.db, deps.baseUrl, ids.slice(i, i + 500), accountId))
      views.push({ postId: p.id, uri: p.uri, url: p.url });
  }
  return views;
}

/** One of the CSV files, as its text. */
export function exportCsv(deps: CoreDeps, accountId: string, name: CsvExport): string {
  switch (name) {
    case "following_accounts":
      return toCsv([
        ["Account address", "Show boosts", "Notify on new posts", "Languages"],
        ...exportedAccounts(deps, accountId, "following").map((a) => [a.address, a.showReblogs, a.notify, ""]),
      ]);
    case "blocked_accounts":
      // Mastodon writes this one without a header.
      return toCsv(exportedAccounts(deps, accountId, "blocking").map((a) => [a.address]));
    case "muted_accounts":
      return toCsv([
        ["Account address", "Hide notifications"],
        ...exportedAccounts(deps, accountId, "muting").map((a) => [a.address, a.hideNotifications]),
      ]);
    case "blocked_domains":
      // One domain a line, without a header, as Mastodon.
      return toCsv(domainBlocksOf(deps.db, accountId, { limit: 100_000 }).map((d) => [d.domain]));
    case "bookmarks":
      return toCsv(exportedBookmarks(deps, accountId).map((b) => [b.uri]));
    case "lists":
      // `List name,Account address` for each member of each list, without a header (as Mastodon).
      return toCsv(exportedLists(deps, accountId).map((m) => [m.title, m.address]));
  }
}

/** Each member of each of a member's lists, with the list and the account's address. */
export function exportedLists(
  deps: CoreDeps,
  accountId: string,
): { listId: string; title: string; accountId: string; address: string }[] {
  const owned = listsOf(deps.db, accountId);
  const ids = owned.flatMap((l) => l.accountIds);
  if (ids.length === 0) return [];
  const names = new Map(
    deps.db
      .select({ id: accounts.id, username: accounts.username, domain: accounts.domain })
      .from(accounts)
      .where(inArray(accounts.id, [...new Set(ids)]))
      .all()
      .map((a) => [a.id, address(deps.baseUrl.host, a)]),
  );
  return owned.flatMap((l) =>
    l.accountIds.flatMap((id) => {
      const name = names.get(id);
      return name ? [{ listId: l.id, title: l.title, accountId: id, address: name }] : [];
    }),
  );
}

/** How many rows each CSV has, for the export page. */
export function exportCounts(deps: CoreDeps, accountId: string): Record<CsvExport, number> {
  const { db } = deps;
  const n = (
    table: typeof follows | typeof blocks | typeof mutes | typeof accountDomainBlocks | typeof bookmarks | typeof lists,
    column: SQL,
  ) => db.select({ n: count() }).from(table).where(column).get()?.n ?? 0;
  return {
    following_accounts: n(follows, eq(follows.followerId, accountId)),
    blocked_accounts: n(blocks, eq(blocks.accountId, accountId)),
    muted_accounts: n(mutes, eq(mutes.accountId, accountId)),
    blocked_domains: n(accountDomainBlocks, eq(accountDomainBlocks.accountId, accountId)),
    bookmarks: n(bookmarks, eq(bookmarks.accountId, accountId)),
    lists: n(lists, eq(lists.accountId, accountId)),
  };
}
