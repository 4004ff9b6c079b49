import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrderRequest } from '../../../shared/order';
import type { RiskLimitSet, TradingState } from '../../../shared/risk';
import { type CheckState, preTradeCheck, type RateWindow } from '../../../agent/risk/pre-trade-check';
import { RiskBook } from '../../../agent/risk/risk-book';

const ACTIVE: CheckState = { global: 'ACTIVE', algos: new Map() };
const noRates: RateWindow = { count: () => 0 };
const none: RiskLimitSet = { global: {}, algos: {}, instruments: {} };
const buy = (quantity: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({ algo: 'ma', instrument: 'NSE:INFY', side: 'BUY', quantity, type: 'MARKET', ...extra });
const sell = (quantity: number, extra: Partial<OrderRequest> = {}): OrderRequest => buy(quantity, { side: 'SELL', ...extra });

function bookAt(price = 1000): RiskBook {
  const book = new RiskBook(0.02);
  book.mark('NSE:INFY', price);
  book.mark('NSE:TCS', 4000);
  return book;
}

let ids = 0;
/** Accepts an order into the book as the router would: in flight, then filled when asked. */
function place(book: RiskBook, order: OrderRequest, fillAt?: number): string {
  const id = `o${++ids}`;
  book.addInFlight({ id, algo: order.algo, instrument: order.instrument, side: order.side, remaining: order.quantity, price: order.type === 'LIMIT' ? (order.price ?? null) : null, stopLoss: order.stopLoss ?? null });
  if (fillAt !== undefined) book.fill(id, order.quantity, fillAt);
  return id;
}

const refusedBy = (result: ReturnType<typeof preTradeCheck>) => (result.ok ? 'accepted' : result.rule);

test('money at risk: to the stop from the mark, nothing for a stop in profit, a share of notional without a stop', () => {
  const book = bookAt(1000);
  place(book, buy(100, { stopLoss: 990 }), 1000);
  assert.equal(book.risk(), 100 * 10);
  book.mark('NSE:INFY', 1010);
  assert.equal(book.risk(), 100 * 20, 'marked to market: further from the stop, more at risk');
  book.mark('NSE:INFY', 985);
  assert.equal(book.risk(), 0, 'below the stop (not yet executed): nothing more to lose to it');
  place(book, sell(50, { algo: 'mr', instrument: 'NSE:TCS' }), 4000);
  assert.equal(book.riskOfAlgo('mr'), 50 * 4000 * 0.02, 'no stop: 2 % of the notional');
  assert.equal(book.riskOfInstrument('NSE:TCS'), 4000);
  assert.equal(book.risk(), 4000);
});

test('P&L: a fill that closes books the realised part at the average price; a flip starts a new average', () => {
  const book = bookAt(1000);
  place(book, buy(100), 1000);
  place(book, buy(100), 1020);
  const cell = book.cell('ma', 'NSE:INFY')!;
  assert.equal(cell.averagePrice, 1010);
  place(book, sell(150), 1030);
  assert.equal(cell.realised, 150 * 20);
  assert.equal(cell.quantity, 50);
  place(book, sell(80), 1000);
  assert.equal(cell.realised, 150 * 20 + 50 * -10);
  assert.equal(cell.quantity, -30);
  assert.equal(cell.averagePrice, 1000, 'the flipped part is a short from the fill price');
  book.mark('NSE:INFY', 990);
  assert.equal(book.unrealised(cell), 300);
});

test('orders in flight count: two orders that each pass a limit cannot together pass it', () => {
  const limits: RiskLimitSet = { global: {}, algos: { ma: { maxRisk: 1500 } }, instruments: {} };
  const book = bookAt(1000);
  const first = buy(100, { stopLoss: 990 });
  assert.equal(refusedBy(preTradeCheck(first, book, limits, ACTIVE, noRates, 0)), 'accepted');
  place(book, first);
  const second = preTradeCheck(buy(100, { stopLoss: 990 }), book, limits, ACTIVE, noRates, 0);
  assert.equal(refusedBy(second), 'max_risk_algo');
  assert.ok(!second.ok && second.value === 2000 && second.limit === 1500);
  // An order that only reduces the position adds no risk, and passes.
  assert.equal(refusedBy(preTradeCheck(sell(100), book, limits, ACTIVE, noRates, 0)), 'accepted');
});

test('every limit accepts up to it and refuses past it, naming its rule', () => {
  const book = bookAt(1000);
  place(book, buy(10, { algo: 'other', instrument: 'NSE:TCS', stopLoss: 3900 }), 4000); // 1,000 at risk elsewhere
  const cases: Array<[string, RiskLimitSet, OrderRequest, OrderRequest, string]> = [
    ['quantity (global)', { global: { maxOrderQuantity: 100 }, algos: {}, instruments: {} }, buy(100), buy(101), 'max_order_quantity'],
    ['quantity (instrument)', { global: {}, algos: {}, instruments: { 'NSE:INFY': { maxOrderQuantity: 5 } } }, buy(5), buy(6), 'max_order_quantity'],
    ['value (algo)', { global: {}, algos: { ma: { maxOrderValue: 50_000 } }, instruments: {} }, buy(50), buy(51), 'max_order_value'],
    ['value at a limit price', { global: { maxOrderValue: 50_000 }, algos: {}, instruments: {} }, buy(100, { type: 'LIMIT', price: 500 }), buy(100, { type: 'LIMIT', price: 501 }), 'max_order_value'],
    ['risk per trade', { global: { maxRiskPerTrade: 1000 }, algos: {}, instruments: {} }, buy(100, { stopLoss: 990 }), buy(101, { stopLoss: 990 }), 'max_risk_per_trade'],
    ['risk per instrument across algos', { global: {}, algos: {}, instruments: { 'NSE:TCS': { maxRisk: 2000 } } }, buy(10, { instrument: 'NSE:TCS', stopLoss: 3900 }), buy(11, { instrument: 'NSE:TCS', stopLoss: 3900 }), 'max_risk_instrument'],
    ['portfolio risk', { global: { maxRisk: 3000 }, algos: {}, instruments: {} }, buy(200, { stopLoss: 990 }), buy(201, { stopLoss: 990 }), 'max_risk_portfolio'],
    ['deny list', { global: { deny: ['NSE:TCS'] }, algos: {}, instruments: {} }, buy(1), buy(1, { instrument: 'NSE:TCS' }), 'instrument_denied'],
    ['allow list', { global: { allow: ['NSE:INFY'] }, algos: {}, instruments: {} }, buy(1), buy(1, { instrument: 'NSE:TCS' }), 'instrument_not_allowed'],
    ['open positions (portfolio)', { global: { maxOpenPositions: 1 }, algos: {}, instruments: {} }, buy(1, { algo: 'other', instrument: 'NSE:TCS' }), buy(1), 'max_open_positions'],
  ];
  for (const [what, limits, ok, bad, rule] of cases) {
    assert.equal(refusedBy(preTradeCheck(ok, book, limits, ACTIVE, noRates, 0)), 'accepted', `${what}: up to the limit passes`);
    const refused = preTradeCheck(bad, book, limits, ACTIVE, noRates, 0);
    assert.equal(refusedBy(refused), rule, `${what}: past it is refused`);
    assert.ok(!refused.ok && refused.message.length > 10, `${what}: with a sentence`);
  }
});

test('open positions per algo: a new instrument is refused at the limit, more of one it holds is not', () => {
  const book = bookAt(1000);
  place(book, buy(1), 1000);
  const limits: RiskLimitSet = { global: {}, algos: { ma: { maxOpenPositions: 1 } }, instruments: {} };
  assert.equal(refusedBy(preTradeCheck(buy(1, { instrument: 'NSE:TCS' }), book, limits, ACTIVE, noRates, 0)), 'max_open_positions');
  assert.equal(refusedBy(preTradeCheck(buy(1), book, limits, ACTIVE, noRates, 0)), 'accepted');
});

test('rates: per algo and for all algos, per second and per minute', () => {
  const book = bookAt(1000);
  const sent = (perAlgo: number, all: number): RateWindow => ({ count: (algo, windowMs) => (windowMs === 1000 ? (algo === null ? all : perAlgo) : 0) });
  const limits: RiskLimitSet = { global: { maxOrdersPerSecond: 10 }, algos: { ma: { maxOrdersPerSecond: 3 } }, instruments: {} };
  assert.equal(refusedBy(preTradeCheck(buy(1), book, limits, ACTIVE, sent(2, 9), 0)), 'accepted');
  assert.equal(refusedBy(preTradeCheck(buy(1), book, limits, ACTIVE, sent(3, 9), 0)), 'max_orders_per_second');
  assert.equal(refusedBy(preTradeCheck(buy(1), book, limits, ACTIVE, sent(0, 10), 0)), 'max_orders_per_second');
  const perMinute: RiskLimitSet = { global: {}, algos: { ma: { maxOrdersPerMinute: 5 } }, instruments: {} };
  assert.equal(refusedBy(preTradeCheck(buy(1), book, perMinute, ACTIVE, { count: (_a, w) => (w === 60_000 ? 5 : 0) }, 0)), 'max_orders_per_minute');
});

test('HALTED refuses everything new; no price refuses a market order', () => {
  const book = bookAt(1000);
  const halted = (global: TradingState, algo: TradingState): CheckState => ({ global, algos: new Map([['ma', algo]]) });
  assert.equal(refusedBy(preTradeCheck(buy(1), book, none, halted('HALTED', 'ACTIVE'), noRates, 0)), 'halted');
  assert.equal(refusedBy(preTradeCheck(buy(1), book, none, halted('ACTIVE', 'HALTED'), noRates, 0)), 'halted');
  assert.equal(refusedBy(preTradeCheck(buy(1, { algo: 'other' }), book, none, halted('ACTIVE', 'HALTED'), noRates, 0)), 'accepted', 'another algo trades on');
  assert.equal(refusedBy(preTradeCheck(buy(1, { instrument: 'NSE:UNTICKED' }), book, none, ACTIVE, noRates, 0)), 'no_price');
  assert.equal(refusedBy(preTradeCheck(buy(1, { instrument: 'NSE:UNTICKED', type: 'LIMIT', price: 10 }), book, none, ACTIVE, noRates, 0)), 'accepted');
});

test('REDUCING lets through only what reduces: nothing from flat, no growth, no flip; orders in flight count', () => {
  const book = bookAt(1000);
  const reducing: CheckState = { global: 'ACTIVE', algos: new Map([['ma', 'REDUCING']]) };
  assert.equal(refusedBy(preTradeCheck(buy(10), book, none, reducing, noRates, 0)), 'reducing', 'flat: nothing to reduce');
  assert.equal(refusedBy(preTradeCheck(sell(10), book, none, reducing, noRates, 0)), 'reducing', 'flat: a sell would open a short');
  place(book, buy(100), 1000);
  assert.equal(refusedBy(preTradeCheck(buy(1), book, none, reducing, noRates, 0)), 'reducing', 'growing the long');
  const flip = preTradeCheck(sell(150), book, none, reducing, noRates, 0);
  assert.equal(refusedBy(flip), 'reducing');
  assert.ok(!flip.ok && /send at most 100/.test(flip.message));
  assert.equal(refusedBy(preTradeCheck(sell(100), book, none, reducing, noRates, 0)), 'accepted');
  place(book, sell(60));
  assert.equal(refusedBy(preTradeCheck(sell(60), book, none, reducing, noRates, 0)), 'reducing', 'with 60 already going out, only 40 is left to reduce');
  assert.equal(refusedBy(preTradeCheck(sell(40), book, none, reducing, noRates, 0)), 'accepted');
  assert.equal(refusedBy(preTradeCheck(buy(10, { algo: 'other' }), book, none, reducing, noRates, 0)), 'accepted', 'other algos are ACTIVE');
  const everyone: CheckState = { global: 'REDUCING', algos: new Map() };
  assert.equal(refusedBy(preTradeCheck(buy(10, { algo: 'other' }), book, none, everyone, noRates, 0)), 'reducing');
});

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('property: across random orders, fills, cancels and price moves, no accepted order takes exposure past a limit', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const next = random(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const instruments = ['NSE:A', 'NSE:B', 'NSE:C', 'NSE:D'];
    const algos = ['a1', 'a2', 'a3'];
    const limits: RiskLimitSet = {
      global: { maxRisk: 20_000, maxOpenPositions: 9 },
      algos: { a1: { maxRisk: 8000 }, a2: { maxRisk: 9000, maxRiskPerTrade: 3000 }, a3: { maxRisk: 7000 } },
      instruments: { 'NSE:A': { maxRisk: 6000 }, 'NSE:B': { maxRisk: 9000 } },
    };
    const book = new RiskBook(0.02);
    const prices = new Map(instruments.map((i) => [i, 500 + next() * 1500]));
    for (const [i, p] of prices) book.mark(i, p);
    const live: string[] = [];
    let accepted = 0;
    for (let step = 0; step < 400; step++) {
      const roll = next();
      if (roll < 0.5) {
        const instrument = pick(instruments);
        const price = prices.get(instrument)!;
        const side = next() < 0.5 ? 'BUY' : 'SELL';
        const order: OrderRequest = { algo: pick(algos), instrument, side, quantity: 1 + Math.floor(next() * 40), type: 'MARKET', ...(next() < 0.7 ? { stopLoss: side === 'BUY' ? price * (0.95 + next() * 0.04) : price * (1.01 + next() * 0.04) } : {}) };
        const result = preTradeCheck(order, book, limits, ACTIVE, noRates, step);
        if (!result.ok) continue;
        accepted++;
        const before = { portfolio: book.risk(), algo: book.riskOfAlgo(order.algo), instrument: book.riskOfInstrument(instrument), open: book.openPositions() };
        live.push(place(book, order));
        const tolerance = 1e-6;
        // Price moves may carry a book past a limit by themselves; an accepted order never does,
        // and never adds to one already past.
        const grew = book.risk() > before.portfolio + tolerance;
        assert.equal(Math.abs(book.risk() - before.portfolio - result.addedRisk) < 1e-6, true, `seed ${seed} step ${step}: the check's added risk is what the order added`);
        if (grew) {
          assert.ok(book.risk() <= 20_000 + tolerance, `seed ${seed} step ${step}: portfolio ${book.risk()}`);
          assert.ok(book.riskOfAlgo(order.algo) <= limits.algos[order.algo]!.maxRisk! + tolerance, `seed ${seed} step ${step}: ${order.algo} ${book.riskOfAlgo(order.algo)}`);
          const instrumentLimit = limits.instruments[instrument]?.maxRisk;
          if (instrumentLimit !== undefined) assert.ok(book.riskOfInstrument(instrument) <= instrumentLimit + tolerance, `seed ${seed} step ${step}: ${instrument}`);
        }
        if (book.openPositions() > before.open) assert.ok(book.openPositions() <= 9);
      } else if (roll < 0.75 && live.length > 0) {
        const id = live.splice(Math.floor(next() * live.length), 1)[0]!;
        const instrument = book.allCells().next().value?.instrument;
        // Fill wholly or in part at the current price, or cancel.
        if (next() < 0.8 && instrument) {
          const cell = [...book.allCells()].find((c) => c.inFlight.some((o) => o.id === id))!;
          const order = cell.inFlight.find((o) => o.id === id)!;
          const part = next() < 0.5 ? order.remaining : Math.max(1, Math.floor(order.remaining / 2));
          book.fill(id, part, prices.get(cell.instrument)!);
          if (part < order.remaining || order.remaining > 0) live.push(id);
        } else {
          book.removeInFlight(id);
        }
      } else {
        const instrument = pick(instruments);
        const moved = prices.get(instrument)! * (0.98 + next() * 0.04);
        prices.set(instrument, moved);
        book.mark(instrument, moved);
      }
      // The kept totals always equal the cells summed afresh.
      const cells = [...book.allCells()];
      assert.ok(Math.abs(cells.reduce((sum, c) => sum + c.risk, 0) - book.risk()) < 1e-6, `seed ${seed} step ${step}: totals drifted`);
      const open = cells.filter((c) => c.quantity !== 0 || c.inFlight.some((o) => o.remaining > 0));
      assert.equal(book.openPositions(), open.length, `seed ${seed} step ${step}: open positions kept right`);
      for (const algo of algos) assert.equal(book.openPositions(algo), open.filter((c) => c.algo === algo).length);
    }
    assert.ok(accepted > 20, `seed ${seed}: enough orders accepted to mean something (${accepted})`);
  }
});

test('trading windows: inside, new exposure passes; outside, only reducing orders, named by the rule; windows past midnight', () => {
  const book = bookAt(1000);
  place(book, buy(10), 1000);
  const at = (clock: string) => ({ ...ACTIVE, minuteOfDay: Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3)) });
  const limits: RiskLimitSet = { global: { tradingWindow: { from: '09:20', to: '15:10' } }, algos: { night: { tradingWindow: { from: '22:00', to: '02:00' } } }, instruments: {} };
  assert.equal(refusedBy(preTradeCheck(buy(5), book, limits, at('09:20'), noRates, 0)), 'accepted', 'from is inside');
  assert.equal(refusedBy(preTradeCheck(buy(5), book, limits, at('15:09'), noRates, 0)), 'accepted');
  const late = preTradeCheck(buy(5), book, limits, at('15:10'), noRates, 0);
  assert.equal(refusedBy(late), 'outside_trading_window', 'to is outside');
  assert.match((late as { message: string }).message, /Outside its trading window \(09:20–15:10\), ma may only reduce exposure/);
  assert.equal(refusedBy(preTradeCheck(sell(4), book, limits, at('15:30'), noRates, 0)), 'accepted', 'an exit passes after the window');
  assert.equal(refusedBy(preTradeCheck(sell(11), book, limits, at('15:30'), noRates, 0)), 'outside_trading_window', 'but no flip');
  assert.equal(refusedBy(preTradeCheck(buy(1, { algo: 'flat' }), book, limits, at('08:00'), noRates, 0)), 'outside_trading_window', 'nothing to reduce');
  // An algo's own window applies with the global one: both must be open.
  const night = (clock: string) => refusedBy(preTradeCheck(buy(1, { algo: 'night' }), book, { ...limits, global: {} }, at(clock), noRates, 0));
  assert.deepEqual(['22:00', '23:59', '00:00', '01:59', '02:00', '12:00'].map(night), ['accepted', 'accepted', 'accepted', 'accepted', 'outside_trading_window', 'outside_trading_window']);
  assert.equal(refusedBy(preTradeCheck(buy(1, { algo: 'night' }), book, limits, at('23:00'), noRates, 0)), 'outside_trading_window', 'the global window is shut at 23:00');
  assert.equal(refusedBy(preTradeCheck(buy(5), book, limits, ACTIVE, noRates, 0)), 'accepted', 'without a clock, windows are not checked');
});
