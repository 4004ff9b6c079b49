import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Order } from '../../../shared/order';
import type { PositionInfo } from '../../../shared/risk';
import { spawnAgentCli } from '../../helpers/agent-cli';
import { startTestAgent, TEST_TOKEN, waitFor } from '../../helpers/test-agent';

const ORDERS = 120;

/** The i-th order of the stream: market buys and sells, and limit orders that rest far from the market. */
function order(i: number, price: number): Record<string, unknown> {
  const base = { algo: `algo${i % 3}`, instrument: 'NSE:INFY', clientOrderId: `k-${i}` };
  if (i % 4 === 3) return { ...base, side: 'BUY', quantity: 2, type: 'LIMIT', price: Math.round(price * 0.5) };
  return { ...base, side: i % 2 === 0 ? 'BUY' : 'SELL', quantity: 1 + (i % 5), type: 'MARKET' };
}

test('a hub killed (kill -9) in the middle of an order stream loses no order and no fill, and places none twice', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-hub-kill-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { child, url } = await spawnAgentCli(t, dataDir);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  await call('POST', '/api/v1/ticker/subscriptions', { instruments: ['NSE:INFY'], mode: 'full' });
  const price = await waitFor('a price', async () => (await call('GET', '/api/v1/quotes?instruments=NSE:INFY')).body.quotes['NSE:INFY']?.lastPrice as number | undefined, 30_000);

  // Four clients stream the orders; the agent is killed once a third of them were answered.
  const answered = new Map<string, Order>();
  let next = 0;
  const killed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = async () => {
    while (next < ORDERS) {
      const i = next++;
      try {
        const { status, body } = await call('POST', '/api/v1/orders', order(i, price));
        if (status !== 201) throw new Error(`order ${i}: HTTP ${status} ${JSON.stringify(body)}`);
        answered.set(`k-${i}`, body as Order);
        if (answered.size === Math.floor(ORDERS / 3)) child.kill('SIGKILL');
      } catch (error) {
        if ((error as Error).message.startsWith('order')) throw error;
        return; // the agent is gone: this order's fate is unknown, and it is sent again below
      }
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  await killed;
  assert.ok(answered.size >= ORDERS / 3 && answered.size < ORDERS, `killed mid-stream (${answered.size} of ${ORDERS} answered)`);

  const again = await startTestAgent({ dataDir, workers: 1 });
  t.after(() => again.stop());
  await waitFor('a price again', async () => Object.keys((await again.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes).length === 1, 30_000);
  // The clients send the whole stream again, with the same client order ids.
  for (let i = 0; i < ORDERS; i++) {
    const { status, body } = await again.request('POST', '/api/v1/orders', { body: JSON.stringify(order(i, price)) });
    assert.equal(status, 201, JSON.stringify(body));
    const before = answered.get(`k-${i}`);
    if (before) assert.equal((body as Order).id, before.id, `k-${i} answered before the kill is the same order after it`);
  }
  const orders = ((await again.request('GET', '/api/v1/orders?limit=1000')).body as { orders: Order[] }).orders;
  assert.equal(orders.length, ORDERS, 'one order per client order id: none lost, none doubled');
  assert.deepEqual(new Set(orders.map((o) => o.clientOrderId)).size, ORDERS);
  const order0 = new Map(orders.map((o) => [o.clientOrderId, o]));
  for (const [id, before] of answered) {
    const now = order0.get(id)!;
    assert.ok(now.filledQuantity >= before.filledQuantity, `${id}: its fills were kept`);
    if (before.state === 'filled') assert.equal(now.state, 'filled');
  }
  assert.deepEqual(orders.filter((o) => o.state === 'pending'), [], 'nothing left unchecked');
  for (const o of orders) {
    if (o.type === 'MARKET') assert.equal(o.state, 'filled', `${o.clientOrderId} is filled, once`);
    else assert.equal(o.state, 'open', `${o.clientOrderId} rests: ${JSON.stringify(o)}`);
  }
  // Positions are the sum of the fills, each counted once.
  const expected = new Map<string, number>();
  for (const o of orders) expected.set(o.algo, (expected.get(o.algo) ?? 0) + (o.side === 'BUY' ? 1 : -1) * o.filledQuantity);
  const positions = ((await again.request('GET', '/api/v1/positions')).body as { positions: PositionInfo[] }).positions;
  assert.deepEqual(new Map(positions.map((p) => [p.algo, p.quantity])), expected);
});
