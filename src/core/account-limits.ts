import type { Db } from "../db/open.ts";
import { CoreError } from "./errors.ts";
import { RateLimiter } from "./rate-limit.ts";

/**
 * How much one member may do in a while, as Mastodon allows: enough for anyone by hand, a brake
 * on a stolen token or a runaway bot. Counted in memory per instance database (one process
 * serves an instance; a restart forgets, as it does the other limits).
 */
const ACCOUNT_LIMITS = {
  post: { limit: 300, windowMs: 3 * 3600_000, says: "You have posted 300 times in three hours; wait a while." },
  follow: { limit: 400, windowMs: 24 * 3600_000, says: "You have followed 400 accounts today; wait until tomorrow." },
  media: { limit: 30, windowMs: 30 * 60_000, says: "You have uploaded 30 files in half an hour; wait a while." },
} as const;

export type LimitedAction = keyof typeof ACCOUNT_LIMITS;

const limiters = new WeakMap<Db, Record<LimitedAction, RateLimiter>>();

function limiter(db: Db, action: LimitedAction): RateLimiter {
  let forDb = limiters.get(db);
  if (!forDb) {
    forDb = {
      post: new RateLimiter(ACCOUNT_LIMITS.post.limit, ACCOUNT_LIMITS.post.windowMs),
      follow: new RateLimiter(ACCOUNT_LIMITS.follow.limit, ACCOUNT_LIMITS.follow.windowMs),
      media: new RateLimiter(ACCOUNT_LIMITS.media.limit, ACCOUNT_LIMITS.media.windowMs),
    };
    limiters.set(db, forDb);
  }
  return forDb[action];
}

/** Throws 429 when the account has used up the action for now; counts it otherwise. */
export function countAccountAction(db: Db, action: LimitedAction, accountId: string): void {
  const limits = limiter(db, action);
  if (limits.retryAfter(accountId) > 0) throw new CoreError(ACCOUNT_LIMITS[action].says, 429);
  limits.hit(accountId);
}
