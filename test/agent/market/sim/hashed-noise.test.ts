import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOGNORMAL, NORMAL, NORMAL_SHIFT, mix32 } from '../../../../agent/market/sim/hashed-noise';

test('the normal table is a standard normal, symmetric, with a lognormal of mean 1 beside it', () => {
  assert.equal(NORMAL.length, 2 ** (32 - NORMAL_SHIFT));
  const n = NORMAL.length;
  const mean = NORMAL.reduce((sum, z) => sum + z, 0) / n;
  const variance = NORMAL.reduce((sum, z) => sum + z * z, 0) / n;
  assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-12, `mean ${mean}, variance ${variance}`);
  for (let i = 1; i < n; i++) assert.ok(NORMAL[i]! > NORMAL[i - 1]!, 'quantiles ascend');
  for (let i = 0; i < n / 2; i++) assert.ok(Math.abs(NORMAL[i]! + NORMAL[n - 1 - i]!) < 1e-9, 'symmetric');
  // Φ(1) − Φ(−1) = 0.6827, Φ(−1.96) = 0.025.
  assert.ok(Math.abs(NORMAL.filter((z) => Math.abs(z) < 1).length / n - 0.6827) < 0.001);
  assert.ok(Math.abs(NORMAL.filter((z) => z < -1.96).length / n - 0.025) < 0.001);
  assert.ok(Math.abs(LOGNORMAL.reduce((sum, x) => sum + x, 0) / n - 1) < 1e-12);
});

test('hashes of consecutive counters fill the table cells evenly', () => {
  const cells = 64;
  const counts = new Array<number>(cells).fill(0);
  const draws = 640_000;
  for (let i = 0; i < draws; i++) counts[mix32(i) >>> 26]!++;
  const expected = draws / cells;
  const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
  assert.ok(chiSquare < 120, `χ² ${chiSquare.toFixed(1)} over ${cells - 1} degrees of freedom`);
});
