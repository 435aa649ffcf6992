import { BlockList, isIP } from "node:net";
import { desc, eq, gt, isNull, or } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { type IpBlockSeverity, ipBlockSeverities, ipBlocks } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { CoreError, ValidationError } from "./errors.ts";

export type IpBlock = typeof ipBlocks.$inferSelect;

export const MAX_IP_BLOCK_COMMENT = 1000;
/** The longest an IP block may last, as Mastodon's form offers: three years. */
const MAX_EXPIRY_SECONDS = 3 * 365 * 86_400;

/**
 * `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`: the network, written with its prefix and
 * its host bits cleared (so one network has one spelling); null for anything else. An IPv4
 * address written as IPv6 (`::ffff:203.0.113.0/120`) is the IPv4 network. A whole family (`/0`),
 * or an IPv6 network holding every IPv4 address (`::/24`: clients seen as `::ffff:…`), is refused.
 */
export function normalizeCidr(input: string): string | null {
  const [address = "", prefixText, ...rest] = input.trim().split("/");
  const family = isIP(address);
  // (A zone, `fe80::1%eth0`, names this machine's link: no network to block.)
  if ((family !== 4 && family !== 6) || address.includes("%") || rest.length > 0) return null;
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 1 || prefix > bits) return null;
  if (family === 6) {
    const bytes = ipv6Bytes(address);
    const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    if (mapped && prefix >= 96) return normalizeCidr(`${bytes.slice(12).join(".")}/${prefix - 96}`);
    if (prefix <= 96 && networkOf("::ffff:0:0", 6, prefix) === networkOf(address, 6, prefix)) return null;
  }
  return `${networkOf(address, family, prefix)}/${prefix}`;
}

/** The address with the bits past the prefix cleared. */
function networkOf(address: string, family: 4 | 6, prefix: number): string {
  const bytes = family === 4 ? address.split(".").map(Number) : ipv6Bytes(address);
  const cleared = bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  if (family === 4) return cleared.join(".");
  const groups = Array.from({ length: 8 }, (_, i) => (((cleared[2 * i] ?? 0) << 8) | (cleared[2 * i + 1] ?? 0)).toString(16));
  // The shortest form: the longest run of zero groups as "::".
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/** The sixteen bytes of an IPv6 address (node:net checked it is one; URL writes it in hex groups only). */
function ipv6Bytes(address: string): number[] {
  const compact = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = "", tail] = compact.includes("::") ? compact.split("::") : [compact, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** Every block, ended ones too (the admin page shows them as ended), newest first. */
export function listIpBlocks(db: Db): IpBlock[] {
  return db.select().from(ipBlocks).orderBy(desc(ipBlocks.createdAt)).all();
}

/** The blocks in force now (not expired), newest first. */
export function activeIpBlocks(db: Db, now = new Date()): IpBlock[] {
  return db
    .select()
    .from(ipBlocks)
    .where(or(isNull(ipBlocks.expiresAt), gt(ipBlocks.expiresAt, now)))
    .orderBy(desc(ipBlocks.createdAt))
    .all();
}

/**
 * What the blocks in force say of a sign-up from this address: refused, waiting for a moderator,
 * or nothing. The strictest wins.
 */
export function ipBlockFor(db: Db, ip: string, now = new Date()): IpBlockSeverity | null {
  const family = isIP(ip);
  if (family === 0) return null;
  const lists = { sign_up_block: new BlockList(), sign_up_requires_approval: new BlockList() };
  for (const block of activeIpBlocks(db, now)) {
    const [network = "", prefix = "0"] = block.cidr.split("/");
    lists[block.severity].addSubnet(network, Number(prefix), isIP(network) === 4 ? "ipv4" : "ipv6");
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  return (["sign_up_block", "sign_up_requires_approval"] as const).find((severity) => lists[severity].check(ip, type)) ?? null;
}

export interface IpBlockInput {
  ip: string;
  severity: string;
  comment?: string;
  /** Seconds from now; null (or 0) for good; absent: for good when added, unchanged when updated. */
  expiresIn?: number | null;
}

function checked(input: IpBlockInput, now: Date) {
  const problems: Record<string, string> = {};
  const cidr = normalizeCidr(input.ip);
  if (!cidr) problems.ip = "Enter an address or a network like 203.0.113.0/24 or 2001:db8::/32.";
  const severity = ipBlockSeverities.find((s) => s === input.severity);
  if (!severity) problems.severity = "Choose what the block does.";
  const comment = (input.comment ?? "").trim();
  if (comment.length > MAX_IP_BLOCK_COMMENT) problems.comment = `Keep it under ${MAX_IP_BLOCK_COMMENT} characters.`;
  const expiresIn = input.expiresIn ?? 0;
  if (!Number.isInteger(expiresIn) || expiresIn < 0 || expiresIn > MAX_EXPIRY_SECONDS)
    problems.expires_in = "Choose how long it lasts: up to three years, or for good.";
  if (!cidr || !severity || Object.keys(problems).length > 0) throw new ValidationError(problems);
  return { cidr, severity, comment, expiresAt: expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : null };
}

/** Blocks sign-ups from an address or network (a second block of the same network is refused). */
export function addIpBlock(db: Db, staffId: string, input: IpBlockInput, now = new Date()): IpBlock {
  const values = checked(input, now);
  const existing = db.select().from(ipBlocks).where(eq(ipBlocks.cidr, values.cidr)).get();
  if (existing && (existing.expiresAt === null || existing.expiresAt > now))
    throw new ValidationError({ ip: `${values.cidr} has a block already: change that one.` });
  // An ended block of the same network gives way to the new one.
  if (existing) db.delete(ipBlocks).where(eq(ipBlocks.id, existing.id)).run();
  const row = db
    .insert(ipBlocks)
    .values({ id: newId(), ...values, createdBy: staffId })
    .returning()
    .get();
  audit(db, {
    actorId: staffId,
    action: `ip.${values.severity}`,
    targetType: "ip",
    targetId: values.cidr,
    detail: values.comment,
  });
  return row;
}

/** Changes a block's network, severity, comment or length. */
export function updateIpBlock(db: Db, staffId: string, id: string, input: IpBlockInput, now = new Date()): IpBlock {
  const before = findIpBlock(db, id);
  const values = checked(input, now);
  if (input.expiresIn === undefined) values.expiresAt = before.expiresAt;
  const clash = db.select().from(ipBlocks).where(eq(ipBlocks.cidr, values.cidr)).get();
  if (clash && clash.id !== id) throw new ValidationError({ ip: `${values.cidr} has a block already: change that one.` });
  const row = db.update(ipBlocks).set(values).where(eq(ipBlocks.id, before.id)).returning().get();
  const said = (b: { cidr: string; severity: string; expiresAt: Date | null }) =>
    `${b.cidr} ${b.severity} ${b.expiresAt ? `until ${b.expiresAt.toISOString()}` : "for good"}`;
  audit(db, {
    actorId: staffId,
    action: "ip.update",
    targetType: "ip",
    targetId: values.cidr,
    detail: `${said(before)} → ${said(values)}`,
  });
  return row ?? before;
}

export function findIpBlock(db: Db, id: string): IpBlock {
  const block = db.select().from(ipBlocks).where(eq(ipBlocks.id, id)).get();
  if (!block) throw new CoreError("Record not found", 404);
  return block;
}

/** Lifts a block. */
export function removeIpBlock(db: Db, staffId: string, id: string): void {
  const block = findIpBlock(db, id);
  db.delete(ipBlocks).where(eq(ipBlocks.id, id)).run();
  audit(db, { actorId: staffId, action: "ip.unblock", targetType: "ip", targetId: block.cidr });
}
