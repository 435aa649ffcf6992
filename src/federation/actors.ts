import type { Context } from "@fedify/fedify";
import { type Actor, isActor } from "@fedify/vocab";
import { type AccountRow, findAccountByUri, upsertRemoteAccount } from "../core/remote.ts";
import type { Db } from "../db/open.ts";
import { accountFromAs } from "./convert.ts";
import { isPublicUrl } from "./guarded-fetch.ts";
import { lookup } from "./lookup.ts";

const STALE_MS = 24 * 3600_000;

/** Federations started with --allow-private-addresses (testing only). */
const privateAllowed = new WeakSet<object>();

export function allowPrivateAddresses(federation: object): void {
  privateAllowed.add(federation);
}

/**
 * Stores (or refreshes) a remote actor we received or fetched. Local actors are never stored twice.
 * Its inboxes must be on public addresses: Fedify posts deliveries to whatever inbox an actor
 * names without checking, so an actor naming http://127.0.0.1:6379/ or a cloud metadata address
 * would have this server send signed POSTs into its own network. Such an actor is not stored.
 */
export async function persistActor(ctx: Context<void>, db: Db, actor: Actor): Promise<AccountRow | null> {
  if (!actor.id || actor.id.origin === ctx.canonicalOrigin) return null;
  const data = await accountFromAs(ctx, actor);
  if (!data?.inboxUrl) return null;
  const allowPrivate = privateAllowed.has(ctx.federation);
  if (!(await isPublicUrl(new URL(data.inboxUrl), allowPrivate))) return null;
  if (data.sharedInboxUrl && !(await isPublicUrl(new URL(data.sharedInboxUrl), allowPrivate))) data.sharedInboxUrl = null;
  return upsertRemoteAccount(db, data);
}

/** A remote account by its id: from the database when fresh, else fetched and stored. */
export async function resolveActor(ctx: Context<void>, db: Db, uri: URL): Promise<AccountRow | null> {
  const known = findAccountByUri(db, uri.href);
  if (known && known.fetchedAt && Date.now() - known.fetchedAt.getTime() < STALE_MS) return known;
  const object = await lookup(ctx, db, uri);
  if (!isActor(object)) return known ?? null;
  return (await persistActor(ctx, db, object)) ?? known ?? null;
}
