/**
 * `npm run bench -- risk`, its `check` part: the pre-trade check in process, with 50 algos × 50
 * instruments of positions (2,500 cells, each with a stop, and an order in flight in a tenth of
 * them), under limits that every rule reads. Each measured call checks an order of a random algo
 * and instrument; the accepted ones are not added, so the book stays the same size. Timed two
 * ways, target p99 ≤ 50 µs:
 * - `single`: each check on its own, `process.hrtime.bigint()` before and after (about 0.05 µs
 *   of the figure is the clock itself, measured and reported as `clockUs`);
 * - `batches`: `performance.now()` around batches of 100 checks, the per-check mean of each.
 */
import type { OrderRequest } from '../shared/order';
import type { RiskLimitSet } from '../shared/risk';
import { preTradeCheck, type RateWindow } from '../agent/risk/pre-trade-check';
import { RiskBook } from '../agent/risk/risk-book';
import { knob } from './bench-processes';

export function runCheckBench(): Record<string, unknown> {
  const algos = Array.from({ length: 50 }, (_, i) => `algo${i}`);
  const instruments = Array.from({ length: 50 }, (_, i) => `NSE:SYM${i}`);
  const book = new RiskBook();
  let id = 0;
  for (const [j, instrument] of instruments.entries()) {
    const price = 100 + j * 10;
    book.mark(instrument, price);
    for (const [i, algo] of algos.entries()) {
      const side = (i + j) % 2 === 0 ? 'BUY' : 'SELL';
      const orderId = `o${++id}`;
      book.addInFlight({ id: orderId, algo, instrument, side, remaining: 10, price: null, stopLoss: side === 'BUY' ? price * 0.98 : price * 1.02 });
      book.fill(orderId, 10, price);
      if ((i + j) % 10 === 0) book.addInFlight({ id: `p${id}`, algo, instrument, side, remaining: 5, price: price * 0.99, stopLoss: side === 'BUY' ? price * 0.97 : price * 1.03 });
    }
  }
  const limits: RiskLimitSet = {
    global: { maxRisk: 1e12, maxOrderValue: 1e9, maxOrderQuantity: 1e6, maxOpenPositions: 100_000, maxOrdersPerSecond: 1e6, maxOrdersPerMinute: 1e7, deny: ['NSE:NOPE'] },
    algos: Object.fromEntries(algos.map((algo) => [algo, { maxRisk: 1e10, maxRiskPerTrade: 1e8, maxOpenPositions: 1000, maxOrdersPerSecond: 1e6 }])),
    instruments: Object.fromEntries(instruments.map((instrument) => [instrument, { maxRisk: 1e10, maxOrderQuantity: 1e6 }])),
  };
  const state = { global: 'ACTIVE' as const, algos: new Map() };
  const rates: RateWindow = { count: () => 0 };
  let seed = 7;
  const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  // One order in ten is in an instrument nobody holds: the open-positions rules then count.
  const fresh = Array.from({ length: 10 }, (_, i) => `NSE:NEW${i}`);
  for (const instrument of fresh) book.mark(instrument, 500);
  const orders: OrderRequest[] = Array.from({ length: 10_000 }, () => {
    const instrument = next() < 0.1 ? fresh[Math.floor(next() * fresh.length)]! : instruments[Math.floor(next() * instruments.length)]!;
    return { algo: algos[Math.floor(next() * algos.length)]!, instrument, side: next() < 0.5 ? 'BUY' : 'SELL', quantity: 1 + Math.floor(next() * 20), type: 'MARKET', stopLoss: book.markOf(instrument)! * 0.99 };
  });
  const batch = 100;
  const batches = knob('BENCH_RISK_BATCHES', 2000);
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) if (preTradeCheck(orders[i % orders.length]!, book, limits, state, rates, i).ok) accepted++;
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const started = performance.now();
    for (let i = 0; i < batch; i++) if (preTradeCheck(orders[(b * batch + i) % orders.length]!, book, limits, state, rates, i).ok) accepted++;
    perCall.push(((performance.now() - started) * 1000) / batch);
  }
  const singles = new Float64Array(batches * batch);
  for (let i = 0; i < singles.length; i++) {
    const order = orders[i % orders.length]!;
    const started = process.hrtime.bigint();
    if (preTradeCheck(order, book, limits, state, rates, i).ok) accepted++;
    singles[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  const clock = new Float64Array(10_000);
  for (let i = 0; i < clock.length; i++) {
    const started = process.hrtime.bigint();
    clock[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  const single = quantiles(Array.from(singles));
  const batched = quantiles(perCall);
  process.stderr.write(`risk: pre-trade check, one at a time: p50 ${single.p50} µs, p99 ${single.p99} µs, p99.9 ${single.p999} µs; batches of ${batch}: p50 ${batched.p50} µs, p99 ${batched.p99} µs\n`);
  return {
    cells: algos.length * instruments.length,
    checks: 2 * batches * batch,
    accepted,
    single: { ...single, clockUs: quantiles(Array.from(clock)).p50 },
    batches: { ...batched, size: batch },
    target: { p99Us: 50, met: single.p99 <= 50 },
  };
}

/** p50, p99, p99.9 and max of `values` (µs), to 0.01 µs. */
function quantiles(values: number[]): { p50: number; p99: number; p999: number; max: number } {
  values.sort((a, b) => a - b);
  const at = (q: number) => Math.round(values[Math.min(values.length - 1, Math.floor(q * values.length))]! * 100) / 100;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) };
}
