/**
 * Signing in from a browser, against a real agent: with no cookie the page is signed out; a wrong
 * token keeps it so, with the agent's sentence; the right one signs in and the cookie then
 * carries the session (a small cookie jar stands in for the browser).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createApiClient, type FetchLike } from '../../../shared/contract/client';
import { createSessionStore, tokenProblem } from '../../../renderer/src/stores/session-store';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';

let agent: TestAgent;
before(async () => {
  agent = await startTestAgent({ workers: 1 });
});
after(() => agent?.stop());

/** A browser's fetch on the agent's own origin: it keeps the agent's cookie and names its origin. */
function browserLike(origin: string): { fetch: FetchLike; cookies: Map<string, string> } {
  const cookies = new Map<string, string>();
  const fetchLike: FetchLike = async (url, init) => {
    const headers: Record<string, string> = { ...init.headers, origin };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  };
  return { fetch: fetchLike, cookies };
}

test('check without a cookie: signed out, and no error to show', async () => {
  const store = createSessionStore(createApiClient(agent.agent.url, undefined, (u, init) => fetch(u, init)), agent.agent.url);
  assert.equal(store.getState().status, 'checking');
  await store.getState().check();
  assert.deepEqual({ status: store.getState().status, info: store.getState().info, error: store.getState().error }, { status: 'signed-out', info: null, error: null });
});

test('a wrong token keeps the page signed out, with the agent\'s sentence', async () => {
  const store = createSessionStore(createApiClient(agent.agent.url, undefined, (u, init) => fetch(u, init)), agent.agent.url);
  await store.getState().check();
  const raw = await agent.request('POST', '/api/v1/session', { body: JSON.stringify({ token: 'not-the-token-0123456789' }), token: null });
  assert.equal(raw.status, 401);
  assert.equal(await store.getState().signIn({ token: 'also-not-the-token-0123456789' }), false);
  assert.equal(store.getState().status, 'signed-out');
  assert.equal(store.getState().info, null);
  assert.deepEqual(store.getState().error, { code: 'unauthorized', message: raw.body.error.message, field: 'token' });
  // No password is set: the agent says to use the token.
  assert.equal(await store.getState().signIn({ password: 'some long password' }), false);
  assert.equal(store.getState().status, 'signed-out');
  assert.equal(store.getState().error?.field, 'password');
  assert.match(store.getState().error!.message, /token/);
});

test('the right token signs in; the cookie keeps the session; sign-out ends it', async () => {
  const browser = browserLike(agent.agent.url);
  const store = createSessionStore(createApiClient(agent.agent.url, undefined, browser.fetch), agent.agent.url);
  await store.getState().check();
  assert.equal(store.getState().status, 'signed-out');
  assert.equal(await store.getState().signIn({ token: TEST_TOKEN }), true);
  assert.equal(store.getState().status, 'signed-in');
  assert.equal(store.getState().error, null);
  assert.equal(store.getState().info!.principal, 'session');
  assert.ok(Date.parse(store.getState().info!.expiresAt!) > Date.now(), 'a session that ends later');
  assert.equal(browser.cookies.size, 1, 'the agent set its cookie');

  // A reload of the page: a new store, the same cookie.
  const reloaded = createSessionStore(createApiClient(agent.agent.url, undefined, browser.fetch), agent.agent.url);
  await reloaded.getState().check();
  assert.equal(reloaded.getState().status, 'signed-in');
  assert.equal(reloaded.getState().info!.principal, 'session');

  await reloaded.getState().signOut();
  assert.equal(reloaded.getState().status, 'signed-out');
  const after = createSessionStore(createApiClient(agent.agent.url, undefined, browser.fetch), agent.agent.url);
  await after.getState().check();
  assert.equal(after.getState().status, 'signed-out', 'the session ended at the agent');
});

test('an unreachable agent is not "signed out"; ended() says the session ended', async () => {
  const store = createSessionStore(createApiClient('http://127.0.0.1:1', undefined, (u, init) => fetch(u, init)), 'http://127.0.0.1:1');
  await store.getState().check();
  assert.equal(store.getState().status, 'unreachable');
  assert.equal(store.getState().error?.code, 'unavailable');
  // signOut clears the page even when the agent cannot be told.
  await assert.rejects(store.getState().signOut());
  assert.equal(store.getState().status, 'signed-out');
  store.getState().ended();
  assert.equal(store.getState().status, 'signed-out');
  assert.deepEqual(store.getState().error, { code: 'unauthorized', message: 'Your session ended: sign in again.' });
});

test('tokenProblem: the shape of an agent token, as typed', () => {
  const cases: Array<[string, string | null]> = [
    ['', null],
    ['short', 'An agent token has at least 16 characters.'],
    ['x'.repeat(15), 'An agent token has at least 16 characters.'],
    ['x'.repeat(16), null],
    [TEST_TOKEN, null],
    ['Ab0._~+-'.repeat(2), null],
    ['x'.repeat(512), null],
    ['has a space in it ok', 'A token has only letters, digits and . _ ~ + -'],
    ['quote"0123456789abcdef', 'A token has only letters, digits and . _ ~ + -'],
    ['slash/0123456789abcdef', 'A token has only letters, digits and . _ ~ + -'],
    ['ünïcode0123456789abcdef', 'A token has only letters, digits and . _ ~ + -'],
    ['newline\n0123456789abcdef', 'A token has only letters, digits and . _ ~ + -'],
  ];
  for (const [token, expected] of cases) assert.equal(tokenProblem(token), expected, JSON.stringify(token));
  assert.notEqual(tokenProblem('x'.repeat(513)), null, 'too long is a problem');
});

test('tokenProblem names the right problem for a token that is too long', () => {
  assert.doesNotMatch(tokenProblem('x'.repeat(513)) ?? '', /only letters/);
});
