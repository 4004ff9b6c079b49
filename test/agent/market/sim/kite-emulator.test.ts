import assert from 'node:assert/strict';
import { test } from 'node:test';
import { istText } from '../../../../agent/broker/kite/kite-time';
import { SimHistory } from '../../../../agent/market/sim/sim-history';
import { KiteTestClient, sleep, waitFor } from './kite-test-client';
import {
  INCORRECT, KEY, REDIRECT, SECRET, TOKEN, connectTicker, kiteClient, kiteError, login, loginRedirect, startEmulator, universe,
} from './kite-emulator-helpers';

const INFY = universe.find((i) => i.id === 'NSE:INFY')!;
const RELIANCE = universe.find((i) => i.id === 'NSE:RELIANCE')!;
const generatedIds = universe.filter((i) => i.tradingsymbol.startsWith('SIM')).map((i) => i.id);

/** The client turns Kite's time texts into Dates, though its typings say string. */
function asDate(value: unknown): Date {
  assert.ok(value instanceof Date, `not a Date: ${String(value)}`);
  return value;
}

/** A Date's wall-clock fields in the process's zone: what the official client's parsing of an IST text turns back into. */
function localText(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

test('the login page redirects to the app with a request token, Kite’s fields and the app’s redirect_params', async (t) => {
  const server = await startEmulator(t);
  const location = await loginRedirect(server, 'state=xyz 1&next=/charts?i=NSE:INFY&request_token=forged');
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.match(location.searchParams.get('request_token')!, /^[A-Za-z0-9]{32}$/);
  assert.deepEqual([...location.searchParams.keys()], ['request_token', 'action', 'type', 'status', 'state', 'next']);
  assert.equal(location.searchParams.get('status'), 'success');
  assert.equal(location.searchParams.get('state'), 'xyz 1');
  assert.equal(location.searchParams.get('next'), '/charts?i=NSE:INFY');
  for (const query of ['api_key=someone-else&v=3', 'v=3']) {
    const refused = await fetch(`${server.httpUrl}/connect/login?${query}`, { redirect: 'manual' });
    assert.equal(refused.status, 400, query);
    assert.match(refused.headers.get('content-type')!, /^text\/html/);
    assert.match(await refused.text(), /Invalid `api_key`/);
  }
});

test('generateSession: the right checksum gives a session in Kite’s shape, once; a wrong one is refused', async (t) => {
  const server = await startEmulator(t, { userId: 'ZX9876' });
  const requestToken = (await loginRedirect(server)).searchParams.get('request_token')!;
  const kite = kiteClient(server);
  await assert.rejects(kite.generateSession(requestToken, 'not-the-secret'), kiteError('TokenException', 'Invalid checksum'));
  const before = istText(Date.now() - 1000);
  const session = await kite.generateSession(requestToken, SECRET);
  const after = istText(Date.now() + 1000);
  assert.deepEqual(Object.keys(session).sort(), [
    'access_token', 'api_key', 'avatar_url', 'broker', 'email', 'enctoken', 'exchanges', 'login_time', 'meta', 'order_types',
    'products', 'public_token', 'refresh_token', 'user_id', 'user_name', 'user_shortname', 'user_type',
  ]);
  assert.equal(session.user_id, 'ZX9876');
  assert.equal(session.api_key, KEY);
  assert.equal(session.broker, 'ZERODHA');
  assert.equal(session.refresh_token, '');
  assert.equal(session.avatar_url, null);
  assert.match(session.access_token, /^[A-Za-z0-9]{32}$/);
  // The client reads Kite's IST text in the local zone (trap 6): its wall clock is the IST login time, in any zone.
  const loginTime = localText(asDate(session.login_time));
  assert.ok(before <= loginTime && loginTime <= after, `${before} ≤ ${loginTime} ≤ ${after}`);
  assert.equal((await kite.getProfile()).user_id, 'ZX9876', 'generateSession set the token on the client');
  await assert.rejects(kite.generateSession(requestToken, SECRET), kiteError('TokenException', 'Token is invalid or has expired.'));
  await assert.rejects(kite.generateSession('x'.repeat(32), SECRET), kiteError('TokenException', 'Token is invalid or has expired.'));
  const ticker = await connectTicker(t, server, session.access_token);
  ticker.send({ a: 'subscribe', v: [INFY.token] });
  await waitFor('a tick on the session’s token', () => ticker.packetsOf(INFY.token).length > 0);
});

test('the profile, by the initial token and by a session’s', async (t) => {
  const server = await startEmulator(t);
  const profile = await kiteClient(server, TOKEN).getProfile();
  assert.deepEqual(Object.keys(profile).sort(), [
    'avatar_url', 'broker', 'email', 'exchanges', 'meta', 'order_types', 'products', 'user_id', 'user_name', 'user_shortname', 'user_type',
  ]);
  assert.equal(profile.user_id, 'AB1234');
  assert.equal(profile.user_type, 'individual');
  assert.ok(profile.exchanges.includes('NSE') && profile.order_types.includes('LIMIT'));
  assert.deepEqual(profile.meta, { demat_consent: 'physical' });
  const { kite } = await login(server);
  assert.deepEqual(await kite.getProfile(), profile);
  await assert.rejects(kiteClient(server, 'made-up').getProfile(), kiteError('TokenException', INCORRECT));
  await assert.rejects(kiteClient(server).getProfile(), kiteError('TokenException', INCORRECT));
});

test('invalidateAccessToken ends that session on REST and on the websocket, and no other', async (t) => {
  const server = await startEmulator(t);
  const { kite, accessToken } = await login(server);
  const sessionTicker = await connectTicker(t, server, accessToken);
  const initialTicker = await connectTicker(t, server, TOKEN);
  assert.equal(await kite.invalidateAccessToken(), true);
  await waitFor('the session’s ticker to be closed', () => sessionTicker.closed !== null);
  assert.equal(sessionTicker.closed!.code, 1008);
  await assert.rejects(kite.getProfile(), kiteError('TokenException', INCORRECT));
  await assert.rejects(KiteTestClient.open(server.url, KEY, accessToken), /HTTP 403/);
  await sleep(100);
  assert.equal(initialTicker.closed, null);
  assert.equal(server.stats().connections, 1);
  const initial = kiteClient(server, TOKEN);
  assert.equal((await initial.getProfile()).user_id, 'AB1234');
  assert.equal(await initial.invalidateAccessToken(TOKEN), true, 'the initial token can be ended too');
  await waitFor('the initial ticker to be closed', () => initialTicker.closed !== null);
  await assert.rejects(initial.getProfile(), kiteError('TokenException', INCORRECT));
});

test('instruments: the CSV dump, all and per exchange, parsed by the official client', async (t) => {
  const server = await startEmulator(t);
  const kite = kiteClient(server, TOKEN);
  const all = await kite.getInstruments();
  // Kite's dump ends in a line break, which the client's parser turns into one empty row (see kite-instruments-csv.ts).
  assert.equal(all.length, universe.length + 1);
  assert.equal(all.at(-1)!.instrument_token as unknown, '');
  assert.deepEqual(all.slice(0, -1).map((row) => `${row.exchange}:${row.tradingsymbol}`), universe.map((i) => i.id));
  const infy = all.find((row) => row.tradingsymbol === 'INFY')!;
  assert.deepEqual({ ...infy }, {
    instrument_token: '408065', exchange_token: '1594', tradingsymbol: 'INFY', name: 'INFOSYS', last_price: 0, expiry: '',
    strike: 0, tick_size: INFY.tickSize, lot_size: 1, instrument_type: 'EQ', segment: 'NSE', exchange: 'NSE',
  } as unknown);
  const nifty = all.find((row) => row.tradingsymbol === 'NIFTY 50')!;
  assert.deepEqual([nifty.instrument_token as unknown, nifty.segment, nifty.lot_size], ['256265', 'INDICES', 0]);
  assert.deepEqual(await kite.getInstruments('NSE'), all);
  assert.deepEqual((await kite.getInstruments('NFO')).map((row) => row.instrument_token as unknown), [''], 'an exchange with nothing listed: the header alone');
  for (const path of ['/instruments', '/instruments/NSE', '/instruments/BSE']) {
    const response = await fetch(`${server.httpUrl}${path}`, { headers: { authorization: `token ${KEY}:${TOKEN}` } });
    assert.equal(response.headers.get('content-type'), 'text/csv', path);
    assert.match(await response.text(), /^instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\r\n/);
  }
});

test('quote, ohlc and ltp: Kite’s shapes from the live market; unknown instruments are absent', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100 } });
  const kite = kiteClient(server, TOKEN);
  const quote = await kite.getQuote(['NSE:INFY', 'NSE:NIFTY 50', 'NSE:NOPE', 'NSE:INFY', 'BSE:INFY']);
  assert.deepEqual(Object.keys(quote).sort(), ['NSE:INFY', 'NSE:NIFTY 50']);
  const infy = quote['NSE:INFY']!;
  assert.deepEqual(Object.keys(infy).sort(), [
    'average_price', 'buy_quantity', 'depth', 'instrument_token', 'last_price', 'last_quantity', 'last_trade_time', 'lower_circuit_limit',
    'net_change', 'ohlc', 'oi', 'oi_day_high', 'oi_day_low', 'sell_quantity', 'timestamp', 'upper_circuit_limit', 'volume',
  ]);
  assert.equal(infy.instrument_token, INFY.token);
  assert.ok(infy.ohlc.low <= infy.last_price && infy.last_price <= infy.ohlc.high);
  assert.ok(infy.volume > 0 && infy.last_quantity > 0 && infy.average_price > 0);
  assert.equal(infy.net_change, Math.round((infy.last_price - infy.ohlc.close) * 100) / 100);
  assert.ok(infy.lower_circuit_limit < infy.ohlc.close && infy.ohlc.close < infy.upper_circuit_limit);
  assert.equal(infy.depth.buy.length, 5);
  assert.equal(infy.depth.sell.length, 5);
  const bids = infy.depth.buy.map((level) => level.price);
  const asks = infy.depth.sell.map((level) => level.price);
  assert.ok(bids.every((p, i) => i === 0 || p < bids[i - 1]!) && asks.every((p, i) => i === 0 || p > asks[i - 1]!));
  assert.ok(bids[0]! < asks[0]! && infy.depth.buy.every((level) => level.quantity > 0 && level.orders > 0));
  // Both times are IST texts, which the client reads in the local zone: their wall clock is IST now.
  asDate(infy.last_trade_time);
  assert.ok(Math.abs(Date.parse(`${localText(asDate(infy.timestamp)).replace(' ', 'T')}Z`) - (Date.now() + 330 * 60_000)) < 5000);
  const nifty = quote['NSE:NIFTY 50']!;
  assert.deepEqual([nifty.instrument_token, nifty.volume, nifty.last_trade_time as unknown, nifty.depth.buy[0]], [256265, 0, null, { price: 0, quantity: 0, orders: 0 }]);
  assert.ok(nifty.last_price > 0);

  const ohlc = await kite.getOHLC(['NSE:RELIANCE', 'NSE:NOPE']);
  assert.deepEqual(Object.keys(ohlc), ['NSE:RELIANCE']);
  assert.deepEqual(Object.keys(ohlc['NSE:RELIANCE']!).sort(), ['instrument_token', 'last_price', 'ohlc']);
  assert.deepEqual(Object.keys(ohlc['NSE:RELIANCE']!.ohlc).sort(), ['close', 'high', 'low', 'open']);
  const ltp = await kite.getLTP([String(RELIANCE.token), 'NSE:TCS']);
  assert.deepEqual(Object.keys(ltp).sort(), [String(RELIANCE.token), 'NSE:TCS'], 'an instrument may be named by its token');
  assert.deepEqual(Object.keys(ltp['NSE:TCS']!).sort(), ['instrument_token', 'last_price']);
  assert.equal(ltp[String(RELIANCE.token)]!.instrument_token, RELIANCE.token);
  assert.deepEqual(await kite.getLTP([]), {});
});

test('a quote of an instrument nobody streams moves on once a second; a streamed one is the feed’s latest tick', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100 }, ticksPerSecond: 5 });
  const kite = kiteClient(server, TOKEN);
  const first = (await kite.getQuote('NSE:TCS'))['NSE:TCS']!;
  const again = (await kite.getQuote('NSE:TCS'))['NSE:TCS']!;
  // Within one exchange second nothing moves; a different second means the market stepped.
  if (asDate(again.timestamp).getTime() === asDate(first.timestamp).getTime()) assert.deepEqual(again, first);
  await sleep(1100);
  const later = (await kite.getQuote('NSE:TCS'))['NSE:TCS']!;
  assert.ok(asDate(later.timestamp).getTime() > asDate(first.timestamp).getTime());
  assert.ok(later.volume > first.volume);

  const ticker = await connectTicker(t, server);
  ticker.send({ a: 'subscribe', v: [RELIANCE.token] });
  ticker.send({ a: 'mode', v: ['full', [RELIANCE.token]] });
  await waitFor('full ticks', () => ticker.packetsOf(RELIANCE.token).filter((p) => p.length === 184).length >= 3);
  const quoted = (await kite.getQuote('NSE:RELIANCE'))['NSE:RELIANCE']!;
  const tick = await waitFor('the tick the quote was taken from', () => ticker.packetsOf(RELIANCE.token).find((p) => p.length === 184 && p.tick.volume === quoted.volume)?.tick);
  assert.equal(quoted.last_price, tick.lastPrice);
  assert.deepEqual(quoted.ohlc, tick.ohlc);
  assert.deepEqual(quoted.depth, tick.depth);
  assert.equal(quoted.buy_quantity, tick.totalBuyQuantity);
});

test('quote names at most 500 instruments a request, ohlc and ltp 1000', async (t) => {
  const server = await startEmulator(t, { rateLimits: { quote: 100 } });
  const kite = kiteClient(server, TOKEN);
  assert.equal(Object.keys(await kite.getQuote(generatedIds.slice(0, 500))).length, 500);
  await assert.rejects(kite.getQuote(generatedIds.slice(0, 501)), kiteError('InputException', /at most 500/));
  assert.equal(Object.keys(await kite.getOHLC(generatedIds.slice(0, 1000))).length, 1000);
  await assert.rejects(kite.getOHLC([...generatedIds.slice(0, 1000), 'NSE:INFY']), kiteError('InputException', /at most 1000/));
  assert.equal(Object.keys(await kite.getLTP(generatedIds.slice(0, 1000))).length, 1000);
  await assert.rejects(kite.getLTP([...generatedIds.slice(0, 1000), 'NSE:INFY']), kiteError('InputException', /at most 1000/));
});

test('historical candles answer a session’s token, and only a live one', async (t) => {
  const server = await startEmulator(t);
  const { kite } = await login(server);
  const candles = await kite.getHistoricalData(INFY.token, 'minute', '2026-11-25 09:15:00', '2026-11-25 09:24:00');
  const minutes = new SimHistory(7).minutes(INFY, Date.parse('2026-11-25T03:45:00Z'), Date.parse('2026-11-25T03:55:00Z'));
  assert.equal(candles.length, 10);
  assert.deepEqual(candles.map((c) => [c.open, c.high, c.low, c.close, c.volume]), minutes.map((m) => [m.open, m.high, m.low, m.close, m.volume]));
  await kite.invalidateAccessToken();
  await assert.rejects(kite.getHistoricalData(INFY.token, 'minute', '2026-11-25 09:15:00', '2026-11-25 09:24:00'), kiteError('TokenException', INCORRECT));
});

test('rate limits per class: a burst past the limit is answered 429 NetworkException, and counted', async (t) => {
  const server = await startEmulator(t);
  const kite = kiteClient(server, TOKEN);
  const burst = async (n: number, call: () => Promise<unknown>) => {
    const results = await Promise.allSettled(Array.from({ length: n }, call));
    for (const r of results) if (r.status === 'rejected') kiteError('NetworkException', 'Too many requests')(r.reason as never);
    return results.filter((r) => r.status === 'fulfilled').length;
  };
  assert.equal(await burst(5, () => kite.getQuote('NSE:INFY')), 1);
  assert.equal(await burst(5, () => kite.getHistoricalData(INFY.token, 'day', '2026-11-02', '2026-11-06')), 3);
  assert.equal(await burst(12, () => kite.getProfile()), 10);
  assert.deepEqual(server.stats().rest, { requests: { quote: 5, historical: 5, other: 12, orders: 0 }, throttled: { quote: 4, historical: 2, other: 2, orders: 0 } });
  const raw = await fetch(`${server.httpUrl}/quote/ltp?i=NSE:INFY`, { headers: { authorization: `token ${KEY}:${TOKEN}` } });
  assert.equal(raw.status, 429);
  assert.deepEqual(await raw.json(), { status: 'error', message: 'Too many requests', data: null, error_type: 'NetworkException' });
  await sleep(1100);
  assert.equal(await burst(1, () => kite.getLTP('NSE:INFY')), 1, 'a second later the bucket has refilled');
  // The login page and the token exchange are not charged.
  for (let i = 0; i < 12; i++) await loginRedirect(server);
  assert.equal(server.stats().rest.requests.other, 12);
});
