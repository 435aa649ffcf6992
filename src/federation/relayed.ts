import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The relay that handed over the delivery being handled. A relay passes other servers'
 * activities on as their authors signed them (Fedify checks those signatures and sees only the
 * author), under its own HTTP signature, which mount.ts checks before the inbox runs; the inbox
 * then keeps the public posts the relay brings, as it would not keep a stranger's.
 */
const relaying = new AsyncLocalStorage<string>();

/** Runs the handling of one delivery that this relay's actor signed. */
export const handleForRelay = <T>(relayActor: string, handle: () => Promise<T>): Promise<T> => relaying.run(relayActor, handle);

/** The actor of the relay that delivered the activity being handled, if one did. */
export const deliveringRelay = (): string | undefined => relaying.getStore();
