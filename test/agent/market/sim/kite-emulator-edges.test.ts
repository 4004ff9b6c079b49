import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import type { SimTickerServer } from '../../../../agent/market/sim/sim-ticker-server';
import { waitFor } from './kite-test-client';
import { INCORRECT, KEY, SECRET, TOKEN, connectTicker, kiteClient, kiteError, loginRedirect, startEmulator, universe } from './kite-emulator-helpers';

const INFY = universe.find((i) => i.id === 'NSE:INFY')!;
const AUTH = `token ${KEY}:${TOKEN}`;

/** A JSON answer: Kite's envelope, or its error shape. */
interface KiteBody {
  status: string;
  message: string;
  data: unknown;
  error_type: string;
}

function kiteErrorBody(message: string | RegExp, type: string) {
  return (body: KiteBody) => {
    assert.deepEqual({ ...body, message: '' }, { status: 'error', message: '', data: null, error_type: type });
    if (typeof message === 'string') assert.equal(body.message, message);
    else assert.match(body.message, message);
  };
}

async function call(server: SimTickerServer, path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.httpUrl}${path}`, { redirect: 'manual', ...init });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as KiteBody };
}

function admin(server: SimTickerServer, body: unknown, authorization = `Bearer ${SECRET}`) {
  return call(server, '/_emulator/faults', {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A raw request with a path `fetch` would normalise first. */
function rawGet(server: SimTickerServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { authorization: AUTH } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: response.statusCode!, body }));
    });
    req.on('error', reject).end();
  });
}

test('REST refuses a missing or malformed Authorization header with Kite’s 403', async (t) => {
  const server = await startEmulator(t);
  const headers = [
    undefined, '', `token ${KEY}`, `token ${KEY}:`, `token :${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${SECRET}`, `token ${KEY}:${TOKEN}x`,
    `token ${KEY}:${TOKEN} extra`, `token  ${KEY}:${TOKEN}`, `TOKEN ${KEY}:${TOKEN}`, `token ${KEY.toUpperCase()}:${TOKEN}`, `token other:${TOKEN}`,
  ];
  for (const authorization of headers) {
    for (const path of ['/user/profile', '/instruments', '/quote/ltp?i=NSE:INFY', `/instruments/historical/${INFY.token}/day?from=2026-11-02&to=2026-11-06`]) {
      const response = await call(server, path, authorization === undefined ? {} : { headers: { authorization } });
      assert.equal(response.status, 403, `${path} with ${JSON.stringify(authorization)}`);
      kiteErrorBody(INCORRECT, 'TokenException')(response.body);
    }
  }
  assert.equal(server.stats().rest.requests.other, 0, 'refused requests are not charged to the key');
  assert.equal((await call(server, '/user/profile?unknown=1', { headers: { authorization: AUTH } })).status, 200, 'unknown fields are ignored');
});

test('unknown routes, bad bodies and bad paths get Kite’s error shape, and the server carries on', async (t) => {
  const server = await startEmulator(t);
  const headers = { authorization: AUTH };
  for (const [method, path] of [['GET', '/gtt/triggers'], ['PATCH', '/orders'], ['GET', '/'], ['POST', '/user/profile'], ['PUT', '/session/token'], ['GET', '/quote/full']]) {
    const response = await call(server, path!, { method, headers });
    assert.equal(response.status, 404, `${method} ${path}`);
    kiteErrorBody('Route not found', 'GeneralException')(response.body);
  }
  const huge = await call(server, '/session/token', { method: 'POST', body: `api_key=${KEY}&pad=${'x'.repeat(70_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(huge.status, 413);
  kiteErrorBody(/larger than 65536 bytes/, 'InputException')(huge.body);
  const json = await call(server, '/session/token', { method: 'POST', body: JSON.stringify({ api_key: KEY }), headers: { 'content-type': 'application/json' } });
  assert.equal(json.status, 400, 'Kite reads forms, not JSON');
  kiteErrorBody('Missing api_key', 'InputException')(json.body);
  const empty = await call(server, '/session/token', { method: 'POST' });
  kiteErrorBody('Missing api_key', 'InputException')(empty.body);
  const noToken = await call(server, '/session/token', { method: 'DELETE', headers });
  assert.equal(noToken.status, 400);
  kiteErrorBody('Missing access_token', 'InputException')(noToken.body);

  // A form with fields Kite does not know is still a good form.
  const requestToken = (await loginRedirect(server)).searchParams.get('request_token')!;
  const checksum = createHash('sha256').update(KEY + requestToken + SECRET).digest('hex');
  const form = new URLSearchParams({ api_key: KEY, request_token: requestToken, checksum, surprise: '1', redirect_params: 'x' });
  const session = await call(server, '/session/token', { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(session.status, 200);
  assert.match((session.body.data as { access_token: string }).access_token, /^[A-Za-z0-9]{32}$/);

  const badPath = await rawGet(server, '/instruments/%E0%A4%A');
  assert.equal(badPath.status, 400);
  kiteErrorBody('Malformed request URL.', 'InputException')(JSON.parse(badPath.body) as KiteBody);
  const badToken = await call(server, `/instruments/historical/${'9'.repeat(40)}/minute?from=2026-11-02&to=2026-11-03`, { headers });
  kiteErrorBody('invalid token', 'InputException')(badToken.body);
  assert.equal((await kiteClient(server, TOKEN).getProfile()).user_id, 'AB1234');
});

test('the admin route: only with the API secret, one valid action a request', async (t) => {
  const server = await startEmulator(t);
  for (const authorization of ['', `Bearer ${SECRET}x`, `Bearer ${TOKEN}`, `token ${KEY}:${TOKEN}`, `bearer ${SECRET}`, SECRET]) {
    const refused = await admin(server, { action: 'expireTokens' }, authorization);
    assert.equal(refused.status, 403, authorization);
    kiteErrorBody(/Bearer <api secret>/, 'TokenException')(refused.body);
  }
  assert.equal((await kiteClient(server, TOKEN).getProfile()).user_id, 'AB1234', 'no refused action ran');
  const invalid: Array<[unknown, RegExp]> = [
    ['{', /not JSON/],
    [{ action: 'explode' }, /Invalid fault at action/],
    [{ action: 'silent' }, /Invalid fault at on/],
    [{ action: 'silent', on: 'yes' }, /Invalid fault at on/],
    [{ action: 'delist', ids: 'NSE:INFY' }, /Invalid fault at ids/],
    [{ action: 'list', instrument: { exchange: 'NFO', tradingsymbol: 'X', token: -1 } }, /Invalid fault at instrument.token/],
    [{ action: 'list', instrument: { exchange: 'NSE', tradingsymbol: 'INFY2', token: INFY.token } }, /token 408065 is listed as NSE:INFY/],
  ];
  for (const [body, message] of invalid) {
    const response = await admin(server, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    kiteErrorBody(message, 'InputException')(response.body);
  }
  const stats = await call(server, '/_emulator/stats', { headers: { authorization: `Bearer ${SECRET}` } });
  assert.deepEqual((stats.body.data as { rest: { requests: unknown } }).rest.requests, { quote: 0, historical: 0, other: 1, orders: 0 });
});

test('the admin route runs each fault, and answers while they are on', async (t) => {
  const server = await startEmulator(t);
  const kite = kiteClient(server, TOKEN);
  const ok = async (body: unknown) => {
    const response = await admin(server, body);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.data;
  };
  assert.equal(await ok({ action: 'serverErrors', on: true }), true);
  await assert.rejects(kite.getProfile(), kiteError('GeneralException', /Something went wrong/));
  await ok({ action: 'serverErrors', on: false });
  await ok({ action: 'silent', on: true });
  let answered = false;
  const profile = kite.getProfile().finally(() => (answered = true));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(answered, false);
  await ok({ action: 'silent', on: false });
  assert.equal((await profile).user_id, 'AB1234');
  assert.deepEqual(await ok({ action: 'delist', ids: ['NSE:INFY', 'NSE:NOPE'] }), { delisted: ['NSE:INFY'] });
  const { listed } = (await ok({ action: 'list', instrument: { exchange: 'NSE', tradingsymbol: 'INFY', token: INFY.token, name: 'INFOSYS, RELISTED' } })) as {
    listed: { id: string; name: string; expiry: string };
  };
  assert.deepEqual([listed.id, listed.name, listed.expiry], ['NSE:INFY', 'INFOSYS, RELISTED', '']);
  const row = (await kite.getInstruments('NSE')).find((r) => r.tradingsymbol === 'INFY')!;
  assert.equal(row.name, 'INFOSYS, RELISTED', 'a name with a comma survives the CSV');
  const ticker = await connectTicker(t, server);
  await ok({ action: 'dropConnections' });
  await waitFor('the ticker to be dropped', () => ticker.closed !== null);
  assert.equal(ticker.closed!.code, 1006);
  await ok({ action: 'expireTokens' });
  await assert.rejects(kite.getProfile(), kiteError('TokenException', INCORRECT));
});
