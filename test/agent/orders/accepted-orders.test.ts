import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcceptedOrders } from '../../../agent/orders/order-router';

test('accepted orders are counted per algo and in all, within each window, edges excluded', () => {
  const rates = new AcceptedOrders();
  const t0 = 1_000_000;
  for (let i = 0; i < 10; i++) rates.record(i % 2 === 0 ? 'a' : 'b', t0 + i * 100);
  // Times t0 … t0+900; at t0+1000 the last second holds those after t0 (t0 itself is a second old).
  assert.equal(rates.count(null, 1000, t0 + 1000), 9);
  assert.equal(rates.count('a', 1000, t0 + 1000), 4);
  assert.equal(rates.count('b', 1000, t0 + 1000), 5);
  assert.equal(rates.count('a', 60_000, t0 + 1000), 5);
  assert.equal(rates.count('c', 60_000, t0 + 1000), 0);
  assert.equal(rates.count(null, 1000, t0 + 1950), 0);
  assert.equal(rates.count(null, 60_000, t0 + 60_050), 9);
});

test('a long stream keeps only about its last minute and still counts exactly', () => {
  const rates = new AcceptedOrders();
  const t0 = 5_000_000;
  // 200,000 orders at 1 ms apart: over three minutes.
  for (let i = 0; i < 200_000; i++) rates.record(`algo${i % 7}`, t0 + i);
  const now = t0 + 199_999;
  assert.equal(rates.count(null, 60_000, now), 60_000);
  assert.equal(rates.count(null, 1000, now), 1000);
  let perAlgo = 0;
  for (let a = 0; a < 7; a++) perAlgo += rates.count(`algo${a}`, 60_000, now);
  assert.equal(perAlgo, 60_000);
  const kept = (rates as unknown as { all: number[] }).all.length;
  assert.ok(kept >= 60_000 && kept <= 121_024, `kept ${kept} times`);
});
