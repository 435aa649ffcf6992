import { and, desc, eq, isNotNull } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { inboxStatus, type RelayState, relays } from "../db/schema.ts";
import { audit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { federationAllowed } from "./domain-allows.ts";
import { CoreError, ValidationError } from "./errors.ts";

export type Relay = typeof relays.$inferSelect;

/** A relay as the admin page lists it: with how deliveries to its inbox go. */
export type RelayView = Relay & { failures: number; lastError: string | null; lastFailureAt: Date | null };

const MAX_INBOX_URL = 2000;

/** The relays, newest first, with their inbox's delivery record. */
export function listRelays(db: Db): RelayView[] {
  return db
    .select({
      relay: relays,
      failures: inboxStatus.failures,
      lastError: inboxStatus.lastError,
      lastFailureAt: inboxStatus.lastFailureAt,
    })
    .from(relays)
    .leftJoin(inboxStatus, eq(inboxStatus.inboxUrl, relays.inboxUrl))
    .orderBy(desc(relays.createdAt), desc(relays.id))
    .all()
    .map((r) => ({ ...r.relay, failures: r.failures ?? 0, lastError: r.lastError, lastFailureAt: r.lastFailureAt }));
}

/** The relay's inbox address, checked: https, no credentials, another server than this one. */
function inboxAddress(deps: CoreDeps, input: string): string {
  const fail = (message: string) => new ValidationError({ inbox_url: message });
  const text = input.trim();
  if (!text) throw fail("Enter the relay's inbox address, like https://relay.example/inbox.");
  if (text.length > MAX_INBOX_URL) throw fail(`The address is longer than ${MAX_INBOX_URL} characters.`);
  if (!URL.canParse(text)) throw fail("This is not a web address.");
  const url = new URL(text);
  if (url.protocol !== "https:") throw fail("A relay is reached over https.");
  if (url.username || url.password) throw fail("The address may not carry a user name or password.");
  if (url.host === deps.baseUrl.host) throw fail("This is this server's own address.");
  if (!federationAllowed(deps.db, url.host)) throw fail(`${url.host} is blocked here, or not on the allowed list.`);
  url.hash = "";
  return url.href;
}

/** Adds a relay and asks to join it, as Mastodon does on "Save and enable". */
export function addRelay(deps: CoreDeps, staffId: string, input: { inboxUrl: string }): Relay {
  const inboxUrl = inboxAddress(deps, input.inboxUrl);
  if (deps.db.select().from(relays).where(eq(relays.inboxUrl, inboxUrl)).get())
    throw new ValidationError({ inbox_url: "This relay is in the list already." });
  const id = newId();
  deps.db.insert(relays).values({ id, inboxUrl, createdBy: staffId }).run();
  audit(deps.db, { actorId: staffId, action: "relay.add", targetType: "relay", targetId: inboxUrl });
  return joinRelay(deps, staffId, id);
}

function findRelay(db: Db, id: string): Relay {
  const relay = db.select().from(relays).where(eq(relays.id, id)).get();
  if (!relay) throw new CoreError("There is no such relay.", 404);
  return relay;
}

function setState(db: Db, id: string, state: RelayState, followUri?: string | null): Relay {
  const values = { state, stateChangedAt: new Date(), ...(followUri === undefined ? {} : { followUri }) };
  return db.update(relays).set(values).where(eq(relays.id, id)).returning().get() as Relay;
}

/**
 * Asks the relay to let this server join: a new Follow (so an answer to an older one is not taken
 * for this one), sent by the outbox. It waits for the relay's Accept.
 */
export function joinRelay(deps: CoreDeps, staffId: string, id: string): Relay {
  const relay = findRelay(deps.db, id);
  if (relay.state === "pending" || relay.state === "accepted") return relay;
  const followUri = new URL(`/relays/${id}#follow-${crypto.randomUUID()}`, deps.baseUrl).href;
  const joined = setState(deps.db, id, "pending", followUri);
  audit(deps.db, { actorId: staffId, action: "relay.enable", targetType: "relay", targetId: relay.inboxUrl });
  deps.events.emit("relay.joined", { relayId: id });
  return joined;
}

/** Leaves the relay: nothing more goes to it or is taken from it, and it is told (Undo of the Follow). */
export function leaveRelay(deps: CoreDeps, staffId: string, id: string): Relay {
  const relay = findRelay(deps.db, id);
  if (relay.state === "idle") return relay;
  const left = setState(deps.db, id, "idle");
  audit(deps.db, { actorId: staffId, action: "relay.disable", targetType: "relay", targetId: relay.inboxUrl });
  if (relay.state !== "rejected" && relay.followUri) {
    deps.events.emit("relay.left", { inboxUrl: relay.inboxUrl, followUri: relay.followUri, actorUri: relay.actorUri });
  }
  return left;
}

/** Leaves the relay, if joined, and forgets it. */
export function removeRelay(deps: CoreDeps, staffId: string, id: string): void {
  const relay = leaveRelay(deps, staffId, id);
  deps.db.delete(relays).where(eq(relays.id, id)).run();
  audit(deps.db, { actorId: staffId, action: "relay.remove", targetType: "relay", targetId: relay.inboxUrl });
}

/**
 * A relay's Accept or Reject of our Follow, named by its id. The answer must come from the
 * relay's own server; the relay's actor is learnt from it. Whether the Follow was a relay's.
 */
export function relayAnswered(db: Db, followUri: string, actorUri: string, accepted: boolean): boolean {
  const relay = db.select().from(relays).where(eq(relays.followUri, followUri)).get();
  if (!relay) return false;
  // Its actor is learnt from its first answer, on its own server; later answers come from it.
  const fromRelay = relay.actorUri ? relay.actorUri === actorUri : new URL(actorUri).host === new URL(relay.inboxUrl).host;
  // An answer after the admin left the relay, or from elsewhere, changes nothing.
  if (fromRelay && (relay.state === "pending" || relay.state === "accepted")) {
    db.update(relays)
      .set({ state: accepted ? "accepted" : "rejected", actorUri, stateChangedAt: new Date() })
      .where(eq(relays.id, relay.id))
      .run();
  }
  return true;
}

/** The relay while the instance is joining or has joined it (a Follow replayed after leaving it is not sent). */
export function joiningRelay(db: Db, id: string): Relay | undefined {
  const relay = db.select().from(relays).where(eq(relays.id, id)).get();
  return relay?.state === "pending" || relay?.state === "accepted" ? relay : undefined;
}

/** The joined relays (accepted), whose inboxes get the members' public posts. */
export function joinedRelays(db: DbOrTx): Relay[] {
  return db
    .select()
    .from(relays)
    .where(and(eq(relays.state, "accepted"), isNotNull(relays.actorUri)))
    .all();
}

/** Whether this actor is a joined relay's: what it passes on is kept for the federated timeline. */
export function isJoinedRelay(db: Db, actorUri: string): boolean {
  return joinedRelays(db).some((r) => r.actorUri === actorUri);
}

/** The actors of joined relays on this host (a delivery signed by one of them came through it). */
export function relayActorsOn(db: Db, host: string): string[] {
  return joinedRelays(db).flatMap((r) => (r.actorUri && new URL(r.actorUri).host === host.toLowerCase() ? [r.actorUri] : []));
}
