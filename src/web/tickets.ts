import { timingSafeEqual } from "node:crypto";

/**
 * A short-lived, signed note that someone proved who they are, for a page without a session: a
 * suspended member who typed their password may send an appeal for the next hour. Its purpose is
 * part of what is signed, so a ticket for one thing never passes for another.
 */
export function signTicket(secret: string, purpose: string, subject: string, expiresAt = Date.now() + 3600_000): string {
  const body = `${Buffer.from(subject).toString("base64url")}.${expiresAt}`;
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The subject of a valid, unexpired ticket for this purpose, and when it expires; or undefined. */
export function readTicket(secret: string, purpose: string, ticket: string): { subject: string; expiresAt: number } | undefined {
  const parts = ticket.split(".");
  const [subject, expires, signature] = parts;
  if (parts.length !== 3 || !subject || !expires || !signature || !/^\d+$/.test(expires)) return undefined;
  const expiresAt = Number(expires);
  if (expiresAt < Date.now()) return undefined;
  const expected = Buffer.from(mac(secret, purpose, `${subject}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return { subject: Buffer.from(subject, "base64url").toString(), expiresAt };
}

const mac = (secret: string, purpose: string, body: string) =>
  new Bun.CryptoHasher("sha256", secret).update(`ticket:${purpose}:${body}`).digest("base64url");
