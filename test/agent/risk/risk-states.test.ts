import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RiskLimitSet } from '../../../shared/risk';
import { RiskBook } from '../../../agent/risk/risk-book';
import { RiskStates } from '../../../agent/risk/risk-states';

let ids = 0;
function fill(book: RiskBook, algo: string, side: 'BUY' | 'SELL', quantity: number, price: number, instrument = 'NSE:INFY'): void {
  const id = `o${++ids}`;
  book.addInFlight({ id, algo, instrument, side, remaining: quantity, price: null, stopLoss: null });
  book.fill(id, quantity, price);
}

test('drawdown trails the day’s peak equity (realised and unrealised), per algo; a breach halts that algo only', () => {
  const book = new RiskBook();
  const states = new RiskStates(0);
  const limits: RiskLimitSet = { global: {}, algos: { ma: { maxDrawdown: 2500 } }, instruments: {} };
  book.mark('NSE:INFY', 1000);
  fill(book, 'ma', 'BUY', 100, 1000);
  fill(book, 'mr', 'BUY', 10, 1000);
  states.openSession(book, 0);
  book.mark('NSE:INFY', 1050);
  assert.deepEqual(states.evaluate(book, limits, 1), []);
  assert.equal(states.equity(book, 'ma').peak, 5000);
  book.mark('NSE:INFY', 1030);
  assert.deepEqual(states.evaluate(book, limits, 2), [], '2,000 below the peak: within the limit');
  book.mark('NSE:INFY', 1025);
  const changes = states.evaluate(book, limits, 3);
  assert.deepEqual(changes.map((c) => [c.scope, c.to]), [['ma', 'HALTED']]);
  assert.match(changes[0]!.reason, /₹2,500 below today's peak/);
  assert.equal(states.forCheck().algos.get('mr'), undefined, 'the other algo trades on');
  book.mark('NSE:INFY', 1100);
  assert.deepEqual(states.evaluate(book, limits, 4), []);
  assert.equal(states.algoState('ma')!.state, 'HALTED', 'a breach does not lift itself within the day');
  // Realised P&L counts too: selling at a loss is still a loss.
  const equity = states.equity(book, 'ma');
  assert.equal(equity.unrealised, 100 * 100);
});

test('daily loss from the session’s open moves to REDUCING when configured; the portfolio has its own limit', () => {
  const book = new RiskBook();
  const states = new RiskStates(0);
  book.mark('NSE:INFY', 1000);
  fill(book, 'a', 'BUY', 100, 1000);
  fill(book, 'b', 'BUY', 100, 1000);
  book.mark('NSE:INFY', 1010);
  states.openSession(book, 0); // the day starts 1,000 up each: that is not today's P&L
  const limits: RiskLimitSet = { global: { maxDailyLoss: 3000 }, algos: { a: { maxDailyLoss: 1000, onBreach: 'REDUCING' } }, instruments: {} };
  book.mark('NSE:INFY', 1001);
  assert.deepEqual(states.evaluate(book, limits, 1), [], '900 down each: no limit crossed');
  book.mark('NSE:INFY', 1000);
  assert.deepEqual(states.evaluate(book, limits, 2).map((c) => [c.scope, c.to]), [['a', 'REDUCING']]);
  book.mark('NSE:INFY', 995);
  assert.deepEqual(states.evaluate(book, limits, 3).map((c) => [c.scope, c.to]), [['global', 'HALTED']], '3,000 down together');
  assert.equal(states.equity(book).dayPnl, -3000);
});

test('a new session lifts what breaches set, not what a user set', () => {
  const book = new RiskBook();
  const states = new RiskStates(0);
  book.mark('NSE:INFY', 1000);
  fill(book, 'a', 'BUY', 10, 1000);
  states.openSession(book, 0);
  book.mark('NSE:INFY', 800);
  states.evaluate(book, { global: {}, algos: { a: { maxDailyLoss: 100 } }, instruments: {} }, 1);
  states.set('b', 'REDUCING', 'a user said so', 1);
  assert.equal(states.algoState('a')!.state, 'HALTED');
  const lifted = states.openSession(book, 2);
  assert.deepEqual(lifted.map((c) => [c.scope, c.to]), [['a', 'ACTIVE']]);
  assert.equal(states.algoState('b')!.state, 'REDUCING');
  assert.equal(states.equity(book, 'a').dayPnl, 0, 'the new day counts from here');
});

test('the kill switch halts everything until released; nothing else can lift it', () => {
  const states = new RiskStates(0);
  assert.equal(states.engageKillSwitch(1)!.to, 'HALTED');
  assert.equal(states.set('global', 'ACTIVE', 'a user', 2), null, 'the kill switch holds');
  assert.equal(states.forCheck().global, 'HALTED');
  assert.equal(states.releaseKillSwitch(3)!.to, 'ACTIVE');
  assert.equal(states.releaseKillSwitch(4), null);
  assert.equal(states.killSwitchEngaged, false);
});

test('a breach still standing is named, with what it calls for; none once the limit moves', () => {
  const book = new RiskBook(0.02);
  const states = new RiskStates(0);
  fill(book, 'ma', 'BUY', 10, 100);
  states.openSession(book, 0);
  book.mark('NSE:INFY', 90);
  const limits: RiskLimitSet = { global: { maxDrawdown: 1000 }, algos: { ma: { maxDailyLoss: 50, onBreach: 'REDUCING' } }, instruments: {} };
  assert.deepEqual(states.breach(book, limits, 'ma'), { reason: 'ma lost ₹100 today, at or over its daily loss limit of ₹50', onBreach: 'REDUCING' });
  assert.equal(states.breach(book, limits), null, 'the portfolio is within its own limit');
  assert.equal(states.breach(book, { ...limits, algos: { ma: { maxDailyLoss: 500 } } }, 'ma'), null);
  assert.deepEqual(states.breach(book, { ...limits, global: { maxDrawdown: 100 } })?.onBreach, 'HALTED', 'HALTED unless configured');
});
