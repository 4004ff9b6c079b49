import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kiteLoginUrl, kiteTokenExpiry, LoginStates, readCallback } from '../../../agent/broker/kite/kite-login';
import { nextDailyRefresh } from '../../../agent/services/instruments-service';

test('the login URL carries v=3, the API key and the one-time state in redirect_params', () => {
  const url = new URL(kiteLoginUrl('https://kite.zerodha.com', 'abc123key', '0123456789abcdef0123456789abcdef'));
  assert.equal(url.origin + url.pathname, 'https://kite.zerodha.com/connect/login');
  assert.equal(url.searchParams.get('v'), '3');
  assert.equal(url.searchParams.get('api_key'), 'abc123key');
  // Kite hands redirect_params back decoded, as extra query parameters of the redirect.
  assert.equal(new URLSearchParams(url.searchParams.get('redirect_params')!).get('state'), '0123456789abcdef0123456789abcdef');
});

test('a token expires at the next 06:00 IST, whenever it was issued', () => {
  const ist = (text: string) => Date.parse(`${text}+05:30`);
  assert.equal(kiteTokenExpiry(ist('2026-12-01T08:00:00')), ist('2026-12-02T06:00:00'));
  assert.equal(kiteTokenExpiry(ist('2026-12-01T23:59:00')), ist('2026-12-02T06:00:00'));
  assert.equal(kiteTokenExpiry(ist('2026-12-02T05:59:59')), ist('2026-12-02T06:00:00'), 'a login before dawn lasts until dawn');
  assert.equal(kiteTokenExpiry(ist('2026-12-02T06:00:00')), ist('2026-12-03T06:00:00'));
});

test('the callback takes a success with a well-formed request token and state, and nothing else', () => {
  const state = 'a'.repeat(32);
  assert.deepEqual(readCallback({ status: 'success', request_token: 'AbC123xyz789', state, action: 'login' }), { requestToken: 'AbC123xyz789', state });
  const refusals: Array<[Record<string, unknown>, RegExp]> = [
    [{ request_token: 'AbC123xyz789', state }, /did not say how the login went/],
    [{ status: 'cancelled', request_token: 'AbC123xyz789', state }, /reported the login as "cancelled"/],
    [{ status: 'success', state }, /request token is missing/],
    [{ status: 'success', request_token: 'short', state }, /malformed/],
    [{ status: 'success', request_token: 'AbC123xyz789<script>', state }, /malformed/],
    [{ status: 'success', request_token: ['AbC123xyz789', 'AbC123xyz790'], state }, /missing or malformed/],
    [{ status: 'success', request_token: 'AbC123xyz789' }, /not started by this agent/],
    [{ status: 'success', request_token: 'AbC123xyz789', state: 'Z'.repeat(32) }, /not started by this agent/],
  ];
  for (const [query, reason] of refusals) {
    const result = readCallback(query);
    assert.ok('refused' in result, JSON.stringify(query));
    assert.match(result.refused, reason);
  }
});

test('a login state is good once, for its time, and only if this agent issued it', () => {
  let now = 0;
  const states = new LoginStates(1000, 3, () => now);
  const first = states.issue();
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.equal(states.consume('f'.repeat(32)), false, 'never issued');
  assert.equal(states.consume(first), true);
  assert.equal(states.consume(first), false, 'used once already');
  const late = states.issue();
  now = 1000;
  assert.equal(states.consume(late), false, 'expired');
  const kept = [states.issue(), states.issue(), states.issue()];
  const newest = states.issue(); // a fourth pushes out the oldest
  assert.equal(states.consume(kept[0]!), false);
  assert.equal(states.consume(kept[2]!), true);
  assert.equal(states.consume(newest), true);
});

test("the instruments list is due at 08:30 IST each day, the next one strictly after now", () => {
  const ist = (text: string) => Date.parse(`${text}+05:30`);
  assert.equal(nextDailyRefresh(ist('2026-12-01T08:29:59'), 510), ist('2026-12-01T08:30:00'));
  assert.equal(nextDailyRefresh(ist('2026-12-01T08:30:00'), 510), ist('2026-12-02T08:30:00'));
  assert.equal(nextDailyRefresh(ist('2026-12-02T00:10:00'), 510), ist('2026-12-02T08:30:00'), 'after IST midnight, before UTC midnight');
});
