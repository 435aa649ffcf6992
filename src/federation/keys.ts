import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { exportJwk, generateCryptoKeyPair, importJwk } from "@fedify/fedify";
import { eq } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { getInternal, setInternal } from "../core/instance.ts";
import { actorKeys, keyAlgorithms } from "../db/schema.ts";

type Jwk = Parameters<typeof importJwk>[0];

/**
 * The key pairs of a local actor: RSA (for draft-cavage HTTP Signatures, `publicKey`) and
 * Ed25519 (for Object Integrity Proofs, `assertionMethod`). Made the first time they are
 * needed and kept in the database for good.
 */
export function actorKeyPairs(db: Db, accountId: string): Promise<CryptoKeyPair[]> {
  // Imported keys are kept (every delivery signs); requests arriving together for a new actor
  // wait for one key generation (RSA takes a while). Keys never change for an account id.
  let pairs = known.get(accountId);
  if (!pairs) {
    if (known.size >= 1000) known.clear();
    pairs = loadOrMake(db, accountId);
    known.set(accountId, pairs);
    pairs.catch(() => known.delete(accountId));
  }
  return pairs;
}

const known = new Map<string, Promise<CryptoKeyPair[]>>();

async function loadOrMake(db: Db, accountId: string): Promise<CryptoKeyPair[]> {
  const stored = db.select().from(actorKeys).where(eq(actorKeys.accountId, accountId)).all();
  const pairs: CryptoKeyPair[] = [];
  for (const algorithm of keyAlgorithms) {
    const row = stored.find((r) => r.algorithm === algorithm);
    if (row) {
      pairs.push({
        publicKey: await importJwk(row.publicKey as Jwk, "public"),
        privateKey: await importJwk(row.privateKey as Jwk, "private"),
      });
      continue;
    }
    const pair = await newKeyPair(algorithm);
    const values = { publicKey: await exportJwk(pair.publicKey), privateKey: await exportJwk(pair.privateKey) };
    // Another request may have made them meanwhile: the stored pair wins.
    const inserted = db
      .insert(actorKeys)
      .values({ id: newId(), accountId, algorithm, ...values })
      .onConflictDoNothing()
      .returning({ id: actorKeys.id })
      .all();
    if (inserted.length === 0) return loadOrMake(db, accountId);
    pairs.push(pair);
  }
  return pairs;
}

/** The instance actor's key pairs, kept beside the instance settings (it has no account row). */
export async function instanceKeyPairs(db: Db): Promise<CryptoKeyPair[]> {
  const stored = getInternal(db, "instance_actor_keys") as { publicKey: Jwk; privateKey: Jwk }[] | undefined;
  if (stored) {
    return Promise.all(
      stored.map(async (k) => ({
        publicKey: await importJwk(k.publicKey, "public"),
        privateKey: await importJwk(k.privateKey, "private"),
      })),
    );
  }
  const pairs = await Promise.all(keyAlgorithms.map((algorithm) => newKeyPair(algorithm)));
  setInternal(
    db,
    "instance_actor_keys",
    await Promise.all(
      pairs.map(async (p) => ({ publicKey: await exportJwk(p.publicKey), privateKey: await exportJwk(p.privateKey) })),
    ),
  );
  return pairs;
}

const generateKeyPairOffThread = promisify(generateKeyPair);

/**
 * A new key pair, as Fedify's generateCryptoKeyPair makes them (RSA of 4096 bits). RSA comes
 * from node:crypto, whose generateKeyPair runs on another thread: WebCrypto's generateKey in Bun
 * holds the event loop for the whole search for primes, stalling every request meanwhile.
 */
async function newKeyPair(algorithm: (typeof keyAlgorithms)[number]): Promise<CryptoKeyPair> {
  if (algorithm !== "RSASSA-PKCS1-v1_5") return generateCryptoKeyPair(algorithm);
  const pair = await generateKeyPairOffThread("rsa", { modulusLength: 4096, publicExponent: 65537 });
  const rsa = { name: algorithm, hash: "SHA-256" };
  return {
    publicKey: await crypto.subtle.importKey("jwk", pair.publicKey.export({ format: "jwk" }), rsa, true, ["verify"]),
    privateKey: await crypto.subtle.importKey("jwk", pair.privateKey.export({ format: "jwk" }), rsa, true, ["sign"]),
  };
}
