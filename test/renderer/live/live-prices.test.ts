/**
 * LivePrices with a hand-run frame scheduler and a hand-set clock: one flush a frame, listeners
 * of changed instruments only, and staleness judged on the agent's clock shifted by the measured
 * skew (a remote agent hours off this machine's clock is judged right), never in the page's favour.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quote } from '../../../shared/contract/api';
import type { Tick } from '../../../shared/tick';
import { LivePrices } from '../../../renderer/src/live/live-prices';

const HOUR = 3_600_000;
const STALE_AFTER = 10_000;

function tick(instrument: string, receivedAt: number, lastPrice = 100): Tick {
  return { instrument, token: instrument.length, mode: 'ltp', tradable: true, lastPrice, timestamp: new Date(receivedAt).toISOString(), receivedAt };
}
function quote(instrument: string, receivedAt: number, lastPrice: number, stale: boolean): Quote {
  return { ...tick(instrument, receivedAt, lastPrice), stale };
}

/** A LivePrices whose frames run when the test says, on a clock the test sets. */
function harness(options: { connected?: boolean; staleAfterMs?: number } = {}) {
  const frames: Array<() => void> = [];
  const clock = { now: 1_700_000_000_000 };
  const prices = new LivePrices({ schedule: (flush) => frames.push(flush), now: () => clock.now, staleAfterMs: options.staleAfterMs ?? STALE_AFTER });
  if (options.connected ?? true) prices.setConnected(true);
  /** Runs the frames scheduled so far; returns how many there were. */
  const frame = () => {
    const due = frames.splice(0);
    for (const flush of due) flush();
    return due.length;
  };
  frame();
  /** Counts listener calls per instrument. */
  const calls = new Map<string, number>();
  const listen = (id: string) => prices.subscribe(id, () => calls.set(id, (calls.get(id) ?? 0) + 1));
  const take = () => {
    const seen = Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b)));
    calls.clear();
    return seen;
  };
  return { prices, frames, clock, frame, listen, take };
}

test('however many ticks arrive, at most one flush is scheduled a frame', () => {
  const { prices, frames, clock, frame } = harness();
  assert.equal(frames.length, 0);
  for (let i = 0; i < 500; i++) prices.push([tick('NSE:INFY', clock.now, 1500 + i), tick('NSE:TCS', clock.now, 3500 + i)]);
  prices.push([]);
  for (let i = 0; i < 100; i++) prices.push([tick(`NSE:S${i}`, clock.now)]);
  assert.equal(frames.length, 1, 'one flush for 1,100 ticks');
  assert.equal(frame(), 1);
  assert.equal(prices.received, 1_100);
  assert.equal(prices.get('NSE:INFY')!.lastPrice, 1999, 'the latest tick wins');
  assert.equal(prices.get('NSE:TCS')!.lastPrice, 3999);
  assert.equal(frame(), 0, 'nothing scheduled once flushed');
  prices.push([tick('NSE:INFY', clock.now, 1)]);
  prices.push([tick('NSE:INFY', clock.now, 2)]);
  assert.equal(frames.length, 1, 'the next frame gets its own single flush');
});

test('listeners hear of their own instrument once a frame, and only when it changed', () => {
  const { prices, clock, frame, listen, take } = harness();
  listen('NSE:INFY');
  const offTcs = listen('NSE:TCS');
  listen('NSE:WIPRO');
  const frameSets: string[][] = [];
  const offFrame = prices.onFrame((changed) => frameSets.push([...changed].sort()));
  const v0 = { infy: prices.version('NSE:INFY'), tcs: prices.version('NSE:TCS'), wipro: prices.version('NSE:WIPRO') };

  for (let i = 0; i < 50; i++) prices.push([tick('NSE:INFY', clock.now + i, 1500 + i), tick('NSE:TCS', clock.now + i, 3500)]);
  prices.push([tick('NSE:SBIN', clock.now)]);
  assert.deepEqual(take(), {}, 'nobody hears before the frame');
  frame();
  assert.deepEqual(take(), { 'NSE:INFY': 1, 'NSE:TCS': 1 }, 'WIPRO had no tick; SBIN has no listener');
  assert.deepEqual(frameSets, [['NSE:INFY', 'NSE:SBIN', 'NSE:TCS']]);
  assert.equal(prices.version('NSE:INFY'), v0.infy + 1, 'one version a frame, not one a tick');
  assert.equal(prices.version('NSE:TCS'), v0.tcs + 1);
  assert.equal(prices.version('NSE:WIPRO'), v0.wipro);
  assert.equal(prices.version('NSE:UNSEEN'), 0);

  offTcs();
  offTcs(); // twice is harmless
  prices.push([tick('NSE:TCS', clock.now + 100, 3600), tick('NSE:WIPRO', clock.now + 100, 450)]);
  frame();
  assert.deepEqual(take(), { 'NSE:WIPRO': 1 }, 'an unsubscribed listener is not called');
  assert.equal(prices.version('NSE:TCS'), v0.tcs + 2, 'the version moves without listeners');

  offFrame();
  prices.push([tick('NSE:INFY', clock.now + 200)]);
  frame();
  assert.equal(frameSets.length, 2, 'a removed frame listener is not called');

  // Two listeners of one instrument both hear, each once.
  let second = 0;
  prices.subscribe('NSE:INFY', () => second++);
  prices.push([tick('NSE:INFY', clock.now + 300), tick('NSE:INFY', clock.now + 301)]);
  frame();
  assert.equal(second, 1);
  assert.equal(take()['NSE:INFY'], 2, 'once for the frame at 200, once for the frame at 300');
});

test('a price is fresh after a tick and stale once staleAfterMs has passed on the agent\'s clock', () => {
  const { prices, clock } = harness();
  assert.equal(prices.isStale('NSE:INFY'), true, 'no price is stale');
  assert.equal(prices.ageMs('NSE:INFY'), null);
  prices.push([tick('NSE:INFY', clock.now - 5)]); // delivered 5 ms after the worker got it
  assert.equal(prices.isStale('NSE:INFY'), false);
  assert.equal(prices.ageMs('NSE:INFY'), 0, 'the fastest delivery seen is the clocks\' offset');
  clock.now += STALE_AFTER - 1;
  assert.equal(prices.isStale('NSE:INFY'), false);
  assert.equal(prices.ageMs('NSE:INFY'), STALE_AFTER - 1);
  clock.now += 1;
  assert.equal(prices.isStale('NSE:INFY'), true, 'stale at the limit');
  prices.push([tick('NSE:INFY', clock.now - 5)]);
  assert.equal(prices.isStale('NSE:INFY'), false, 'a new tick makes it fresh again');
  // A tick that took longer to arrive is that much older already.
  prices.push([tick('NSE:TCS', clock.now - 5 - 4_000)]);
  assert.equal(prices.ageMs('NSE:TCS'), 4_000);
  clock.now += STALE_AFTER - 4_000;
  assert.equal(prices.isStale('NSE:TCS'), true, 'judged by when the agent got it, not when it arrived here');
  assert.equal(prices.isStale('NSE:INFY'), false);
});

for (const offset of [3 * HOUR, -3 * HOUR, 5.5 * HOUR + 17, -11 * HOUR - 250]) {
  test(`a remote agent whose clock is ${(offset / HOUR).toFixed(3)} h off this machine's is judged right`, () => {
    const { prices, clock } = harness();
    const agentNow = () => clock.now + offset;
    prices.push([tick('NSE:INFY', agentNow() - 20)]);
    prices.push([tick('NSE:TCS', agentNow() - 30)]);
    assert.equal(prices.isStale('NSE:INFY'), false, 'fresh on arrival');
    assert.equal(prices.isStale('NSE:TCS'), false);
    assert.equal(prices.ageMs('NSE:INFY'), 0);
    assert.equal(prices.ageMs('NSE:TCS'), 10, 'ten ms older than the fastest delivery');
    clock.now += 3_000;
    assert.equal(prices.ageMs('NSE:INFY'), 3_000);
    assert.equal(prices.isStale('NSE:INFY'), false);
    clock.now += STALE_AFTER - 3_000 - 11;
    assert.equal(prices.isStale('NSE:INFY'), false, 'fresh just before the limit');
    assert.equal(prices.isStale('NSE:TCS'), false);
    clock.now += 1;
    assert.equal(prices.isStale('NSE:TCS'), true, 'TCS reached the limit 10 ms earlier');
    assert.equal(prices.isStale('NSE:INFY'), false);
    clock.now += 10;
    assert.equal(prices.isStale('NSE:INFY'), true, 'stale at the limit, not hours early or late');
  });
}

test('every price is stale while the stream is down, and listeners hear so', () => {
  const { prices, clock, frame, listen, take } = harness({ connected: false });
  prices.push([tick('NSE:INFY', clock.now)]);
  assert.equal(prices.isStale('NSE:INFY'), true, 'not connected yet');
  prices.setConnected(true);
  prices.push([tick('NSE:INFY', clock.now), tick('NSE:TCS', clock.now)]);
  frame();
  listen('NSE:INFY');
  listen('NSE:TCS');
  assert.equal(prices.isStale('NSE:INFY'), false);
  prices.setConnected(false);
  assert.equal(prices.isStale('NSE:INFY'), true);
  assert.equal(prices.isStale('NSE:TCS'), true);
  frame();
  assert.deepEqual(take(), { 'NSE:INFY': 1, 'NSE:TCS': 1 }, 'every shown price is told it went stale');
  prices.setConnected(false);
  assert.equal(frame(), 0, 'the same state again changes nothing');
});

test('a new connection measures the clocks again (the agent may be another machine now)', () => {
  const { prices, clock } = harness();
  prices.push([tick('NSE:INFY', clock.now + 2 * HOUR - 10)]); // an agent 2 h ahead
  prices.setConnected(false);
  prices.setConnected(true);
  prices.push([tick('NSE:INFY', clock.now - HOUR - 10)]); // now one an hour behind
  assert.equal(prices.isStale('NSE:INFY'), false, 'the old skew would make this tick three hours old');
  assert.equal(prices.ageMs('NSE:INFY'), 0);
  clock.now += STALE_AFTER;
  assert.equal(prices.isStale('NSE:INFY'), true);
});

test('seed: the agent\'s `stale` is honoured, and the snapshot\'s own flag is not kept on the tick', () => {
  const { prices, clock, frame, listen, take } = harness();
  prices.push([tick('NSE:SBIN', clock.now - 5)]); // measures the clocks
  listen('NSE:INFY');
  prices.seed({ 'NSE:INFY': quote('NSE:INFY', clock.now - 5, 1500, true), 'NSE:TCS': quote('NSE:TCS', clock.now - 5, 3500, false) });
  assert.equal(prices.isStale('NSE:INFY'), true, 'recent, but the agent says stale');
  assert.equal(prices.isStale('NSE:TCS'), false);
  assert.equal(prices.get('NSE:INFY')!.lastPrice, 1500);
  assert.equal('stale' in prices.get('NSE:INFY')!, false, 'a Tick, not a Quote');
  frame();
  assert.deepEqual(take(), { 'NSE:INFY': 1 });
  clock.now += STALE_AFTER;
  assert.equal(prices.isStale('NSE:TCS'), true, 'a seeded price ages like a ticked one');
});

test('seed never replaces a newer live tick with an older snapshot, but does replace an older one', () => {
  const { prices, clock, frame, listen, take } = harness();
  listen('NSE:INFY');
  prices.push([tick('NSE:INFY', clock.now - 5, 1510)]);
  frame();
  take();
  const version = prices.version('NSE:INFY');

  prices.seed({ 'NSE:INFY': quote('NSE:INFY', clock.now - 2_000, 1490, false) });
  assert.equal(prices.get('NSE:INFY')!.lastPrice, 1510, 'older snapshot ignored');
  prices.seed({ 'NSE:INFY': quote('NSE:INFY', clock.now - 5, 1495, true) });
  assert.equal(prices.get('NSE:INFY')!.lastPrice, 1510, 'a snapshot of the same moment is not newer');
  assert.equal(prices.isStale('NSE:INFY'), false, 'and its stale flag does not apply to the newer live tick');
  assert.equal(frame(), 0, 'nothing changed: no frame');
  assert.deepEqual(take(), {});
  assert.equal(prices.version('NSE:INFY'), version);

  clock.now += 1_000;
  prices.seed({ 'NSE:INFY': quote('NSE:INFY', clock.now - 5, 1520, false) });
  assert.equal(prices.get('NSE:INFY')!.lastPrice, 1520, 'newer snapshot replaces');
  frame();
  assert.deepEqual(take(), { 'NSE:INFY': 1 });
  assert.equal(prices.version('NSE:INFY'), version + 1);
  // A later stale snapshot that is newer still is stale.
  clock.now += 1_000;
  prices.seed({ 'NSE:INFY': quote('NSE:INFY', clock.now - 5, 1530, true) });
  assert.equal(prices.isStale('NSE:INFY'), true);
  // And a live tick after it is fresh again.
  prices.push([tick('NSE:INFY', clock.now - 5, 1531)]);
  assert.equal(prices.isStale('NSE:INFY'), false);
  prices.seed({});
  assert.equal(prices.get('NSE:INFY')!.lastPrice, 1531);
});

test('checkStale notifies exactly the instruments whose staleness flipped', () => {
  const { prices, clock, frame, listen, take } = harness();
  for (const id of ['NSE:A', 'NSE:B', 'NSE:C', 'NSE:D']) listen(id);
  prices.push([tick('NSE:A', clock.now - 5)]);
  clock.now += 3_000;
  prices.push([tick('NSE:B', clock.now - 5)]);
  clock.now += 3_000;
  prices.push([tick('NSE:C', clock.now - 5)]);
  prices.seed({ 'NSE:D': quote('NSE:D', clock.now - 5, 1, true) });
  frame();
  take();

  prices.checkStale();
  assert.equal(frame(), 0, 'nothing flipped: no frame at all');
  clock.now += STALE_AFTER - 6_000; // A reaches its limit
  prices.checkStale();
  frame();
  assert.deepEqual(take(), { 'NSE:A': 1 });
  prices.checkStale();
  frame();
  assert.deepEqual(take(), {}, 'told once, not every check');
  clock.now += 6_000; // B and C too
  prices.checkStale();
  frame();
  assert.deepEqual(take(), { 'NSE:B': 1, 'NSE:C': 1 }, 'D was stale all along');
  prices.push([tick('NSE:A', clock.now - 5)]);
  frame();
  assert.deepEqual(take(), { 'NSE:A': 1 });
  prices.checkStale();
  assert.equal(frame(), 0, 'the tick already showed A fresh');
});

test('forget drops only instruments nothing listens to', () => {
  const { prices, clock, frame, listen } = harness();
  listen('NSE:INFY');
  prices.push([tick('NSE:INFY', clock.now), tick('NSE:TCS', clock.now), tick('NSE:SBIN', clock.now)]);
  frame();
  const infyVersion = prices.version('NSE:INFY');
  prices.forget(['NSE:INFY', 'NSE:TCS', 'NSE:NEVER']);
  assert.equal(prices.get('NSE:INFY')?.instrument, 'NSE:INFY', 'still shown: kept');
  assert.equal(prices.version('NSE:INFY'), infyVersion);
  assert.equal(prices.get('NSE:TCS'), undefined);
  assert.equal(prices.version('NSE:TCS'), 0);
  assert.equal(prices.ageMs('NSE:TCS'), null);
  assert.equal(prices.isStale('NSE:TCS'), true);
  assert.equal(prices.get('NSE:SBIN')?.instrument, 'NSE:SBIN', 'not asked to forget');
  // A forgotten instrument is not re-judged by checkStale.
  clock.now += STALE_AFTER;
  const seen: string[][] = [];
  prices.onFrame((changed) => seen.push([...changed].sort()));
  prices.checkStale();
  frame();
  assert.deepEqual(seen, [['NSE:INFY', 'NSE:SBIN']]);
  // Iterables other than arrays.
  prices.forget(new Set(['NSE:SBIN']));
  assert.equal(prices.get('NSE:SBIN'), undefined);
});

test('setStaleAfter: the same limit again changes nothing', () => {
  const { prices, clock, frame } = harness();
  prices.push([tick('NSE:INFY', clock.now)]);
  frame();
  prices.setStaleAfter(STALE_AFTER);
  assert.equal(frame(), 0);
  // A tick after a new limit is judged by it.
  prices.setStaleAfter(60_000);
  prices.push([tick('NSE:TCS', clock.now)]);
  clock.now += 30_000;
  assert.equal(prices.isStale('NSE:TCS'), false);
  clock.now += 30_000;
  assert.equal(prices.isStale('NSE:TCS'), true);
});

test('setStaleAfter re-judges the prices already held', () => {
  const { prices, clock, frame, listen, take } = harness();
  listen('NSE:INFY');
  listen('NSE:TCS');
  prices.push([tick('NSE:INFY', clock.now), tick('NSE:TCS', clock.now)]);
  frame();
  take();
  // The ticker's limit (read from the agent) is longer than the default.
  prices.setStaleAfter(60_000);
  clock.now += 20_000;
  assert.equal(prices.isStale('NSE:INFY'), false, '20 s old against a 60 s limit');
  // And shorter: a price older than the new limit is stale at once, and its row is told.
  prices.setStaleAfter(5_000);
  frame();
  assert.equal(prices.isStale('NSE:TCS'), true, '20 s old against a 5 s limit');
  assert.deepEqual(take(), { 'NSE:INFY': 1, 'NSE:TCS': 1 });
});

test('a snapshot\'s age is not mistaken for the clocks\' offset', () => {
  const { prices, clock } = harness();
  // The first thing after connecting is a snapshot of a price the agent got 8 s ago (its clock = ours).
  prices.seed({ 'NSE:ILLIQUID': quote('NSE:ILLIQUID', clock.now - 8_000, 10, false) });
  assert.ok(prices.ageMs('NSE:ILLIQUID')! >= 8_000, `age ${prices.ageMs('NSE:ILLIQUID')} ms shown for a price 8 s old`);
  clock.now += 2_000;
  assert.equal(prices.isStale('NSE:ILLIQUID'), true, '10 s old against a 10 s limit');
});

test('a price forgotten before its frame leaves nothing behind', () => {
  const { prices, clock, frame } = harness();
  const seen: string[][] = [];
  prices.onFrame((changed) => seen.push([...changed]));
  prices.push([tick('NSE:GONE', clock.now)]);
  prices.forget(['NSE:GONE']);
  frame();
  assert.equal(prices.version('NSE:GONE'), 0, 'no version kept for a forgotten instrument');
  assert.deepEqual(seen, [], 'no frame announces an instrument that is gone');
});
