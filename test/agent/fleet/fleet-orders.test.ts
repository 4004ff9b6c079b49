import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { Order } from '../../../shared/order';
import type { PositionInfo, RiskSummary } from '../../../shared/risk';
import type { TaskInfo } from '../../../shared/task';
import { FLEET_LINK_PATH, FLEET_LINK_PROTOCOL } from '../../../shared/fleet';
import { RawStreamClient } from '../../helpers/raw-stream-client';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

const JOIN = 'join-token-for-orders-0123456789';
const fast = { fleetHeartbeatMs: 300, memberBackoff: { initialDelayMs: 50, maxDelayMs: 200 } };
const ALGO_SCRIPT = fileURLToPath(new URL('../../fixtures/tasks/orders.mjs', import.meta.url));

let hub: TestAgent;
let m1: TestAgent;
let m2: TestAgent;
before(async () => {
  hub = await startTestAgent({ name: 'hub', workers: 1, simTicksPerSecond: 5, fleet: { hub: true, joinToken: JOIN }, ...fast });
  await hub.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
  const member = (name: string) => startTestAgent({ name, workers: 1, fleet: { join: { url: hub.agent.url, token: JOIN } }, ...fast });
  [m1, m2] = await Promise.all([member('m1'), member('m2')]);
  await waitFor('members online and prices at the hub', async () => {
    const agents = ((await hub.request('GET', '/api/v1/agents')).body as { agents: Array<{ status: string }> }).agents;
    const quotes = (await hub.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes;
    return agents.filter((a) => a.status === 'online').length === 3 && Object.keys(quotes).length === 2;
  }, 15_000);
});
after(async () => {
  await Promise.all([m1.stop(), m2.stop()]);
  await hub.stop();
});

type Answer = { i: number; status: number; body: any };

/** Runs the order-sending algo as a task named `algo` on `agent`; its answers, one per call. */
async function runAlgo(agent: TestAgent, algo: string, calls: Array<[string, string, unknown?]>): Promise<Answer[]> {
  const created = await agent.request('POST', '/api/v1/tasks', { body: JSON.stringify({ name: algo, command: 'node', args: [ALGO_SCRIPT, JSON.stringify(calls)], start: true }) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = created.body as TaskInfo;
  let answers: Answer[] = [];
  await waitFor(`${algo} to finish its calls`, async () => {
    const lines = ((await agent.request('GET', `/api/v1/tasks/${task.id}/logs?stream=stdout`)).body as { lines: Array<{ text: string }> }).lines.map((l) => l.text);
    answers = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Answer);
    return lines.includes('done');
  }, 20_000);
  await agent.request('DELETE', `/api/v1/tasks/${task.id}`);
  return answers;
}

const hubOrders = async (algo: string) => ((await hub.request('GET', `/api/v1/orders?algo=${algo}`)).body as { orders: Order[] }).orders;

test("a member's algo trades through the hub's one risk manager: the order, the position and the risk are the hub's", async () => {
  const events = await RawStreamClient.open(m1.agent.url, { token: TEST_TOKEN });
  try {
    await events.request({ type: 'subscribe', topic: 'orders' });
    const [placed, again, positions, risk] = await runAlgo(m1, 'alpha', [
      ['POST', '/api/v1/orders', { algo: 'alpha', instrument: 'NSE:INFY', side: 'BUY', quantity: 3, type: 'MARKET', clientOrderId: 'a-1' }],
      ['POST', '/api/v1/orders', { algo: 'alpha', instrument: 'NSE:INFY', side: 'BUY', quantity: 3, type: 'MARKET', clientOrderId: 'a-1' }],
      ['GET', '/api/v1/positions'],
      ['GET', '/api/v1/risk'],
    ]);
    assert.equal(placed!.status, 201, JSON.stringify(placed!.body));
    const order = placed!.body as Order;
    assert.equal(order.state, 'filled', 'filled by the hub’s paper broker');
    assert.equal((again!.body as Order).id, order.id, 'a resent order is the same order, across the link too');
    const atHub = await hubOrders('alpha');
    assert.deepEqual(atHub.map((o) => o.id), [order.id], 'the order is at the hub, once');
    assert.deepEqual((positions!.body as { positions: PositionInfo[] }).positions.map((p) => [p.algo, p.instrument, p.quantity]), [['alpha', 'NSE:INFY', 3]]);
    assert.ok((risk!.body as RiskSummary).moneyAtRisk.alpha!['NSE:INFY']! > 0, 'the hub’s risk summary, read from the member');
    await waitFor('the fill on the member’s orders topic', () => events.messages.some((m) => m.type === 'orders' && (m.orders as Order[]).some((o) => o.id === order.id && o.state === 'filled')));
  } finally {
    await events.close();
  }
  const shared = (await m2.request('GET', '/api/v1/risk')).body as RiskSummary;
  assert.deepEqual(shared.exposure['NSE:INFY']?.algos, { alpha: 3 }, 'an algo on another member sees what alpha holds');
  const elsewhere = ((await m2.request('GET', '/api/v1/orders')).body as { orders: Order[] }).orders;
  assert.deepEqual(elsewhere, [], 'another member sees none of alpha’s orders');
  const audit = ((await hub.request('GET', '/api/v1/audit?method=placeOrder')).body as { entries: Array<{ who: string; result: string }> }).entries;
  assert.deepEqual(audit.map((e) => [e.who, e.result]), [['agent m1 for algo alpha', 'ok'], ['agent m1 for algo alpha', 'ok']], 'the hub’s audit names the member and its algo');
});

test("the hub's limits stop a member's algo, naming the rule; the algo cannot trade for another", async () => {
  const set = await hub.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ algos: { beta: { maxOrderQuantity: 5 } } }) });
  assert.equal(set.status, 200);
  const [refused, other] = await runAlgo(m1, 'beta', [
    ['POST', '/api/v1/orders', { algo: 'beta', instrument: 'NSE:TCS', side: 'BUY', quantity: 6, type: 'MARKET' }],
    ['POST', '/api/v1/orders', { algo: 'alpha', instrument: 'NSE:TCS', side: 'BUY', quantity: 1, type: 'MARKET' }],
  ]);
  assert.equal(refused!.status, 422);
  assert.equal(refused!.body.error.code, 'risk_rejected');
  assert.equal(refused!.body.error.details.rule, 'max_order_quantity');
  assert.equal(other!.status, 403, 'a task trades for its own algo only');
  assert.deepEqual((await hubOrders('beta')).map((o) => o.state), ['rejected'], 'the refused order is kept at the hub');
});

test("an algo's name is its agent's: another member cannot trade, cancel or read under it", async () => {
  const taken = await m2.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'alpha', instrument: 'NSE:INFY', side: 'SELL', quantity: 3, type: 'MARKET' }) });
  assert.equal(taken.status, 403, JSON.stringify(taken.body));
  assert.equal(taken.body.error.field, 'algo');
  assert.match(taken.body.error.message, /m1/);
  const [order] = await hubOrders('alpha');
  const cancel = await m2.request('DELETE', `/api/v1/orders/${order!.id}`);
  assert.equal(cancel.status, 403);
  const list = await m2.request('GET', '/api/v1/orders?algo=alpha');
  assert.equal(list.status, 403);
  const own = await m2.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'gamma', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'LIMIT', price: 1 }) });
  assert.equal(own.status, 201, 'the trader at a member trades its own algos');
  assert.equal((own.body as Order).state, 'open', 'resting at the hub');
  assert.deepEqual(((await m2.request('GET', '/api/v1/orders')).body as { orders: Order[] }).orders.map((o) => o.algo), ['gamma']);
  assert.equal((await m2.request('DELETE', `/api/v1/orders/${(own.body as Order).id}`)).body.state, 'cancelled');
});

test('limits and the kill switch are the hub’s alone', async () => {
  const limits = await m1.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ global: { maxRisk: 1 } }) });
  assert.equal(limits.status, 409);
  assert.equal(limits.body.error.code, 'hub_only');
  const kill = await m1.request('POST', '/api/v1/risk/kill-switch', { body: JSON.stringify({ engage: true }) });
  assert.equal(kill.body.error.code, 'hub_only');
  assert.equal(((await hub.request('GET', '/api/v1/risk')).body as RiskSummary).limits.global.maxRisk, undefined, 'nothing changed');
});

test("the hub's kill switch cancels a member's resting order, and the member hears the halt", async () => {
  const events = await RawStreamClient.open(m2.agent.url, { token: TEST_TOKEN });
  try {
    await events.request({ type: 'subscribe', topic: 'risk' });
    const resting = await m2.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'gamma', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'LIMIT', price: 1 }) });
    assert.equal((resting.body as Order).state, 'open');
    const engaged = await hub.request('POST', '/api/v1/risk/kill-switch', { body: JSON.stringify({ engage: true }) });
    assert.equal(engaged.status, 200);
    assert.equal(((await m2.request('GET', '/api/v1/orders?state=open')).body as { orders: Order[] }).orders.length, 0, 'cancelled at the hub');
    await waitFor('the halt on the member’s risk topic', () => events.messages.some((m) => m.type === 'risk_state' && m.to === 'HALTED'));
    const refused = await m2.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'gamma', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'MARKET' }) });
    assert.equal(refused.body.error.details.rule, 'halted');
  } finally {
    await hub.request('POST', '/api/v1/risk/kill-switch', { body: JSON.stringify({ engage: false }) });
    await events.close();
  }
});

test('a link may ask only for orders and risk: anything else ends it', async () => {
  const id = 'fedcba9876543210';
  for (const ask of [
    { t: 'ask', id: 1, method: 'setKillSwitch', input: { engage: true } },
    { t: 'ask', id: 1, method: 'setRiskLimits', input: {} },
    { t: 'ask', id: 1, method: 'placeOrder', input: {}, algo: '../x' },
  ]) {
    const ws = new WebSocket(hub.agent.url.replace('http', 'ws') + FLEET_LINK_PATH, [FLEET_LINK_PROTOCOL], { headers: { authorization: `Bearer ${JOIN}` } });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.on('open', resolve));
    ws.send(JSON.stringify({ t: 'hello', id, name: 'intruder', labels: {}, version: '0' }));
    ws.on('message', (data) => {
      if (String(data).includes('"welcome"')) ws.send(JSON.stringify(ask));
    });
    assert.equal(await closed, 4008, JSON.stringify(ask));
  }
  assert.equal(((await hub.request('GET', '/api/v1/risk')).body as RiskSummary).state.killSwitch, false);
  await hub.request('DELETE', `/api/v1/agents/${id}`);
});

test('a member cut from its hub refuses orders at once, saying nothing was sent', async () => {
  const lone = await startTestAgent({ name: 'lone', workers: 1, fleet: { join: { url: 'ws://127.0.0.1:9', token: JOIN } }, ...fast });
  try {
    const refused = await lone.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'delta', instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'MARKET' }) });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'hub_unreachable');
    assert.match(refused.body.error.message, /nothing was sent/);
    const bad = await lone.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'delta', side: 'BUY' }) });
    assert.equal(bad.status, 400, 'a bad order is refused at the member, before any link');
  } finally {
    await lone.stop();
  }
});

test("an order for an instrument the hub's ticker does not carry has it carried, priced and filled", async () => {
  assert.equal(hub.agent.ticker.isSubscribed('NSE:SBIN'), false);
  const placed = await m1.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'epsilon', instrument: 'NSE:SBIN', side: 'BUY', quantity: 1, type: 'MARKET' }) });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal((placed.body as Order).state, 'filled');
  assert.equal(hub.agent.ticker.isSubscribed('NSE:SBIN'), true, 'the hub marks what is held');
  assert.equal(hub.agent.ticker.carry('NSE:NOSUCH'), false, 'an unknown instrument is not carried');
  const unknown = await m1.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo: 'epsilon', instrument: 'NSE:NOSUCH', side: 'BUY', quantity: 1, type: 'MARKET' }) });
  assert.equal(unknown.body.error.details.rule, 'no_price');
});
