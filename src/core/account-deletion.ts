import { and, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/open.ts";
import { accounts, accountWarnings, actorKeys, appeals, deletedAccounts, follows, mediaAttachments } from "../db/schema.ts";
import type { MediaStore } from "../media/store.ts";
import { discardFiles, mediaFile, mediaFilesWhere } from "./media.ts";
import type { CoreDeps } from "./deps.ts";
import { localPollsVotedBy, recount } from "./polls.ts";
import { joinedRelays } from "./relays.ts";
import { unindexAccountPosts } from "./search-index.ts";

/** How long a suspension stays reversible before the account is deleted for good (as Mastodon). */
export const SUSPENSION_GRACE_DAYS = 30;
export const SUSPENSION_GRACE_MS = SUSPENSION_GRACE_DAYS * 24 * 3600_000;

/** Removes an account row and, with it (by cascade), everything it made; the search index too. */
export function removeAccountRows(tx: Tx | Db, accountId: string): void {
  const voted = localPollsVotedBy(tx, accountId);
  unindexAccountPosts(tx, accountId);
  tx.delete(accounts).where(eq(accounts.id, accountId)).run();
  // Its votes went with it: the local polls it voted in count again.
  for (const postId of voted) recount(tx, postId);
}

/**
 * Deletes a local account for good: its content goes, its name stays taken, and the servers of
 * the people it followed or was followed by are told with a Delete (signed by the kept keys).
 */
export function deleteLocalAccount(deps: CoreDeps & { media?: MediaStore }, accountId: string): void {
  const { db } = deps;
  const account = db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, accountId), isNull(accounts.domain)))
    .get();
  if (!account) return;
  const keys = db
    .select({ algorithm: actorKeys.algorithm, privateKey: actorKeys.privateKey })
    .from(actorKeys)
    .where(eq(actorKeys.accountId, accountId))
    .all()
    .map((k) => ({ algorithm: k.algorithm, privateKey: k.privateKey as object }));
  const files = db.transaction((tx) => {
    tx.insert(deletedAccounts)
      .values({ username: account.username.toLowerCase(), recipients: remoteRecipients(tx, accountId), keys })
      .onConflictDoNothing()
      .run();
    const uploads = mediaFilesWhere(tx, eq(mediaAttachments.accountId, accountId));
    removeAccountRows(tx, accountId);
    return [...uploads, mediaFile(account.avatarUrl), mediaFile(account.headerUrl)];
  });
  // Its photos stop being served now.
  discardFiles(deps.media, files);
  deps.events.emit("account.deleted", { accountId, username: account.username });
}

/** Every remote account this one follows or is followed by, with its shared (else personal) inbox. */
function remoteRecipients(tx: Tx, accountId: string): { id: string; inbox: string }[] {
  return tx
    .selectDistinct({
      id: sql<string>`${accounts.uri}`,
      inbox: sql<string>`coalesce(${accounts.sharedInboxUrl}, ${accounts.inboxUrl})`,
    })
    .from(follows)
    .innerJoin(
      accounts,
      or(
        and(eq(follows.followingId, accountId), eq(accounts.id, follows.followerId)),
        and(eq(follows.followerId, accountId), eq(accounts.id, follows.followingId)),
      ),
    )
    .where(and(isNotNull(accounts.uri), or(isNotNull(accounts.sharedInboxUrl), isNotNull(accounts.inboxUrl))))
    .all()
    .concat(
      // The relays passed the member's public posts on: they pass the deletion on too, as Mastodon's do.
      joinedRelays(tx).flatMap((r) => (r.actorUri ? [{ id: r.actorUri, inbox: r.inboxUrl }] : [])),
    );
}

/** Whether a local name belonged to an account that was deleted (it can never be taken again). */
export function wasDeleted(db: Db, username: string): boolean {
  return (
    db
      .select({ u: deletedAccounts.username })
      .from(deletedAccounts)
      .where(eq(deletedAccounts.username, username.toLowerCase()))
      .get() !== undefined
  );
}

/**
 * Whom to tell and the keys to sign the Delete with, handed out once: the keys are
 * cleared as the Delete is queued (the queue keeps what it needs to retry).
 */
export function takeDeletionNotice(db: Db, username: string) {
  const name = eq(deletedAccounts.username, username.toLowerCase());
  return db.transaction((tx) => {
    const row = tx.select().from(deletedAccounts).where(name).get();
    if (!row?.keys) return undefined;
    tx.update(deletedAccounts).set({ keys: null }).where(name).run();
    return { recipients: row.recipients, keys: row.keys };
  });
}

/** The member appealed their suspension and waits for an answer. */
const waitingAppeal = sql`EXISTS (SELECT 1 FROM ${appeals} JOIN ${accountWarnings} ON ${accountWarnings.id} = ${appeals.warningId}
    WHERE ${appeals.accountId} = ${accounts.id} AND ${appeals.decidedAt} IS NULL AND ${accountWarnings.action} = 'suspend')`;

/**
 * When a suspended member's account is deleted (deleteExpiredSuspensions), for the moderators'
 * page: a day, "after the appeal" while one waits, or null (not suspended, or another server's).
 */
export function suspensionDeletion(db: Db, accountId: string): Date | "after the appeal" | null {
  const row = db
    .select({ at: accounts.suspendedAt, domain: accounts.domain, appealed: sql<number>`${waitingAppeal}` })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .get();
  if (!row?.at || row.domain) return null;
  return row.appealed ? "after the appeal" : new Date(row.at.getTime() + SUSPENSION_GRACE_MS);
}

/**
 * Local accounts suspended longer than the grace period are deleted for good, except while the
 * member's appeal of the suspension waits for an answer (approving it must find the account).
 * Returns how many.
 */
export function deleteExpiredSuspensions(deps: CoreDeps & { media?: MediaStore }, now = new Date()): number {
  const expired = deps.db
    .select({ id: accounts.id })
    .from(accounts)
    .where(
      and(
        isNull(accounts.domain),
        lt(accounts.suspendedAt, new Date(now.getTime() - SUSPENSION_GRACE_MS)),
        sql`NOT ${waitingAppeal}`,
      ),
    )
    .all();
  for (const { id } of expired) deleteLocalAccount(deps, id);
  return expired.length;
}
