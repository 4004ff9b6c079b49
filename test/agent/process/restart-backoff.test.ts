/** The restart policy: at once for the first deaths, then doubling capped delays, forgotten after the window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartBackoff } from '../../../agent/process/restart-backoff';

function clock(start = 1_000_000) {
  const c = { now: start, advance: (ms: number) => (c.now += ms) };
  return c;
}

test('the first deaths restart at once; a process that keeps dying waits longer each time, up to the cap', () => {
  const time = clock();
  const backoff = new RestartBackoff({ immediate: 2, firstDelayMs: 200, maxDelayMs: 5000, now: () => time.now });
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) {
    delays.push(backoff.died());
    time.advance(100);
  }
  assert.deepEqual(delays, [0, 0, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  assert.equal(backoff.recentDeaths, 10);
});

test('deaths older than the window are forgotten, one by one', () => {
  const time = clock();
  const backoff = new RestartBackoff({ immediate: 1, firstDelayMs: 250, maxDelayMs: 5000, windowMs: 30_000, now: () => time.now });
  assert.equal(backoff.died(), 0);
  time.advance(10_000);
  assert.equal(backoff.died(), 250);
  time.advance(10_000);
  assert.equal(backoff.died(), 500);
  time.advance(10_000); // the first death is now exactly 30 s old: it no longer counts
  assert.equal(backoff.recentDeaths, 2);
  assert.equal(backoff.died(), 500);
  time.advance(60_000);
  assert.equal(backoff.recentDeaths, 0);
  assert.equal(backoff.died(), 0, 'a process that ran for a while restarts at once');
});

test('reset() forgets every death', () => {
  const time = clock();
  const backoff = new RestartBackoff({ immediate: 0, firstDelayMs: 100, maxDelayMs: 1000, now: () => time.now });
  assert.equal(backoff.died(), 100, 'no immediate restart when none is allowed');
  assert.equal(backoff.died(), 200);
  backoff.reset();
  assert.equal(backoff.died(), 100);
});

test('a long crash loop neither overflows nor goes past the cap', () => {
  const time = clock();
  const backoff = new RestartBackoff({ firstDelayMs: 1, maxDelayMs: 60_000, windowMs: Number.POSITIVE_INFINITY, now: () => time.now });
  let last = 0;
  for (let i = 0; i < 2000; i++) last = backoff.died();
  assert.equal(last, 60_000);
});

test('options that would make a tight loop are refused', () => {
  for (const options of [
    { firstDelayMs: 0, maxDelayMs: 10 },
    { firstDelayMs: 10, maxDelayMs: 5 },
    { firstDelayMs: 10, maxDelayMs: Number.POSITIVE_INFINITY },
    { firstDelayMs: Number.NaN, maxDelayMs: 10 },
    { immediate: -1, firstDelayMs: 10, maxDelayMs: 10 },
    { immediate: 1.5, firstDelayMs: 10, maxDelayMs: 10 },
  ]) {
    assert.throws(() => new RestartBackoff(options), RangeError, JSON.stringify(options));
  }
});
