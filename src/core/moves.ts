import { eq } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, users } from "../db/schema.ts";
import { findLocalAccount } from "./accounts.ts";
import type { CoreDeps } from "./deps.ts";
import { CoreError, ValidationError } from "./errors.ts";
import { follow, localFollowers, unfollow } from "./follows.ts";
import type { AccountRow } from "./remote.ts";
import { accountView } from "./views.ts";

/**
 * Moving an account, as Mastodon does it. The new account first names the old one as an alias
 * (`alsoKnownAs`); the old account then moves: it points at the new one (`movedTo`), its
 * followers are told with a `Move`, and their servers follow the new account instead.
 */

export const MAX_ALIASES = 10;

const accountRow = (db: Db, id: string): AccountRow => {
  const row = db.select().from(accounts).where(eq(accounts.id, id)).get();
  if (!row) throw new CoreError("This account does not exist.", 404);
  return row;
};

/** The ActivityPub id of an account: what aliases and moves name. */
export const actorUri = (deps: Pick<CoreDeps, "baseUrl">, row: AccountRow) => accountView(deps.baseUrl, row).uri;

/**
 * An account named by handle (`@name`, `name@host`, or a profile URL): a member of this instance
 * from the database, anyone else fetched afresh (their aliases may have changed a minute ago).
 */
async function findByHandle(deps: CoreDeps, handle: string): Promise<AccountRow | undefined> {
  const q = handle.trim().replace(/^@/, "");
  const host = deps.baseUrl.host;
  const localName = q.includes("@") ? (q.endsWith(`@${host}`) ? q.slice(0, -host.length - 1) : null) : q;
  if (localName !== null && !q.startsWith("http")) return findLocalAccount(deps.db, localName);
  if (q.startsWith(`${deps.baseUrl.origin}/@`)) return findLocalAccount(deps.db, q.slice(deps.baseUrl.origin.length + 2));
  const id = await deps.resolver?.resolveAccount(q, { fresh: true });
  return id ? accountRow(deps.db, id) : undefined;
}

/** Names another account (usually the old one, before it moves here) as this account's alias. */
export async function addAlias(deps: CoreDeps, accountId: string, handle: string): Promise<void> {
  const me = accountRow(deps.db, accountId);
  if (me.alsoKnownAs.length >= MAX_ALIASES)
    throw new ValidationError({ alias: `An account can have at most ${MAX_ALIASES} aliases.` });
  const other = handle.trim() ? await findByHandle(deps, handle) : undefined;
  if (!other) throw new ValidationError({ alias: "No account was found with this handle." });
  if (other.id === me.id) throw new ValidationError({ alias: "This is your own account." });
  const uri = actorUri(deps, other);
  if (me.alsoKnownAs.includes(uri)) return;
  deps.db
    .update(accounts)
    .set({ alsoKnownAs: [...me.alsoKnownAs, uri], updatedAt: new Date() })
    .where(eq(accounts.id, accountId))
    .run();
  deps.events.emit("account.updated", { accountId });
}

export function removeAlias(deps: CoreDeps, accountId: string, uri: string): void {
  const me = accountRow(deps.db, accountId);
  if (!me.alsoKnownAs.includes(uri)) return;
  deps.db
    .update(accounts)
    .set({ alsoKnownAs: me.alsoKnownAs.filter((a) => a !== uri), updatedAt: new Date() })
    .where(eq(accounts.id, accountId))
    .run();
  deps.events.emit("account.updated", { accountId });
}

/**
 * A local member moves to another account (here or elsewhere) after confirming the password. The
 * target must list this account as an alias, so nobody can redirect followers to a stranger.
 */
export async function moveAccount(
  deps: CoreDeps,
  userId: string,
  input: { acct: string; password: string },
): Promise<AccountRow> {
  const user = deps.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user || !(await Bun.password.verify(input.password, user.passwordHash)))
    throw new ValidationError({ current_password: "The password is wrong." });
  const me = accountRow(deps.db, user.accountId);
  const target = input.acct.trim() ? await findByHandle(deps, input.acct) : undefined;
  if (!target || target.suspendedAt) throw new ValidationError({ acct: "No account was found with this handle." });
  if (target.id === me.id) throw new ValidationError({ acct: "This is your own account." });
  if (target.movedToId) throw new ValidationError({ acct: "That account has itself moved; name the account it moved to." });
  const myUri = actorUri(deps, me);
  if (!target.alsoKnownAs.includes(myUri)) {
    throw new ValidationError({
      acct: `That account does not name this one as an alias yet: add ${myUri} as an alias on it first.`,
    });
  }
  markMoved(deps.db, me.id, target.id);
  deps.events.emit("account.moved", { accountId: me.id, targetId: target.id });
  followMovedAccount(deps, me.id, target.id);
  return target;
}

/** Stops redirecting: the account is no longer marked as moved (followers who left stay gone). */
export function cancelMove(deps: CoreDeps, accountId: string): void {
  deps.db.update(accounts).set({ movedToId: null, movedAt: null, updatedAt: new Date() }).where(eq(accounts.id, accountId)).run();
  deps.events.emit("account.updated", { accountId });
}

/**
 * A remote account announced its move. Taken only when the target names the old account as an
 * alias (a remote target has just been fetched afresh by the caller, a local one is ours).
 */
export function receiveMove(deps: CoreDeps, oldId: string, targetId: string): boolean {
  const old = accountRow(deps.db, oldId);
  const target = accountRow(deps.db, targetId);
  if (old.id === target.id || !target.alsoKnownAs.includes(actorUri(deps, old))) return false;
  markMoved(deps.db, old.id, target.id);
  followMovedAccount(deps, old.id, target.id);
  return true;
}

function markMoved(db: Db, accountId: string, targetId: string) {
  db.update(accounts)
    .set({ movedToId: targetId, movedAt: new Date(), updatedAt: new Date() })
    .where(eq(accounts.id, accountId))
    .run();
}

/** This instance's members who followed the old account follow the new one instead. */
function followMovedAccount(deps: CoreDeps, oldId: string, targetId: string) {
  for (const followerId of localFollowers(deps, oldId)) {
    if (followerId === targetId) continue;
    try {
      follow(deps, { id: followerId }, targetId);
    } catch (error) {
      // A member who blocks the new account (or is blocked by it) just stops following the old one.
      if (!(error instanceof CoreError)) throw error;
    }
    unfollow(deps, { id: followerId }, oldId);
  }
}
