import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KITE_RATE_LIMITS, KiteRateLimiter, TokenBucket } from '../../../../agent/market/sim/kite-rate-limits';

test('a bucket lets a second’s worth through at once, then refills continuously', () => {
  const bucket = new TokenBucket(3, 0);
  assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
  assert.equal(bucket.take(332), false, 'a third of a second less a little: not yet a whole token');
  assert.equal(bucket.take(334), true);
  assert.equal(bucket.take(334), false);
  // A long pause refills it to its capacity, not beyond.
  assert.deepEqual([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)], [true, true, true, false]);
  assert.equal(bucket.take(59_000), false, 'a clock going back refills nothing');
});

test('a rate below one a second still lets one through, then waits for it', () => {
  const bucket = new TokenBucket(0.5, 0);
  assert.deepEqual([bucket.take(0), bucket.take(1999)], [true, false]);
  assert.equal(bucket.take(2000), true);
});

test('the limiter keeps a bucket per class and counts requests and refusals', () => {
  let now = 0;
  const limiter = new KiteRateLimiter({ historical: 2 }, () => now);
  const burst = (kind: 'quote' | 'historical' | 'other', n: number) => Array.from({ length: n }, () => limiter.take(kind)).filter(Boolean).length;
  assert.equal(burst('quote', 5), KITE_RATE_LIMITS.quote);
  assert.equal(burst('historical', 5), 2);
  assert.equal(burst('other', 12), KITE_RATE_LIMITS.other);
  now = 1000;
  assert.equal(burst('quote', 2), 1);
  assert.deepEqual(limiter.stats(), { requests: { quote: 7, historical: 5, other: 12 }, throttled: { quote: 5, historical: 3, other: 2 } });
});

test('rates must be positive numbers', () => {
  for (const limits of [{ quote: 0 }, { other: -1 }, { historical: Number.NaN }, { quote: Infinity }, { orders: 5 }]) {
    assert.throws(() => new KiteRateLimiter(limits as never), RangeError, JSON.stringify(limits));
  }
});
