import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Backfill, type BackfillProgress, cleanRows, split } from '../../../agent/candles/backfill';
import { CandleStore, type MinuteRow } from '../../../agent/candles/candle-store';
import { HistoryUnavailable } from '../../../agent/candles/history-provider';
import { InstrumentStore } from '../../../agent/instruments/instrument-store';
import { AgentDb } from '../../../agent/store/agent-db';
import { infy } from '../../helpers/instruments';
import { TestHistory } from '../../helpers/test-history';
import { ALWAYS_OPEN, NSE_EQUITY_SESSION } from '../../../shared/market-session';

const MIN = 60_000;
const DAY = 1440 * MIN;
const NOW = Date.parse('2026-11-25T00:00:00Z');
const INFY = infy(ALWAYS_OPEN);

/** The test broker: one candle every 4 hours unless a test says otherwise. */
function testProvider(requestsPerSecond = 1000, until = NOW) {
  return new TestHistory({ requestsPerSecond, until, without: ['NSE:NOHISTORY'], answer: async (from, to) => minutes(from, to, 240) });
}

/** One candle every `every` minutes of [from, to). */
function minutes(from: number, to: number, every: number): MinuteRow[] {
  const rows: MinuteRow[] = [];
  for (let minute = Math.ceil(from / MIN / every) * every; minute < to / MIN; minute += every) rows.push([minute, 100, 101, 99, 100, 5, null]);
  return rows;
}

function setup(provider: TestHistory, options: { requestTimeoutMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-backfill-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  const instruments = new InstrumentStore(db.db);
  instruments.sync([INFY]);
  const store = new CandleStore(db.db);
  const progress: BackfillProgress[] = [];
  const backfill = new Backfill({ store, provider, keyOf: (id) => instruments.keyOf(id)!, onProgress: (p) => progress.push(p), now: () => NOW, ...options });
  const key = instruments.keyOf(INFY.id)!;
  return {
    store, backfill, progress, key,
    close() {
      backfill.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a range is split by the span limit for minutes (60 days) and never fetched twice', async () => {
  const provider = testProvider();
  const t = setup(provider);
  try {
    const result = await t.backfill.ensure(INFY, NOW - 150 * DAY, NOW);
    assert.deepEqual(result, { requests: 3 });
    assert.deepEqual(provider.requests.map((r) => (r.to - r.from) / DAY), [60, 60, 30], '60 + 60 + 30 days');
    assert.equal(provider.requests[0]!.from, NOW - 150 * DAY);
    assert.equal(provider.requests.at(-1)!.to, NOW);
    assert.equal(t.store.read(t.key, 0, NOW / MIN).length, (150 * 1440) / 240);

    provider.requests.length = 0;
    assert.deepEqual(await t.backfill.ensure(INFY, NOW - 100 * DAY, NOW - 10 * DAY), { requests: 0 });
    assert.equal(provider.requests.length, 0, 'inside what was fetched: no request');

    await t.backfill.ensure(INFY, NOW - 155 * DAY, NOW - 140 * DAY);
    assert.deepEqual(provider.requests.map((r) => [(NOW - r.from) / DAY, (NOW - r.to) / DAY]), [[155, 150]], 'only the missing 5 days');
    assert.deepEqual(t.progress.at(-1), { instrument: 'NSE:INFY', from: NOW - 155 * DAY, to: NOW - 150 * DAY, done: 1, total: 1, state: 'done' });
  } finally {
    t.close();
  }
});

test('nothing is asked for past the provider horizon; progress is reported per request', async () => {
  const provider = testProvider(1000, NOW - DAY);
  const t = setup(provider);
  try {
    await t.backfill.ensure(INFY, NOW - 100 * DAY, NOW + DAY);
    assert.equal(provider.requests.at(-1)!.to, NOW - DAY, 'the horizon, not the asked-for end');
    assert.deepEqual(t.progress.map((p) => [p.done, p.total, p.state]), [[0, 2, 'running'], [1, 2, 'running'], [2, 2, 'done']]);
    assert.deepEqual(await t.backfill.ensure(INFY, NOW - DAY, NOW), { requests: 0 }, 'all of it past the horizon');
  } finally {
    t.close();
  }
});

test('concurrent queries for the same gap fetch it once', async () => {
  const provider = testProvider();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  provider.answer = async (from, to) => {
    await gate;
    return minutes(from, to, 60);
  };
  const t = setup(provider);
  try {
    const queries = [0, 1, 2, 3].map(() => t.backfill.ensure(INFY, NOW - 10 * DAY, NOW - DAY));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const results = await Promise.all(queries);
    assert.deepEqual(results.map((r) => r.requests), [1, 0, 0, 0]);
    assert.equal(provider.requests.length, 1);
  } finally {
    t.close();
  }
});

test('requests are paced under the provider rate, across instruments and queries', async () => {
  const provider = testProvider(20); // one request every 50 ms at most
  const t = setup(provider);
  try {
    await Promise.all([t.backfill.ensure(INFY, NOW - 300 * DAY, NOW - 60 * DAY), t.backfill.ensure(INFY, NOW - 60 * DAY, NOW)]);
    assert.equal(provider.requests.length, 5);
    // The bucket's own spacing is tested on a fake clock (token-bucket.test.ts); here, that the
    // backfill goes through it: the requests span at least four gaps, whatever the event loop's
    // delay in starting any one of them.
    const gaps = provider.requests.slice(1).map((r, i) => r.at - provider.requests[i]!.at);
    const span = provider.requests.at(-1)!.at - provider.requests[0]!.at;
    assert.ok(span >= 4 * 50 - 10, `requests ${gaps.map((g) => g.toFixed(1)).join(', ')} ms apart: together at least 4 × 50 ms`);
    for (const gap of gaps) assert.ok(gap >= 35, `requests ${gaps.map((g) => g.toFixed(1)).join(', ')} ms apart: none bunched`);
  } finally {
    t.close();
  }
});

test('a failing provider: what came before the failure is kept, the error is told, the next query resumes', async () => {
  const provider = testProvider();
  const t = setup(provider);
  try {
    let calls = 0;
    provider.answer = async (from, to) => {
      if (++calls === 2) throw new HistoryUnavailable('the test broker answered 429 Too Many Requests', 'broker_rate_limited');
      return minutes(from, to, 240);
    };
    const result = await t.backfill.ensure(INFY, NOW - 150 * DAY, NOW);
    assert.deepEqual(result, { requests: 2, error: 'the test broker answered 429 Too Many Requests', errorCode: 'broker_rate_limited' }, 'the provider\'s code is kept');
    assert.equal(t.progress.at(-1)!.state, 'failed');
    assert.equal(t.progress.at(-1)!.message, 'the test broker answered 429 Too Many Requests');
    assert.deepEqual(t.store.gaps(t.key, (NOW - 150 * DAY) / MIN, NOW / MIN), [[(NOW - 90 * DAY) / MIN, NOW / MIN]], 'the first 60 days are kept');
    provider.requests.length = 0;
    assert.deepEqual(await t.backfill.ensure(INFY, NOW - 150 * DAY, NOW), { requests: 2 });
    assert.deepEqual(provider.requests.map((r) => (NOW - r.from) / DAY), [90, 30], 'only what is still missing');
  } finally {
    t.close();
  }
});

test('a provider that never answers fails the backfill after the timeout, not never', async () => {
  const provider = testProvider();
  provider.answer = (_from, _to, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  const t = setup(provider, { requestTimeoutMs: 100 });
  try {
    const result = await t.backfill.ensure(INFY, NOW - DAY, NOW);
    assert.equal(result.error, 'the test broker did not answer in time');
    assert.deepEqual(t.store.gaps(t.key, (NOW - DAY) / MIN, NOW / MIN).length, 1, 'nothing marked fetched');
  } finally {
    t.close();
  }
});

test("a broker's history that lags behind the market: the minutes it lacks stay unfetched, and live minutes there are kept", async () => {
  const provider = testProvider(1000, NOW);
  // It answers everything but the last 10 minutes.
  provider.answer = async (from, to) => minutes(from, Math.min(to, NOW - 10 * MIN), 1);
  const t = setup(provider);
  try {
    t.store.insertLive([{ key: t.key, row: [NOW / MIN - 5, 1, 1, 1, 1, 1, null] }]);
    await t.backfill.ensure(INFY, NOW - 30 * MIN, NOW);
    assert.deepEqual(t.store.gaps(t.key, (NOW - 30 * MIN) / MIN, NOW / MIN), [[(NOW - 10 * MIN) / MIN, NOW / MIN]], 'the last 10 minutes are still missing');
    assert.equal(t.store.read(t.key, NOW / MIN - 5, NOW / MIN).length, 1, 'the live minute is kept');
    provider.requests.length = 0;
    await t.backfill.ensure(INFY, NOW - 30 * MIN, NOW);
    assert.deepEqual(provider.requests.map((r) => (NOW - r.from) / MIN), [10], 'asked again for only those');
  } finally {
    t.close();
  }
});

test('broker rows that make no sense are dropped: out of range, out of order, impossible prices', () => {
  const good: MinuteRow = [10, 100, 101, 99, 100, 5, null];
  const rows: MinuteRow[] = [
    [9, 100, 101, 99, 100, 5, null], // before the range
    good,
    [10, 100, 101, 99, 100, 5, null], // repeated minute
    [11, 100, 99, 101, 100, 5, null], // high below low
    [12, 0, 1, 0, 1, 5, null], // zero price
    [13, 100, Number.NaN, 99, 100, 5, null],
    [14, 100, 101, 99, 100, -1, null], // negative volume
    [15, 100, 101, 99, 102, 5, null], // close above high
    [16, 100, 101, 99, 100, 5, 7],
    [20, 100, 101, 99, 100, 5, null], // at the end: outside
  ];
  assert.deepEqual(cleanRows(rows, [10, 20], ALWAYS_OPEN), [good, [16, 100, 101, 99, 100, 5, 7]]);
  // 02:00 UTC is 07:30 IST: before NSE opens, so no candle can be there.
  const night = Date.parse('2026-11-25T02:00:00Z') / MIN;
  const morning = Date.parse('2026-11-25T04:00:00Z') / MIN;
  const rowAt = (minute: number): MinuteRow => [minute, 100, 101, 99, 100, 5, null];
  assert.deepEqual(cleanRows([rowAt(night), rowAt(morning)], [night, morning + 1], NSE_EQUITY_SESSION), [rowAt(morning)], 'outside the session');
  assert.deepEqual(split([[0, 10], [20, 25]], 4), [[0, 4], [4, 8], [8, 10], [20, 24], [24, 25]]);
});
