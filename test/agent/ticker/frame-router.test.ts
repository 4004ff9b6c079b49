/** Routing a worker's frame: what reaches the hub, handovers, modes, and a broken frame. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameRouter } from '../../../agent/ticker/frame-router';
import { Handovers } from '../../../agent/ticker/handover';
import { WorkerSlot } from '../../../agent/ticker/worker-slot';
import { desiredWith, kiteFrame, RecordingHub, RecordingPool, registry } from '../../helpers/ticker-parts';

const INFY = registry.get('NSE:INFY')!.token;
const TCS = registry.get('NSE:TCS')!.token;

function setup(placements: Parameters<typeof desiredWith>[1]) {
  const hub = new RecordingHub();
  const pool = new RecordingPool();
  const desired = desiredWith(hub, placements);
  const router = new FrameRouter(desired.byToken, hub.asHub(), new Handovers(desired, pool.asPool(), 3000));
  return { hub, pool, desired, router, slot: (id: number) => new WorkerSlot(id, 2000) };
}

test('each carried packet goes to the hub where it lies; others are skipped', () => {
  const { hub, desired, router, slot } = setup([['NSE:INFY', 1, 'quote'], ['NSE:TCS', 1, 'ltp']]);
  const worker = slot(1);
  const frame = kiteFrame(['NSE:INFY', 'quote'], ['NSE:SBIN', 'quote'], ['NSE:TCS', 'full'], ['NSE:TCS', 'ltp']);
  assert.equal(router.route(worker, frame, 1234), undefined);
  // SBIN is not carried; TCS's full packet is of another mode than its subscription's.
  assert.deepEqual(hub.frames, [[{ token: INFY, offset: 4, length: 44 }, { token: TCS, offset: 4 + 44 + 2 + 44 + 2 + 184 + 2, length: 8 }]]);
  assert.equal(hub.open, false, 'the frame was ended');
  assert.deepEqual([desired.get('NSE:INFY')!.count, desired.get('NSE:INFY')!.lastTickAt], [1, 1234]);
  assert.equal(worker.lastTickAt, 1234);
});

test("an instrument's old worker delivers it until the new worker's first tick, then the old one is told to drop it", () => {
  const { hub, pool, desired, router, slot } = setup([['NSE:INFY', 2, 'ltp']]);
  const sub = desired.get('NSE:INFY')!;
  sub.handoverFrom = 1; // moving from worker 1 to worker 2
  const [oldWorker, newWorker, other] = [slot(1), slot(2), slot(3)];
  const frame = kiteFrame(['NSE:INFY', 'ltp']);
  router.route(oldWorker, frame, 1);
  router.route(other, frame, 2);
  assert.deepEqual(hub.frames.map((f) => f.length), [1, 0], 'the old worker counts; a third does not');
  assert.deepEqual(pool.sent, []);
  router.route(newWorker, frame, 3);
  assert.equal(sub.handoverFrom, null);
  assert.deepEqual(pool.sent, [{ worker: 1, message: { type: 'unsubscribe', tokens: [INFY] } }]);
  router.route(oldWorker, frame, 4);
  assert.deepEqual(hub.frames.map((f) => f.length), [1, 0, 1, 0], 'the old worker no longer counts');
});

test('a malformed frame routes the packets before the fault and says what is wrong', () => {
  const { hub, router, slot } = setup([['NSE:INFY', 1, 'ltp'], ['NSE:TCS', 1, 'ltp']]);
  const frame = kiteFrame(['NSE:INFY', 'ltp'], ['NSE:TCS', 'ltp']);
  assert.match(router.route(slot(1), frame.subarray(0, frame.byteLength - 1), 1)!, /packet 2 of 2 is cut short/);
  assert.deepEqual(hub.frames[0]!.map((p) => p.token), [INFY]);
  assert.equal(hub.open, false);
  assert.match(router.route(slot(1), new Uint8Array(0), 2)!, /shorter than its header/);
  const stray = new Uint8Array(frame.byteLength + 3);
  stray.set(frame);
  assert.match(router.route(slot(1), stray, 3)!, /3 stray bytes after 2 packets/);
});
