/**
 * The Kite order broker on the emulator: placements tagged with our order id, updates derived
 * from postbacks (two connections, each carrying every one) and the poll without ever doubling,
 * Kite's refusals as `rejected`, cancels, and the failures that must not be taken for "not
 * placed": an answer lost after Kite took the order, Kite unreachable, 429s after retries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kiteTag } from '../../../agent/broker/kite/kite-order-update';
import { KiteOrderBroker } from '../../../agent/broker/kite/kite-orders';
import type { PaperOrder } from '../../../agent/orders/paper-broker';
import { sleep, waitFor } from '../../helpers/wait';
import { filledOf, kiteOrdersTagged, lastPrice, log, onTick, openDesk, orderId, type Row } from './kite-order-desk';

const marketOrder = (id: string, extra: Partial<PaperOrder> = {}): PaperOrder => ({ id, instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET', ...extra });

test('a market order: open with Kite\'s id, its fills once each, though two connections and the poll all tell them', async (t) => {
  const desk = await openDesk(t);
  const id = orderId();
  desk.broker.place(marketOrder(id));
  await waitFor('filled', () => filledOf(desk.updates, id) === 10);
  await sleep(1000); // two more polls and any late copies
  const [open, ...fills] = desk.updates;
  const [order] = await kiteOrdersTagged(desk.kite, kiteTag(id));
  assert.deepEqual(open, { id, kind: 'open', brokerOrderId: order!.order_id });
  assert.deepEqual(fills.map((f) => f.kind), fills.map(() => 'fill'), 'then fills only');
  assert.equal(filledOf(desk.updates, id), 10, 'nothing doubled');
  const lastFill = fills.at(-1)!;
  assert.equal(lastFill.kind === 'fill' ? lastFill.remaining : undefined, 0);
  const value = fills.reduce((sum, f) => sum + (f.kind === 'fill' ? f.quantity * f.price : 0), 0);
  assert.ok(Math.abs(value / 10 - order!.average_price) < 1e-3, 'fill prices add up to Kite\'s average');
  assert.deepEqual([order!.product, order!.market_protection, order!.validity, order!.quantity], ['MIS', 2, 'DAY', 10], 'MIS and 2 % protection unless told otherwise');
  assert.ok(desk.postbacks >= 10, `${desk.postbacks} postbacks: every one on both connections`);
  assert.equal(desk.server.stats().orders, 1);
});

test('Kite\'s refusals: RMS\'s arrives later as rejected with its message; a synchronous one at once; a product given is kept', async (t) => {
  const desk = await openDesk(t);
  const { last, tick } = await lastPrice(desk.kite, 'NSE:INFY');
  const big = orderId();
  desk.broker.place({ id: big, instrument: 'NSE:INFY', side: 'BUY', quantity: 200_000, type: 'LIMIT', price: onTick(last, tick) });
  await waitFor('RMS rejection', () => desk.updates.some((u) => u.id === big));
  assert.deepEqual(desk.updates, [{ id: big, kind: 'rejected', message: 'Kite rejected the order: Quantity 2,00,000 is more than the 1,00,000 shares one order may be.' }]);
  const bogus = orderId();
  desk.broker.place({ id: bogus, instrument: 'BOGUS:INFY', side: 'SELL', quantity: 1, type: 'MARKET' });
  await waitFor('InputException', () => desk.updates.some((u) => u.id === bogus));
  const refusal = desk.updates.find((u) => u.id === bogus)!;
  assert.equal(refusal.kind, 'rejected');
  assert.match(refusal.kind === 'rejected' ? refusal.message : '', /^Kite refused the order: Invalid `exchange`/);
  const cnc = orderId();
  desk.broker.place({ id: cnc, instrument: 'NSE:TCS', side: 'BUY', quantity: 1, type: 'LIMIT', price: onTick(last * 0.5, tick), product: 'CNC' });
  await waitFor('CNC order at Kite', async () => (await kiteOrdersTagged(desk.kite, kiteTag(cnc)))[0]?.status === 'REJECTED');
  assert.equal((await kiteOrdersTagged(desk.kite, kiteTag(cnc)))[0]!.product, 'CNC');
  for (const marketProtection of [0, -2, 101, Number.NaN]) {
    assert.throws(() => new KiteOrderBroker({ api: () => assert.fail(), onUpdate() {}, log, marketProtection }), RangeError, String(marketProtection));
  }
});

test('a resting limit is cancelled at Kite; a cancel of an order it does not follow is false', async (t) => {
  const desk = await openDesk(t);
  const { close, tick } = await lastPrice(desk.kite, 'NSE:INFY');
  const id = orderId();
  desk.broker.place({ id, instrument: 'NSE:INFY', side: 'BUY', quantity: 3, type: 'LIMIT', price: onTick(close * 0.92, tick) });
  await waitFor('open', () => desk.updates.some((u) => u.kind === 'open'));
  assert.equal(desk.broker.cancel(id), true);
  await waitFor('cancelled', () => desk.updates.some((u) => u.kind === 'cancelled'));
  assert.deepEqual(desk.updates.map((u) => u.kind), ['open', 'cancelled']);
  assert.equal((await kiteOrdersTagged(desk.kite, kiteTag(id)))[0]!.status, 'CANCELLED');
  assert.equal(desk.broker.cancel(id), false, 'a final order is no longer followed');
  assert.equal(desk.broker.cancel(orderId()), false);
});

test('an answer lost after Kite took the order is not "not placed": the order is found by its tag and never placed twice', async (t) => {
  const desk = await openDesk(t);
  desk.server.faults.postbacks(false); // only the book can tell
  desk.server.faults.loseOrderAnswers(true);
  const id = orderId();
  desk.broker.place(marketOrder(id, { quantity: 5 }));
  await waitFor('Kite has it', async () => (await kiteOrdersTagged(desk.kite, kiteTag(id))).length === 1);
  desk.server.faults.loseOrderAnswers(false);
  await waitFor('filled, found by its tag', () => filledOf(desk.updates, id) === 5, 10_000);
  await sleep(2000); // past the unsure window: still one order, still filled once
  assert.equal((await kiteOrdersTagged(desk.kite, kiteTag(id))).length, 1);
  assert.equal(desk.server.stats().orders, 1);
  assert.equal(filledOf(desk.updates, id), 5);
  assert.ok(!desk.updates.some((u) => u.kind === 'rejected'));
});

test('Kite unreachable at placement: nothing is decided while it cannot be asked; then not placed, and said so', async (t) => {
  const desk = await openDesk(t);
  desk.server.faults.serverErrors(true);
  const id = orderId();
  desk.broker.place(marketOrder(id));
  await sleep(2500); // past the unsure window, but Kite's book could not be read
  assert.deepEqual(desk.updates, [], 'pending while Kite cannot tell');
  desk.server.faults.serverErrors(false);
  await waitFor('declared not placed', () => desk.updates.length > 0, 10_000);
  assert.deepEqual(desk.updates, [{ id, kind: 'rejected', message: 'Kite could not be reached when the order was sent, and its order book does not have it: it was not placed.' }]);
  assert.equal(desk.server.stats().orders, 0);
});

test('429 after the retries: rejected with the reason, and only the orders Kite took are at Kite', async (t) => {
  // Our limits far above Kite's, as if another program spent the key's budget.
  const desk = await openDesk(t, { emulator: { rateLimits: { orders: 1 } }, api: { limits: { orders: [{ capacity: 10, perSecond: 100 }] }, retryPauseMs: 10 } });
  const ids = [1, 2, 3, 4].map(() => orderId());
  for (const id of ids) desk.broker.place(marketOrder(id, { quantity: 1 }));
  await waitFor('every order settled', () => ids.every((id) => desk.updates.some((u) => u.id === id && (u.kind === 'rejected' || (u.kind === 'fill' && u.remaining === 0)))), 10_000);
  const rejected = desk.updates.filter((u) => u.kind === 'rejected');
  assert.ok(rejected.length >= 1 && rejected.length <= 3, `${rejected.length} rejected`);
  for (const update of rejected) assert.match(update.kind === 'rejected' ? update.message : '', /too many requests/i);
  assert.equal(desk.server.stats().orders, 4 - rejected.length);
  for (const update of rejected) assert.equal((await kiteOrdersTagged(desk.kite, kiteTag(update.id))).length, 0);
});

test('postbacks lost: the poll reports the order all the same', async (t) => {
  const desk = await openDesk(t);
  desk.server.faults.postbacks(false);
  const id = orderId();
  desk.broker.place(marketOrder(id));
  await waitFor('filled through the poll', () => filledOf(desk.updates, id) === 10, 5000);
  assert.equal(desk.postbacks, 0);
  assert.equal(desk.updates[0]!.kind, 'open');
});

test('malformed postbacks are noticed, never followed; one for an order not ours is ignored', async (t) => {
  const desk = await openDesk(t);
  for (const text of [
    '{"type":"order","data":{"order_id":5}}',
    '{"type":"order"',
    '{"type":"order","data":{"order_id":"1","status":"COMPLETE","quantity":1,"filled_quantity":2,"average_price":1}}',
    '{"type":"order","data":[]}',
  ]) {
    assert.equal(desk.server.faults.sendText(text), 2);
  }
  await waitFor('noticed on both connections', () => desk.notices.length >= 8);
  assert.equal(desk.notices.filter((n) => /^malformed order update from broker/.test(n)).length, 6);
  assert.equal(desk.notices.filter((n) => /^unreadable text frame/.test(n)).length, 2);
  const id = orderId();
  desk.server.faults.sendText(JSON.stringify({ type: 'order', data: { order_id: '42', status: 'COMPLETE', tag: 'notours', quantity: 1, filled_quantity: 1, average_price: 10 } }));
  desk.broker.place(marketOrder(id, { quantity: 2 }));
  await waitFor('the next order still works', () => filledOf(desk.updates, id) === 2);
  assert.ok(desk.updates.every((u) => u.id === id));
  const answer = await desk.kite.getOrders();
  assert.equal((answer as Row[]).length, 1);
});
