import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimit, TokenBucket } from '../../../agent/broker/token-bucket';

test('a bucket lets a burst of its capacity through, then callers go in order at its rate', async () => {
  let now = 1000;
  const bucket = new TokenBucket({ capacity: 3, perSecond: 3 }, () => now);
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((n) => bucket.take().then(() => order.push(n))));
  assert.deepEqual(order, [1, 2, 3], 'the burst goes at once');
  let fourth = false;
  const next = bucket.take().then(() => (fourth = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fourth, false, 'an empty bucket holds the caller');
  assert.equal(bucket.queued, 1);
  now += 1000 / 3; // one token refilled
  await next;
  assert.equal(bucket.queued, 0);
});

test('a capacity-1 bucket spaces callers a gap apart; a cancelled wait ends at once and frees its turn', async () => {
  let now = 1000;
  const bucket = new TokenBucket({ capacity: 1, perSecond: 2 }, () => now);
  await bucket.take(); // at 1000
  const controller = new AbortController();
  const waiting = bucket.take(controller.signal); // due at 1500
  const next = bucket.take(); // behind it
  controller.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  now = 3000;
  await next; // the line moved on, and the bucket has long refilled: no wait
});

test('drain makes the next caller wait a full refill (after the broker said too many)', async () => {
  let now = 0;
  const bucket = new TokenBucket({ capacity: 5, perSecond: 5 }, () => now);
  bucket.drain();
  let done = false;
  const taken = bucket.take().then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false);
  now = 200;
  await taken;
});

test('a rate limit of several buckets holds to the strictest', async () => {
  let now = 0;
  const limit = new RateLimit([{ capacity: 2, perSecond: 10 }, { capacity: 3, perSecond: 1 }], () => now);
  for (let i = 0; i < 3; i++) {
    now += 100;
    await limit.take();
  }
  let done = false;
  const stop = new AbortController();
  const fourth = limit.take(stop.signal).then(() => (done = true));
  try {
    now += 100;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'the slow bucket is empty though the fast one is not');
    now += 800; // the slow bucket has refilled its token by now
    await fourth;
  } finally {
    stop.abort(new Error('test over'));
  }
});

test('bad specs are refused', () => {
  assert.throws(() => new TokenBucket({ capacity: 1, perSecond: 0 }), /perSecond must be above 0/);
  assert.throws(() => new TokenBucket({ capacity: 0.5, perSecond: 1 }), /capacity must be a whole number/);
});
