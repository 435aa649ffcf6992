/**
 * Counts failures per key in a sliding window, in memory (one process serves an instance).
 * Used for logins and sign-ups per IP and per account, and for API calls per token.
 */
export class RateLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Milliseconds until the key may try again, or 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const hits = this.#recent(key, now);
    if (hits.length < this.limit) return 0;
    return (hits[0] as number) + this.windowMs - now;
  }

  /** How many hits the key has in the window now. */
  count(key: string, now = Date.now()): number {
    return this.#recent(key, now).length;
  }

  hit(key: string, now = Date.now()): void {
    const hits = this.#recent(key, now);
    hits.push(now);
    this.#hits.set(key, hits);
    if (this.#hits.size > 10_000) this.#sweep(now); // bound the memory a flood can take
  }

  reset(key: string): void {
    this.#hits.delete(key);
  }

  #recent(key: string, now: number): number[] {
    return (this.#hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  #sweep(now: number): void {
    for (const [key, hits] of this.#hits) {
      if (!hits.some((t) => t > now - this.windowMs)) this.#hits.delete(key);
    }
  }
}

/**
 * A token bucket per key: `burst` requests at once, then `perSecond` on average. Cheaper than a
 * sliding window at high rates (two numbers per key), used for the inboxes.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /** Takes a token: 0 when the key may go on, otherwise the milliseconds until it may. */
  take(key: string, now = Date.now()): number {
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 10_000) this.#sweep(now); // bound the memory a flood of keys can take
    if (bucket.tokens < 1) return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
    bucket.tokens -= 1;
    return 0;
  }

  /** Forgets keys that have refilled (they would start full again anyway). */
  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.#buckets.delete(key);
    }
  }
}
