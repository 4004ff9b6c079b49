import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { ApiError } from '../../../shared/errors';
import { resetTicker, startTestAgent, type TestAgent, waitFor } from '../../helpers/test-agent';

let t: TestAgent;
before(async () => {
  t = await startTestAgent({ simInstruments: 100, limits: { instrumentsPerConnection: 40, connectionsPerKey: 3 } });
});
after(() => t.stop());
beforeEach(() => resetTicker(t.api));

const subscriptions = async () => (await t.api.call('getTicker')).subscriptions.map((s) => [s.instrument, s.mode, s.worker]);

test('health answers without a token', async () => {
  const res = await t.request('GET', '/api/v1/health', { token: null });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ok');
  assert.match(res.body.version, /^\d+\.\d+\.\d+/);
});

test('every other route needs the right bearer token', async () => {
  const routes: Array<[string, string, string?]> = [
    ['GET', '/api/v1/instruments'],
    ['GET', '/api/v1/ticker'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":["NSE:INFY"]}'],
    ['DELETE', '/api/v1/ticker/subscriptions', '{"instruments":["NSE:INFY"]}'],
    ['PUT', '/api/v1/ticker/workers', '{"count":1}'],
    ['GET', '/api/v1/quotes?instruments=NSE:INFY'],
    ['GET', '/api/v1/no-such-route'],
  ];
  for (const [method, path, body] of routes) {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: 'Basic dGVzdDp0ZXN0' }, { authorization: 'Bearer' }]) {
      const res = await t.request(method, path, { token: null, headers, ...(body ? { body } : {}) });
      assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
      assert.equal(res.body.error.code, 'unauthorized');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  }
  assert.deepEqual(await subscriptions(), [], 'no unauthenticated request changed anything');
});

test('instruments: search, limit and the documented shape', async () => {
  const { instruments } = await t.api.call('listInstruments', { search: 'infy', limit: 5 });
  assert.deepEqual(instruments[0], {
    ...instruments[0],
    id: 'NSE:INFY',
    token: 408065,
    exchange: 'NSE',
    tradingsymbol: 'INFY',
  });
  assert.equal(typeof instruments[0]!.name, 'string');
  assert.deepEqual(Object.keys(instruments[0]!).sort(), ['exchange', 'id', 'instrumentType', 'lotSize', 'name', 'segment', 'session', 'tickSize', 'token', 'tradable', 'tradingsymbol']);
  assert.deepEqual(instruments[0]!.session, { timeZone: 'Asia/Kolkata', utcOffsetMinutes: 330, openMinute: 555, closeMinute: 1995, weekdaysOnly: false }, 'the simulated exchange: 09:15 to 09:15, every day');
  assert.ok(instruments[0]!.tickSize > 0 && instruments[0]!.lotSize >= 1);
  const index = (await t.api.call('listInstruments', { search: 'NSE:NIFTY 50' })).instruments[0]!;
  assert.deepEqual([index.id, index.token, index.tradable], ['NSE:NIFTY 50', 256265, false]);
  assert.equal((await t.api.call('listInstruments', { limit: 3 })).instruments.length, 3);
  assert.equal((await t.api.call('listInstruments', { limit: 1000 })).instruments.length, 152);
  assert.deepEqual((await t.api.call('listInstruments', { search: 'NO SUCH THING' })).instruments, []);
});

test('subscribing 100 over 3 workers splits 34/33/33, then quotes come from live ticks', async () => {
  const ids = (await t.api.call('listInstruments', { search: 'SIM', limit: 100 })).instruments.map((i) => i.id);
  assert.equal(ids.length, 100);
  const state = await t.api.call('subscribe', { instruments: ids, mode: 'full' });
  assert.deepEqual(state.workers.map((w) => w.instruments.length), [34, 33, 33]);
  assert.equal(state.subscriptions.length, 100);
  assert.ok(state.subscriptions.every((s) => s.mode === 'full' && [1, 2, 3].includes(s.worker!)));
  for (const worker of state.workers) {
    assert.equal(typeof worker.pid, 'number');
    assert.ok(['ready', 'connecting', 'starting'].includes(worker.state));
  }
  const quotes = await waitFor('quotes for two instruments', async () => {
    const { quotes } = await t.api.call('getQuotes', { instruments: [ids[0]!, ids[1]!] });
    return Object.keys(quotes).length === 2 ? quotes : undefined;
  });
  const quote = quotes[ids[0]!]!;
  assert.ok(quote.lastPrice > 0);
  assert.equal(quote.mode, 'full');
  assert.equal(new Date(quote.timestamp).toISOString(), quote.timestamp);
  assert.equal(quote.depth!.buy.length, 5);
  assert.equal(quote.stale, false);
  await t.api.call('unsubscribe', { instruments: ids });
});

test('quotes for an instrument that is not ticking are simply absent', async () => {
  const { quotes } = await t.api.call('getQuotes', { instruments: ['NSE:ITC'] });
  assert.deepEqual(quotes, {});
});

test('bad input gets a clear error with a stable code and changes nothing', async () => {
  await t.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'ltp' });
  const before = await subscriptions();
  const pids = (await t.api.call('getTicker')).workers.map((w) => w.pid);
  const cases: Array<[string, string, string | undefined, number, string, string?, Record<string, string>?]> = [
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":["NSE:INFY"', 400, 'invalid_json'],
    ['POST', '/api/v1/ticker/subscriptions', '', 400, 'invalid_json'],
    ['POST', '/api/v1/ticker/subscriptions', 'null', 400, 'invalid_request'],
    ['POST', '/api/v1/ticker/subscriptions', '[]', 400, 'invalid_request'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":"NSE:INFY"}', 400, 'invalid_request', 'instruments'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":[]}', 400, 'invalid_request', 'instruments'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":[408065]}', 400, 'invalid_request', 'instruments.0'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":["INFY"]}', 400, 'invalid_request', 'instruments.0'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":["NSE:INFY"],"mode":"fast"}', 400, 'invalid_request', 'mode'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instrument":["NSE:INFY"]}', 400, 'invalid_request'],
    ['POST', '/api/v1/ticker/subscriptions', '{"instruments":["NSE:RELIANCE","NSE:NOPE"]}', 400, 'unknown_instrument', 'instruments'],
    ['POST', '/api/v1/ticker/subscriptions', '{"__proto__":{"admin":true},"instruments":["NSE:SBIN"]}', 400, 'invalid_json'],
    ['POST', '/api/v1/ticker/subscriptions', 'instruments=NSE:INFY', 415, 'unsupported_media_type', undefined, { 'content-type': 'application/x-www-form-urlencoded' }],
    ['POST', '/api/v1/ticker/subscriptions', `{"instruments":["${'NSE:X'.repeat(300_000)}"]}`, 413, 'payload_too_large'],
    ['DELETE', '/api/v1/ticker/subscriptions', undefined, 400, 'invalid_request', 'instruments'],
    ['DELETE', '/api/v1/ticker/subscriptions', '{"instruments":["NSE:NOPE"]}', 400, 'unknown_instrument', 'instruments'],
    ['PUT', '/api/v1/ticker/workers', '{"count":0}', 400, 'invalid_request', 'count'],
    ['PUT', '/api/v1/ticker/workers', '{"count":"2"}', 400, 'invalid_request', 'count'],
    ['PUT', '/api/v1/ticker/workers', '{"count":2.5}', 400, 'invalid_request', 'count'],
    ['PUT', '/api/v1/ticker/workers', '{"count":4}', 422, 'capacity_exceeded', 'count'],
    ['GET', '/api/v1/quotes', undefined, 400, 'invalid_request', 'instruments'],
    ['GET', '/api/v1/quotes?instruments=', undefined, 400, 'invalid_request', 'instruments'],
    ['GET', '/api/v1/quotes?instruments=NSE:INFY,NSE:NOPE', undefined, 400, 'unknown_instrument', 'instruments'],
    ['GET', '/api/v1/instruments?limit=0', undefined, 400, 'invalid_request', 'limit'],
    ['GET', '/api/v1/instruments?limit=lots', undefined, 400, 'invalid_request', 'limit'],
    ['GET', '/api/v1/instruments?sort=name', undefined, 400, 'invalid_request'],
    ['GET', '/api/v1/nothing-here', undefined, 404, 'not_found'],
    ['PATCH', '/api/v1/ticker/workers', '{"count":1}', 405, 'method_not_allowed'],
  ];
  for (const [method, path, body, status, code, field, headers] of cases) {
    const res = await t.request(method, path, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
    const label = `${method} ${path} ${body?.slice(0, 60) ?? ''}`;
    assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error?.code, code, label);
    assert.equal(typeof res.body.error.message, 'string');
    assert.ok(res.body.error.message.length > 5, label);
    if (field !== undefined) assert.equal(res.body.error.field, field, label);
  }
  assert.deepEqual(await subscriptions(), before, 'no bad request changed the subscriptions');
  assert.deepEqual((await t.api.call('getTicker')).workers.map((w) => w.pid), pids, 'no worker was restarted');
  assert.equal((await t.request('GET', '/api/v1/health')).status, 200);
});

test('too many instruments for the workers\' caps is refused whole', async () => {
  const before = await subscriptions();
  const ids = (await t.api.call('listInstruments', { search: 'SIM', limit: 100 })).instruments.map((i) => i.id);
  const more = [...ids, ...(await t.api.call('listInstruments', { limit: 52 })).instruments.map((i) => i.id)];
  await assert.rejects(t.api.call('subscribe', { instruments: more }), (error: ApiError) => {
    assert.equal(error.code, 'capacity_exceeded');
    assert.match(error.message, /at most 120/);
    return true;
  });
  assert.deepEqual(await subscriptions(), before);
  await t.api.call('subscribe', { instruments: ids.slice(0, 90) });
  await assert.rejects(t.api.call('setWorkers', { count: 1 }), (error: ApiError) => error.code === 'capacity_exceeded');
  assert.equal((await t.api.call('getTicker')).workers.length, 3);
  await t.api.call('unsubscribe', { instruments: ids.slice(0, 90) });
});
