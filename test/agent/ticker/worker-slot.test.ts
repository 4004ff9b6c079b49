/** A worker slot's state: what the ticker shows, silence, deaths and the delay before a replacement. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostedProcess } from '../../../agent/process/process-host';
import { WorkerSlot } from '../../../agent/ticker/worker-slot';

function fakeProcess(pid: number) {
  const killed: string[] = [];
  const proc: HostedProcess = {
    pid,
    send: () => true,
    onMessage: () => undefined,
    onExit: () => undefined,
    kill: (signal) => void killed.push(signal ?? 'SIGTERM'),
  };
  return { proc, killed };
}

function slotWithClock(unresponsiveAfterMs = 2000) {
  const clock = { now: 1_000_000 };
  return { slot: new WorkerSlot(1, unresponsiveAfterMs, () => clock.now), clock };
}

test('the state follows the broker connection, and a worker being retired shows stopping', () => {
  const { slot } = slotWithClock();
  slot.attach(fakeProcess(10).proc);
  assert.equal(slot.state, 'starting');
  slot.onProviderState('connecting', undefined);
  assert.equal(slot.state, 'connecting');
  slot.onProviderState('connected', undefined);
  assert.equal(slot.state, 'ready');
  slot.onProviderState('reconnecting', 'HTTP 429');
  assert.deepEqual([slot.state, slot.providerDetail], ['reconnecting', 'reconnecting: HTTP 429']);
  slot.markLeaving();
  assert.equal(slot.state, 'stopping');
  slot.cancelLeaving();
  assert.equal(slot.state, 'reconnecting');
});

test('a worker silent past the threshold shows unresponsive until it is heard again; one still starting does not', () => {
  const { slot, clock } = slotWithClock(2000);
  slot.attach(fakeProcess(10).proc);
  clock.now += 5000;
  assert.equal(slot.state, 'starting', 'not heard from yet: starting, not unresponsive');
  slot.heard(clock.now);
  slot.onProviderState('connected', undefined);
  clock.now += 2000;
  assert.equal(slot.state, 'ready', 'two seconds is not yet past the threshold');
  clock.now += 1;
  assert.equal(slot.state, 'unresponsive');
  assert.equal(slot.silentMs(clock.now), 2001);
  slot.heard(clock.now);
  assert.equal(slot.state, 'ready');
});

test('kill() kills the current process once; its death counts, and repeated deaths delay the replacement', () => {
  const { slot, clock } = slotWithClock();
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const { proc, killed } = fakeProcess(10 + i);
    slot.attach(proc);
    assert.equal(slot.kill(), true);
    assert.equal(slot.kill(), false, 'a process is killed once');
    assert.deepEqual(killed, ['SIGKILL']);
    slot.detach();
    assert.equal(slot.state, 'dead');
    delays.push(slot.respawnDelayMs);
    clock.now += 1000;
  }
  assert.equal(slot.restarts, 4);
  assert.deepEqual(delays, [0, 0, 200, 400]);
  assert.equal(slot.kill(), false, 'no process, nothing to kill');
});

test('a worker that ends while being retired is not counted as a death', () => {
  const { slot } = slotWithClock();
  slot.attach(fakeProcess(10).proc);
  slot.markLeaving();
  slot.detach();
  assert.equal(slot.restarts, 0);
});

test('ticks are counted per frame and turned into a smoothed rate', () => {
  const { slot } = slotWithClock();
  slot.countTicks(0, 5);
  assert.equal(slot.lastTickAt, 0, 'a frame with no accepted tick is not a tick');
  slot.countTicks(30, 7);
  slot.countTicks(10, 8);
  assert.equal(slot.lastTickAt, 8);
  slot.updateRate(2);
  assert.equal(slot.ticksPerSecond, 20);
  slot.countTicks(40, 9);
  slot.updateRate(1);
  assert.equal(slot.ticksPerSecond, 30);
});

test('connected() resolves on the first connection attempt, on a refusal, or on the process ending', async () => {
  const { slot } = slotWithClock();
  slot.attach(fakeProcess(10).proc);
  let done = 0;
  void slot.connected(60_000).then(() => done++);
  void slot.connected(60_000).then(() => done++);
  slot.onProviderState('connecting', undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, 0);
  slot.onProviderState('reconnecting', 'HTTP 403');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, 2);
  void slot.connected(60_000).then(() => done++);
  slot.detach();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, 3);
});
