/** Polling on fake timers: once at once for the first watcher, on the interval while watched, shared requests, stop when nobody watches. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { Polling } from '../../../renderer/src/stores/polling';

const INTERVAL = 1_000;
/** Lets promise chains (the refresh, then the next timer) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** A refresh the test answers by hand. */
function refresher() {
  const calls: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const refresh = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }));
  /** Answers every open call. */
  const answer = async () => {
    for (const call of calls.splice(0)) call.resolve();
    await settle();
  };
  let total = 0;
  const counted = () => {
    total++;
    return refresh();
  };
  return { refresh: counted, calls, answer, get total() { return total; } };
}

async function advance(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await settle();
}

test('the first watcher refreshes at once, then every interval after each answer', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  assert.equal(r.total, 0, 'nothing before anyone watches');
  const stop = polling.watch();
  assert.equal(r.total, 1, 'at once');
  await advance(5 * INTERVAL);
  assert.equal(r.total, 1, 'the next waits for the answer: no pile-up behind a slow agent');
  await r.answer();
  await advance(INTERVAL - 1);
  assert.equal(r.total, 1);
  await advance(1);
  assert.equal(r.total, 2, 'one interval after the answer');
  await r.answer();
  await advance(INTERVAL);
  assert.equal(r.total, 3);
  await r.answer();
  stop();
  await advance(10 * INTERVAL);
  assert.equal(r.total, 3, 'nothing once nobody watches');
});

test('more watchers share one poll; it stops with the last; a stop twice counts once', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  const first = polling.watch();
  const second = polling.watch();
  assert.equal(r.total, 1, 'the second watcher does not refresh again');
  await r.answer();
  await advance(INTERVAL);
  assert.equal(r.total, 2, 'one poll for both');
  await r.answer();
  first();
  first();
  await advance(INTERVAL);
  assert.equal(r.total, 3, 'the second still watches');
  await r.answer();
  second();
  await advance(5 * INTERVAL);
  assert.equal(r.total, 3);
  // Watching again starts again, at once.
  const third = polling.watch();
  assert.equal(r.total, 4);
  await r.answer();
  third();
});

test('a watcher leaving while a refresh is out: no next poll', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  const stop = polling.watch();
  stop();
  await r.answer();
  await advance(5 * INTERVAL);
  assert.equal(r.total, 1);
});

test('now() shares the request in flight; a new one after it answers', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  const a = polling.now();
  const b = polling.now();
  assert.equal(a, b, 'the same promise');
  assert.equal(r.total, 1);
  const stop = polling.watch();
  assert.equal(r.total, 1, 'a watch during a refresh shares it too');
  await r.answer();
  await Promise.all([a, b]);
  const c = polling.now();
  assert.notEqual(c, a);
  assert.equal(r.total, 2);
  await r.answer();
  await c;
  stop();
});

test('a failed refresh rejects now() and does not stop the polling', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  const stop = polling.watch();
  const shared = polling.now();
  r.calls.shift()!.reject(new Error('agent down'));
  await assert.rejects(shared, /agent down/);
  await advance(INTERVAL);
  assert.equal(r.total, 2, 'polled again after the failure');
  assert.equal(polling.now(), polling.now(), 'the failed request was let go');
  await r.answer();
  stop();
});

test('a hidden page polls five times slower, and at the normal pace once shown', async (t) => {
  const page = { visibilityState: 'hidden' };
  Object.defineProperty(globalThis, 'document', { value: page, configurable: true });
  t.after(() => delete (globalThis as { document?: unknown }).document);
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  const stop = polling.watch();
  await r.answer();
  await advance(5 * INTERVAL - 1);
  assert.equal(r.total, 1, 'hidden: not yet');
  await advance(1);
  assert.equal(r.total, 2);
  page.visibilityState = 'visible';
  await r.answer();
  await advance(INTERVAL);
  assert.equal(r.total, 3, 'shown: every interval again');
  await r.answer();
  stop();
});

test('stop() ends the polling whoever watches', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  polling.watch();
  polling.watch();
  await r.answer();
  polling.stop();
  await advance(5 * INTERVAL);
  assert.equal(r.total, 1);
});

test('after stop(), a new watcher polls again even if old watchers release late', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  const old = polling.watch();
  await r.answer();
  polling.stop();
  old(); // the view that watched unmounts after the stop
  const fresh = polling.watch();
  assert.equal(r.total, 2, 'the new watcher refreshes at once');
  await r.answer();
  await advance(INTERVAL);
  assert.equal(r.total, 3, 'and keeps polling');
  await r.answer();
  fresh();
});

test('a watch that ends and starts again while a refresh is out leaves no poll behind after the last stop', async () => {
  const r = refresher();
  const polling = new Polling(r.refresh, INTERVAL);
  polling.watch()(); // a view mounts and unmounts at once (React strict mode does this)
  const stop = polling.watch();
  await r.answer();
  stop();
  await advance(5 * INTERVAL);
  assert.equal(r.total, 1, 'no poll once nobody watches');
});
