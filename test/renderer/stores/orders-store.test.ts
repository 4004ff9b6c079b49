/**
 * The orders store: orders merged by id (a late message never undoes a newer state), positions
 * marked by live prices as the agent marks them, and against a real agent on the simulated
 * market: the list, the `orders` topic, placing (a refusal names its rule and joins the list),
 * cancelling, the positions poll, and the ticket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../shared/errors';
import type { Order } from '../../../shared/order';
import type { PositionInfo } from '../../../shared/risk';
import type { AgentConnection } from '../../../renderer/src/agent/agent-connection';
import { shownError } from '../../../renderer/src/stores/errors';
import { createOrdersStore, isOpen, markPosition, mergeOrders } from '../../../renderer/src/stores/orders-store';
import { sleep, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, newGate, shareAgent } from '../helpers/agent-socket';

let agent: TestAgent;
let connection: AgentConnection;
shareAgent({ workers: 1, simTicksPerSecond: 5 }, (shared) => ({ agent, connection } = shared));

const order = (id: string, fields: Partial<Order> = {}): Order =>
  ({ id, algo: 'ma', instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET', state: 'pending', filledQuantity: 0, averagePrice: null, fees: 0, brokerOrderId: null, rejection: null, createdAt: '2026-12-02T04:00:00.000Z', updatedAt: '2026-12-02T04:00:00.000Z', ...fields }) as Order;

test('orders merge by id: a later state replaces an earlier one, never the other way; new ones come first', () => {
  const a = order('o-1-00000001', { createdAt: '2026-12-02T04:00:00.000Z' });
  const b = order('o-2-00000002', { createdAt: '2026-12-02T04:00:01.000Z', state: 'open', updatedAt: '2026-12-02T04:00:01.000Z' });
  const current = [b, a];

  const filled = { ...b, state: 'filled' as const, filledQuantity: 10, updatedAt: '2026-12-02T04:00:02.000Z' };
  const merged = mergeOrders(current, [filled]);
  assert.deepEqual(merged.map((o) => [o.id, o.state]), [[b.id, 'filled'], [a.id, 'pending']]);
  assert.equal(merged[1], a, 'an order that did not change is the same object (its row does not redraw)');

  // The same order's older state, arriving late (the list answered after the message), changes nothing.
  assert.equal(mergeOrders(merged, [b])[0], filled);
  // At the same time stamp, the fuller and the final state win.
  const partly = { ...b, state: 'partially_filled' as const, filledQuantity: 4 };
  assert.equal(mergeOrders([b], [partly])[0], partly);
  assert.equal(mergeOrders([partly], [b])[0], partly);
  const cancelled = { ...b, state: 'cancelled' as const };
  assert.equal(mergeOrders([b], [cancelled])[0], cancelled);
  assert.equal(mergeOrders([cancelled], [b])[0], cancelled);
  // Two states of one order in one message: the later one.
  assert.equal(mergeOrders([], [filled, b])[0], filled);

  const c = order('o-3-00000003', { createdAt: '2026-12-02T04:00:03.000Z' });
  const older = order('o-0-00000000', { createdAt: '2026-12-01T04:00:00.000Z' });
  assert.deepEqual(mergeOrders(merged, [older, c]).map((o) => o.id), [c.id, filled.id, a.id, older.id], 'newest first, wherever each came from');
  assert.deepEqual(mergeOrders(merged, [c], 2).map((o) => o.id), [c.id, filled.id], 'at most the kept number');
  assert.deepEqual([a, b, filled, cancelled].map(isOpen), [true, true, false, false]);
});

test('a position is marked at the live price as the agent marks it, long or short; without a price, at the agent\'s mark', () => {
  const position = (fields: Partial<PositionInfo>): PositionInfo => ({ algo: 'ma', instrument: 'NSE:INFY', quantity: 10, averagePrice: 100, lastPrice: 101, pnl: 15, realised: 5, unrealised: 10, moneyAtRisk: 20, stopLoss: null, ...fields });
  assert.deepEqual(markPosition(position({}), 103.5), { lastPrice: 103.5, unrealised: 35, pnl: 40 });
  assert.deepEqual(markPosition(position({ quantity: -10 }), 103.5), { lastPrice: 103.5, unrealised: -35, pnl: -30 }, 'a short loses as the price rises');
  assert.deepEqual(markPosition(position({}), undefined), { lastPrice: 101, unrealised: 10, pnl: 15 }, 'no tick yet: the agent\'s mark');
  assert.deepEqual(markPosition(position({}), Number.NaN), { lastPrice: 101, unrealised: 10, pnl: 15 });
  assert.deepEqual(markPosition(position({ lastPrice: null, unrealised: 0 }), undefined), { lastPrice: null, unrealised: 0, pnl: 5 });
  assert.deepEqual(markPosition(position({ quantity: 0, averagePrice: 0, unrealised: 0, realised: -12 }), 250), { lastPrice: 250, unrealised: 0, pnl: -12 }, 'a closed position keeps its realised P&L');
});

test('against the agent: the list loads, the topic brings orders placed elsewhere, positions follow fills, and release unsubscribes', async () => {
  await agent.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
  await waitFor('prices', async () => Object.keys((await agent.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes).length === 2, 10_000);
  const first = await agent.api.call('placeOrder', { algo: 'before', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'MARKET' });

  const gate = newGate();
  const watched = connectForTest(agent.agent.url, TEST_TOKEN, gate);
  try {
    const store = createOrdersStore(watched, 50);
    assert.equal(store.getState().orders, null);
    const stop = store.getState().watch();
    const stopPositions = store.getState().watchPositions();
    await waitFor('the list', () => store.getState().orders?.some((o) => o.id === first.id));
    // The list comes by REST; the topic's subscribe goes once the stream is open, which may be after.
    await waitFor('the orders topic subscribed', () => gate.sent.some((message) => message.type === 'subscribe' && message.topic === 'orders'));

    // Placed by someone else (an algo, another screen): it arrives by the topic, filled.
    const elsewhere = await agent.api.call('placeOrder', { algo: 'elsewhere', instrument: 'NSE:TCS', side: 'SELL', quantity: 3, type: 'MARKET', stopLoss: 99_999 });
    await waitFor('the topic', () => store.getState().orders?.find((o) => o.id === elsewhere.id)?.state === 'filled', 5_000);
    assert.equal(store.getState().orders![0]!.id, elsewhere.id, 'newest first');
    await waitFor('its position', () => store.getState().positions?.find((p) => p.algo === 'elsewhere')?.quantity === -3, 5_000);
    // The agent's positions (the figures that move with prices aside).
    const held = (positions: PositionInfo[]) => positions.map((p) => [p.algo, p.instrument, p.quantity, p.averagePrice, p.realised, p.stopLoss]);
    await waitFor('the same positions as the agent', async () => JSON.stringify(held(store.getState().positions!)) === JSON.stringify(held((await agent.api.call('getPositions')).positions)), 5_000);

    stop();
    stopPositions();
    await waitFor('unsubscribed', () => gate.sent.some((message) => message.type === 'unsubscribe' && message.topic === 'orders'));
    const before = store.getState().orders;
    await agent.api.call('placeOrder', { algo: 'elsewhere', instrument: 'NSE:TCS', side: 'BUY', quantity: 3, type: 'MARKET' });
    await sleep(300);
    assert.equal(store.getState().orders, before, 'no longer followed');
  } finally {
    watched.close();
  }
});

test('placing: accepted orders join the list; a refusal throws the agent\'s error naming its rule, and the refused order joins too', async () => {
  const store = createOrdersStore(connection, 50);
  const stop = store.getState().watch();
  try {
    await waitFor('the list', () => store.getState().orders !== null);
    const placed = await store.getState().place({ algo: 'ticket', instrument: 'NSE:INFY', side: 'BUY', quantity: 2, type: 'MARKET', clientOrderId: 'ticket-test-1' });
    assert.equal(placed.state, 'filled');
    assert.equal(store.getState().orders![0]!.id, placed.id, 'in the list at once, before any message');
    const again = await store.getState().place({ algo: 'ticket', instrument: 'NSE:INFY', side: 'BUY', quantity: 2, type: 'MARKET', clientOrderId: 'ticket-test-1' });
    assert.equal(again.id, placed.id, 'the same client order id is the same order');

    await agent.api.call('setRiskLimits', { algos: { ticket: { maxOrderQuantity: 5 } } });
    const raw = await agent.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'ticket', instrument: 'NSE:INFY', side: 'BUY', quantity: 6, type: 'MARKET' }) });
    assert.equal(raw.status, 422);
    let refused: ApiError | undefined;
    await assert.rejects(store.getState().place({ algo: 'ticket', instrument: 'NSE:INFY', side: 'BUY', quantity: 6, type: 'MARKET' }), (error: unknown) => {
      refused = error as ApiError;
      return error instanceof ApiError && error.code === 'risk_rejected';
    });
    assert.equal(refused!.message, raw.body.error.message, 'the agent\'s sentence, as it is');
    assert.deepEqual(shownError(refused), { code: 'risk_rejected', message: raw.body.error.message, rule: 'max_order_quantity' });
    const kept = store.getState().orders!.find((o) => o.state === 'rejected' && o.quantity === 6 && o.algo === 'ticket');
    assert.ok(kept, 'the refused order is in the list');
    assert.deepEqual(kept.rejection, { rule: 'max_order_quantity', message: raw.body.error.message });

    // A bad field: the agent's field, no rule.
    await assert.rejects(store.getState().place({ algo: 'ticket', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'LIMIT' }), (error: unknown) => {
      const shown = shownError(error);
      return shown.code === 'invalid_request' && shown.field === 'price' && shown.rule === undefined;
    });
    await agent.api.call('setRiskLimits', { algos: { ticket: null } });
  } finally {
    stop();
  }
});

test('cancelling a resting order answers the cancelled order and updates the list; cancelling it again is the agent\'s conflict', async () => {
  const store = createOrdersStore(connection, 50);
  const stop = store.getState().watch();
  try {
    await waitFor('the list', () => store.getState().orders !== null);
    const price = (await agent.api.call('getQuotes', { instruments: ['NSE:TCS'] })).quotes['NSE:TCS']!.lastPrice;
    const resting = await store.getState().place({ algo: 'ticket', instrument: 'NSE:TCS', side: 'BUY', quantity: 1, type: 'LIMIT', price: Math.round(price * 0.5) });
    assert.equal(resting.state, 'open');
    assert.ok(isOpen(store.getState().orders!.find((o) => o.id === resting.id)!));
    const cancelled = await store.getState().cancel(resting.id);
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(store.getState().orders!.find((o) => o.id === resting.id)!.state, 'cancelled');
    await assert.rejects(store.getState().cancel(resting.id), (error: unknown) => error instanceof ApiError && error.code === 'conflict');
  } finally {
    stop();
  }
});

test('the ticket opens afresh each time, closes, and stays loaded once used', () => {
  const store = createOrdersStore(connection);
  assert.deepEqual([store.getState().ticket, store.getState().ticketUsed], [null, false]);
  store.getState().openTicket({ side: 'BUY', instrument: 'NSE:INFY' });
  const first = store.getState().ticket!;
  assert.deepEqual({ ...first, opened: 0 }, { side: 'BUY', instrument: 'NSE:INFY', opened: 0 });
  store.getState().openTicket({ side: 'SELL', instrument: 'NSE:INFY', quantity: 10, algo: 'ma' });
  const second = store.getState().ticket!;
  assert.ok(second.opened > first.opened, 'a new opening, even on the same instrument');
  assert.deepEqual([second.side, second.quantity, second.algo], ['SELL', 10, 'ma']);
  store.getState().closeTicket();
  assert.deepEqual([store.getState().ticket, store.getState().ticketUsed], [null, true]);
});

test('a refresh that fails says why and keeps what it had', async () => {
  const nobody = connectForTest('http://127.0.0.1:1', TEST_TOKEN);
  try {
    const store = createOrdersStore(nobody);
    await store.getState().refresh();
    await store.getState().refreshPositions();
    assert.equal(store.getState().orders, null);
    assert.deepEqual(store.getState().error, { code: 'unavailable', message: 'The agent cannot be reached.' });
    assert.equal(store.getState().positionsError?.code, 'unavailable');
  } finally {
    nobody.close();
  }
});
