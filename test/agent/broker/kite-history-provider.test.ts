import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KiteConnect } from 'kiteconnect';
import { KiteHistoryProvider } from '../../../agent/broker/kite/kite-history-provider';
import { HistoryUnavailable } from '../../../agent/candles/history-provider';
import { MinuteBlock } from '../../../agent/candles/minute-block';
import { resample } from '../../../agent/candles/resample';
import { kiteTime, parseKiteTime } from '../../../agent/broker/kite/kite-time';
import { SimHistory } from '../../../agent/market/sim/sim-history';
import { startSimTickerServer, type SimTickerServer } from '../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../agent/market/sim/universe';
import { NSE_EQUITY_SESSION } from '../../../shared/market-session';

const MIN = 60_000;
const universe = buildUniverse({ generated: 0 });
const INFY = universe.find((i) => i.id === 'NSE:INFY')!;
const history = new SimHistory(7);
let server: SimTickerServer;
let root: string;

before(async () => {
  // These tests are about candles, not Kite's 3 requests a second (the emulator's own tests cover that).
  server = await startSimTickerServer({ universe, apiKey: 'kite-key', accessToken: 'kite-token', seed: 7, rateLimits: { historical: 1000 } });
  root = `http://127.0.0.1:${server.port}`;
});
after(() => server.close());

function client(accessToken = 'kite-token') {
  const kite = new KiteConnect({ api_key: 'kite-key', root });
  kite.setAccessToken(accessToken);
  return kite;
}

/** Runs `body` with the process in each time zone: the official client reads and writes local times. */
async function inEachZone(body: (zone: string) => Promise<void>) {
  const saved = process.env.TZ;
  try {
    for (const zone of ['Asia/Kolkata', 'UTC', 'America/New_York']) {
      process.env.TZ = zone;
      await body(zone);
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

test('the provider reads the emulator through the official client: the simulated minutes, exactly, in any time zone', async () => {
  const from = Date.parse('2026-11-25T03:45:00Z');
  const to = from + 90 * MIN;
  const expected = history.minutes(INFY, from, to).map((m) => [m.time / MIN, m.open, m.high, m.low, m.close, m.volume, null]);
  assert.equal(expected.length, 90);
  await inEachZone(async (zone) => {
    const rows = await new KiteHistoryProvider(client()).fetchMinutes(INFY, from, to);
    assert.deepEqual(rows, expected, zone);
  });
});

test("the emulator's other intervals are the same minutes resampled, timed as Kite writes them", async () => {
  const kite = client();
  const candles = await kite.getHistoricalData(INFY.token, '15minute', '2026-11-25 09:15:00', '2026-11-25 10:14:00');
  const minutes = history.minutes(INFY, Date.parse('2026-11-25T03:45:00Z'), Date.parse('2026-11-25T04:45:00Z'));
  const bars = resample(MinuteBlock.fromRows(minutes.map((m) => [m.time / MIN, m.open, m.high, m.low, m.close, m.volume, null])), '15minute', INFY.session).rows();
  assert.deepEqual(
    candles.map((c) => [c.date.toISOString(), c.open, c.high, c.low, c.close, c.volume]),
    bars.map(([minute, o, h, l, c, v]) => [new Date(minute * MIN).toISOString(), o, h, l, c, v]),
  );
  assert.equal(candles.length, 4);
  assert.equal(kiteTime(Date.parse('2026-11-25T03:45:00Z')), '2026-11-25T09:15:00+0530');
  assert.equal(parseKiteTime('2026-11-25 09:15:00'), Date.parse('2026-11-25T03:45:00Z'));
  assert.equal(parseKiteTime('2026-11-25'), Date.parse('2026-11-24T18:30:00Z'));
  assert.equal(parseKiteTime('25-11-2026'), undefined);
});

test("Kite's refusals become HistoryUnavailable with Kite's reason: span limits, a bad token, an unknown instrument", async () => {
  const kite = client();
  // The official client itself sees Kite's error body.
  await assert.rejects(kite.getHistoricalData(INFY.token, 'minute', '2026-01-01 09:15:00', '2026-03-15 09:15:00'), (error: { error_type?: string; message?: string }) => {
    assert.equal(error.error_type, 'InputException');
    assert.equal(error.message, 'interval exceeds max limit: 60 days');
    return true;
  });
  // The client rejects with Kite's error body, not an Error.
  const kiteError = (type: string, message: RegExp) => (error: { error_type?: string; message?: string }) => error.error_type === type && message.test(error.message ?? '');
  await assert.rejects(kite.getHistoricalData(INFY.token, 'day', '2024-01-01', '2026-01-01'), kiteError('InputException', /at most 400 days/), 'a day range the sim cannot generate is refused, not hung');
  const from = Date.parse('2026-11-25T03:45:00Z');
  await assert.rejects(new KiteHistoryProvider(client('wrong-token')).fetchMinutes(INFY, from, from + 10 * MIN), (error: unknown) => {
    assert.ok(error instanceof HistoryUnavailable);
    assert.match(error.message, /TokenException: Incorrect `api_key` or `access_token`/);
    return true;
  });
  await assert.rejects(new KiteHistoryProvider(kite).fetchMinutes({ ...INFY, token: 12345 }, from, from + 10 * MIN), /InputException: invalid token/);
  await assert.rejects(kite.getHistoricalData(INFY.token, 'week' as never, '2026-11-25', '2026-11-26'), kiteError('InputException', /invalid interval/));
});

test('continuous day candles of a future: asked with continuous and oi, each day at the session open', async () => {
  const calls: unknown[][] = [];
  const kite = client();
  const recording = {
    getHistoricalData: (...args: Parameters<typeof kite.getHistoricalData>) => {
      calls.push(args);
      return kite.getHistoricalData(...args);
    },
  };
  const future = { ...INFY, instrumentType: 'FUT', session: NSE_EQUITY_SESSION };
  const from = Date.parse('2026-11-02T00:00:00+05:30');
  const to = Date.parse('2026-11-07T00:00:00+05:30');
  await inEachZone(async (zone) => {
    calls.length = 0;
    const rows = await new KiteHistoryProvider(recording).fetchContinuousDays(future, from, to);
    assert.deepEqual(calls, [[INFY.token, 'day', '2026-11-02 00:00:00', '2026-11-06 23:59:00', true, true]], zone);
    assert.deepEqual(
      rows.map(([minute]) => new Date(minute * MIN).toISOString()),
      ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'].map((day) => new Date(`${day}T09:15:00+05:30`).toISOString()),
      `${zone}: Monday to Friday, each at 09:15 IST`,
    );
  });
  // The minutes path asks for open interest only for derivatives, and never for continuous data.
  calls.length = 0;
  await new KiteHistoryProvider(recording).fetchMinutes(future, from + 555 * MIN, from + 560 * MIN);
  await new KiteHistoryProvider(recording).fetchMinutes(INFY, from + 555 * MIN, from + 560 * MIN);
  assert.deepEqual(calls.map((args) => args.slice(4)), [[false, true], [false, false]]);
});
