/**
 * Kite's REST rate limits per API key: a token bucket per class of endpoint, as full as its rate
 * (a second's worth of requests may come at once) and refilled continuously. A request the
 * bucket cannot pay for is answered 429 `NetworkException` "Too many requests", as Kite does.
 */
import { z } from 'zod';

export const RATE_CLASSES = ['quote', 'historical', 'other'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];
export type RateLimits = Record<RateClass, number>;

/** Requests per second per API key (Kite Connect's documented limits). */
export const KITE_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({ quote: 1, historical: 3, other: 10 });

const rate = z.number().positive().max(1_000_000);
export const rateLimitsSchema = z.strictObject({ quote: rate.optional(), historical: rate.optional(), other: rate.optional() });

export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly perSecond: number,
    nowMs: number,
  ) {
    // Room for one request at least, so a rate below 1/s still lets one through now and then.
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.updatedMs = nowMs;
  }

  /** Takes one token if there is one; false when the request is over the limit. */
  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
    this.updatedMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface RestStats {
  /** Requests charged to the key, per class (429s included). */
  requests: Record<RateClass, number>;
  /** Requests answered 429, per class. */
  throttled: Record<RateClass, number>;
}

export class KiteRateLimiter {
  private readonly buckets: Record<RateClass, TokenBucket>;
  private readonly counts: RestStats = { requests: { quote: 0, historical: 0, other: 0 }, throttled: { quote: 0, historical: 0, other: 0 } };

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
      quote: new TokenBucket(rates.quote, now),
      historical: new TokenBucket(rates.historical, now),
      other: new TokenBucket(rates.other, now),
    };
  }

  /** Charges one request of `kind`; false when it must be refused. */
  take(kind: RateClass): boolean {
    this.counts.requests[kind]++;
    if (this.buckets[kind].take(this.clock())) return true;
    this.counts.throttled[kind]++;
    return false;
  }

  stats(): RestStats {
    return { requests: { ...this.counts.requests }, throttled: { ...this.counts.throttled } };
  }
}
