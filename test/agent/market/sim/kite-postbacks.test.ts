/**
 * The emulator's order postbacks, received by Zerodha's official `KiteTicker` (as its
 * `order_update` event): one per change of an order, each the order as `GET /orders` shows it,
 * signed as Kite signs postbacks; none while the `postbacks` fault is off. One test per file:
 * the official ticker keeps one connection per process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KiteTicker } from 'kiteconnect';
import { kiteClient, KEY, SECRET, startEmulator, TOKEN } from './kite-emulator-helpers';
import { sleep, waitFor } from './kite-test-client';

type Row = Record<string, any>;

test('every change of an order reaches the official KiteTicker as an order update, signed; none while postbacks are off', async (t) => {
  const server = await startEmulator(t, { rateLimits: { other: 1000, quote: 100 } });
  const kite = kiteClient(server, TOKEN);
  const updates: Row[] = [];
  // Auto-reconnect off, so disconnect() cannot exit the process.
  const ticker = new KiteTicker({ api_key: KEY, access_token: TOKEN, root: `${server.url}/`, reconnect: false } as never);
  t.after(() => ticker.disconnect());
  ticker.on('order_update', (order: Row) => updates.push(order));
  const connected = new Promise<void>((resolve) => ticker.on('connect', () => resolve()));
  ticker.connect();
  await connected;

  const { order_id: id } = (await kite.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'TCS', transaction_type: 'SELL', quantity: 4, product: 'MIS', order_type: 'MARKET', market_protection: 2, tag: 'pb1' } as never)) as { order_id: string };
  await waitFor('the order complete, by postback', () => updates.some((u) => u.order_id === id && u.status === 'COMPLETE'));
  const history = (await kite.getOrderHistory(id)) as Row[];
  const mine = updates.filter((u) => u.order_id === id);
  assert.deepEqual(mine.map((u) => u.status), history.map((h) => h.status), 'one update per status, in order');
  assert.deepEqual(mine.map((u) => u.status), ['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);
  const [order] = (await fetch(`${server.httpUrl}/orders`, { headers: { authorization: `token ${KEY}:${TOKEN}` } }).then((r) => r.json()) as { data: Row[] }).data;
  const last = mine.at(-1)!;
  for (const [field, value] of Object.entries(order!)) assert.deepEqual(last[field], value, `the update's ${field} is the order's`);
  assert.equal(last.tag, 'pb1');
  assert.equal(last.filled_quantity, 4);
  assert.equal(last.unfilled_quantity, 0);
  assert.equal(last.user_id, 'AB1234');
  type Signed = Parameters<typeof kite.validatePostback>[0];
  for (const update of mine) assert.equal(kite.validatePostback(update as Signed, SECRET), true, 'signed as Kite signs postbacks');
  assert.equal(kite.validatePostback({ ...last, checksum: '0'.repeat(64) } as Signed, SECRET), false);

  server.faults.postbacks(false);
  const before = updates.length;
  const { order_id: quiet } = (await kite.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'TCS', transaction_type: 'BUY', quantity: 4, product: 'MIS', order_type: 'MARKET', market_protection: 2 } as never)) as { order_id: string };
  await waitFor('the second order complete', async () => ((await kite.getOrderHistory(quiet)) as Row[]).at(-1)!.status === 'COMPLETE');
  await sleep(300);
  assert.equal(updates.length, before, 'no postback while they are off');
  server.faults.postbacks(true);
  assert.equal(server.faults.sendText(JSON.stringify({ type: 'order', data: { ...last, status: 'UPDATE' } })), 1, 'one connection');
  await waitFor('a text frame sent by the fault', () => updates.length === before + 1);
});
