import type { Context } from "@fedify/fedify";
import { type Actor, isActor } from "@fedify/vocab";
import { type AccountRow, findAccountByUri, upsertRemoteAccount } from "../core/remote.ts";
import type { Db } from "../db/open.ts";
import { accountFromAs } from "./convert.ts";
import { lookup } from "./lookup.ts";

const STALE_MS = 24 * 3600_000;

/** Stores (or refreshes) a remote actor we received or fetched. Local actors are never stored twice. */
export async function persistActor(ctx: Context<void>, db: Db, actor: Actor): Promise<AccountRow | null> {
  if (!actor.id || actor.id.origin === ctx.canonicalOrigin) return null;
  const data = await accountFromAs(ctx, actor);
  return data ? upsertRemoteAccount(db, data) : null;
}

/** A remote account by its id: from the database when fresh, else fetched and stored. */
export async function resolveActor(ctx: Context<void>, db: Db, uri: URL): Promise<AccountRow | null> {
  const known = findAccountByUri(db, uri.href);
  if (known && known.fetchedAt && Date.now() - known.fetchedAt.getTime() < STALE_MS) return known;
  const object = await lookup(ctx, db, uri);
  if (!isActor(object)) return known ?? null;
  return (await persistActor(ctx, db, object)) ?? known ?? null;
}
