/** Make-before-break moves: one place finishes a handover, whatever ends it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Handovers } from '../../../agent/ticker/handover';
import { desiredWith, RecordingHub, RecordingPool, registry } from '../../helpers/ticker-parts';
import { sleep } from '../../helpers/wait';

const INFY = registry.get('NSE:INFY')!.token;
const TCS = registry.get('NSE:TCS')!.token;

function setup() {
  const pool = new RecordingPool();
  const desired = desiredWith(new RecordingHub(), [['NSE:INFY', 1, 'quote'], ['NSE:TCS', 1, 'full']]);
  return { pool, desired, handovers: new Handovers(desired, pool.asPool(), 3000) };
}

test('a move subscribes the new worker at once and keeps the old one until the handover finishes', () => {
  const { pool, desired, handovers } = setup();
  handovers.apply([{ instrument: 'NSE:INFY', from: 1, to: 2 }]);
  const infy = desired.get('NSE:INFY')!;
  assert.deepEqual([infy.worker, infy.handoverFrom], [2, 1]);
  assert.deepEqual(pool.sent, [{ worker: 2, message: { type: 'subscribe', tokens: [INFY], mode: 'quote' } }]);
  handovers.finish(infy);
  assert.equal(infy.handoverFrom, null);
  assert.deepEqual(pool.sent.at(-1), { worker: 1, message: { type: 'unsubscribe', tokens: [INFY] } });
});

test('moved again before its first tick, an instrument leaves its first old worker at once', () => {
  const { pool, desired, handovers } = setup();
  handovers.apply([{ instrument: 'NSE:INFY', from: 1, to: 2 }]);
  handovers.apply([{ instrument: 'NSE:INFY', from: 2, to: 3 }]);
  assert.deepEqual(pool.sent.map((s) => [s.worker, s.message.type]), [[2, 'subscribe'], [1, 'unsubscribe'], [3, 'subscribe']]);
  assert.equal(desired.get('NSE:INFY')!.handoverFrom, 2);
});

test("a dead worker's handovers finish at once; overdue ones finish once the new worker is ready", () => {
  const { pool, desired, handovers } = setup();
  handovers.apply([{ instrument: 'NSE:INFY', from: 1, to: 2 }, { instrument: 'NSE:TCS', from: 1, to: 3 }]);
  pool.sent.length = 0;
  const infy = desired.get('NSE:INFY')!;
  const tcs = desired.get('NSE:TCS')!;
  handovers.finishOverdue(infy.handoverSince + 3001);
  assert.equal(pool.sent.length, 0, 'the new workers are not ready');
  pool.states.set(2, 'ready');
  pool.states.set(3, 'unresponsive');
  handovers.finishOverdue(infy.handoverSince + 2999);
  assert.equal(pool.sent.length, 0, 'not yet overdue');
  handovers.finishOverdue(infy.handoverSince + 3001);
  assert.deepEqual([infy.handoverFrom, tcs.handoverFrom], [null, 1], 'only the one whose new worker is ready');
  handovers.finishFrom(1);
  assert.equal(tcs.handoverFrom, null);
  assert.deepEqual(pool.sent.map((s) => s.message), [{ type: 'unsubscribe', tokens: [INFY] }, { type: 'unsubscribe', tokens: [TCS] }]);
});

test('settled() resolves once no instrument is handed over from the given workers', async () => {
  const { desired, handovers } = setup();
  handovers.apply([{ instrument: 'NSE:INFY', from: 1, to: 2 }]);
  await handovers.settled([3]); // nothing from worker 3: at once
  let settled = false;
  const waiting = handovers.settled([1]).then(() => (settled = true));
  await sleep(50);
  assert.equal(settled, false);
  handovers.finish(desired.get('NSE:INFY')!);
  await waiting;
});
