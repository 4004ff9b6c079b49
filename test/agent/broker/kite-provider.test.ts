/**
 * The agent with `--provider kite` against the Kite emulator, end to end: the daily login
 * through the callback route, Kite's instruments in the master, live ticks through the workers,
 * an expired token moving the ticker to needs-login and a new login resuming it, history
 * through the candle store with span splitting, Kite's rate limits under a burst, an expired
 * contract reported, and bad credentials and callbacks refused. Runs the same in any time zone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { startSimTickerServer, type SimTickerServer } from '../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../agent/market/sim/universe';
import type { BrokerState, TickerState } from '../../../shared/contract/api';
import { sleep, startTestAgent, type TestAgent, waitFor } from '../../helpers/test-agent';

const universe = buildUniverse({ generated: 0 });
const API_KEY = 'kitetestkey01';
const API_SECRET = 'kite-test-secret-0123456789';
let emulator: SimTickerServer;
let t: TestAgent;
let callbackBase: string;
const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-kite-'));
/** Everything the agents log, at debug level, to check that no secret is in it. */
const logged: string[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(line) });
/** Secrets seen during the tests: request tokens from redirects, access tokens from the secrets file. */
const secrets = new Set<string>([API_SECRET]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  callbackBase = `http://127.0.0.1:${port}/api/v1/broker/kite/callback`;
  emulator = await startSimTickerServer({
    universe,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    accessToken: 'initial-token-not-given-to-the-agent',
    redirectUrl: callbackBase,
    ticksPerSecond: 5,
    historyFrom: Math.floor(Date.now() / 60_000) * 60_000,
  });
  t = await startTestAgent({ port, dataDir, log, provider: 'kite', kite: { root: emulator.httpUrl }, workers: 2 });
});

after(async () => {
  await t?.stop();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const broker = async () => (await t.request('GET', '/api/v1/broker')).body as BrokerState;
const ticker = async () => (await t.request('GET', '/api/v1/ticker')).body as TickerState;

/** The daily login as a user's browser does it: the agent's login URL, Kite's redirect, our callback. */
async function browserLogin(): Promise<{ status: number; html: string; callback: string }> {
  const { body } = await t.request('GET', '/api/v1/broker/login-url');
  const login = await fetch((body as { url: string }).url, { redirect: 'manual' });
  assert.equal(login.status, 302, 'the emulator redirects to the registered URL');
  const callback = login.headers.get('location')!;
  assert.ok(callback.startsWith(`${callbackBase}?`), callback);
  secrets.add(new URL(callback).searchParams.get('request_token')!);
  const page = await fetch(callback); // no token: the callback is public
  const stored = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  for (const value of Object.values(stored)) secrets.add(value);
  return { status: page.status, html: await page.text(), callback };
}

test('before credentials and a login: the broker needs a login and the ticker waits, without a reconnect storm', async () => {
  const state = await broker();
  assert.equal(state.provider, 'kite');
  assert.equal(state.session, 'needs-login');
  assert.deepEqual(state.credentials, { apiKey: null, apiSecretSet: false, store: 'file' });
  assert.equal(state.redirectUrl, callbackBase);
  const refused = await t.request('GET', '/api/v1/broker/login-url');
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'broker_not_configured');
  await waitFor('workers waiting for a login', async () => (await ticker()).state === 'needs-login');
  assert.equal(emulator.stats().connections, 0, 'no connection is even tried without a token');
  // The pool can be sized before the day's login.
  const grown = await t.request('PUT', '/api/v1/ticker/workers', { body: JSON.stringify({ count: 3 }) });
  assert.equal(grown.status, 200, JSON.stringify(grown.body));
  assert.deepEqual((grown.body as TickerState).workers.map((w) => w.state), ['needs-login', 'needs-login', 'needs-login']);
  await t.request('PUT', '/api/v1/ticker/workers', { body: JSON.stringify({ count: 2 }) });
});

test('credentials are checked and the secret is never returned', async () => {
  const bad = await t.request('PUT', '/api/v1/broker/credentials', { body: JSON.stringify({ apiKey: 'has spaces!', apiSecret: 'x' }) });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'apiKey');
  const missing = await t.request('PUT', '/api/v1/broker/credentials', { body: JSON.stringify({ apiKey: API_KEY }) });
  assert.equal(missing.status, 400);
  // A wrong secret is accepted here; Kite refuses it at the login's checksum.
  const wrong = await t.request('PUT', '/api/v1/broker/credentials', { body: JSON.stringify({ apiKey: API_KEY, apiSecret: 'not-the-secret' }) });
  assert.equal(wrong.status, 200);
  assert.ok(!JSON.stringify(wrong.body).includes('not-the-secret'));
  assert.deepEqual(wrong.body.credentials, { apiKey: API_KEY, apiSecretSet: true, store: 'file' });
  const { status, html } = await browserLogin();
  assert.equal(status, 400);
  assert.match(html, /Kite login failed/);
  assert.match(html, /checksum/i);
  assert.equal((await broker()).session, 'needs-login');
});

test('the daily login end to end through the callback; the state is good once; instruments load; ticks flow', async () => {
  await t.request('PUT', '/api/v1/broker/credentials', { body: JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }) });
  const { status, html, callback } = await browserLogin();
  assert.equal(status, 200, html);
  assert.match(html, /Logged in to Kite/);
  const state = await broker();
  assert.equal(state.session, 'logged-in');
  assert.equal(state.userId, 'AB1234');
  const expires = Date.parse(state.expiresAt!);
  assert.equal(new Date(expires + 330 * 60_000).toISOString().slice(11, 16), '06:00', 'the token expires at 06:00 IST');
  assert.ok(expires > Date.now() && expires - Date.now() <= 86_400_000);
  const replay = await fetch(callback);
  assert.equal(replay.status, 400, 'a callback URL cannot be used twice');
  assert.match(await replay.text(), /not issued by this agent, was used already/);

  await waitFor("Kite's instruments in the master", async () => (await broker()).instruments.count === universe.length, 20_000);
  const search = await t.api.call('listInstruments', { search: 'INFY', limit: 5 });
  assert.equal(search.instruments[0]?.id, 'NSE:INFY');
  await t.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:NIFTY 50'], mode: 'full' });
  await waitFor('ticks from Kite', async () => {
    const { quotes } = await t.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:NIFTY 50'] });
    return quotes['NSE:INFY']?.mode === 'full' && quotes['NSE:NIFTY 50'] !== undefined;
  });
  assert.equal((await ticker()).state, 'running');
});

test('bad callback parameters get a clear page and change nothing', async () => {
  for (const query of ['', '?status=success', '?status=cancelled&request_token=abcdefgh12&state=' + '0'.repeat(32), `?status=success&request_token=abcdefgh12&state=${'1'.repeat(32)}`]) {
    const page = await fetch(`${callbackBase}${query}`);
    assert.equal(page.status, 400, query);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'/);
    assert.match(await page.text(), /Kite login (refused|failed)/);
  }
  assert.equal((await broker()).session, 'logged-in');
  const bad = await t.request('POST', '/api/v1/broker/session', { body: JSON.stringify({ requestToken: 'notissued123' }) });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'broker_login_failed');
  assert.equal((await broker()).session, 'logged-in', "Kite's refusal of a request token is not the session's");
});

test('an expired token moves the ticker to needs-login; a new login resumes every worker with its subscriptions', async () => {
  emulator.faults.expireTokens();
  await waitFor('needs-login', async () => (await ticker()).state === 'needs-login', 15_000);
  assert.equal((await broker()).session, 'expired');
  await sleep(1500); // a worker retrying its refused token would show as a connection
  assert.equal(emulator.stats().connections, 0, 'no reconnect storm: the workers wait for a login');
  assert.equal((await ticker()).state, 'needs-login');
  const { status } = await browserLogin();
  assert.equal(status, 200);
  await waitFor('running again', async () => (await ticker()).state === 'running', 15_000);
  const before = (await t.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY']!.receivedAt;
  await waitFor('fresh ticks', async () => (await t.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY']!.receivedAt > before);
});

test('history through the candle store: a long minute range is split into spans Kite accepts', async () => {
  const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * 86_400_000);
  const from = new Date(to.getTime() - 70 * 86_400_000);
  const before = emulator.stats().rest;
  const result = await t.api.call('getCandles', { instrument: 'NSE:TCS', interval: 'day', from: from.toISOString(), to: to.toISOString() });
  // Kite's (and the emulator's) history has NSE's trading days only: the weekdays of the range.
  const weekdays = new Set<string>();
  for (let day = from.getTime(); day < to.getTime(); day += 3_600_000) {
    const ist = new Date(day + 330 * 60_000);
    if (ist.getUTCDay() % 6 !== 0 && ist.getUTCHours() * 60 + ist.getUTCMinutes() >= 555 && ist.getUTCHours() * 60 + ist.getUTCMinutes() < 930) weekdays.add(ist.toISOString().slice(0, 10));
  }
  assert.ok(Math.abs(result.candles.length - weekdays.size) <= 1, `${result.candles.length} daily candles for ${weekdays.size} trading days`);
  assert.ok(result.candles.every((c) => new Date(Date.parse(c.time) + 330 * 60_000).toISOString().slice(11, 16) === '09:15'), 'day bars start at the open');
  assert.equal(result.warning, undefined);
  const after = emulator.stats().rest;
  assert.equal(after.requests.historical - before.requests.historical, 2, 'minute candles: at most 60 days a request');
  assert.equal(after.throttled.historical, 0);
});

test('quotes of instruments the ticker does not carry come from /quote, and a burst stays within Kite\'s limit', async () => {
  const ids = ['NSE:TCS', 'NSE:HDFCBANK', 'NSE:RELIANCE'];
  const results = await Promise.all(ids.map((id) => t.api.call('getQuotes', { instruments: [id] })));
  for (const [i, result] of results.entries()) {
    assert.equal(result.warning, undefined);
    assert.ok(result.quotes[ids[i]!]!.lastPrice > 0);
  }
  const rest = emulator.stats().rest;
  assert.equal(rest.throttled.quote, 0, 'no 429 under a burst');
  assert.ok(rest.requests.quote >= 3);
});

test('a burst of candle queries keeps to Kite\'s 3 requests a second', async () => {
  const ids = ['NSE:SBIN', 'NSE:LT', 'NSE:WIPRO', 'NSE:CIPLA', 'NSE:TITAN', 'NSE:MARUTI'];
  const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 86_400_000);
  const from = new Date(to.getTime() - 20 * 86_400_000);
  const before = emulator.stats().rest;
  const results = await Promise.all(ids.map((instrument) => t.api.call('getCandles', { instrument, interval: '60minute', from: from.toISOString(), to: to.toISOString() })));
  for (const result of results) assert.equal(result.warning, undefined);
  const after = emulator.stats().rest;
  assert.equal(after.requests.historical - before.requests.historical, ids.length);
  assert.equal(after.throttled.historical, 0, 'no 429');
});

test('an instrument on a new token is followed by its id: the subscription moves to the new token', async () => {
  await t.api.call('subscribe', { instruments: ['NSE:SBIN'], mode: 'ltp' });
  emulator.faults.delist(['NSE:SBIN']);
  emulator.faults.list({ exchange: 'NSE', tradingsymbol: 'SBIN', name: 'STATE BANK OF INDIA', token: 999_001 * 256 + 1, basePrice: 800 });
  const refresh = await t.request('POST', '/api/v1/instruments/refresh');
  assert.deepEqual(refresh.body.expired, []);
  assert.equal(refresh.body.changed, 1);
  const sub = (await ticker()).subscriptions.find((s) => s.instrument === 'NSE:SBIN');
  assert.equal(sub?.mode, 'ltp');
  await waitFor('ticks on the new token', async () => (await t.api.call('getQuotes', { instruments: ['NSE:SBIN'] })).quotes['NSE:SBIN']?.token === 999_001 * 256 + 1);
});

test('continuous day candles of a future, straight from Kite; refused for what is not a future or not daily', async () => {
  emulator.faults.list({ exchange: 'NFO', tradingsymbol: 'NIFTY27JANFUT', token: 13_500_002, segment: 'NFO-FUT', instrumentType: 'FUT', lotSize: 75, expiry: '2027-01-28', basePrice: 24_000 });
  await t.request('POST', '/api/v1/instruments/refresh');
  const future = (await t.api.call('listInstruments', { search: 'NIFTY27JANFUT', limit: 1 })).instruments[0]!;
  assert.deepEqual([future.id, future.expiry, future.lotSize], ['NFO:NIFTY27JANFUT', '2027-01-28', 75]);
  const to = new Date();
  const from = new Date(to.getTime() - 14 * 86_400_000);
  const before = emulator.stats().rest.requests.historical;
  const result = await t.api.call('getCandles', { instrument: future.id, interval: 'day', from: from.toISOString(), to: to.toISOString(), continuous: true });
  assert.ok(result.candles.length >= 9 && result.candles.length <= 11, `${result.candles.length} days in two weeks`);
  assert.ok(result.candles.every((c) => new Date(Date.parse(c.time) + 330 * 60_000).toISOString().slice(11, 16) === '09:15'));
  assert.equal(result.forming, null);
  assert.equal(emulator.stats().rest.requests.historical - before, 1, 'one request, straight to Kite');
  const again = await t.api.call('getCandles', { instrument: future.id, interval: 'day', from: from.toISOString(), to: to.toISOString(), continuous: true });
  assert.deepEqual(again.candles, result.candles);
  assert.equal(emulator.stats().rest.requests.historical - before, 2, 'a continuous series is not stored as the contract\'s own');
  for (const [query, reason] of [
    [`instrument=${encodeURIComponent(future.id)}&interval=5minute&continuous=true`, /only day candles/],
    ['instrument=NSE:TCS&interval=day&continuous=true', /NSE:TCS is not a future/],
    [`instrument=${encodeURIComponent(future.id)}&interval=day&continuous=yes`, /true or false/],
  ] as const) {
    const refused = await t.request('GET', `/api/v1/candles?${query}`);
    assert.equal(refused.status, 400, query);
    assert.equal(refused.body.error.field, 'continuous');
    assert.match(refused.body.error.message, reason);
  }
});

test('an expired contract is reported, not mapped to the new contract on its token', async () => {
  await t.api.call('subscribe', { instruments: ['NSE:ITC'], mode: 'quote' });
  const itc = universe.find((i) => i.id === 'NSE:ITC')!;
  emulator.faults.delist(['NSE:ITC']);
  emulator.faults.list({ exchange: 'NSE', tradingsymbol: 'NEWCO', name: 'NEW CO', token: itc.token });
  const refresh = await t.request('POST', '/api/v1/instruments/refresh');
  assert.equal(refresh.status, 200, JSON.stringify(refresh.body));
  assert.deepEqual(refresh.body.expired, ['NSE:ITC']);
  assert.equal(refresh.body.unlisted, 1);
  const state = await ticker();
  assert.ok(!state.subscriptions.some((s) => s.instrument === 'NSE:ITC' || s.instrument === 'NSE:NEWCO'));
  assert.deepEqual((await broker()).instruments.expired, ['NSE:ITC']);
  const quotes = await t.request('GET', '/api/v1/quotes?instruments=NSE:ITC');
  assert.equal(quotes.body.error.code, 'unknown_instrument');
});

test('a restarted agent is still logged in, with its instruments and subscriptions', async () => {
  const subscribed = (await ticker()).subscriptions.map((s) => s.instrument).sort();
  const port = new URL(t.agent.url).port;
  await t.stop();
  t = await startTestAgent({ port: Number(port), dataDir, log, provider: 'kite', kite: { root: emulator.httpUrl }, workers: 2 });
  const state = await broker();
  assert.equal(state.session, 'logged-in');
  assert.equal(state.userId, 'AB1234');
  assert.ok(state.instruments.count > 0);
  await waitFor('ticks again', async () => (await ticker()).state === 'running' && (await t.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY'] !== undefined, 15_000);
  assert.deepEqual((await ticker()).subscriptions.map((s) => s.instrument).sort(), subscribed);
});

test('logout ends the session at Kite and here; the ticker waits for the next login', async () => {
  const state = (await t.request('DELETE', '/api/v1/broker/session')).body as BrokerState;
  assert.equal(state.session, 'needs-login');
  assert.equal(state.userId, null);
  await waitFor('needs-login', async () => (await ticker()).state === 'needs-login', 15_000);
  const quote = await t.api.call('getQuotes', { instruments: ['NSE:TCS'] });
  assert.equal(quote.warning?.code, 'broker_login_required');
  const from = new Date(Date.now() - 200 * 86_400_000).toISOString();
  const to = new Date(Date.now() - 190 * 86_400_000).toISOString();
  const history = await t.request('GET', `/api/v1/candles?instrument=NSE:WIPRO&interval=day&from=${from}&to=${to}`);
  assert.equal(history.status, 409, 'history nobody stored needs a login, and says so');
  assert.equal(history.body.error.code, 'broker_login_required');
});

test('nothing secret is in the logs: not the API secret, a request token or an access token', () => {
  assert.ok(secrets.size >= 4, `${secrets.size} secrets seen`);
  assert.ok(logged.length > 10, `${logged.length} log lines`);
  const text = logged.join('');
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret of ${secret.length} characters is in the log`);
});
