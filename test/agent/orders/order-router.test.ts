import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { Order, OrderRequest } from '../../../shared/order';
import type { RiskLimitSet } from '../../../shared/risk';
import type { Tick } from '../../../shared/tick';
import { OrderRouter } from '../../../agent/orders/order-router';
import { OrderStore } from '../../../agent/orders/order-store';
import { PaperBroker } from '../../../agent/orders/paper-broker';
import { RiskBook } from '../../../agent/risk/risk-book';
import { RiskStates } from '../../../agent/risk/risk-states';
import { AgentDb } from '../../../agent/store/agent-db';

const quoteAt = (price: number): Tick => ({
  instrument: 'NSE:INFY', token: 1, mode: 'full', tradable: true, lastPrice: price, timestamp: '', receivedAt: 0,
  depth: { buy: [{ price: price - 0.05, quantity: 1000, orders: 1 }], sell: [{ price: price + 0.05, quantity: 1000, orders: 1 }] },
});

/** A hub's order path on a real database file and the real paper broker. */
function hub(dbFile: string, limits: RiskLimitSet = { global: {}, algos: {}, instruments: {} }) {
  const db = new AgentDb(dbFile);
  const store = new OrderStore(db.db);
  const book = new RiskBook();
  const states = new RiskStates(0);
  let quote = quoteAt(1000);
  const seen: Order[] = [];
  const changes: string[] = [];
  const router = new OrderRouter({ store, book, states, limits: () => limits, events: { order: (o) => seen.push(o), states: (c) => changes.push(...c.map((x) => `${x.scope}:${x.to}`)) } });
  const paper = new PaperBroker({ quote: () => quote, onUpdate: (u) => router.onBrokerUpdate(u) });
  router.useBroker(paper);
  book.mark('NSE:INFY', 1000);
  const move = (price: number) => {
    quote = quoteAt(price);
    router.onPrice('NSE:INFY', price);
    paper.onTick(quote);
  };
  return { db, store, book, states, router, paper, seen, changes, move };
}

const order = (extra: Partial<OrderRequest> = {}): OrderRequest => ({ algo: 'ma', instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET', ...extra });

test('an accepted market order fills at once; the book holds the position; each transition is told', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-router-'));
  const h = hub(join(dir, 'agent.db'));
  t.after(() => (h.db.close(), rmSync(dir, { recursive: true, force: true })));
  const placed = h.router.place(order({ stopLoss: 990 }));
  assert.equal(placed.state, 'filled');
  assert.equal(placed.averagePrice, 1000.05);
  assert.deepEqual(h.seen.map((o) => o.state), ['open', 'filled']);
  assert.equal(h.book.cell('ma', 'NSE:INFY')!.quantity, 10);
  assert.ok(Math.abs(h.book.risk() - 10 * 10) < 1e-9);
});

test('a limit refuses with the rule; the refused order is kept, and the book does not move', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-router-'));
  const h = hub(join(dir, 'agent.db'), { global: {}, algos: { ma: { maxOrderQuantity: 5 } }, instruments: {} });
  t.after(() => (h.db.close(), rmSync(dir, { recursive: true, force: true })));
  assert.throws(
    () => h.router.place(order({ clientOrderId: 'x1' })),
    (error: unknown) => error instanceof ApiError && error.code === 'risk_rejected' && error.status === 422 && (error.details as { rule: string }).rule === 'max_order_quantity',
  );
  const kept = h.store.list({ limit: 5 })[0]!;
  assert.equal(kept.state, 'rejected');
  assert.equal(kept.rejection?.rule, 'max_order_quantity');
  assert.equal(h.book.cell('ma', 'NSE:INFY'), undefined);
  // Resending the same client order id answers the refused order, not a second check.
  assert.equal(h.router.place(order({ clientOrderId: 'x1' })).id, kept.id);
});

test('a resent order is never placed twice; a resting order cancels; a done one does not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-router-'));
  const h = hub(join(dir, 'agent.db'));
  t.after(() => (h.db.close(), rmSync(dir, { recursive: true, force: true })));
  const first = h.router.place(order({ clientOrderId: 'ma-7' }));
  const again = h.router.place(order({ clientOrderId: 'ma-7' }));
  assert.equal(again.id, first.id);
  assert.equal(h.book.cell('ma', 'NSE:INFY')!.quantity, 10, 'filled once');
  const resting = h.router.place(order({ type: 'LIMIT', price: 990 }));
  assert.equal(resting.state, 'open');
  assert.equal(h.router.cancel(resting.id).state, 'cancelled');
  assert.equal(h.paper.open, 0);
  assert.throws(() => h.router.cancel(first.id), (error: unknown) => error instanceof ApiError && error.code === 'conflict');
  assert.throws(() => h.router.cancel('nope'), (error: unknown) => error instanceof ApiError && error.code === 'not_found');
});

test('a hub killed mid-stream: the next one rebuilds the book from the fills, sends on what was in flight, loses and doubles nothing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-router-'));
  const file = join(dir, 'agent.db');
  const before = hub(file);
  before.router.place(order({ quantity: 10 }));
  const resting = before.router.place(order({ quantity: 20, type: 'LIMIT', price: 995, clientOrderId: 'rest' }));
  before.router.place(order({ quantity: 5, side: 'SELL', algo: 'mr', stopLoss: 1010 }));
  // Written, then the hub died before its check: the next hub must check it, not trust it.
  before.store.insertOrGet('o-unchecked', order({ quantity: 3, clientOrderId: 'late' }), Date.now());
  const position = before.book.cell('ma', 'NSE:INFY')!.quantity;
  const mrPosition = before.book.cell('mr', 'NSE:INFY')!.quantity;
  before.db.close(); // no clean stop: the process is gone

  const after = hub(file);
  t.after(() => (after.db.close(), rmSync(dir, { recursive: true, force: true })));
  assert.equal(after.router.recover(), 2, 'the resting order and the unchecked one');
  assert.equal(after.book.cell('mr', 'NSE:INFY')!.quantity, mrPosition);
  assert.equal(after.store.get('o-unchecked')!.state, 'filled', 'checked, then placed');
  assert.equal(after.book.cell('ma', 'NSE:INFY')!.quantity, position + 3);
  assert.equal(after.store.get(resting.id)!.state, 'open');
  assert.equal(after.paper.open, 1, 'the resting order rests again');
  after.move(994);
  const filled = after.store.get(resting.id)!;
  assert.equal(filled.state, 'filled');
  assert.equal(filled.filledQuantity, 20);
  assert.equal(after.store.fills(resting.id).length, 1, 'filled once');
  assert.equal(after.book.cell('ma', 'NSE:INFY')!.quantity, position + 3 + 20);
  assert.equal(after.router.place(order({ quantity: 20, type: 'LIMIT', price: 995, clientOrderId: 'rest' })).id, resting.id, 'a resend after the restart is still the same order');
});

test('a drawdown breach halts the algo: its next order is refused by the halted rule', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-router-'));
  const h = hub(join(dir, 'agent.db'), { global: {}, algos: { ma: { maxDrawdown: 300 } }, instruments: {} });
  t.after(() => (h.db.close(), rmSync(dir, { recursive: true, force: true })));
  h.router.place(order({ quantity: 10 }));
  h.states.openSession(h.book, 0);
  h.move(1020);
  h.move(990);
  assert.deepEqual(h.changes, ['ma:HALTED']);
  assert.throws(() => h.router.place(order()), (error: unknown) => error instanceof ApiError && (error.details as { rule: string }).rule === 'halted');
  const sell = h.router.place(order({ algo: 'other', side: 'SELL' }));
  assert.equal(sell.state, 'filled', 'other algos trade on');
});

test('after a restart, an order handed to the broker is reconciled, never checked again; one never handed waits for its first price', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-router-'));
  const file = join(dir, 'agent.db');
  const before = hub(file);
  // Handed to a broker that had not answered yet (Kite's "pending"): the mark is what says so.
  const sent = before.store.insertOrGet('o-sent', order({ quantity: 4, clientOrderId: 'sent' }), Date.now()).order;
  before.store.markSent(sent.id, Date.now());
  before.store.insertOrGet('o-unpriced', order({ quantity: 2, clientOrderId: 'unpriced', instrument: 'NSE:TCS' }), Date.now());
  before.db.close();

  const after = hub(file, { global: { maxOrderQuantity: 3 }, algos: {}, instruments: {} });
  t.after(() => (after.db.close(), rmSync(dir, { recursive: true, force: true })));
  const resumed: string[] = [];
  after.router.useBroker({ place: () => assert.fail('nothing is placed afresh'), cancel: () => false, resume: (orders) => resumed.push(...orders.map((o) => o.order.id)) });
  assert.equal(after.router.recover(), 2);
  assert.deepEqual(resumed, ['o-sent'], 'reconciled with the broker although today’s limits would refuse it');
  assert.equal(after.store.get('o-sent')!.state, 'pending');
  assert.equal(after.store.get('o-unpriced')!.state, 'pending', 'no price for NSE:TCS yet: it waits');
  after.book.mark('NSE:TCS', 3000);
  after.router.useBroker(after.paper);
  after.router.recheckDeferred();
  assert.equal(after.store.get('o-unpriced')!.state, 'filled', 'checked once priced (within today’s limits), then placed');
});
