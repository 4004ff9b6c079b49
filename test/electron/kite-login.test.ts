/** The Kite login window: Kite's pages pass, the redirect to this agent is taken (never loaded), anything else is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginNavigation } from '../../electron/kite-login';

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
