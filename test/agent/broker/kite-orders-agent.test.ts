/**
 * Orders end to end on Kite: a real agent (`--provider kite`, two ticker workers) against the Kite
 * emulator. An order through `POST /api/v1/orders` is placed at Kite with its id as the tag,
 * followed by postbacks (and the slow poll when they are lost), filled, rejected by Kite's RMS
 * after its order id, cancelled; malformed postbacks are logged and change nothing; an agent
 * restarted with an order in flight reconciles it with Kite's book: never placed twice, fills
 * not doubled. Runs the same in any time zone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { kiteTag } from '../../../agent/broker/kite/kite-order-update';
import { startSimTickerServer, type SimTickerServer } from '../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../agent/market/sim/universe';
import type { Order } from '../../../shared/order';
import type { PositionInfo } from '../../../shared/risk';
import { startTestAgent, type TestAgent, waitFor } from '../../helpers/test-agent';
import { KiteConnect } from 'kiteconnect';
import type { Kite } from '../market/sim/kite-emulator-helpers';
import { kiteOrdersTagged, onTick, type Row } from './kite-order-desk';

const API_KEY = 'kiteorders01';
const API_SECRET = 'kite-orders-secret-0123456789';
const ACCESS_TOKEN = 'kite-orders-test-token';
const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-kite-orders-'));
const logged: string[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
let emulator: SimTickerServer;
let kite: Kite;
let t: TestAgent;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
}

const startAgent = () => startTestAgent({ port, dataDir, log, provider: 'kite', kite: { root: emulator.httpUrl }, workers: 2, kiteOrders: { pollMs: 1000 } });

before(async () => {
  port = await freePort();
  emulator = await startSimTickerServer({
    universe: buildUniverse({ generated: 0 }),
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    accessToken: ACCESS_TOKEN,
    redirectUrl: `http://127.0.0.1:${port}/api/v1/broker/kite/callback`,
    ticksPerSecond: 5,
    // The test's own look at Kite shares the key's budget with the agent's.
    rateLimits: { other: 100, quote: 100 },
  });
  // The test looks at Kite through the official client, with a token of its own.
  kite = new KiteConnect({ api_key: API_KEY, root: emulator.httpUrl });
  kite.setAccessToken(ACCESS_TOKEN);
  t = await startAgent();
  await t.request('PUT', '/api/v1/broker/credentials', { body: JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }) });
  const { url } = (await t.request('GET', '/api/v1/broker/login-url')).body as { url: string };
  const redirect = await fetch(url, { redirect: 'manual' });
  assert.equal((await fetch(redirect.headers.get('location')!)).status, 200, 'logged in');
  await waitFor("Kite's instruments", async () => (await t.request('GET', '/api/v1/broker')).body.instruments.count > 0, 20_000);
  await t.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
  await waitFor('prices', async () => Object.keys((await t.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes).length === 2, 15_000);
});

after(async () => {
  await t?.stop();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const place = async (body: Record<string, unknown>): Promise<Order> => {
  const answer = await t.request('POST', '/api/v1/orders', { body: JSON.stringify({ instrument: 'NSE:INFY', side: 'BUY', quantity: 10, type: 'MARKET', ...body }) });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as Order;
};
const orderNow = async (id: string): Promise<Order> => ((await t.request('GET', '/api/v1/orders?limit=1000')).body as { orders: Order[] }).orders.find((o) => o.id === id)!;
const reaches = (id: string, state: Order['state'], timeoutMs = 10_000) => waitFor(`order ${id} ${state}`, async () => ((await orderNow(id)).state === state ? orderNow(id) : false), timeoutMs);
const positionOf = async (algo: string): Promise<number | undefined> => ((await t.request('GET', '/api/v1/positions')).body as { positions: PositionInfo[] }).positions.find((p) => p.algo === algo)?.quantity;
async function market(id: string): Promise<{ close: number; tick: number; last: number }> {
  const quote = ((await kite.getQuote([id])) as Record<string, Row>)[id]!;
  return { close: quote.ohlc.close, last: quote.last_price, tick: (await t.api.call('listInstruments', { search: id.slice(4), limit: 1 })).instruments[0]!.tickSize };
}

test('a market order is placed at Kite, tagged with its id, and its fill recorded as Kite reports it', async () => {
  const placed = await place({ algo: 'fills' });
  assert.equal(placed.state, 'pending', 'an order id from Kite is not yet an acceptance');
  const filled = await reaches(placed.id, 'filled');
  const history = (await kite.getOrderHistory(filled.brokerOrderId!)) as Row[];
  const last = history.at(-1)!;
  assert.deepEqual([last.status, last.tag, last.product, last.market_protection, last.filled_quantity], ['COMPLETE', kiteTag(placed.id), 'MIS', 2, 10]);
  assert.ok(Math.abs(filled.averagePrice! - last.average_price) < 1e-3, `${filled.averagePrice} is Kite's ${last.average_price}`);
  assert.equal(filled.filledQuantity, 10);
  assert.equal(await positionOf('fills'), 10);
});

test("Kite's RMS refuses after its order id: the order is rejected later, with Kite's message", async () => {
  const { last, tick } = await market('NSE:INFY');
  const placed = await place({ algo: 'rms', type: 'LIMIT', price: onTick(last, tick), quantity: 100_001 });
  assert.equal(placed.state, 'pending');
  const rejected = await reaches(placed.id, 'rejected');
  assert.deepEqual(rejected.rejection, { rule: null, message: 'Kite rejected the order: Quantity 1,00,001 is more than the 1,00,000 shares one order may be.' });
  assert.equal((await kiteOrdersTagged(kite, kiteTag(placed.id)))[0]!.status, 'REJECTED');
});

test('a resting limit order is cancelled at Kite', async () => {
  const { close, tick } = await market('NSE:TCS');
  const placed = await place({ algo: 'cancels', instrument: 'NSE:TCS', type: 'LIMIT', price: onTick(close * 0.92, tick), quantity: 2 });
  const open = await reaches(placed.id, 'open');
  assert.match(open.brokerOrderId ?? '', /^\d+$/);
  assert.equal((await t.request('DELETE', `/api/v1/orders/${placed.id}`)).status, 200);
  await reaches(placed.id, 'cancelled');
  assert.equal(((await kite.getOrderHistory(open.brokerOrderId!)) as Row[]).at(-1)!.status, 'CANCELLED');
});

test('with postbacks lost, the slow poll of Kite\'s order book still brings the fill', async () => {
  emulator.faults.postbacks(false);
  try {
    const placed = await place({ algo: 'quiet', instrument: 'NSE:TCS', quantity: 3 });
    assert.equal((await reaches(placed.id, 'filled', 8000)).filledQuantity, 3);
  } finally {
    emulator.faults.postbacks(true);
  }
});

test('malformed postbacks are logged, and change nothing', async () => {
  const before = logged.length;
  for (const text of ['{"type":"order","data":{"order_id":5}}', '{"type":"order","data":{"order_id":"1","status":"COMPLETE","quantity":1,"filled_quantity":9,"average_price":1}}', '{"type":"order"']) {
    assert.equal(emulator.faults.sendText(text), 2, 'one frame per worker');
  }
  await waitFor('logged', () => logged.slice(before).filter((line) => /malformed order update from broker|unreadable text frame/.test(line)).length >= 6);
  assert.equal((await t.request('GET', '/api/v1/health')).status, 200);
  assert.equal((await t.api.call('getTicker')).state, 'running');
  const placed = await place({ algo: 'after-noise', quantity: 1 });
  await reaches(placed.id, 'filled');
});

test('restarted with an order in flight: reconciled with Kite\'s book, never placed twice, fills not doubled', async () => {
  const { close, tick } = await market('NSE:INFY');
  const placed = await place({ algo: 'restart', type: 'LIMIT', price: onTick(close * 0.92, tick), quantity: 8 });
  const open = await reaches(placed.id, 'open');
  await t.stop();
  // While the agent is down, the order fills at Kite.
  await kite.modifyOrder('regular', open.brokerOrderId!, { price: onTick(close * 1.08, tick) });
  await waitFor('complete at Kite', async () => ((await kite.getOrderHistory(open.brokerOrderId!)) as Row[]).at(-1)!.status === 'COMPLETE');
  const placedBefore = emulator.stats().orders;
  t = await startAgent();
  const filled = await reaches(placed.id, 'filled', 20_000);
  assert.equal(filled.filledQuantity, 8);
  assert.equal(filled.brokerOrderId, open.brokerOrderId);
  await new Promise((resolve) => setTimeout(resolve, 2500)); // more polls and postbacks: nothing more
  assert.equal((await orderNow(placed.id)).filledQuantity, 8);
  assert.equal(await positionOf('restart'), 8, 'the fills counted once');
  assert.equal((await kiteOrdersTagged(kite, kiteTag(placed.id))).length, 1);
  assert.equal(emulator.stats().orders, placedBefore, 'nothing placed again');
});
