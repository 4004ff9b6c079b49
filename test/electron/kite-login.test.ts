/**
 * The Kite login window: Kite's pages pass, the redirect to this agent is taken (never loaded) and
 * handed to the agent's callback by the shell, anything else is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimTickerServer } from '../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../agent/market/sim/universe';
import { finishKiteLogin, loginNavigation } from '../../electron/kite-login';
import { api } from '../../shared/contract/api';
import { freePort } from '../helpers/os';
import { startTestAgent } from '../helpers/test-agent';

const AGENT = 'http://127.0.0.1:7420';
const CALLBACK = `${AGENT}/api/v1/broker/kite/callback`;

test("Kite's own login pages pass", () => {
  for (const url of ['https://kite.zerodha.com/connect/login?v=3&api_key=abc', 'https://kite.zerodha.com/connect/finish?sess_id=x', 'https://kite.zerodha.com/']) {
    assert.deepEqual(loginNavigation(url, AGENT), { kind: 'kite' }, url);
  }
});

test("the redirect to this agent's callback is taken with its query, to be handed over, not loaded", () => {
  assert.deepEqual(loginNavigation(`${CALLBACK}?action=login&type=login&status=success&request_token=Abc123XYZ&state=0123456789abcdef0123456789abcdef`, AGENT), {
    kind: 'callback',
    query: { action: 'login', type: 'login', status: 'success', request_token: 'Abc123XYZ', state: '0123456789abcdef0123456789abcdef' },
  });
  assert.deepEqual(loginNavigation(`${CALLBACK}?status=cancelled`, AGENT), { kind: 'callback', query: { status: 'cancelled' } }, 'a cancelled login is the agent\'s to report');
});

test('anything else is refused, with a reason', () => {
  const hostile = [
    'http://kite.zerodha.com/connect/login',
    'https://kite.zerodha.com.evil.com/connect/login',
    'https://evil.com/connect/login?next=https://kite.zerodha.com',
    'https://user:pw@kite.zerodha.com/',
    'https://kite.zerodha.com:8443/',
    `${AGENT}/api/v1/broker/kite/callback/../../ticker`,
    `${AGENT}/api/v1/broker/kite/callbackx?request_token=abc`,
    `${AGENT}/api/v1/ticker`,
    `http://127.0.0.1:7421/api/v1/broker/kite/callback?request_token=abc`,
    `http://localhost:7420/api/v1/broker/kite/callback?request_token=abc`,
    `https://127.0.0.1:7420/api/v1/broker/kite/callback?request_token=abc`,
    `http://user@127.0.0.1:7420/api/v1/broker/kite/callback?request_token=abc`,
    `${CALLBACK}?request_token=one&request_token=two&status=success`,
    'file:///etc/passwd',
    'javascript:alert(1)',
    'about:blank',
    'not a url',
  ];
  for (const url of hostile) {
    const decision = loginNavigation(url, AGENT);
    assert.equal(decision.kind, 'refused', url);
    assert.ok(decision.kind === 'refused' && decision.reason.length > 0);
  }
});


test("the redirect taken from Kite is handed to the agent: logged in, and a replay refused with the agent's reason", async (t) => {
  const port = await freePort();
  const agentOrigin = `http://127.0.0.1:${port}`;
  const credentials = { apiKey: 'kitetestkey01', apiSecret: 'kite-test-secret-0123' };
  const emulator = await startSimTickerServer({ universe: buildUniverse({ generated: 0 }), ...credentials, accessToken: 'not-given', redirectUrl: `${agentOrigin}${api.kiteLoginCallback.path}`, ticksPerSecond: 1 });
  t.after(() => emulator.close());
  const agent = await startTestAgent({ port, provider: 'kite', kite: { root: emulator.httpUrl, ...credentials }, workers: 1 });
  t.after(() => agent.stop());
  const { url } = (await agent.request('GET', '/api/v1/broker/login-url')).body as { url: string };
  // Kite's login page redirects the window to the app's registered URL: the agent's callback.
  const redirect = await fetch(url, { redirect: 'manual' });
  const next = loginNavigation(redirect.headers.get('location')!, agentOrigin);
  assert.equal(next.kind, 'callback');
  const query = (next as { query: Record<string, string> }).query;
  const done = await finishKiteLogin((target) => fetch(target), agentOrigin, query);
  assert.equal(done.ok, true, done.message);
  assert.match(done.message, /^AlgoDeck is logged in as .+ until .+ IST\. You can close this tab\.$/);
  assert.equal(((await agent.request('GET', '/api/v1/broker')).body as { session: string }).session, 'logged-in');
  // The same redirect again (its one-time state is spent): refused, in the agent's words, as text.
  const replay = await finishKiteLogin((target) => fetch(target), agentOrigin, query);
  assert.equal(replay.ok, false);
  assert.ok(replay.message.length > 10 && !replay.message.includes('<'), replay.message);
  const gone = await finishKiteLogin((target) => fetch(target), `http://127.0.0.1:${await freePort()}`, query);
  assert.deepEqual([gone.ok, /could not be reached/.test(gone.message)], [false, true]);
});
