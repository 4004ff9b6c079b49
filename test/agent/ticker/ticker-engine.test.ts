import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TickerState } from '../../../shared/contract/api';
import WebSocket from 'ws';
import { StreamClient, type WebSocketLike } from '../../../shared/contract/stream-client';
import { resetTicker, sleep, startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

let t: TestAgent;
let watcher: StreamClient;
/** Arrival times of ticks per instrument, seen by a client subscribed to everything. */
const arrivals = new Map<string, number[]>();

before(async () => {
  t = await startTestAgent({ simInstruments: 60, simTicksPerSecond: 20 });
  watcher = new StreamClient({
    url: t.agent.url,
    token: TEST_TOKEN,
    format: 'binary',
    connect: (url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike,
  });
  watcher.on('ticks', (ticks) => {
    const now = Date.now();
    for (const tick of ticks) {
      const list = arrivals.get(tick.instrument) ?? [];
      list.push(now);
      arrivals.set(tick.instrument, list);
      lastMode.set(tick.instrument, tick.mode);
    }
  });
  const all = (await t.api.call('listInstruments', { limit: 200 })).instruments.map((i) => i.id);
  await watcher.subscribe('ticks', { instruments: all });
});
after(async () => {
  watcher.close();
  await t.stop();
});
const lastMode = new Map<string, string>();

const sims = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `NSE:SIM${String(from + i + 1).padStart(4, '0')}`);
const pidsOf = (state: TickerState) => state.workers.map((w) => w.pid);

/** The longest silence of each instrument between `since` and now. */
function longestGap(ids: string[], since: number): number {
  let worst = 0;
  const now = Date.now();
  for (const id of ids) {
    const times = (arrivals.get(id) ?? []).filter((at) => at >= since);
    assert.ok(times.length > 0, `${id} had no tick at all since the change`);
    let previous = since;
    for (const at of [...times, now]) {
      worst = Math.max(worst, at - previous);
      previous = at;
    }
  }
  return worst;
}

/** The state the first test leaves, for the tests after it to start from whatever ran before. */
async function thirtyNineOnThree(): Promise<void> {
  await resetTicker(t.api, { instruments: sims(6, 45), workers: 3 });
  await ticking(sims(6, 45));
}

async function ticking(ids: string[]): Promise<void> {
  const since = Date.now();
  await waitFor(`ticks of ${ids.length} instruments`, () => ids.every((id) => (arrivals.get(id) ?? []).some((at) => at > since)), 8000);
}

test('adding, removing and re-moding instruments is live: no worker restarts, no other instrument pauses', async () => {
  await resetTicker(t.api, { workers: 3 });
  const first = sims(0, 30);
  const state = await t.api.call('subscribe', { instruments: first, mode: 'quote' });
  const pids = pidsOf(state);
  assert.deepEqual(state.workers.map((w) => w.instruments.length), [10, 10, 10]);
  await ticking(first);
  const placed = new Map(state.subscriptions.map((s) => [s.instrument, s.worker]));

  const since = Date.now();
  const added = await t.api.call('subscribe', { instruments: sims(30, 45), mode: 'full' });
  assert.deepEqual(added.workers.map((w) => w.instruments.length), [15, 15, 15]);
  await ticking(sims(30, 45));
  const removed = await t.api.call('unsubscribe', { instruments: sims(0, 6) });
  await t.api.call('subscribe', { instruments: [first[10]!], mode: 'ltp' });
  await waitFor('the mode change to reach the ticks', () => lastMode.get(first[10]!) === 'ltp');
  await sleep(600);

  const after = await t.api.call('getTicker');
  assert.deepEqual(pidsOf(after), pids, 'no worker restarted');
  for (const s of after.subscriptions) if (placed.has(s.instrument)) assert.equal(s.worker, placed.get(s.instrument), `${s.instrument} moved`);
  assert.equal(removed.subscriptions.length, 39);
  assert.equal(after.subscriptions.find((s) => s.instrument === first[10])!.mode, 'ltp');
  assert.equal(lastMode.get(first[20]!), 'quote', 'other instruments keep their mode');
  assert.equal(lastMode.get(sims(30, 31)[0]!), 'full');
  const gap = longestGap(sims(6, 30), since);
  assert.ok(gap < 1000, `an untouched instrument went ${gap} ms without a tick`);

  const cutoff = Date.now();
  await sleep(400);
  const late = sims(0, 6).filter((id) => (arrivals.get(id) ?? []).some((at) => at > cutoff));
  assert.deepEqual(late, [], 'removed instruments stop ticking');
  const rates = await waitFor('tick rates to be measured', async () => {
    const s = await t.api.call('getTicker');
    return s.ticksPerSecond > 100 ? s : undefined;
  });
  assert.ok(rates.workers.every((w) => w.ticksPerSecond > 0 && w.lastTickAt !== null));
  assert.ok(rates.subscriptions.every((s) => s.ticksPerSecond > 0), 'every subscribed instrument has a rate');
});

test('changing the worker count rebalances live; remaining workers keep their process', async () => {
  await thirtyNineOnThree();
  const ids = (await t.api.call('getTicker')).subscriptions.map((s) => s.instrument);
  const before = await t.api.call('getTicker');
  const since = Date.now();
  const shrunk = await t.api.call('setWorkers', { count: 2 });
  assert.deepEqual(shrunk.workers.map((w) => w.id), [1, 2]);
  assert.deepEqual(shrunk.workers.map((w) => w.instruments.length).sort(), [19, 20]);
  assert.deepEqual(pidsOf(shrunk), pidsOf(before).slice(0, 2));
  const grown = await t.api.call('setWorkers', { count: 3 });
  assert.deepEqual(grown.workers.map((w) => w.instruments.length).sort(), [13, 13, 13]);
  assert.deepEqual(pidsOf(grown).slice(0, 2), pidsOf(before).slice(0, 2));
  assert.notEqual(grown.workers[2]!.pid, before.workers[2]!.pid);
  await sleep(500);
  const gap = longestGap(ids, since);
  assert.ok(gap < 1000, `an instrument went ${gap} ms without a tick while workers changed`);
  const moved = grown.subscriptions.filter((s) => s.worker === 3).map((s) => s.instrument);
  await ticking(moved);
});

test('a worker killed with SIGKILL is replaced and its instruments resubscribed within 2 s', async () => {
  await thirtyNineOnThree();
  const before = await t.api.call('getTicker');
  const victim = before.workers[1]!;
  const mine = victim.instruments;
  assert.ok(mine.length > 0);
  const killedAt = Date.now();
  process.kill(victim.pid!, 'SIGKILL');
  await waitFor('ticks from the replacement worker', () => mine.every((id) => (arrivals.get(id) ?? []).some((at) => at > killedAt + 50)), 2000);
  const recoveredIn = Date.now() - killedAt;
  const after = await t.api.call('getTicker');
  const replaced = after.workers.find((w) => w.id === victim.id)!;
  assert.notEqual(replaced.pid, victim.pid);
  assert.equal(replaced.restarts, victim.restarts + 1);
  assert.deepEqual(replaced.instruments.sort(), [...mine].sort());
  assert.deepEqual(
    after.subscriptions.map((s) => [s.instrument, s.mode]).sort(),
    before.subscriptions.map((s) => [s.instrument, s.mode]).sort(),
    'nothing lost from the desired subscription set',
  );
  assert.deepEqual([after.workers[0]!.pid, after.workers[2]!.pid], [before.workers[0]!.pid, before.workers[2]!.pid]);
  assert.ok(recoveredIn < 2000, `recovered in ${recoveredIn} ms`);
});

test('a broker disconnect is retried and resubscribed without restarting workers', async () => {
  await thirtyNineOnThree();
  const before = await t.api.call('getTicker');
  const ids = before.subscriptions.map((s) => s.instrument);
  const marketPid = t.agent.simMarket!.pid!;
  const killedAt = Date.now();
  process.kill(marketPid, 'SIGKILL');
  await waitFor('the market to come back', () => t.agent.simMarket!.pid !== marketPid, 5000);
  await waitFor('ticks after the reconnect', () => ids.every((id) => (arrivals.get(id) ?? []).some((at) => at > killedAt + 100)), 8000);
  const after = await t.api.call('getTicker');
  assert.deepEqual(pidsOf(after), pidsOf(before));
  assert.ok(after.workers.every((w) => w.state === 'ready'), JSON.stringify(after.workers.map((w) => w.provider)));
});

test('stale instruments are reported', async () => {
  await thirtyNineOnThree();
  const state = await t.api.call('getTicker');
  assert.deepEqual(state.stale, []);
  assert.ok(state.staleAfterMs > 0);
  assert.ok(state.subscriptions.every((s) => s.lastTickAt !== null && !s.stale));
});

test('worker-count changes asked at once are applied one after another', async () => {
  await thirtyNineOnThree();
  const [one, three] = await Promise.all([t.api.call('setWorkers', { count: 1 }), t.api.call('setWorkers', { count: 3 })]);
  assert.deepEqual(one.workers.map((w) => w.instruments.length), [39]);
  assert.deepEqual(three.workers.map((w) => w.instruments.length).sort(), [13, 13, 13]);
  const state = await t.api.call('getTicker');
  assert.deepEqual(state.workers.map((w) => w.id), [1, 2, 3]);
  assert.ok(state.subscriptions.every((s) => [1, 2, 3].includes(s.worker!)));
  await ticking(state.subscriptions.map((s) => s.instrument));
});
