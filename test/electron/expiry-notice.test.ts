/** When the tray's notification asks for a Kite login: once per change, never for the simulated market. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expiryNotice } from '../../electron/expiry-notice';

const kite = (session: 'logged-in' | 'needs-login' | 'expired') => ({ provider: 'kite' as const, session, userId: session === 'logged-in' ? 'AB1234' : null, expiresAt: null });
const sim = { provider: 'sim' as const, session: 'logged-in' as const, userId: null, expiresAt: null };

test('a session that ends is told once, with why', () => {
  const expired = expiryNotice(kite('logged-in'), kite('expired'));
  assert.equal(expired?.title, 'Kite session ended');
  assert.match(expired!.body, /access token expired/);
  assert.match(expiryNotice(kite('logged-in'), kite('needs-login'))!.body, /logged AlgoDeck out/);
  assert.equal(expiryNotice(kite('expired'), kite('expired')), null, 'not again while it waits');
  assert.equal(expiryNotice(kite('expired'), kite('needs-login')), null);
});

test('at the start, a login that is needed is told; nothing when logged in, on the simulated market, or without an answer', () => {
  assert.equal(expiryNotice(null, kite('needs-login'))?.title, 'Log in to Kite');
  assert.equal(expiryNotice(null, kite('logged-in')), null);
  assert.equal(expiryNotice(kite('needs-login'), kite('logged-in')), null);
  assert.equal(expiryNotice(null, sim), null);
  assert.equal(expiryNotice(kite('logged-in'), null), null);
  assert.equal(expiryNotice(sim, kite('needs-login'))?.title, 'Log in to Kite', 'a switch of provider is a new start');
});
