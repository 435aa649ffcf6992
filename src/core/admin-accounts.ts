import { and, desc, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { accounts, type Role, users } from "../db/schema.ts";
import type { AccountRow } from "./accounts-read.ts";
import { searchAccounts } from "./search.ts";

export const accountOrigins = ["local", "remote"] as const;
export const accountStates = ["active", "limited", "suspended"] as const;

export interface StaffAccountFilter {
  /** A name, name@domain, or a member's e-mail address. */
  q?: string;
  origin?: (typeof accountOrigins)[number];
  state?: (typeof accountStates)[number];
  /** Older than this account (paging). */
  maxId?: string;
  limit?: number;
}

export interface StaffAccountRow {
  account: AccountRow;
  /** A member's sign-in, for local accounts. */
  member: { email: string; role: Role; lastSignInAt: Date | null } | null;
}

/** Accounts as the moderators' list shows them: newest first, narrowed by origin, state or a search. */
export function accountsForStaff(db: Db, localHost: string, filter: StaffAccountFilter = {}): StaffAccountRow[] {
  const q = filter.q?.trim() ?? "";
  const named = q ? searchAccounts(db, q, { localHost, limit: 500, everyone: true }).map((a) => a.id) : [];
  const state = {
    active: and(isNull(accounts.suspendedAt), isNull(accounts.silencedAt)),
    limited: isNotNull(accounts.silencedAt),
    suspended: isNotNull(accounts.suspendedAt),
  };
  return db
    .select({ account: accounts, email: users.email, role: users.role, lastSignInAt: users.lastSignInAt })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(
      and(
        q ? or(inArray(accounts.id, named), sql`lower(${users.email}) = lower(${q})`) : undefined,
        filter.origin === "local" ? isNull(accounts.domain) : filter.origin === "remote" ? isNotNull(accounts.domain) : undefined,
        filter.state ? state[filter.state] : undefined,
        filter.maxId ? lt(accounts.id, filter.maxId) : undefined,
      ),
    )
    .orderBy(desc(accounts.id))
    .limit(filter.limit ?? 50)
    .all()
    .map((r) => ({
      account: r.account,
      member: r.email !== null && r.role !== null ? { email: r.email, role: r.role, lastSignInAt: r.lastSignInAt } : null,
    }));
}
