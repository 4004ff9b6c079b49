import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type OrderRequest, orderMayMove } from '../../../shared/order';
import { AgentDb } from '../../../agent/store/agent-db';
import { OrderStore } from '../../../agent/orders/order-store';

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-orders-'));
  const db = new AgentDb(join(dir, 'agent.db'));
  return { dir, db, store: new OrderStore(db.db), close: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

const request: OrderRequest = { algo: 'ma', instrument: 'NSE:INFY', side: 'BUY', quantity: 30, type: 'LIMIT', price: 1500, clientOrderId: 'ma-1' };

test('an order is written pending; the same client order id again is the same order, per algo', (t) => {
  const { store, close } = open();
  t.after(close);
  const first = store.insertOrGet('o1', request, 1000);
  assert.equal(first.created, true);
  assert.equal(first.order.state, 'pending');
  const again = store.insertOrGet('o2', request, 2000);
  assert.equal(again.created, false);
  assert.equal(again.order.id, 'o1', 'never placed twice');
  const other = store.insertOrGet('o3', { ...request, algo: 'mr' }, 3000);
  assert.equal(other.created, true, 'another algo’s id is its own');
  const noId = store.insertOrGet('o4', { ...request, clientOrderId: undefined } as OrderRequest, 4000);
  const noIdAgain = store.insertOrGet('o5', { ...request, clientOrderId: undefined } as OrderRequest, 5000);
  assert.notEqual(noId.order.id, noIdAgain.order.id, 'without a client id every order is new');
});

test('fills move the order to partially filled, then filled, with the average price and fees; it is kept across a reopen', (t) => {
  const { dir, db, store } = open();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  store.insertOrGet('o1', request, 1000);
  store.transition('o1', 'open', 1001, { brokerOrderId: 'B-1' });
  assert.equal(store.addFill('o1', 10, 1500, 5, 1002).state, 'partially_filled');
  const done = store.addFill('o1', 25, 1497, 10, 1003);
  assert.equal(done.state, 'filled');
  assert.equal(done.filledQuantity, 30, 'a fill past the quantity is capped');
  assert.equal(done.averagePrice, (10 * 1500 + 20 * 1497) / 30);
  assert.equal(done.fees, 15);
  assert.equal(done.brokerOrderId, 'B-1');
  assert.deepEqual(store.history('o1').map((h) => h.state), ['pending', 'open', 'partially_filled', 'filled']);
  assert.throws(() => store.transition('o1', 'cancelled', 1004), /cannot go from filled to cancelled/);
  db.close();
  const reopened = new AgentDb(join(dir, 'agent.db'));
  t.after(() => reopened.close());
  const again = new OrderStore(reopened.db);
  assert.equal(again.get('o1')!.state, 'filled');
  assert.deepEqual(again.fills('o1').map((f) => [f.quantity, f.price]), [[10, 1500], [20, 1497]]);
});

test('unfinished orders are what a restarted hub reconciles; a rejection keeps its rule', (t) => {
  const { store, close } = open();
  t.after(close);
  store.insertOrGet('a', request, 1);
  store.insertOrGet('b', { ...request, clientOrderId: 'ma-2' }, 2);
  store.transition('b', 'rejected', 3, { rejection: { rule: 'max_risk_algo', message: 'too much at risk' } });
  store.insertOrGet('c', { ...request, clientOrderId: 'ma-3' }, 4);
  store.transition('c', 'open', 5);
  assert.deepEqual(store.unfinished().map((o) => o.id), ['a', 'c']);
  assert.deepEqual(store.get('b')!.rejection, { rule: 'max_risk_algo', message: 'too much at risk' });
  assert.deepEqual(store.list({ algo: 'ma', state: 'rejected', limit: 10 }).map((o) => o.id), ['b']);
});

test('the lifecycle only moves forward', () => {
  const table: Array<[Parameters<typeof orderMayMove>[0], Parameters<typeof orderMayMove>[1], boolean]> = [
    ['pending', 'open', true], ['pending', 'rejected', true], ['pending', 'filled', true], ['open', 'partially_filled', true],
    ['partially_filled', 'partially_filled', true], ['partially_filled', 'cancelled', true], ['partially_filled', 'open', false],
    ['partially_filled', 'rejected', false], ['open', 'pending', false], ['filled', 'cancelled', false], ['rejected', 'open', false],
    ['cancelled', 'filled', false], ['open', 'open', false],
  ];
  for (const [from, to, allowed] of table) assert.equal(orderMayMove(from, to), allowed, `${from} → ${to}`);
});

test('what a move or a fill answers is the order as stored (it is not read again)', (t) => {
  const { store, close } = open();
  t.after(close);
  assert.deepEqual(store.insertOrGet('o1', request, 1000).order, store.get('o1'));
  const moves = [
    () => store.transition('o1', 'open', 1100, { brokerOrderId: 'K1' }),
    () => store.addFill('o1', 10, 1499.95, 0.1, 1200),
    () => store.addFill('o1', 7, 1500.05, 0.2, 1300),
    () => store.addFill('o1', 50, 1500.1, 0.3, 1400),
  ];
  for (const move of moves) assert.deepEqual(move(), store.get('o1'));
  store.insertOrGet('o2', { ...request, clientOrderId: 'ma-2' }, 2000);
  assert.deepEqual(store.transition('o2', 'rejected', 2100, { rejection: { rule: 'halted', message: 'halted' } }), store.get('o2'));
});

test('a transaction that throws leaves the orders as they were committed, in the store and in what it reads', (t) => {
  const { store, close } = open();
  t.after(close);
  store.insertOrGet('o1', request, 1000);
  store.transition('o1', 'open', 1001, { brokerOrderId: 'B-1' });
  assert.throws(
    () =>
      store.atomically(() => {
        store.addFill('o1', 10, 1500, 5, 1002);
        store.insertOrGet('o2', { ...request, clientOrderId: 'ma-2' }, 1003);
        assert.equal(store.get('o1')!.filledQuantity, 10, 'inside, the fill is seen');
        throw new Error('the broker blew up');
      }),
    /blew up/,
  );
  const after = store.get('o1')!;
  assert.equal(after.state, 'open');
  assert.equal(after.filledQuantity, 0);
  assert.deepEqual(store.fills('o1'), []);
  assert.equal(store.get('o2'), undefined);
  assert.equal(store.insertOrGet('o3', { ...request, clientOrderId: 'ma-2' }, 1004).created, true, 'the rolled-back order never existed');
});
