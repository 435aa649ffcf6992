import type { Context } from "@fedify/fedify";
import { type Actor, isActor } from "@fedify/vocab";
import { type AccountRow, findAccountByUri, upsertRemoteAccount } from "../core/remote.ts";
import type { Db } from "../db/open.ts";
import { accountFromAs } from "./convert.ts";
import { checkedAddress, FetchRefused } from "./guarded-fetch.ts";
import { fetchPolicy } from "./loaders.ts";
import { lookup } from "./lookup.ts";

const STALE_MS = 24 * 3600_000;

/**
 * Stores (or refreshes) a remote actor we received or fetched. Local actors are never stored twice.
 * Its inboxes must be on public addresses: Fedify posts deliveries to whatever inbox an actor
 * names without checking, so an actor naming http://127.0.0.1:6379/ or a cloud metadata address
 * would have this server send signed POSTs into its own network. Such an actor is not stored (a
 * shared inbox there is dropped). Checked when stored: a name pointed elsewhere later is not caught.
 */
export async function persistActor(ctx: Context<void>, db: Db, actor: Actor, json?: unknown): Promise<AccountRow | null> {
  if (!actor.id || actor.id.origin === ctx.canonicalOrigin) return null;
  const data = await accountFromAs(ctx, actor, json);
  if (!data) return null;
  const policy = fetchPolicy(ctx.federation);
  // A name that does not resolve just now keeps its inbox: only a refused address drops it.
  const publicUrl = async (url: string | null) =>
    url && URL.canParse(url)
      ? checkedAddress(new URL(url), policy).then(
          () => url,
          (error) => (error instanceof FetchRefused ? null : url),
        )
      : null;
  const [inboxUrl, sharedInboxUrl] = await Promise.all([publicUrl(data.inboxUrl), publicUrl(data.sharedInboxUrl)]);
  if (!inboxUrl) return null;
  return upsertRemoteAccount(db, { ...data, inboxUrl, sharedInboxUrl });
}

/** A remote account by its id: from the database when fresh, else fetched and stored. */
export async function resolveActor(ctx: Context<void>, db: Db, uri: URL): Promise<AccountRow | null> {
  const known = findAccountByUri(db, uri.href);
  if (known && known.fetchedAt && Date.now() - known.fetchedAt.getTime() < STALE_MS) return known;
  const object = await lookup(ctx, db, uri);
  if (!isActor(object)) return known ?? null;
  return (await persistActor(ctx, db, object)) ?? known ?? null;
}
