import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { KiteApi } from '../../../agent/broker/kite/kite-api';
import { startSimTickerServer, type SimTickerServer } from '../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../agent/market/sim/universe';
import { ApiError } from '../../../shared/errors';

let emulator: SimTickerServer;
const log = pino({ level: 'silent' });

before(async () => {
  emulator = await startSimTickerServer({ universe: buildUniverse({ generated: 0 }), apiKey: 'apikey01', accessToken: 'token01' });
});
after(() => emulator.close());

const api = (options: Partial<ConstructorParameters<typeof KiteApi>[0]> = {}) =>
  new KiteApi({ root: emulator.httpUrl, apiKey: 'apikey01', accessToken: 'token01', log, ...options });

test('our buckets keep a burst under Kite\'s limit: no 429, calls spaced at the class rate', async () => {
  const kite = api();
  const before = emulator.stats().rest.throttled.quote;
  const started = performance.now();
  const answers = await Promise.all([1, 2, 3].map(() => kite.call('quote', 'a quote', (c) => c.getLTP(['NSE:INFY']))));
  const took = performance.now() - started;
  for (const answer of answers) assert.ok((answer as Record<string, { last_price: number }>)['NSE:INFY']!.last_price > 0);
  assert.equal(emulator.stats().rest.throttled.quote, before);
  assert.ok(took >= 2000, `three quote calls at under 1 a second took ${Math.round(took)} ms`);
  assert.deepEqual(kite.stats, { calls: { quote: 3, historical: 0, other: 0, orders: 0 }, rateLimited: 0 });
});

test('a 429 that still happens (someone else on the key) is retried after a pause, not in a loop', async () => {
  // Our limit far above Kite's, as if another program spent the key's budget.
  const kite = api({ limits: { quote: [{ capacity: 10, perSecond: 100 }] }, retryPauseMs: 1100 });
  await new Promise((r) => setTimeout(r, 1100)); // the emulator's quote bucket is full again
  const before = emulator.stats().rest.throttled.quote;
  const answers = await Promise.all([1, 2].map(() => kite.call('quote', 'a quote', (c) => c.getLTP(['NSE:TCS']))));
  assert.equal(answers.length, 2);
  assert.equal(kite.stats.rateLimited, 1, 'one 429, one retry');
  assert.equal(emulator.stats().rest.throttled.quote - before, 1);
  // With no pause long enough, the retries give up with a code the user can act on.
  const impatient = api({ limits: { quote: [{ capacity: 10, perSecond: 100 }] }, retryPauseMs: 10 });
  const results = await Promise.allSettled([1, 2, 3, 4].map(() => impatient.call('quote', 'a quote', (c) => c.getLTP(['NSE:TCS']))));
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as ApiError);
  assert.ok(refused.length > 0);
  for (const error of refused) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'broker_rate_limited');
  }
  assert.ok(impatient.stats.calls.quote <= 4 * 3, 'at most two retries a call');
});

test('a refused token is told once per token and answered broker_login_required', async () => {
  const told: string[] = [];
  const kite = api({ accessToken: 'not-a-token', onTokenRejected: (token) => told.push(token) });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(kite.call('other', 'the profile', (c) => c.getProfile()), (error: ApiError) => {
      assert.equal(error.code, 'broker_login_required');
      assert.match(error.message, /^Kite refused the profile: Incorrect `api_key` or `access_token`\. Log in to Kite again/);
      return true;
    });
  }
  assert.deepEqual(told, ['not-a-token']);
});

test('Kite down: provider_unavailable with the reason', async () => {
  emulator.faults.serverErrors(true);
  try {
    await assert.rejects(api().call('other', 'the profile', (c) => c.getProfile()), (error: ApiError) => error.code === 'provider_unavailable' && /Something went wrong/.test(error.message));
  } finally {
    emulator.faults.serverErrors(false);
  }
  const closed = new KiteApi({ root: 'http://127.0.0.1:9', apiKey: 'k', log });
  await assert.rejects(closed.call('other', 'the profile', (c) => c.getProfile()), (error: ApiError) => error.code === 'provider_unavailable' && /ECONNREFUSED/.test(error.message));
});
