import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tick } from '../../../shared/tick';
import { PaperBroker, type PaperUpdate } from '../../../agent/orders/paper-broker';

function tick(lastPrice: number, depth?: { bid: Array<[number, number]>; ask: Array<[number, number]> }): Tick {
  return {
    instrument: 'NSE:INFY', token: 1, mode: depth ? 'full' : 'ltp', tradable: true, lastPrice, timestamp: '', receivedAt: 0,
    ...(depth ? { depth: { buy: depth.bid.map(([price, quantity]) => ({ price, quantity, orders: 1 })), sell: depth.ask.map(([price, quantity]) => ({ price, quantity, orders: 1 })) } } : {}),
  };
}

function broker(quote: Tick | undefined, fees?: { perOrder?: number; fraction?: number }) {
  const updates: PaperUpdate[] = [];
  let current = quote;
  const paper = new PaperBroker({ quote: () => current, onUpdate: (u) => updates.push(u), ...(fees ? { fees } : {}) });
  return { paper, updates, set: (next: Tick) => (current = next), fills: () => updates.filter((u) => u.kind === 'fill').map((u) => u.kind === 'fill' && [u.quantity, u.price]) };
}

const book = tick(100, { bid: [[99.9, 10], [99.8, 20]], ask: [[100.1, 10], [100.2, 20]] });

test('a market order walks the depth, the rest at the last level', () => {
  const { paper, fills, updates } = broker(book);
  paper.place({ id: 'a', instrument: 'NSE:INFY', side: 'BUY', quantity: 40, type: 'MARKET' });
  assert.deepEqual(fills(), [[10, 100.1], [20, 100.2], [10, 100.2]]);
  assert.equal((updates.at(-1) as { remaining: number }).remaining, 0);
  assert.equal(paper.open, 0);
  const sell = broker(book);
  sell.paper.place({ id: 'b', instrument: 'NSE:INFY', side: 'SELL', quantity: 5, type: 'MARKET' });
  assert.deepEqual(sell.fills(), [[5, 99.9]]);
});

test('without depth the last price is the market', () => {
  const { paper, fills } = broker(tick(250));
  paper.place({ id: 'a', instrument: 'NSE:INFY', side: 'BUY', quantity: 3, type: 'MARKET' });
  assert.deepEqual(fills(), [[3, 250]]);
});

test('a limit order fills what crosses at once, rests the rest, and fills when the market comes to it', () => {
  const { paper, fills, updates, set } = broker(book);
  paper.place({ id: 'a', instrument: 'NSE:INFY', side: 'BUY', quantity: 25, type: 'LIMIT', price: 100.1 });
  assert.deepEqual(fills(), [[10, 100.1]], 'only the level at or under the limit');
  assert.equal(paper.open, 1);
  const next = tick(100, { bid: [[99.9, 10]], ask: [[100.05, 30]] });
  set(next);
  paper.onTick(next);
  assert.deepEqual(fills(), [[10, 100.1], [15, 100.05]], 'a better price when the market offers it');
  assert.equal(paper.open, 0);
  assert.equal(updates[0]!.kind, 'open');
});

test('stops trigger at the last price: SL-M fills at market, SL rests as a limit', () => {
  const { paper, fills, set } = broker(book);
  paper.place({ id: 'stop', instrument: 'NSE:INFY', side: 'SELL', quantity: 10, type: 'SL-M', trigger: 99 });
  paper.place({ id: 'sl', instrument: 'NSE:INFY', side: 'SELL', quantity: 10, type: 'SL', trigger: 99, price: 98.9 });
  assert.deepEqual(fills(), [], 'not triggered at 100');
  const fall = tick(98.95, { bid: [[98.9, 5], [98.5, 50]], ask: [[99, 5]] });
  set(fall);
  paper.onTick(fall);
  assert.deepEqual(fills(), [[5, 98.9], [5, 98.5], [5, 98.9]], 'the SL-M sweeps the bids; the SL sells only at 98.9 or better');
  assert.equal(paper.open, 1, 'the SL rests with 5 left');
});

test('cancels, fees, and a market the ticker does not carry', () => {
  const { paper, updates } = broker(book, { perOrder: 20, fraction: 0.001 });
  paper.place({ id: 'a', instrument: 'NSE:INFY', side: 'BUY', quantity: 20, type: 'MARKET' });
  const fees = updates.filter((u) => u.kind === 'fill').map((u) => (u as { fees: number }).fees);
  assert.deepEqual(fees, [21, 1], 'the order fee once, then a share of each fill’s value, in paise');
  paper.place({ id: 'b', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'LIMIT', price: 90 });
  assert.equal(paper.cancel('b'), true);
  assert.equal(paper.cancel('b'), false);
  assert.equal(updates.at(-1)!.kind, 'cancelled');
  const none = broker(undefined);
  none.paper.place({ id: 'c', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'MARKET' });
  assert.deepEqual(none.updates.map((u) => u.kind), ['rejected']);
});

test('after a restart, what was left of each order is placed again, waiting for the first tick when there is no market yet', () => {
  const { paper, updates, fills, set } = broker(undefined);
  paper.resume([
    { order: { id: 'm', instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET' }, filledQuantity: 4 },
    { order: { id: 'l', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'LIMIT', price: 90 }, filledQuantity: 0 },
    { order: { id: 'done', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'MARKET' }, filledQuantity: 5 },
  ]);
  assert.deepEqual(updates.map((u) => [u.id, u.kind]), [['m', 'open'], ['l', 'open']], 'nothing refused for want of a price, nothing done twice');
  assert.equal(paper.wants('NSE:INFY'), true);
  set(book);
  paper.onTick(book);
  assert.deepEqual(fills(), [[6, 100.1]], 'only what was left of the market order, at the first tick');
  assert.equal(paper.open, 1, 'the limit rests');
  paper.resume([{ order: { id: 'l', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'LIMIT', price: 90 }, filledQuantity: 0 }]);
  assert.equal(paper.open, 1, 'an order resting already is not placed again');
});

test('an IOC order fills what it can at once; the rest is cancelled, never rests', () => {
  const { paper, updates, fills } = broker(book);
  paper.place({ id: 'i', instrument: 'NSE:INFY', side: 'BUY', quantity: 15, type: 'LIMIT', price: 100.1, validity: 'IOC' });
  assert.deepEqual(fills(), [[10, 100.1]]);
  assert.deepEqual(updates.at(-1), { id: 'i', kind: 'cancelled' });
  assert.equal(paper.open, 0);
  const none = broker(book);
  none.paper.place({ id: 'n', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'LIMIT', price: 90, validity: 'IOC' });
  assert.deepEqual(none.updates.map((u) => u.kind), ['open', 'cancelled'], 'nothing crossed: cancelled at once');
  const market = broker(book);
  market.paper.place({ id: 'm', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'MARKET', validity: 'IOC' });
  assert.deepEqual(market.updates.map((u) => u.kind), ['open', 'fill'], 'filled whole: nothing to cancel');
});
