import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candlesJson } from '../../../agent/candles/candles-json';
import { MinuteBlock, type MinuteRow } from '../../../agent/candles/minute-block';
import { toCandles } from '../../../agent/candles/candle-query';
import type { CandlesResult } from '../../../shared/contract/api';

/** What JSON.stringify writes for the same answer: the bytes must be identical. */
function expected(head: Omit<CandlesResult, 'candles'>, bars: MinuteBlock): string {
  const { instrument, interval, timeZone, forming, warning } = head;
  return JSON.stringify({ instrument, interval, timeZone, candles: toCandles(bars), forming, ...(warning ? { warning } : {}) });
}

test('candles as JSON bytes are exactly what JSON.stringify writes', () => {
  // A seeded walk over prices on 0.05, 0.01 and 0.0025 grids, odd floats, large and zero volumes, with and without OI.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows: MinuteRow[] = [];
  const grids = [0.05, 0.01, 0.0025, 1, 0.1];
  for (let i = 0; i < 5000; i++) {
    const grid = grids[i % grids.length]!;
    const price = (k: number) => Math.round(k / grid) * grid;
    const base = random() * (i % 7 === 0 ? 100_000 : 2000);
    const prices = [price(base), price(base * 1.01), price(base * 0.99), price(base * (0.99 + random() * 0.02))];
    const volume = i % 11 === 0 ? 0 : Math.floor(random() * (i % 13 === 0 ? 4e12 : 1e6));
    const oi = i % 3 === 0 ? Math.floor(random() * 1e7) : null;
    rows.push([29_000_000 + i * 7, prices[0]!, prices[1]!, prices[2]!, prices[3]!, volume, oi]);
  }
  // Values with no short decimal form, and the edges of the fast path.
  rows.push([29_100_000, 0.1 + 0.2, 1 / 3, 1e-7, 123456789012345.6, 2 ** 53 + 2, null]);
  rows.push([29_100_001, 0, 0.01, 0.0001, 999999999999999, 1e21, 0]);
  // Large values whose neighbours are less than 0.0001 apart no longer.
  rows.push([29_100_002, 89000000006896.4, 600000000009.221, 99999999999.99, 100000000000.01, 123456789012.3456, 1e11]);
  const bars = MinuteBlock.fromRows(rows);
  const head = {
    instrument: 'NSE:M&M', interval: 'minute' as const, timeZone: 'Asia/Kolkata',
    forming: { time: '2026-11-25T03:45:00Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
    warning: { code: 'provider_unavailable' as const, message: 'le courtier répond « 503 » — 🙁' },
  };
  const bytes = candlesJson(head, bars);
  assert.equal(bytes.toString('utf8'), expected(head, bars));
  const { warning: _w, ...withoutWarning } = head;
  assert.equal(candlesJson({ ...withoutWarning, forming: null }, MinuteBlock.EMPTY).toString(), expected({ ...withoutWarning, forming: null }, MinuteBlock.EMPTY));
});
