/**
 * The Kite order broker after a restart, on the emulator: each order in flight is found in Kite's
 * book (by Kite's id, or by its tag when the id never came back), only fills beyond those
 * recorded are reported (priced from Kite's trades), an order Kite never saw is placed once (for
 * what is left), and orders of an earlier day are settled, never placed again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kiteTag } from '../../../agent/broker/kite/kite-order-update';
import type { PaperOrder, PaperUpdate } from '../../../agent/orders/paper-broker';
import { sleep, waitFor } from '../../helpers/wait';
import { filledOf, kiteOrdersTagged, lastPrice, onTick, openDesk, orderId, type Row } from './kite-order-desk';

const DAY_MS = 86_400_000;

test('after a restart: found by id or by tag, only fills beyond those recorded, never placed twice; what Kite never saw is placed once', async (t) => {
  const desk = await openDesk(t, { emulator: { rateLimits: { orders: 100, ordersPerMinute: 1000 } } });
  const { close, tick } = await lastPrice(desk.kite, 'NSE:INFY');
  const low = onTick(close * 0.92, tick);
  // What an earlier run of the agent left at Kite, placed with its tags.
  const placeAtKite = async (id: string, params: Record<string, unknown>) =>
    ((await desk.kite.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', product: 'MIS', order_type: 'LIMIT', price: low, tag: kiteTag(id), ...params } as never)) as { order_id: string }).order_id;
  const order = (id: string, quantity: number, extra: Partial<PaperOrder> = {}): PaperOrder => ({ id, instrument: 'NSE:INFY', side: 'BUY', quantity, type: 'LIMIT', price: low, ...extra });

  // A: known by id, 4 of 10 recorded; it filled at Kite while the agent was down.
  const a = orderId(60_000);
  const aKite = await placeAtKite(a, { quantity: 10 });
  await waitFor('A open at Kite', async () => ((await desk.kite.getOrderHistory(aKite)) as Row[]).at(-1)!.status === 'OPEN');
  await desk.kite.modifyOrder('regular', aKite, { price: onTick(close * 1.08, tick) });
  await waitFor('A complete at Kite', async () => ((await desk.kite.getOrderHistory(aKite)) as Row[]).at(-1)!.status === 'COMPLETE');
  // B: placed, but its answer never came back: known by tag only, resting.
  const b = orderId(50_000);
  const bKite = await placeAtKite(b, { quantity: 2 });
  // C: never reached Kite.
  const c = orderId(40_000);
  // D: 3 of 10 recorded through an earlier Kite order of an earlier run; the rest never placed.
  const d = orderId(30_000);
  // E and F: an earlier day's, gone from Kite's book, with and without an id.
  const e = orderId(DAY_MS + 60_000);
  const f = orderId(DAY_MS + 60_000);
  // G: written but never checked before the stop, and placed: the router sends it again through place().
  const g = orderId(20_000);
  await placeAtKite(g, { quantity: 1 });
  await waitFor('the earlier run\'s orders settled at Kite', async () => ((await desk.kite.getOrders()) as Row[]).every((o) => /^(OPEN|COMPLETE)$/.test(o.status)));
  const before = desk.server.stats().orders;

  const { broker, updates } = desk.restart();
  broker.resume([
    { order: order(a, 10), filledQuantity: 4, brokerOrderId: aKite },
    { order: order(b, 2), filledQuantity: 0, brokerOrderId: null },
    { order: order(c, 5), filledQuantity: 0, brokerOrderId: null },
    { order: order(d, 10, { type: 'MARKET', price: undefined }), filledQuantity: 3, brokerOrderId: null },
    { order: order(e, 1), filledQuantity: 0, brokerOrderId: '100000000000001' },
    { order: order(f, 1), filledQuantity: 0, brokerOrderId: null },
  ]);
  broker.place(order(g, 1));
  const of = (id: string) => updates.filter((u) => u.id === id);
  await waitFor('every order reconciled', () => [a, b, c, d, e, f, g].every((id) => of(id).length > 0) && filledOf(updates, d) === 7, 15_000);

  const trades = (await desk.kite.getOrderTrades(aKite)) as Row[];
  let first4 = 0;
  let left = 4;
  for (const trade of trades) {
    const take = Math.min(left, trade.quantity);
    first4 += take * trade.average_price;
    left -= take;
  }
  const total = trades.reduce((sum, trade) => sum + trade.quantity * trade.average_price, 0);
  const aFills = of(a).filter((u): u is Extract<PaperUpdate, { kind: 'fill' }> => u.kind === 'fill');
  assert.deepEqual(aFills.map((u) => [u.quantity, u.remaining]), [[6, 0]], 'A: only the 6 beyond the 4 recorded');
  assert.ok(Math.abs(aFills[0]!.price - (total - first4) / 6) < 1e-3, "A's fill priced from Kite's trades");
  assert.deepEqual(of(b), [{ id: b, kind: 'open', brokerOrderId: bKite }], 'B: found by its tag');
  const cKite = await kiteOrdersTagged(desk.kite, kiteTag(c));
  assert.equal(cKite.length, 1, 'C: placed now, once');
  assert.deepEqual(of(c), [{ id: c, kind: 'open', brokerOrderId: cKite[0]!.order_id }]);
  const dKite = await kiteOrdersTagged(desk.kite, kiteTag(d));
  assert.deepEqual(dKite.map((o) => [o.quantity, o.status]), [[7, 'COMPLETE']], 'D: only what was left, placed once');
  const dLast = of(d).at(-1)!;
  assert.equal(dLast.kind === 'fill' ? dLast.remaining : undefined, 0);
  assert.deepEqual(of(e), [{ id: e, kind: 'cancelled' }], "E: an earlier day's order ended with its day");
  assert.deepEqual(of(f), [{ id: f, kind: 'rejected', message: 'The order is from an earlier trading day and Kite never had it: it is not placed now.' }]);
  assert.deepEqual(of(g).map((u) => u.kind), ['open'], 'G: the order Kite had, not a second one');
  assert.equal((await kiteOrdersTagged(desk.kite, kiteTag(g))).length, 1);
  assert.equal(desk.server.stats().orders - before, 2, 'only C and D were placed');

  // Restarted again before D's fills were recorded: D's remainder is found by its tag and its fills told; B, known by id, adds nothing.
  const again = desk.restart();
  again.broker.resume([{ order: order(d, 10, { type: 'MARKET', price: undefined }), filledQuantity: 3, brokerOrderId: null }, { order: order(b, 2), filledQuantity: 0, brokerOrderId: bKite }]);
  await waitFor("D's fills again", () => filledOf(again.updates, d) === 7);
  await sleep(1000);
  assert.deepEqual(again.updates.map((u) => [u.id, u.kind]), [[d, 'fill']], 'no open: the router has D partly filled');
  assert.equal(desk.server.stats().orders - before, 2, 'nothing placed again');
});

test('a cancel asked while the order was being looked for: cancelled at Kite if it is there, else never placed', async (t) => {
  const desk = await openDesk(t, { broker: { pollMs: 300 } });
  const { close, tick } = await lastPrice(desk.kite, 'NSE:INFY');
  const low = onTick(close * 0.92, tick);
  const there = orderId(10_000);
  await desk.kite.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'SELL', quantity: 1, product: 'MIS', order_type: 'LIMIT', price: onTick(close * 1.08, tick), tag: kiteTag(there) } as never);
  const absent = orderId(10_000);
  const { broker, updates } = desk.restart();
  const order = (id: string, side: 'BUY' | 'SELL', price: number): PaperOrder => ({ id, instrument: 'NSE:INFY', side, quantity: 1, type: 'LIMIT', price });
  broker.resume([{ order: order(there, 'SELL', onTick(close * 1.08, tick)), filledQuantity: 0, brokerOrderId: null }, { order: order(absent, 'BUY', low), filledQuantity: 0, brokerOrderId: null }]);
  assert.equal(broker.cancel(there), true);
  assert.equal(broker.cancel(absent), true);
  await waitFor('both settled', () => [there, absent].every((id) => updates.some((u) => u.id === id && u.kind === 'cancelled')), 10_000);
  assert.equal((await kiteOrdersTagged(desk.kite, kiteTag(there)))[0]!.status, 'CANCELLED');
  assert.deepEqual(await kiteOrdersTagged(desk.kite, kiteTag(absent)), [], 'never placed');
});
