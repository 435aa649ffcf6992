import { timingSafeEqual } from "node:crypto";

/**
 * A short-lived, signed note that someone proved who they are, for a page without a session: a
 * suspended member who typed their password may send an appeal for the next hour. Its purpose is
 * part of what is signed, so a ticket for one thing never passes for another.
 */
export function signTicket(secret: string, purpose: string, subject: string, ttlMs = 3600_000): string {
  const body = `${Buffer.from(subject).toString("base64url")}.${Date.now() + ttlMs}`;
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The subject of a valid, unexpired ticket for this purpose, or undefined. */
export function readTicket(secret: string, purpose: string, ticket: string): string | undefined {
  const [subject, expires, signature] = ticket.split(".");
  if (!subject || !expires || !signature || !/^\d+$/.test(expires) || Number(expires) < Date.now()) return undefined;
  const expected = Buffer.from(mac(secret, purpose, `${subject}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Buffer.from(subject, "base64url").toString();
}

const mac = (secret: string, purpose: string, body: string) =>
  new Bun.CryptoHasher("sha256", secret).update(`ticket:${purpose}:${body}`).digest("base64url");
