/**
 * The emulator's orders through Zerodha's official `KiteConnect` client: placement answered with
 * an order id before RMS runs, fills from the simulated market, history, trades, positions and
 * margins in Kite's shapes, market protection, RMS rejections, the modification limit, the orders
 * rate limit, and bad form fields refused with the field named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KiteError } from '../../../../agent/market/sim/kite-http';
import { readPlaceForm, readVariety } from '../../../../agent/market/sim/kite-order-form';
import type { SimTickerServer } from '../../../../agent/market/sim/sim-ticker-server';
import { type Kite, kiteClient, kiteError, KEY, startEmulator, TOKEN } from './kite-emulator-helpers';
import { waitFor } from './kite-test-client';

type Row = Record<string, any>;

const base = { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: 10, product: 'MIS' } as const;

async function place(kite: Kite, params: Record<string, unknown>): Promise<string> {
  const { order_id } = (await kite.placeOrder('regular', { ...base, ...params } as never)) as { order_id: string };
  assert.match(order_id, /^\d{15,19}$/, 'an order id is a string of digits');
  return order_id;
}

async function settled(kite: Kite, id: string, statuses: RegExp = /^(COMPLETE|CANCELLED|REJECTED|OPEN|TRIGGER PENDING)$/): Promise<Row[]> {
  return waitFor(`order ${id} to reach ${statuses}`, async () => {
    const history = (await kite.getOrderHistory(id)) as Row[];
    return statuses.test(history.at(-1)!.status) && history;
  }, 5000, 50);
}

async function market(kite: Kite, id = 'NSE:INFY'): Promise<{ last: number; close: number }> {
  const quote = ((await kite.getQuote([id])) as Record<string, Row>)[id]!;
  return { last: quote.last_price, close: quote.ohlc.close };
}

const onTick = (price: number, tick = 0.05) => Math.round(Math.round(price / tick) * tick * 100) / 100;

async function tickOf(kite: Kite, tradingsymbol: string): Promise<number> {
  const instruments = (await kite.getInstruments('NSE' as never)) as Row[];
  return instruments.find((instrument) => instrument.tradingsymbol === tradingsymbol)!.tick_size;
}

function kiteAt(server: SimTickerServer): Kite {
  return kiteClient(server, TOKEN);
}

test('a market order: its id at once, then RMS, OPEN and COMPLETE from the market; history, trades, positions and margins agree', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100, other: 1000 } });
  const kite = kiteAt(server);
  const { last } = await market(kite);
  const id = await place(kite, { order_type: 'MARKET', market_protection: 3, tag: 'algo1ma' });
  const history = await settled(kite, id, /^COMPLETE$/);
  assert.deepEqual(history.map((h) => h.status), ['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);
  assert.deepEqual(history.map((h) => h.filled_quantity), [0, 0, 0, 0, 10]);
  const [order] = (await kite.getOrders()) as Row[];
  for (const field of ['order_id', 'status', 'status_message', 'filled_quantity', 'pending_quantity', 'average_price', 'tag', 'exchange_timestamp', 'order_timestamp', 'exchange_order_id', 'variety', 'product', 'instrument_token', 'market_protection']) {
    assert.ok(field in order!, `GET /orders has ${field}`);
  }
  assert.equal(order!.order_id, id);
  assert.equal(order!.tag, 'algo1ma');
  assert.equal(order!.pending_quantity, 0);
  assert.equal(order!.status_message, null);
  assert.ok(order!.order_timestamp instanceof Date, 'the client reads the IST timestamps');
  assert.ok(order!.average_price > 0 && order!.average_price <= last * 1.03 + 0.05, `${order!.average_price} within 3 % of ${last}`);
  const trades = (await kite.getOrderTrades(id)) as Row[];
  assert.equal(trades.reduce((sum, trade) => sum + trade.quantity, 0), 10);
  const value = trades.reduce((sum, trade) => sum + trade.quantity * trade.average_price, 0);
  assert.ok(Math.abs(value / 10 - order!.average_price) < 1e-9, 'the order\'s average is its trades\'');
  assert.deepEqual(((await kite.getTrades()) as Row[]).map((trade) => trade.order_id), trades.map(() => id));

  const { net, day } = (await kite.getPositions()) as { net: Row[]; day: Row[] };
  assert.equal(net.length, 1);
  assert.deepEqual([net[0]!.tradingsymbol, net[0]!.product, net[0]!.quantity, net[0]!.buy_quantity, net[0]!.sell_quantity], ['INFY', 'MIS', 10, 10, 0]);
  assert.ok(Math.abs(net[0]!.average_price - order!.average_price) < 0.01);
  assert.deepEqual(day, net);
  const margins = (await kite.getMargins()) as { equity: Row; commodity: Row };
  assert.equal(margins.equity.available.cash, 10_000_000);
  assert.ok(Math.abs(margins.equity.utilised.debits - 0.2 * value) < 0.01, 'MIS blocks a fifth of the value');
  assert.equal(margins.commodity.enabled, false);
  assert.deepEqual(await kite.getMargins('equity'), margins.equity);
  await assert.rejects(kite.getMargins('currency' as never), kiteError('InputException', /Invalid segment/));
});

test('market protection: MARKET and SL-M without it, or with 0, are refused at placement; -1 is automatic', async (t) => {
  const server = await startEmulator(t, { rateLimits: { other: 1000 } });
  const kite = kiteAt(server);
  for (const [params, message] of [
    [{ order_type: 'MARKET' }, /MARKET orders without market protection are not allowed/],
    [{ order_type: 'MARKET', market_protection: 0 }, /without market protection/],
    [{ order_type: 'SL-M', trigger_price: 2000 }, /SL-M orders without market protection/],
    [{ order_type: 'MARKET', market_protection: 101 }, /a percentage from 0 to 100, or -1/],
    [{ order_type: 'MARKET', market_protection: -2 }, /a percentage from 0 to 100, or -1/],
  ] as const) {
    await assert.rejects(place(kite, params), kiteError('InputException', message), JSON.stringify(params));
  }
  assert.deepEqual(await kite.getOrders(), [], 'a refused order is no order');
  const id = await place(kite, { order_type: 'MARKET', market_protection: -1 });
  assert.equal((await settled(kite, id, /^COMPLETE$/)).at(-1)!.market_protection, -1);
});

test('RMS runs after the order id: quantity, value, funds, unlisted, index, tick and band refusals arrive as REJECTED', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100, other: 1000 } });
  const kite = kiteAt(server);
  const { last, close } = await market(kite);
  const tick = await tickOf(kite, 'INFY');
  const price = onTick(Math.min(Math.max(last, close * 0.95), close * 1.05), tick);
  for (const [params, message] of [
    [{ order_type: 'LIMIT', price, quantity: 100_001 }, /^Quantity 1,00,001 is more than the 1,00,000 shares one order may be\.$/],
    [{ order_type: 'LIMIT', price, quantity: Math.ceil(100_500_000 / price) }, /is more than the ₹10 crore one order may be/],
    [{ order_type: 'LIMIT', price, quantity: Math.ceil(10_100_000 / price), product: 'CNC' }, /^Insufficient funds\. Required margin is [\d.]+ but available margin is [\d.]+\.$/],
    [{ order_type: 'LIMIT', price, tradingsymbol: 'NOSUCHCO' }, /NSE:NOSUCHCO is not a listed instrument/],
    [{ order_type: 'LIMIT', price: 24_000, tradingsymbol: 'NIFTY 50' }, /is an index: it cannot be traded/],
    [{ order_type: 'LIMIT', price: Math.round((price + tick * 0.3) * 100) / 100 }, new RegExp(`is not a multiple of the tick size ${tick}`)],
    [{ order_type: 'LIMIT', price: onTick(close * 1.5, tick) }, /outside the day's price band/],
    [{ order_type: 'SL', price, trigger_price: onTick(close * 0.5, tick) }, /The trigger price .* is outside the day's price band/],
  ] as const) {
    const id = await place(kite, params);
    const history = await settled(kite, id, /^REJECTED$/);
    assert.deepEqual(history.map((h) => h.status), ['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'REJECTED'], JSON.stringify(params));
    assert.match(history.at(-1)!.status_message, message);
    assert.equal(history.at(-1)!.filled_quantity, 0);
  }
  assert.deepEqual(await kite.getTrades(), []);
});

test('a limit rests, is modified at most 25 times, fills when it crosses; IOC cancels what does not fill; final orders refuse changes', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100, orders: 1000, ordersPerMinute: 10_000, other: 1000 } });
  const kite = kiteAt(server);
  const { close } = await market(kite);
  const tick = await tickOf(kite, 'INFY');
  const low = onTick(close * 0.91, tick);
  const resting = await place(kite, { order_type: 'LIMIT', price: low });
  assert.equal((await settled(kite, resting)).at(-1)!.status, 'OPEN');
  for (let i = 1; i <= 25; i++) await kite.modifyOrder('regular', resting, { price: onTick(low + i * tick, tick) });
  const modified = (await kite.getOrderHistory(resting)) as Row[];
  assert.equal(modified.at(-1)!.status, 'OPEN');
  assert.equal(modified.at(-1)!.price, onTick(low + 25 * tick, tick));
  assert.equal(modified.at(-1)!.modified, true);
  assert.equal(modified.filter((h) => h.status === 'MODIFY VALIDATION PENDING').length, 25);
  await assert.rejects(kite.modifyOrder('regular', resting, { price: low }), kiteError('OrderException', /Maximum allowed order modifications exceeded/));
  await kite.cancelOrder('regular', resting);
  const cancelled = await settled(kite, resting, /^CANCELLED$/);
  assert.deepEqual(cancelled.slice(-2).map((h) => h.status), ['CANCEL PENDING', 'CANCELLED']);
  assert.equal(cancelled.at(-1)!.cancelled_quantity, 10);
  await assert.rejects(kite.cancelOrder('regular', resting), kiteError('OrderException', /cannot be cancelled: it is CANCELLED/));
  await assert.rejects(kite.modifyOrder('regular', resting, { price: low }), kiteError('OrderException', /cannot be modified: it is CANCELLED/));

  const crossing = await place(kite, { order_type: 'LIMIT', price: low, quantity: 3 });
  await settled(kite, crossing);
  await assert.rejects(kite.modifyOrder('regular', crossing, { quantity: 0 }), kiteError('InputException', /quantity/));
  await assert.rejects(kite.modifyOrder('regular', crossing, { order_type: 'MARKET' }), kiteError('InputException', /MARKET orders without market protection/));
  await assert.rejects(kite.modifyOrder('regular', crossing, { order_type: 'MARKET', price: 1, market_protection: 2 } as never), kiteError('InputException', /A MARKET order takes no `price`/));
  await kite.modifyOrder('regular', crossing, { price: onTick(close * 1.09, tick) });
  const filled = await settled(kite, crossing, /^COMPLETE$/);
  assert.ok(filled.some((h) => h.status === 'MODIFY PENDING'));
  assert.ok(filled.at(-1)!.average_price <= onTick(close * 1.09, tick), 'a limit never fills beyond its price');

  const ioc = await place(kite, { order_type: 'LIMIT', price: low, validity: 'IOC' });
  const iocHistory = await settled(kite, ioc, /^CANCELLED$/);
  assert.deepEqual([iocHistory.at(-1)!.filled_quantity, iocHistory.at(-1)!.cancelled_quantity], [0, 10]);
  await assert.rejects(kite.getOrderHistory('999'), kiteError('InputException', /Couldn't find an order/));
  await assert.rejects(kite.cancelOrder('regular', '999'), kiteError('InputException', /Couldn't find an order/));
});

test('stops wait as TRIGGER PENDING and limits rest until the market moves to them', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100, other: 100 } });
  const kite = kiteAt(server);
  // A jumpy stock, so the market moves a tick or two a second (and stays within the day's band).
  server.faults.list({ exchange: 'NSE', tradingsymbol: 'JUMPY', token: 990_001 * 256 + 1, basePrice: 100, annualVolatility: 1.5, dailyVolume: 10_000_000 });
  const { last } = await market(kite, 'NSE:JUMPY');
  const order = (params: Record<string, unknown>) => place(kite, { tradingsymbol: 'JUMPY', quantity: 5, ...params });
  const stops = [await order({ order_type: 'SL-M', trigger_price: onTick(last + 0.15), market_protection: 5 }), await order({ order_type: 'SL-M', transaction_type: 'SELL', trigger_price: onTick(last - 0.15), market_protection: 5 })];
  const limits = [await order({ order_type: 'LIMIT', price: onTick(last - 0.15) }), await order({ order_type: 'LIMIT', transaction_type: 'SELL', price: onTick(last + 0.15) })];
  const filled = async (ids: string[]) => {
    const all = await Promise.all(ids.map((id) => kite.getOrderHistory(id) as Promise<Row[]>));
    return all.find((history) => history.at(-1)!.status === 'COMPLETE');
  };
  const stop = await waitFor('a stop triggered and filled as the market moved', () => filled(stops), 60_000, 200);
  assert.deepEqual(stop.map((h) => h.status), ['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'TRIGGER PENDING', 'OPEN', 'COMPLETE'], 'it waited for its trigger');
  const limit = await waitFor('a limit crossed as the market moved', () => filled(limits), 60_000, 200);
  const side = limit[0]!.transaction_type;
  assert.ok(side === 'BUY' ? limit.at(-1)!.average_price <= onTick(last - 0.15) : limit.at(-1)!.average_price >= onTick(last + 0.15), 'at its price or better');
});

test('orders are limited to 10 a second and 400 a minute: 429 with Kite\'s envelope, and no order', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100 } });
  const kite = kiteAt(server);
  const { close } = await market(kite);
  const resting = { order_type: 'LIMIT', price: onTick(close * 0.92, await tickOf(kite, 'INFY')) };
  const results = await Promise.allSettled(Array.from({ length: 11 }, () => place(kite, resting)));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  kiteError('NetworkException', 'Too many requests')(refused.reason);
  assert.equal(((await kite.getOrders()) as Row[]).length, 10);
  assert.equal(server.stats().rest.throttled.orders, 1);

  // Kite's envelope, seen raw, from a key whose budget is one order.
  const slow = await startEmulator(t, { rateLimits: { orders: 0.01 } });
  const post = () =>
    fetch(`${slow.httpUrl}/orders/regular`, {
      method: 'POST',
      headers: { authorization: `token ${KEY}:${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...base, quantity: '1', order_type: 'LIMIT', price: String(resting.price) }),
    });
  assert.equal((await post()).status, 200);
  const raw = await post();
  assert.equal(raw.status, 429);
  assert.deepEqual(await raw.json(), { status: 'error', message: 'Too many requests', data: null, error_type: 'NetworkException' });
  assert.equal(slow.stats().orders, 1, 'a refused placement is no order');

  const perMinute = await startEmulator(t, { rateLimits: { orders: 100, ordersPerMinute: 20 } });
  const other = kiteAt(perMinute);
  const minute = await Promise.allSettled(Array.from({ length: 21 }, () => place(other, resting)));
  assert.equal(minute.filter((r) => r.status === 'fulfilled').length, 20, 'no minute takes more than 20');
});

test('bad form fields are refused with InputException naming the field, and make no order', async (t) => {
  const server = await startEmulator(t, { rateLimits: { orders: 1000, ordersPerMinute: 10_000, other: 1000 } });
  const post = async (path: string, fields: Record<string, string>, method = 'POST') => {
    const body = new URLSearchParams(fields);
    if (fields.quantity === 'twice') {
      body.set('quantity', '1');
      body.append('quantity', '2');
    }
    const response = await fetch(`${server.httpUrl}${path}`, { method, headers: { authorization: `token ${KEY}:${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: response.status, body: (await response.json()) as Row };
  };
  const good = { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: '1', product: 'MIS', order_type: 'LIMIT', price: '1500' };
  const without = (name: keyof typeof good) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== name));
  for (const [fields, message] of [
    [without('exchange'), /Missing `exchange`/],
    [{ ...good, exchange: 'XYZ' }, /Invalid `exchange`/],
    [without('tradingsymbol'), /Missing `tradingsymbol`/],
    [{ ...good, tradingsymbol: 'IN\nFY' }, /Invalid `tradingsymbol`/],
    [{ ...good, transaction_type: 'HOLD' }, /Invalid `transaction_type`/],
    [{ ...good, order_type: 'STOP' }, /Invalid `order_type`/],
    [without('product'), /Missing `product`/],
    [{ ...good, product: 'BO' }, /Invalid `product`/],
    ...['0', '1.5', '-3', 'abc', '1e3', '99999999999'].map((quantity) => [{ ...good, quantity }, /`quantity`/] as const),
    [{ ...good, quantity: 'twice' }, /`quantity` is given more than once/],
    [without('price'), /A LIMIT order needs a `price`/],
    [{ ...good, price: 'NaN' }, /Invalid `price`/],
    [{ ...good, order_type: 'SL' }, /needs a `trigger_price`/],
    [{ ...good, order_type: 'MARKET', market_protection: '2' }, /A MARKET order takes no `price`/],
    [{ ...good, trigger_price: '1400' }, /A LIMIT order takes no `trigger_price`/],
    [{ ...good, validity: 'TTL' }, /TTL/],
    [{ ...good, validity: 'GTC' }, /Invalid `validity`/],
    [{ ...good, tag: 'o-has-dashes' }, /Invalid `tag`/],
    [{ ...good, tag: 'a'.repeat(21) }, /Invalid `tag`/],
  ] as const) {
    const answer = await post('/orders/regular', fields as Record<string, string>);
    assert.equal(answer.status, 400, JSON.stringify(fields));
    assert.equal(answer.body.error_type, 'InputException');
    assert.match(answer.body.message, message, JSON.stringify(fields));
  }
  assert.match((await post('/orders/amo', good)).body.message, /variety `amo` are not supported/);
  assert.match((await post('/orders/bogus', good)).body.message, /Invalid order variety/);
  assert.match((await post('/orders/regular/123', { price: '1' }, 'PUT')).body.message, /Couldn't find an order/);
  const orders = await fetch(`${server.httpUrl}/orders`, { headers: { authorization: `token ${KEY}:${TOKEN}` } });
  assert.deepEqual(((await orders.json()) as Row).data, [], 'nothing refused became an order');
  const unauthorized = await fetch(`${server.httpUrl}/orders/regular`, { method: 'POST', body: new URLSearchParams(good) });
  assert.equal(unauthorized.status, 403);
});

test('the form readers are pure: each refusal is a KiteError with its field', () => {
  assert.equal(readVariety('regular'), 'regular');
  assert.throws(() => readVariety('co'), (error: KiteError) => error.status === 400 && error.errorType === 'InputException');
  const form = readPlaceForm(new URLSearchParams({ exchange: 'NSE', tradingsymbol: 'M&M', transaction_type: 'SELL', quantity: '7', product: 'CNC', order_type: 'SL-M', trigger_price: '3000', market_protection: '-1', variety: 'regular', order_id: 'ignored' }));
  assert.deepEqual(form, { exchange: 'NSE', tradingsymbol: 'M&M', side: 'SELL', orderType: 'SL-M', quantity: 7, product: 'CNC', price: 0, triggerPrice: 3000, validity: 'DAY', marketProtection: -1, tag: null });
});
