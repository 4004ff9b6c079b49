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
  assert.deepEqual(limiter.stats(), { requests: { quote: 7, historical: 5, other: 12, orders: 0 }, throttled: { quote: 5, historical: 3, other: 2, orders: 0 } });
});

test('orders are held to 10 a second and to 400 in any minute at once; a refused one counts against neither', () => {
  let now = 0;
  const limiter = new KiteRateLimiter({}, () => now);
  const burst = (n: number) => Array.from({ length: n }, () => limiter.take('orders')).filter(Boolean).length;
  assert.equal(burst(11), KITE_RATE_LIMITS.orders, 'the 11th in a second is refused');
  let placed = 10;
  for (let second = 1; second < 60; second++) {
    now = second * 1000;
    placed += burst(11);
  }
  assert.equal(placed, KITE_RATE_LIMITS.ordersPerMinute, 'no minute sees more than 400');
  now = 60_000;
  assert.equal(burst(11), 10, "the first second's orders have left the window");
  now = 60_500;
  assert.equal(burst(1), 0, 'the next second is still full');
  assert.deepEqual(limiter.stats().requests.orders - limiter.stats().throttled.orders, 410);
  const minute = new KiteRateLimiter({ orders: 100, ordersPerMinute: 20 }, () => now);
  assert.equal(Array.from({ length: 25 }, () => minute.take('orders')).filter(Boolean).length, 20);
  assert.deepEqual(minute.stats().throttled, { quote: 0, historical: 0, other: 0, orders: 5 });
});

test('rates must be positive numbers', () => {
  for (const limits of [{ quote: 0 }, { other: -1 }, { historical: Number.NaN }, { quote: Infinity }, { orders: 0 }, { ordersPerMinute: -400 }, { trades: 5 }]) {
    assert.throws(() => new KiteRateLimiter(limits as never), RangeError, JSON.stringify(limits));
  }
});
