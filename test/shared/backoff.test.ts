import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../shared/backoff';

test('backoff doubles up to the cap, keeps half of each delay fixed, and resets', () => {
  let dice = 0;
  const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, random: () => dice });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [50, 100, 200, 400, 500, 500]);
  assert.equal(backoff.failures, 6);
  dice = 0.999_999;
  assert.ok(Math.abs(backoff.next() - 1000) < 0.01);
  backoff.reset();
  assert.equal(backoff.failures, 0);
  assert.ok(backoff.next() <= 100);
  for (let i = 0; i < 2000; i++) assert.ok(Number.isFinite(backoff.next()), 'no overflow after many failures');
});

test('backoff refuses settings that would make a tight loop', () => {
  for (const [initialDelayMs, maxDelayMs] of [[0, 100], [-5, 100], [Number.NaN, 100], [100, 50], [100, Number.POSITIVE_INFINITY]]) {
    assert.throws(() => new Backoff({ initialDelayMs: initialDelayMs!, maxDelayMs: maxDelayMs! }), RangeError);
  }
});
