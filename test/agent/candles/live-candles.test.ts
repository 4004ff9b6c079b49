import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Backfill } from '../../../agent/candles/backfill';
import { CandleQueries } from '../../../agent/candles/candle-query';
import { CandleStore, type MinuteRow } from '../../../agent/candles/candle-store';
import { LiveCandles, type SeriesUpdate } from '../../../agent/candles/live-candles';
import { InstrumentRegistry } from '../../../agent/instruments/instrument-registry';
import { InstrumentStore } from '../../../agent/instruments/instrument-store';
import { AgentDb } from '../../../agent/store/agent-db';
import { candlesTopic } from '../../../agent/stream/candles-topic';
import type { Candle } from '../../../shared/candle';
import { infy } from '../../helpers/instruments';
import { TestHistory } from '../../helpers/test-history';
import { barStart, NSE_EQUITY_SESSION } from '../../../shared/market-session';

const MIN = 60_000;
const ist = (time: string) => Date.parse(`2026-11-25T${time}+05:30`);
const INFY = infy();

/** History up to 10:00: one candle a minute from the open, close 1000 + minute index, volume 10. */
function morningHistory(): TestHistory {
  return new TestHistory({
    until: ist('10:00:00'),
    answer: async (from, to) => {
      const rows: MinuteRow[] = [];
      for (let t = Math.max(from, ist('09:15:00')); t < Math.min(to, ist('15:30:00')); t += MIN) {
        const index = (t - ist('09:15:00')) / MIN;
        rows.push([t / MIN, 1000 + index, 1000 + index + 1, 1000 + index - 1, 1000 + index, 10, null]);
      }
      return rows;
    },
  });
}

function setup(provider: TestHistory = morningHistory(), start = ist('10:00:00')) {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-live-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  const instruments = new InstrumentStore(db.db);
  instruments.sync([INFY]);
  const registry = new InstrumentRegistry(instruments.listed());
  const store = new CandleStore(db.db);
  const clock = { now: start };
  const keyOf = (id: string) => instruments.keyOf(id);
  const live = new LiveCandles({ store, instrumentOf: (t) => registry.byTokenOf(t), keyOf, now: () => clock.now, graceMs: 2000, formingEveryMs: 0 });
  const backfill = new Backfill({ store, provider, keyOf: (id) => keyOf(id)!, now: () => clock.now });
  const queries = new CandleQueries({ registry, keyOf, store, live, backfill, provider, now: () => clock.now });
  return {
    live, queries, provider, clock, store, key: keyOf(INFY.id)!,
    close() {
      backfill.close();
      live.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('history, then live ticks, then the stream: one series with no gap and no double count over a bar boundary', async () => {
  const t = setup();
  try {
    const updates: SeriesUpdate[] = [];
    t.live.follow(INFY, '5minute', (u) => updates.push(u));
    // Live ticks from 10:00:05: price 2000 + seconds since 10:00, day volume growing by 7 a tick.
    let dayVolume = 50_000;
    const tickAt = (time: number) => {
      t.clock.now = time;
      dayVolume += 7;
      t.live.tick(INFY.token, 2000 + (time - ist('10:00:00')) / 1000, dayVolume, 0, time);
      t.live.run();
    };
    t.live.tick(INFY.token, 1999, dayVolume, 0, ist('10:00:01')); // the first tick only sets the day volume base
    for (let time = ist('10:00:05'); time <= ist('10:07:30'); time += 5000) tickAt(time);

    // The query at 10:07:30: history to 10:00 from the provider, 10:00–10:05 closed from live minutes, 10:05 forming.
    const answer = await t.queries.candles({ instrument: 'NSE:INFY', interval: '5minute', from: ist('09:15:00') });
    assert.deepEqual(answer.candles.map((c) => c.time.slice(11, 16)), ['03:45', '03:50', '03:55', '04:00', '04:05', '04:10', '04:15', '04:20', '04:25', '04:30'], 'every closed bar, 09:15 to 10:00 IST');
    const tenOClock = answer.candles.at(-1)!;
    // The 10:00:01 tick gives its price but only sets the volume base; then 59 ticks of 7.
    assert.deepEqual(tenOClock, { time: '2026-11-25T04:30:00Z', open: 1999, high: 2295, low: 1999, close: 2295, volume: 59 * 7 } satisfies Candle);
    assert.equal(answer.forming!.time, '2026-11-25T04:35:00Z');
    assert.equal(answer.forming!.open, 2300);
    assert.equal(answer.forming!.close, 2450);
    assert.equal(answer.forming!.volume, 31 * 7, '10:05:00 to 10:07:30: every tick once, the forming minute included');
    assert.equal(t.provider.requests.length, 1);

    // On to 10:10:02 (the bar's end and the grace): the stream closes the 10:05 bar.
    for (let time = ist('10:07:35'); time <= ist('10:10:00'); time += 5000) tickAt(time);
    t.clock.now = ist('10:10:02');
    t.live.run();
    const closed = updates.filter((u) => u.closed);
    assert.deepEqual(closed.map((u) => new Date(u.bar.start).toISOString().slice(11, 16)), ['04:30', '04:35'], 'each bar closed once');
    const seam = closed[1]!.bar;
    assert.equal(seam.open, answer.forming!.open, 'the closed bar is the forming bar carried on');
    assert.equal(seam.high, 2595);
    assert.equal(seam.volume, 60 * 7, 'every tick of 10:05:00–10:09:55 once');
    const later = await t.queries.candles({ instrument: 'NSE:INFY', interval: '5minute', from: ist('10:00:00') });
    assert.deepEqual(later.candles[1], { time: '2026-11-25T04:35:00Z', open: seam.open, high: seam.high, low: seam.low, close: seam.close, volume: seam.volume });
    assert.equal(later.forming!.time, '2026-11-25T04:40:00Z', 'the 10:10 tick opened the next bar');
    // The forming updates moved in step: never a bar older than the last closed one.
    const formingStarts = updates.filter((u) => !u.closed).map((u) => u.bar.start);
    assert.deepEqual([...new Set(formingStarts)], [ist('10:00:00'), ist('10:05:00'), ist('10:10:00')]);
  } finally {
    t.close();
  }
});

test('a quiet bar closes on time; a bar in its grace is still the forming one, and the query and the stream agree once it closes', async () => {
  const t = setup();
  try {
    const updates: SeriesUpdate[] = [];
    t.live.follow(INFY, 'minute', (u) => updates.push(u));
    t.live.tick(INFY.token, 1500, 100, 0, ist('10:00:10'));
    t.live.tick(INFY.token, 1501, 130, 0, ist('10:00:50'));
    t.clock.now = ist('10:01:01');
    t.live.run();
    // 10:00 has ended but waits for late ticks: until then it is the forming bar, as on the stream.
    const answer = await t.queries.candles({ instrument: 'NSE:INFY', interval: 'minute', from: ist('09:59:00') });
    assert.deepEqual(answer.candles.map((c) => [c.time, c.close, c.volume]), [['2026-11-25T04:29:00Z', 1044, 10]]);
    assert.deepEqual([answer.forming!.time, answer.forming!.close, answer.forming!.volume], ['2026-11-25T04:30:00Z', 1501, 30]);
    t.live.tick(INFY.token, 1502, 131, 0, ist('10:00:59')); // late, inside the grace
    t.clock.now = ist('10:01:02');
    t.live.run();
    assert.deepEqual(updates.filter((u) => u.closed).map((u) => [u.bar.close, u.bar.volume]), [[1502, 31]], 'closed with the late tick');
    const after = await t.queries.candles({ instrument: 'NSE:INFY', interval: 'minute', from: ist('10:00:00') });
    assert.deepEqual(after.candles.map((c) => [c.time, c.close, c.volume]), [['2026-11-25T04:30:00Z', 1502, 31]], 'the query agrees with the stream');
    t.clock.now = ist('10:05:00');
    t.live.run();
    assert.equal(updates.filter((u) => u.closed).length, 1, 'quiet minutes make no bars');
  } finally {
    t.close();
  }
});

test('closed minutes are written in batches and survive a stop', () => {
  const t = setup();
  try {
    for (let minute = 0; minute < 10; minute++) t.live.tick(INFY.token, 100 + minute, minute, 0, ist('11:00:00') + minute * MIN);
    t.clock.now = ist('11:10:30');
    t.live.stop();
    assert.equal(t.store.read(t.key, 0, ist('12:00:00') / MIN).length, 10);
    assert.equal(t.live.written, 10);
    // The feed saw 11:01–11:08 whole: 11:00 began before the first tick, and no tick came after 11:09.
    assert.deepEqual(t.store.gaps(t.key, ist('11:00:00') / MIN, ist('11:10:00') / MIN), [
      [ist('11:00:00') / MIN, ist('11:01:00') / MIN],
      [ist('11:09:00') / MIN, ist('11:10:00') / MIN],
    ]);
  } finally {
    t.close();
  }
});

/** Every NSE minute of every weekday up to `until`, but none on a holiday: as a broker's history is. */
function weekHistory(until: number, holiday: string): TestHistory {
  return new TestHistory({
    until,
    answer: async (from, to) => {
      const rows: MinuteRow[] = [];
      for (let t = from; t < to; t += MIN) {
        const inSession = barStart(t, 'minute', NSE_EQUITY_SESSION) === t;
        if (inSession && new Date(t).toISOString().slice(0, 10) !== holiday) rows.push([t / MIN, 100, 101, 99, 100, 1, null]);
      }
      return rows;
    },
  });
}

test('without a "from": the last 200 bars, reaching back past a weekend and a holiday', async () => {
  const monday = Date.parse('2026-11-30T10:00:00+05:30');
  const t = setup(weekHistory(monday, '2026-11-27'), monday + 5000); // Friday is a holiday; the 09:55 bar is final
  try {
    const answer = await t.queries.candles({ instrument: 'NSE:INFY', interval: '5minute' });
    assert.equal(answer.candles.length, 200);
    const days = [...new Set(answer.candles.map((c) => c.time.slice(0, 10)))];
    assert.deepEqual(days, ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-30'], 'Tue (part), Wed, Thu, Mon; no weekend, no holiday');
    assert.equal(answer.candles.at(-1)!.time, '2026-11-30T04:25:00Z', 'the last closed bar: 09:55 IST');
    assert.equal(answer.candles.filter((c) => c.time.startsWith('2026-11-30')).length, 9);
    assert.equal(answer.candles.filter((c) => c.time.startsWith('2026-11-24')).length, 200 - 9 - 75 - 75);
  } finally {
    t.close();
  }
});

test('the candles topic: updates due together go as one message; a client that does not read misses forming updates, never a closed bar', async () => {
  const t = setup();
  try {
    const registry = new InstrumentRegistry([INFY]);
    let buffered = 0;
    const sent: Array<{ type: string; updates?: Array<{ interval: string; closed: boolean; candle: { time: string } }> }> = [];
    const peer = { format: 'json' as const, reply: (m: { type: string }) => void sent.push(m as never), send: () => {}, bufferedAmount: () => buffered };
    const session = candlesTopic({ live: t.live, registry, isTicking: () => true, carry: () => undefined, maxBufferedBytes: 1000 }).open(peer, undefined);
    t.live.tick(INFY.token, 100, 0, 0, ist('10:00:01'));
    t.clock.now = ist('10:00:05');
    const reply = await session.subscribe({ series: [{ instrument: 'NSE:INFY', interval: 'minute' }, { instrument: 'NSE:INFY', interval: '5minute' }] });
    assert.deepEqual(reply, { series: [{ instrument: 'NSE:INFY', interval: 'minute' }, { instrument: 'NSE:INFY', interval: '5minute' }], inactive: [] });
    await Promise.resolve();
    assert.equal(sent.length, 1, 'both snapshots in one message');
    assert.deepEqual(sent[0]!.updates!.map((u) => [u.interval, u.closed]), [['minute', false], ['5minute', false]]);

    buffered = 5000; // the client stopped reading
    t.live.tick(INFY.token, 101, 0, 0, ist('10:00:30'));
    t.clock.now = ist('10:00:30');
    t.live.run();
    await Promise.resolve();
    assert.equal(sent.length, 1, 'no forming updates while it lags');
    t.clock.now = ist('10:01:02');
    t.live.run();
    await Promise.resolve();
    assert.deepEqual(sent.slice(1).flatMap((m) => m.updates!.map((u) => [u.interval, u.closed, u.candle.time])), [['minute', true, '2026-11-25T04:30:00Z']], 'the closed bar still goes');

    session.close();
    buffered = 0;
    t.live.tick(INFY.token, 102, 0, 0, ist('10:01:10'));
    t.clock.now = ist('10:05:10');
    t.live.run();
    await Promise.resolve();
    assert.equal(sent.length, 2, 'nothing after close');
  } finally {
    t.close();
  }
});

test('a range that ends inside a bar gets the bar whole, whatever was stored before', async () => {
  const tuesday = Date.parse('2026-12-01T12:00:00+05:30');
  const t = setup(weekHistory(tuesday, ''), tuesday);
  try {
    const at = (time: string) => Date.parse(`2026-11-30T${time}+05:30`);
    const cut = await t.queries.candles({ instrument: 'NSE:INFY', interval: '5minute', from: at('09:15:00'), to: at('09:17:00') });
    assert.deepEqual(cut.candles.map((c) => [c.time, c.volume]), [['2026-11-30T03:45:00Z', 5]], 'all five minutes of 09:15–09:20');
    const day = await t.queries.candles({ instrument: 'NSE:INFY', interval: 'day', from: at('09:15:00'), to: at('12:00:00') });
    assert.deepEqual(day.candles.map((c) => c.volume), [375], 'the whole session');
  } finally {
    t.close();
  }
});
