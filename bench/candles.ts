/**
 * Candle benchmarks (`npm run bench -- candles`), three parts (BENCH_CANDLE_PARTS=query,aggregation,ceiling
 * runs some of them):
 * - query: one instrument with a year of NSE-session 1-minute candles stored (about 97,000
 *   rows), fetched through the REST API of an agent process as `minute` and as `5minute`,
 *   alternately, timed to the answer's last byte; p50 of BENCH_QUERY_ROUNDS (15) each, with the
 *   spread. Targets: 50 ms and 100 ms.
 * - aggregation: the ticks of a session at the ticker's ceiling shape (9,000 instruments, full
 *   packets, 2 ticks/s each), read from Kite packets with the hub observer's field readers and
 *   aggregated into 1-minute candles in one thread, as the candle service does. Reported as
 *   ticks/s, the median of several rounds with its spread. Target: 1,000,000.
 * - ceiling: the ticker benchmark's ceiling run twice in one run, candles written and not, with
 *   six 10 s windows each (BENCH_MEASURE_MS, BENCH_WINDOWS), so each holds minute closes of all
 *   9,000 instruments. Target: p99 within 10 % of each other, nothing dropped.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CandleStore, type MinuteRow } from '../agent/candles/candle-store';
import { MinuteAggregator } from '../agent/candles/minute-aggregator';
import { InstrumentStore } from '../agent/instruments/instrument-store';
import { buildUniverse, listed } from '../agent/market/sim/universe';
import { AgentDb } from '../agent/store/agent-db';
import type { CandlesResult } from '../shared/contract/api';
import { encodePacket, PACKET_FULL, readPacketExchangeTime, readPacketOi, readPacketPrice, readPacketVolume } from '../shared/kite-packet';
import { barStart, MINUTE_MS, NSE_EQUITY_SESSION } from '../shared/market-session';
import { knob, startAgent, stopAgent, TOKEN } from './bench-processes';
import { round } from './proc-stats';
import { median, spreadOf } from './spread';
import { ceiling } from './ticker-ceiling';

const INSTRUMENTS = 9000;
const TICKS_PER_SECOND = 2;
/** Minutes of market replayed per round: enough for every instrument to close many candles. */
const MINUTES = 10;
const ROUNDS = 7;
const SESSION_OPEN = Date.parse('2026-11-25T09:15:00+05:30') / 1000;

const log = (text: string) => process.stderr.write(`[candles] ${text}\n`);

/** One second of the market: a packet of every instrument, as they lie in broker frames. */
function secondOfPackets(): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(INSTRUMENTS * PACKET_FULL);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < INSTRUMENTS; i++) {
    const token = (100_000 + i) * 256 + 1;
    const lastPrice = 100 + (i % 500);
    encodePacket(view, i * PACKET_FULL, 'full', {
      token, lastPrice, lastQuantity: 1, averagePrice: lastPrice, volume: 1_000 + i, totalBuyQuantity: 1, totalSellQuantity: 1,
      open: lastPrice, high: lastPrice, low: lastPrice, close: lastPrice, lastTradeTime: SESSION_OPEN, oi: i, oiDayHigh: i, oiDayLow: i,
      exchangeTimestamp: SESSION_OPEN, depth: [],
    });
  }
  return { bytes, view };
}

function aggregationRound(view: DataView): number {
  let closed = 0;
  const aggregator = new MinuteAggregator({ sessionOf: () => NSE_EQUITY_SESSION, closed: () => closed++ });
  const seconds = MINUTES * 60;
  const started = performance.now();
  for (let second = 0; second < seconds; second++) {
    for (let tick = 0; tick < TICKS_PER_SECOND; tick++) {
      // The packets move on each tick (price, volume, time), as the broker's would.
      const drift = (second * TICKS_PER_SECOND + tick) * 0.05;
      const time = (SESSION_OPEN + second) * 1000 + tick * (1000 / TICKS_PER_SECOND);
      for (let i = 0; i < INSTRUMENTS; i++) {
        const at = i * PACKET_FULL;
        const exchangeSeconds = readPacketExchangeTime(view, at, PACKET_FULL);
        aggregator.add(
          view.getInt32(at),
          readPacketPrice(view, at, PACKET_FULL) + drift,
          readPacketVolume(view, at, PACKET_FULL) + second * 10 + tick,
          readPacketOi(view, at, PACKET_FULL),
          exchangeSeconds > 0 ? time : 0,
        );
      }
    }
  }
  aggregator.closeDue((SESSION_OPEN + seconds) * 1000);
  const elapsed = (performance.now() - started) / 1000;
  if (closed !== INSTRUMENTS * MINUTES) throw new Error(`expected ${INSTRUMENTS * MINUTES} candles, got ${closed}`);
  return (seconds * TICKS_PER_SECOND * INSTRUMENTS) / elapsed;
}

function aggregation() {
  const { view } = secondOfPackets();
  aggregationRound(view); // warm-up: compiled code, not the interpreter, is measured
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rates.push(aggregationRound(view));
  const result = {
    instruments: INSTRUMENTS,
    ticksPerRound: MINUTES * 60 * TICKS_PER_SECOND * INSTRUMENTS,
    ticksPerSecond: round(median(rates), 0),
    spread: spreadOf(rates.map((rate) => round(rate, 0))),
    target: 1_000_000,
  };
  log(`aggregation: ${result.ticksPerSecond} ticks/s`);
  return result;
}

const DAY_MS = 86_400_000;

/** A year of NSE sessions up to today, one candle a minute: about 94,000 rows. */
function yearOfMinutes(now: number): MinuteRow[] {
  const rows: MinuteRow[] = [];
  let price = 1500;
  for (let t = Math.floor((now - 365 * DAY_MS) / MINUTE_MS) * MINUTE_MS; t < now - DAY_MS; t += MINUTE_MS) {
    if (barStart(t, 'minute', NSE_EQUITY_SESSION) !== t) continue;
    const next = Math.round((price + Math.sin(t / 7_777_777) * 0.5) * 20) / 20;
    rows.push([t / MINUTE_MS, price, Math.max(price, next) + 0.05, Math.min(price, next) - 0.05, next, 100 + (t % 977), null]);
    price = next;
  }
  return rows;
}

async function query() {
  const now = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-bench-candles-'));
  const rows = yearOfMinutes(now);
  const db = new AgentDb(join(dataDir, 'agent.db'));
  const instruments = new InstrumentStore(db.db);
  instruments.sync(buildUniverse({ generated: 0 }).map(listed));
  // Stored as fetched history over the whole year, so the queries never ask the provider.
  new CandleStore(db.db).insertHistory(instruments.keyOf('NSE:INFY')!, [Math.floor((now - 400 * DAY_MS) / MINUTE_MS), Math.ceil((now + 2 * DAY_MS) / MINUTE_MS)], rows);
  db.close();
  log(`query: ${rows.length} minutes of NSE:INFY stored; starting an agent`);
  const agent = await startAgent({ workers: 1, dataDir });
  const rounds = knob('BENCH_QUERY_ROUNDS', 15);
  const from = new Date(now - 366 * DAY_MS).toISOString();
  const to = new Date(now).toISOString();
  const timings: Record<'minute' | '5minute', number[]> = { minute: [], '5minute': [] };
  const counts: Record<string, number> = {};
  try {
    for (let round = -2; round < rounds; round++) {
      for (const interval of ['minute', '5minute'] as const) {
        // Timed to the answer's last byte: parsing 10 MB of JSON is the client's cost, not the API's.
        const started = performance.now();
        const response = await fetch(`${agent.url}/api/v1/candles?instrument=NSE:INFY&interval=${interval}&from=${from}&to=${to}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = await response.arrayBuffer();
        const ms = performance.now() - started;
        if (!response.ok) throw new Error(`candles: HTTP ${response.status}`);
        if (round === -1) counts[interval] = (JSON.parse(Buffer.from(body).toString()) as CandlesResult).candles.length;
        if (round >= 0) timings[interval].push(ms); // two rounds of warm-up
      }
    }
  } finally {
    await stopAgent(agent);
  }
  if (counts.minute !== rows.length) throw new Error(`expected ${rows.length} minute candles, got ${counts.minute}`);
  const figure = (interval: 'minute' | '5minute', target: number) => ({
    candles: counts[interval],
    p50Ms: round(median(timings[interval]), 1),
    spread: spreadOf(timings[interval].map((t) => round(t, 1))),
    targetMs: target,
  });
  const result = { rowsStored: rows.length, minute: figure('minute', 50), fiveMinute: figure('5minute', 100) };
  log(`query: minute p50 ${result.minute.p50Ms} ms, 5minute p50 ${result.fiveMinute.p50Ms} ms`);
  return result;
}

async function persistenceCeiling() {
  const windowMs = knob('BENCH_MEASURE_MS', 10_000, 500);
  const windows = knob('BENCH_WINDOWS', 6);
  log('ceiling: candles off');
  const off = await ceiling(windowMs, windows, { liveCandles: false });
  log('ceiling: candles on');
  const on = await ceiling(windowMs, windows, { liveCandles: true });
  const pick = (c: typeof on) => ({ p50Ms: c.p50Ms, p99Ms: c.p99Ms, p999Ms: c.p999Ms, spread: c.spread, dropped: c.dropped, agentCpuPercent: c.agentCpuPercent, engineTicksPerSecond: c.engineTicksPerSecond });
  const result = {
    windows,
    windowSeconds: windowMs / 1000,
    candlesOff: pick(off),
    candlesOn: pick(on),
    p99Ratio: round(on.p99Ms / off.p99Ms, 3),
    target: 'p99 ratio within 0.9–1.1, nothing dropped',
  };
  log(`ceiling: p99 ${off.p99Ms} ms without candles, ${on.p99Ms} ms with (ratio ${result.p99Ratio})`);
  return result;
}

export async function runCandlesBench(): Promise<Record<string, unknown>> {
  const parts = (process.env.BENCH_CANDLE_PARTS ?? 'query,aggregation,ceiling').split(',');
  const result: Record<string, unknown> = { bench: 'candles' };
  if (parts.includes('query')) result.query = await query();
  if (parts.includes('aggregation')) result.aggregation = aggregation();
  if (parts.includes('ceiling')) result.ceiling = await persistenceCeiling();
  return result;
}
