import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KiteTestClient, sleep, waitFor } from './kite-test-client';
import { INCORRECT, KEY, SECRET, TOKEN, connectTicker, kiteClient, kiteError, login, loginRedirect, startEmulator, universe } from './kite-emulator-helpers';

const INFY = universe.find((i) => i.id === 'NSE:INFY')!;
const DECEMBER = {
  exchange: 'NFO', tradingsymbol: 'NIFTY25DECFUT', token: 13_238_274, name: 'NIFTY', segment: 'NFO-FUT',
  instrumentType: 'FUT', tickSize: 0.1, lotSize: 75, expiry: '2025-12-30', basePrice: 26_100,
};
const JANUARY = { ...DECEMBER, tradingsymbol: 'NIFTY26JANFUT', expiry: '2026-01-27', basePrice: 30_000 };

test('expireTokens: every token stops working, tickers are closed and refused; a new login works', async (t) => {
  const server = await startEmulator(t);
  const { accessToken } = await login(server);
  const pending = (await loginRedirect(server)).searchParams.get('request_token')!;
  const initialTicker = await connectTicker(t, server, TOKEN);
  const sessionTicker = await connectTicker(t, server, accessToken);
  server.faults.expireTokens();
  await waitFor('both tickers to be closed', () => initialTicker.closed !== null && sessionTicker.closed !== null);
  assert.equal(server.stats().connections, 0);
  for (const token of [TOKEN, accessToken]) {
    await assert.rejects(KiteTestClient.open(server.url, KEY, token), /HTTP 403/);
    await assert.rejects(kiteClient(server, token).getProfile(), kiteError('TokenException', INCORRECT));
  }
  await assert.rejects(kiteClient(server).generateSession(pending, SECRET), kiteError('TokenException', 'Token is invalid or has expired.'));
  const again = await login(server);
  assert.equal((await again.kite.getProfile()).user_id, 'AB1234');
  const ticker = await connectTicker(t, server, again.accessToken);
  ticker.send({ a: 'subscribe', v: [INFY.token] });
  await waitFor('ticks on the new session', () => ticker.packetsOf(INFY.token).length > 0);
});

test('silent: tickers get no frames and no heartbeats; REST waits, and is answered when it ends', async (t) => {
  const server = await startEmulator(t, { heartbeatMs: 100, ticksPerSecond: 10 });
  const streaming = await connectTicker(t, server);
  const idle = await connectTicker(t, server);
  streaming.send({ a: 'subscribe', v: [INFY.token] });
  await waitFor('ticks and heartbeats', () => streaming.packets.length >= 3 && idle.heartbeats >= 3);
  server.faults.silent(true);
  await sleep(100); // frames already sent are still arriving
  const seen = () => ({ packets: streaming.packets.length, heartbeats: streaming.heartbeats + idle.heartbeats, texts: streaming.texts.length });
  const before = seen();
  let answered = false;
  const profile = kiteClient(server, TOKEN).getProfile().finally(() => (answered = true));
  streaming.send('not json'); // would be answered with an error text frame
  idle.send({ a: 'subscribe', v: [INFY.token] }); // would be answered with a snapshot
  await sleep(1600);
  assert.deepEqual(seen(), before, 'nothing at all for 1.6 s, heartbeats every 100 ms before');
  assert.equal(answered, false);
  assert.equal(streaming.closed, null);
  server.faults.silent(false);
  assert.equal((await profile).user_id, 'AB1234');
  await waitFor('ticks and heartbeats again', () => streaming.packets.length > before.packets && idle.packetsOf(INFY.token).length > 0);
});

test('a request held while silent is closed unanswered when the server closes', async (t) => {
  const server = await startEmulator(t);
  server.faults.silent(true);
  const pending = kiteClient(server, TOKEN).getProfile();
  await sleep(100);
  const started = performance.now();
  await server.close();
  assert.ok(performance.now() - started < 1000);
  await assert.rejects(pending, kiteError('NetworkException', /No response from server/));
});

test('serverErrors: every REST call is answered 500 GeneralException until it is turned off', async (t) => {
  const server = await startEmulator(t);
  const kite = kiteClient(server, TOKEN);
  server.faults.serverErrors(true);
  const failure = kiteError('GeneralException', 'Something went wrong. Please try again later.');
  await assert.rejects(kite.getProfile(), failure);
  await assert.rejects(kite.getLTP('NSE:INFY'), failure);
  await assert.rejects(kiteClient(server).generateSession('x', SECRET), failure);
  const raw = await fetch(`${server.httpUrl}/connect/login?api_key=${KEY}&v=3`, { redirect: 'manual' });
  assert.equal(raw.status, 500);
  assert.deepEqual(await raw.json(), { status: 'error', message: 'Something went wrong. Please try again later.', data: null, error_type: 'GeneralException' });
  const ticker = await connectTicker(t, server);
  ticker.send({ a: 'subscribe', v: [INFY.token] });
  await waitFor('ticks: the websocket is not affected', () => ticker.packets.length > 0);
  server.faults.serverErrors(false);
  assert.equal((await kite.getProfile()).user_id, 'AB1234');
});

test('delist and list: a contract expires, and Kite lists the next one on its token', async (t) => {
  const server = await startEmulator(t, { ticksPerSecond: 10, rateLimits: { quote: 100, historical: 100, other: 100 } });
  const kite = kiteClient(server, TOKEN);
  const nfo = async () => (await kite.getInstruments('NFO')).slice(0, -1); // the dump's last line break is one empty row
  assert.deepEqual(await nfo(), []);
  assert.equal(server.faults.list(DECEMBER).id, 'NFO:NIFTY25DECFUT');
  const [december] = await nfo();
  assert.deepEqual(
    [december!.instrument_token as unknown, december!.tradingsymbol, december!.lot_size, december!.segment, december!.instrument_type],
    ['13238274', 'NIFTY25DECFUT', 75, 'NFO-FUT', 'FUT'],
  );
  assert.equal((december!.expiry as unknown as Date).toISOString(), '2025-12-30T00:00:00.000Z', 'the client reads a date alone as UTC midnight');
  const ticker = await connectTicker(t, server);
  ticker.send({ a: 'subscribe', v: [DECEMBER.token] });
  await waitFor('December ticks', () => ticker.packetsOf(DECEMBER.token).length >= 2);
  const decemberPrice = (await kite.getLTP('NFO:NIFTY25DECFUT'))['NFO:NIFTY25DECFUT']!.last_price;
  assert.ok(Math.abs(decemberPrice / DECEMBER.basePrice - 1) < 0.05, String(decemberPrice));

  assert.deepEqual(server.faults.delist(['NFO:NIFTY25DECFUT', 'NFO:UNKNOWN']), ['NFO:NIFTY25DECFUT']);
  assert.deepEqual(await nfo(), []);
  assert.deepEqual(await kite.getLTP(['NFO:NIFTY25DECFUT', String(DECEMBER.token)]), {});
  await assert.rejects(kite.getHistoricalData(DECEMBER.token, 'day', '2025-12-01', '2025-12-05'), kiteError('InputException', 'invalid token'));
  await sleep(100);
  const stoppedAt = ticker.packetsOf(DECEMBER.token).length;
  const late = await connectTicker(t, server);
  late.send({ a: 'subscribe', v: [DECEMBER.token, INFY.token] });
  await waitFor('INFY on the late ticker', () => late.packetsOf(INFY.token).length > 0);
  await sleep(400);
  assert.equal(ticker.packetsOf(DECEMBER.token).length, stoppedAt, 'a delisted instrument stops ticking');
  assert.equal(late.packetsOf(DECEMBER.token).length, 0, 'and cannot be subscribed to');

  server.faults.list(JANUARY);
  const [january] = await nfo();
  assert.deepEqual([january!.instrument_token as unknown, january!.tradingsymbol], ['13238274', 'NIFTY26JANFUT']);
  await waitFor('ticks again on the old subscription, now January’s', () => ticker.packetsOf(DECEMBER.token).length > stoppedAt);
  const januaryTick = ticker.packetsOf(DECEMBER.token).at(-1)!.tick;
  assert.ok(Math.abs(januaryTick.lastPrice / JANUARY.basePrice - 1) < 0.05, `January trades near its own price: ${januaryTick.lastPrice}`);
  const quoted = (await kite.getQuote('NFO:NIFTY26JANFUT'))['NFO:NIFTY26JANFUT']!;
  assert.equal(quoted.instrument_token, DECEMBER.token);
  assert.equal((await kite.getHistoricalData(DECEMBER.token, 'day', '2025-12-01', '2025-12-05')).length, 5);

  assert.deepEqual(server.faults.delist(['NSE:INFY']), ['NSE:INFY']);
  assert.ok(!(await kite.getInstruments('NSE')).some((row) => row.tradingsymbol === 'INFY'));
  assert.throws(() => server.faults.list({ ...JANUARY, tradingsymbol: 'NIFTY26FEBFUT' }), /token 13238274 is listed as NFO:NIFTY26JANFUT/);
});
