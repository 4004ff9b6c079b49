/**
 * Kite's REST rate limits per API key: token buckets per class of endpoint, each as full as its
 * rate (a second's worth of requests may come at once) and refilled continuously. Orders
 * (placing, modifying, cancelling) are held to 10 a second and, at once, to 400 in any minute
 * (a sliding window: a bucket would let 800 through in a minute that began full). A request the
 * limits cannot take is answered 429 `NetworkException` "Too many requests", as Kite does, and
 * counts against none of them.
 */
import { z } from 'zod';

export const RATE_CLASSES = ['quote', 'historical', 'other', 'orders'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];
/** Requests a second per class; orders also `ordersPerMinute`. */
export type RateLimits = Record<RateClass, number> & { ordersPerMinute: number };

/** Kite Connect's documented limits. */
export const KITE_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({ quote: 1, historical: 3, other: 10, orders: 10, ordersPerMinute: 400 });

const rate = z.number().positive().max(1_000_000);
export const rateLimitsSchema = z.strictObject({
  quote: rate.optional(),
  historical: rate.optional(),
  other: rate.optional(),
  orders: rate.optional(),
  ordersPerMinute: rate.optional(),
});

interface Limit {
  /** Whether one more request fits now; nothing is taken. */
  has(nowMs: number): boolean;
  take(nowMs: number): boolean;
}

export class TokenBucket implements Limit {
  private readonly capacity: number;
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly perSecond: number,
    nowMs: number,
    /** Default: a second's worth, and room for one request at least (a rate below 1/s still lets one through now and then). */
    capacity = Math.max(1, perSecond),
  ) {
    this.capacity = capacity;
    this.tokens = this.capacity;
    this.updatedMs = nowMs;
  }

  /** Whether a token is there now (refilling first); nothing is taken. */
  has(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
    this.updatedMs = nowMs;
    return this.tokens >= 1;
  }

  /** Takes one token if there is one; false when the request is over the limit. */
  take(nowMs: number): boolean {
    if (!this.has(nowMs)) return false;
    this.tokens -= 1;
    return true;
  }
}

/** At most `limit` requests in any `windowMs`: the times of those taken, oldest first. */
export class SlidingWindow implements Limit {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  has(nowMs: number): boolean {
    while (this.head < this.times.length && this.times[this.head]! <= nowMs - this.windowMs) this.head++;
    // The times already out of the window are dropped in a batch, not one shift at a time.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head < this.limit;
  }

  take(nowMs: number): boolean {
    if (!this.has(nowMs)) return false;
    this.times.push(nowMs);
    return true;
  }
}

export interface RestStats {
  /** Requests charged to the key, per class (429s included). */
  requests: Record<RateClass, number>;
  /** Requests answered 429, per class. */
  throttled: Record<RateClass, number>;
}

const zeros = (): Record<RateClass, number> => ({ quote: 0, historical: 0, other: 0, orders: 0 });

export class KiteRateLimiter {
  private readonly buckets: Record<RateClass, Limit[]>;
  private readonly counts: RestStats = { requests: zeros(), throttled: zeros() };

  /** Throws RangeError on a rate that is not a positive number. */
  constructor(
    limits: Partial<RateLimits> = {},
    private readonly clock: () => number = () => performance.now(),
  ) {
    const parsed = rateLimitsSchema.safeParse(limits);
    if (!parsed.success) throw new RangeError(`rateLimits: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const rates = { ...KITE_RATE_LIMITS, ...parsed.data };
    const now = clock();
    this.buckets = {
      quote: [new TokenBucket(rates.quote, now)],
      historical: [new TokenBucket(rates.historical, now)],
      other: [new TokenBucket(rates.other, now)],
      orders: [new TokenBucket(rates.orders, now), new SlidingWindow(Math.max(1, Math.floor(rates.ordersPerMinute)), 60_000)],
    };
  }

  /** Charges one request of `kind`; false when it must be refused (then no bucket pays for it). */
  take(kind: RateClass): boolean {
    this.counts.requests[kind]++;
    const now = this.clock();
    const buckets = this.buckets[kind];
    if (buckets.every((bucket) => bucket.has(now))) {
      for (const bucket of buckets) bucket.take(now);
      return true;
    }
    this.counts.throttled[kind]++;
    return false;
  }

  stats(): RestStats {
    return { requests: { ...this.counts.requests }, throttled: { ...this.counts.throttled } };
  }
}
