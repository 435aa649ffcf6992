import { and, desc, gte, lt, sql } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db, DbOrTx } from "../db/open.ts";
import { signupRejections } from "../db/schema.ts";

/** How long a turned-away person can still read the moderators' message at login. */
const KEPT_MS = 30 * 24 * 3600_000;

/** Keeps what a turned-away person needs to read why (their account itself is deleted); drops old ones. */
export function keepRejection(
  db: DbOrTx,
  rejection: { username: string; email: string; passwordHash: string; message: string },
): void {
  db.delete(signupRejections)
    .where(lt(signupRejections.createdAt, new Date(Date.now() - KEPT_MS)))
    .run();
  db.insert(signupRejections)
    .values({ id: newId(), ...rejection })
    .run();
}

/** The latest rejection still kept for a username or an email address. */
export function findRejection(db: Db, login: string) {
  const column = login.includes("@") ? signupRejections.email : signupRejections.username;
  return db
    .select()
    .from(signupRejections)
    .where(and(sql`lower(${column}) = lower(${login})`, gte(signupRejections.createdAt, new Date(Date.now() - KEPT_MS))))
    .orderBy(desc(signupRejections.id))
    .get();
}
