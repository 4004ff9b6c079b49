import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickWheel } from '../../../../agent/market/sim/tick-wheel';

test('fires each instrument at its due times, however frames fall', () => {
  const wheel = new TickWheel(100, 25, 1000);
  const fired = new Map<number, number[]>();
  const fire = (index: number, due: number) => {
    fired.set(index, [...(fired.get(index) ?? []), due]);
    return due + 100 + index; // instrument i ticks every 100 + i ms
  };
  const start = 1_000_000;
  for (let i = 0; i < 100; i++) wheel.schedule(i, start + i);
  for (let now = start; now <= start + 10_000; now += 17 + (now % 13)) wheel.advance(now, fire);
  wheel.advance(start + 10_000, fire);
  for (let i = 0; i < 100; i++) {
    const times = fired.get(i)!;
    const expected = Math.floor((10_000 - i) / (100 + i)) + 1;
    assert.equal(times.length, expected, `instrument ${i}`);
    times.forEach((t, k) => assert.equal(t, start + i + k * (100 + i)));
  }
});

test('a negative next time drops the instrument; it can be scheduled again', () => {
  const wheel = new TickWheel(4, 10, 100);
  let calls = 0;
  wheel.schedule(2, 5);
  wheel.schedule(2, 6); // already on the wheel: ignored
  wheel.advance(20, () => (calls++, -1));
  assert.equal(calls, 1);
  assert.equal(wheel.isScheduled(2), false);
  wheel.advance(200, () => (calls++, -1));
  assert.equal(calls, 1);
  wheel.schedule(2, 210);
  wheel.advance(215, () => (calls++, -1));
  assert.equal(calls, 2);
});

test('after a stall longer than the wheel, every due instrument still fires', () => {
  const wheel = new TickWheel(10, 10, 50);
  const seen = new Set<number>();
  for (let i = 0; i < 10; i++) wheel.schedule(i, 1000 + i * 7);
  wheel.advance(1000, () => -1);
  seen.clear();
  wheel.advance(100_000, (i) => (seen.add(i), -1));
  assert.equal(seen.size, 9); // instrument 0 fired at 1000 already
});
