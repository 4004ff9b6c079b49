import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KillSwitchResult } from '../../../shared/contract/api';
import type { Order } from '../../../shared/order';
import type { PositionInfo, RiskLimitSet, RiskSummary } from '../../../shared/risk';
import { startTestAgent, type TestAgent, waitFor } from '../../helpers/test-agent';

let t: TestAgent;
before(async () => {
  t = await startTestAgent({ workers: 1, simTicksPerSecond: 5 });
  await t.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
  await waitFor('prices', async () => Object.keys((await t.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes).length === 2, 10_000);
});
after(() => t.stop());

const post = (path: string, body: unknown) => t.request('POST', path, { body: JSON.stringify(body) });
const place = (body: Record<string, unknown>) => post('/api/v1/orders', { algo: 'ma', instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET', ...body });

test('a market order is filled by the paper broker against the simulated book; positions and risk follow', async () => {
  const quote = (await t.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY']!;
  const placed = await place({ stopLoss: Math.round(quote.lastPrice * 0.98), clientOrderId: 'ma-1' });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  const order = placed.body as Order;
  assert.equal(order.state, 'filled');
  assert.equal(order.filledQuantity, 10);
  assert.ok(order.averagePrice! > 0);
  const again = await place({ stopLoss: Math.round(quote.lastPrice * 0.98), clientOrderId: 'ma-1' });
  assert.equal((again.body as Order).id, order.id, 'a resent order is the same order');
  const positions = ((await t.request('GET', '/api/v1/positions')).body as { positions: PositionInfo[] }).positions;
  assert.deepEqual(positions.map((p) => [p.algo, p.instrument, p.quantity]), [['ma', 'NSE:INFY', 10]], 'filled once');
  const risk = (await t.request('GET', '/api/v1/risk')).body as RiskSummary;
  assert.ok(risk.moneyAtRisk.ma!['NSE:INFY']! > 0);
  const held = risk.exposure['NSE:INFY']!;
  assert.deepEqual([held.net, held.gross, held.algos], [10, 10, { ma: 10 }], 'what the portfolio holds, for every algo to read');
  assert.ok(held.notional > 10 * quote.lastPrice * 0.9 && held.notional < 10 * quote.lastPrice * 1.1);
  assert.equal(risk.state.state, 'ACTIVE');
});

test('limits change live (partial, null removes, bad ones refused with the field); an order past one is refused with its rule', async () => {
  const set = await t.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { ma: { maxOrderQuantity: 5, maxRisk: 1e9 } }, global: { maxOrderValue: 1e8 } }) });
  assert.equal(set.status, 200);
  assert.deepEqual((set.body as RiskLimitSet).algos.ma, { maxOrderQuantity: 5, maxRisk: 1e9 });
  const refused = await place({ quantity: 6 });
  assert.equal(refused.status, 422);
  const error = (refused.body as { error: { code: string; message: string; details: { rule: string; limit: number; order: Order } } }).error;
  assert.equal(error.code, 'risk_rejected');
  assert.equal(error.details.rule, 'max_order_quantity');
  assert.equal(error.details.limit, 5);
  assert.equal(error.details.order.state, 'rejected');
  const partial = (await t.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { ma: { maxOrderQuantity: null } } }) })).body as RiskLimitSet;
  assert.deepEqual(partial.algos.ma, { maxRisk: 1e9 }, 'only what it names changes');
  assert.equal(partial.global.maxOrderValue, 1e8);
  for (const [body, field] of [
    [{ algos: { ma: { maxRisk: -5 } } }, 'algos.ma.maxRisk'],
    [{ global: { onBreach: 'PANIC' } }, 'global.onBreach'],
    [{ instruments: { 'NOT AN ID': { maxRisk: 1 } } }, 'instruments.NOT AN ID'],
    [{ global: { maxOrdersPerSecond: 1.5 } }, 'global.maxOrdersPerSecond'],
    [{ global: { tradingWindow: { from: '9:15', to: '15:30' } } }, 'global.tradingWindow.from'],
    [{ algos: { ma: { tradingWindow: { from: '10:00', to: '10:00' } } } }, 'algos.ma.tradingWindow.to'],
    [{ algos: { ma: { tradingWindow: { from: '24:00', to: '10:00' } } } }, 'algos.ma.tradingWindow.from'],
  ] as const) {
    const answer = await t.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify(body) });
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal((answer.body as { error: { field: string } }).error.field, field);
  }
  assert.deepEqual(((await t.request('GET', '/api/v1/risk')).body as RiskSummary).limits.algos.ma, { maxRisk: 1e9 }, 'nothing changed by refused limits');
});

test('a resting limit order cancels; bad orders are refused with the field', async () => {
  const quote = (await t.api.call('getQuotes', { instruments: ['NSE:TCS'] })).quotes['NSE:TCS']!;
  const resting = (await place({ instrument: 'NSE:TCS', type: 'LIMIT', price: Math.round(quote.lastPrice * 0.5), quantity: 2 })).body as Order;
  assert.equal(resting.state, 'open');
  const cancelled = await t.request('DELETE', `/api/v1/orders/${resting.id}`);
  assert.equal((cancelled.body as Order).state, 'cancelled');
  assert.equal((await t.request('DELETE', `/api/v1/orders/${resting.id}`)).status, 409);
  for (const [body, field] of [
    [{ type: 'LIMIT' }, 'price'],
    [{ type: 'MARKET', price: 10 }, 'price'],
    [{ type: 'SL-M' }, 'trigger'],
    [{ quantity: 0 }, 'quantity'],
    [{ quantity: 1.5 }, 'quantity'],
    [{ side: 'HOLD' }, 'side'],
    [{ instrument: 'INFY' }, 'instrument'],
    [{ exit: true }, 'exit'],
  ] as const) {
    const answer = await place(body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal((answer.body as { error: { field: string } }).error.field, field, JSON.stringify(body));
  }
});

test('the kill switch halts, cancels, squares off through the same checks, and releases', async () => {
  const quote = (await t.api.call('getQuotes', { instruments: ['NSE:TCS'] })).quotes['NSE:TCS']!;
  await place({ instrument: 'NSE:TCS', type: 'LIMIT', price: Math.round(quote.lastPrice * 0.5), quantity: 1 });
  const engaged = (await post('/api/v1/risk/kill-switch', { engage: true, flatten: true })).body as KillSwitchResult;
  assert.equal(engaged.cancelled, 1);
  assert.equal(engaged.risk.state.state, 'HALTED');
  assert.equal(engaged.risk.state.killSwitch, true);
  assert.deepEqual(engaged.exits.map((o) => [o.algo, o.instrument, o.side, o.quantity, o.state]), [['ma', 'NSE:INFY', 'SELL', 10, 'filled']]);
  const positions = ((await t.request('GET', '/api/v1/positions')).body as { positions: PositionInfo[] }).positions;
  assert.deepEqual(positions.map((p) => p.quantity), [0], 'flat, with its P&L kept');
  const refused = await place({ quantity: 1 });
  assert.equal((refused.body as { error: { details: { rule: string } } }).error.details.rule, 'halted');
  const released = (await post('/api/v1/risk/kill-switch', { engage: false })).body as KillSwitchResult;
  assert.equal(released.risk.state.state, 'ACTIVE');
  assert.equal((await place({ quantity: 1 })).status, 201);
});

test('the risk history has today’s record with its highs; a bad days is refused', async () => {
  const record = await waitFor('today’s record', async () => {
    const { days } = (await t.request('GET', '/api/v1/risk/history?days=5')).body as { days: Array<{ date: string; maxMoneyAtRisk: number; maxMoneyAtRiskByAlgo: Record<string, number> }> };
    return days[0] !== undefined && days[0].maxMoneyAtRisk > 0 && days[0];
  });
  assert.ok((record.maxMoneyAtRiskByAlgo.ma ?? 0) > 0);
  assert.match(record.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal((await t.request('GET', '/api/v1/risk/history?days=0')).status, 400);
});

test('a trading window set live: outside it, in the exchange’s time, new exposure is refused with its rule', async () => {
  // A window that opens an hour from now (IST, the simulated exchange's zone) and closes an hour later.
  const ist = Math.floor(Date.now() / 60_000 + 330) % 1440;
  const clock = (minute: number) => `${String(Math.floor((minute % 1440) / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  const set = await t.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { late: { tradingWindow: { from: clock(ist + 60), to: clock(ist + 120) } } } }) });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const refused = await place({ algo: 'late' });
  assert.equal(refused.status, 422);
  assert.equal((refused.body as { error: { details: { rule: string } } }).error.details.rule, 'outside_trading_window');
  await t.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { late: { tradingWindow: { from: clock(ist + 1380), to: clock(ist + 60) } } } }) });
  assert.equal((await place({ algo: 'late' })).status, 201, 'inside a window around now (past midnight or not)');
  assert.equal((await place({ algo: 'late', side: 'SELL' })).status, 201, 'flat again');
  await t.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { late: null } }) });
});

test('trading states set by hand: one algo halted or reducing, everything, and never looser than the kill switch', async () => {
  const state = (body: unknown) => t.request('POST', '/api/v1/risk/states', { body: JSON.stringify(body) });
  const halted = await state({ scope: 'solo', state: 'HALTED', reason: 'checking its logic' });
  assert.equal(halted.status, 200, JSON.stringify(halted.body));
  assert.deepEqual([(halted.body as RiskSummary).algos.solo?.state, (halted.body as RiskSummary).algos.solo?.reason], ['HALTED', 'checking its logic'], 'listed before its first order');
  assert.equal((await place({ algo: 'solo' })).body.error.details.rule, 'halted');
  assert.equal((await place({ algo: 'other', quantity: 1 })).status, 201, 'the others trade on');
  assert.equal((await state({ scope: 'solo', state: 'ACTIVE' })).status, 200);
  assert.equal((await place({ algo: 'solo', quantity: 1 })).status, 201);
  assert.equal((await state({ scope: 'global', state: 'REDUCING' })).status, 200);
  assert.equal((await place({ algo: 'solo', quantity: 1 })).body.error.details.rule, 'reducing');
  assert.equal((await place({ algo: 'solo', side: 'SELL', quantity: 1 })).status, 201, 'reducing passes');
  assert.equal((await state({ scope: 'global', state: 'ACTIVE' })).status, 200);

  await post('/api/v1/risk/kill-switch', { engage: true });
  const held = await state({ scope: 'global', state: 'ACTIVE' });
  assert.equal(held.status, 409);
  assert.match(held.body.error.message, /release it/);
  await post('/api/v1/risk/kill-switch', { engage: false });

  for (const [body, field] of [
    [{ scope: 'global', state: 'PAUSED' }, 'state'],
    [{ scope: '../x', state: 'HALTED' }, 'scope'],
    [{ scope: 'solo', state: 'HALTED', reason: '' }, 'reason'],
  ] as const) {
    const bad = await state(body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.body.error.field, field);
  }
});

test('an IOC order that cannot fill at once is cancelled, not left resting', async () => {
  const quote = (await t.api.call('getQuotes', { instruments: ['NSE:TCS'] })).quotes['NSE:TCS']!;
  const placed = await place({ algo: 'ioc', instrument: 'NSE:TCS', type: 'LIMIT', price: Math.round(quote.lastPrice * 0.5), quantity: 2, validity: 'IOC' });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.deepEqual([(placed.body as Order).state, (placed.body as Order).filledQuantity, (placed.body as Order).validity], ['cancelled', 0, 'IOC']);
  assert.equal((await place({ algo: 'ioc', validity: 'GTC' })).body.error.field, 'validity');
});
