/** The SDK's tick buffer: in order while the algo keeps up, the latest per instrument once it falls behind. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Channel, Fifo } from '../../sdk/ts/src/channel';
import { LatestTicks } from '../../sdk/ts/src/latest-ticks';
import type { Tick } from '../../shared/tick';

const tick = (instrument: string, lastPrice: number) => ({ instrument, lastPrice }) as Tick;
const drain = (buffer: LatestTicks) => {
  const out: string[] = [];
  while (buffer.size > 0) {
    const t = buffer.take();
    out.push(`${t.instrument}@${t.lastPrice}`);
  }
  return out;
};

test('below its bound the buffer is first in, first out, every tick kept', () => {
  const told: number[] = [];
  const buffer = new LatestTicks(5, (n) => told.push(n));
  for (const [i, id] of ['A', 'B', 'A', 'A'].entries()) buffer.add(tick(id, i));
  assert.deepEqual(drain(buffer), ['A@0', 'B@1', 'A@2', 'A@3']);
  assert.deepEqual(told, [], 'nothing replaced: no warning');
});

test('past its bound an instrument keeps its latest tick, in the order instruments came, after the older ticks', () => {
  const told: number[] = [];
  const buffer = new LatestTicks(3, (n) => told.push(n));
  let price = 0;
  for (const id of ['A', 'B', 'A']) buffer.add(tick(id, price++)); // in order: A@0 B@1 A@2
  for (let i = 0; i < 1000; i++) for (const id of ['C', 'A', 'B']) buffer.add(tick(id, price++));
  assert.equal(buffer.size, 6, 'the bound plus one per instrument, whatever came');
  assert.deepEqual(drain(buffer), ['A@0', 'B@1', 'A@2', `C@${price - 3}`, `A@${price - 2}`, `B@${price - 1}`]);
  assert.deepEqual(told, [2997], 'told once, when caught up, how many were replaced');
  buffer.add(tick('A', 1));
  assert.deepEqual(drain(buffer), ['A@1'], 'caught up: in order again');
  assert.deepEqual(told, [2997]);
});

test('a bound that is not a whole number of at least 1 is refused', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new LatestTicks(bad, () => undefined), RangeError);
});

test('a channel hands its buffer out in order to a reader that waits, and ends cleanly', async () => {
  const channel = new Channel<number>(new Fifo<number>());
  const first = channel.next();
  channel.push(1);
  for (let i = 2; i <= 3000; i++) channel.push(i);
  assert.deepEqual(await first, { value: 1, done: false });
  let expected = 2;
  for (let i = 2; i <= 3000; i++) assert.equal((await channel.next()).value, expected++);
  const waiting = channel.next();
  channel.end();
  assert.deepEqual(await waiting, { value: undefined, done: true });
  channel.push(5);
  assert.deepEqual(await channel.next(), { value: undefined, done: true }, 'nothing after the end');
});
