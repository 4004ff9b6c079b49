import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, spreadOf } from '../../bench/spread';

test('the median of repeated measurements, and their spread', () => {
  assert.equal(median([12.6, 17.7, 9.1]), 12.6);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const values = [0.66, 0.52, 0.7];
  assert.deepEqual(spreadOf(values), { min: 0.52, max: 0.7, values: [0.66, 0.52, 0.7] });
  assert.deepEqual(values, [0.66, 0.52, 0.7], 'the values are not reordered');
});
