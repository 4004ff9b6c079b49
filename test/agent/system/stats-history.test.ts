/** The sparkline history: the last `capacity` samples' main figures, oldest first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SystemSample } from '../../../shared/system';
import { StatsHistory } from '../../../agent/system/stats-history';

const START = Date.UTC(2026, 0, 5, 9, 15);

/** The n-th sample: each figure derived from n, so a point's place in the history shows which it is. */
function sample(n: number, disk = true): SystemSample {
  return {
    at: new Date(START + n * 1000).toISOString(),
    hostname: 'box',
    platform: 'linux',
    cpu: { percent: n, perCore: [n, n], cores: 2 },
    memory: { totalMb: 1000, usedMb: 10 * n, availableMb: 1000 - 10 * n, percent: n + 0.5, limited: false },
    load: [0, 0, 0],
    disk: disk ? { path: '/data', totalGb: 100, usedGb: n, freeGb: 100 - n, percent: n + 0.25 } : null,
    network: { rxBytesPerSecond: 1000 * n, txBytesPerSecond: 2000 * n },
    uptimeSeconds: 100 + n,
    agent: { version: '1', pid: 1, uptimeSeconds: n, rssMb: 50, cpuPercent: 1 },
  };
}

test('an empty history has empty series', () => {
  const history = new StatsHistory();
  assert.equal(history.capacity, 300);
  assert.equal(history.length, 0);
  assert.deepEqual(history.history(), { at: [], cpuPercent: [], memoryPercent: [], diskPercent: [], rxBytesPerSecond: [], txBytesPerSecond: [] });
});

test('each point holds the sample\'s main figures; a missing disk reads 0', () => {
  const history = new StatsHistory(5);
  history.push(sample(1));
  history.push(sample(2, false));
  assert.deepEqual(history.history(), {
    at: [START + 1000, START + 2000],
    cpuPercent: [1, 2],
    memoryPercent: [1.5, 2.5],
    diskPercent: [1.25, 0],
    rxBytesPerSecond: [1000, 2000],
    txBytesPerSecond: [2000, 4000],
  });
});

test('past capacity the oldest points go, and the series stay oldest first at every fill', () => {
  const history = new StatsHistory(3);
  for (let n = 1; n <= 10; n++) {
    history.push(sample(n));
    const kept = Array.from({ length: Math.min(n, 3) }, (_, k) => n - Math.min(n, 3) + 1 + k);
    const { at, cpuPercent, txBytesPerSecond } = history.history();
    assert.deepEqual(cpuPercent, kept, `after ${n}`);
    assert.deepEqual(at, kept.map((k) => START + k * 1000));
    assert.deepEqual(txBytesPerSecond, kept.map((k) => 2000 * k));
    assert.equal(history.length, kept.length);
  }
});

test('a history handed out is a copy: later pushes do not change it', () => {
  const history = new StatsHistory(2);
  history.push(sample(1));
  const before = history.history();
  history.push(sample(2));
  history.push(sample(3));
  assert.deepEqual(before.cpuPercent, [1]);
  assert.deepEqual(history.history().cpuPercent, [2, 3]);
});

test('a capacity that holds nothing is refused', () => {
  for (const capacity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new StatsHistory(capacity), RangeError, String(capacity));
  }
});
