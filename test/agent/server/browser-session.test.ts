/**
 * Browser sign-in against a real agent: the session cookie, what it may do, and every way
 * another site could try to ride on it (cross-site requests, DNS rebinding, the stream).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';

let t: TestAgent;
let host: string;
let origin: string;

before(async () => {
  t = await startTestAgent({ workers: 1 });
  origin = t.agent.url;
  host = new URL(origin).host;
});
after(() => t.stop());

interface Answer {
  status: number;
  body: any;
  cookies: string[];
}

/** Raw HTTP: the Host, Origin and Cookie headers exactly as given (a browser, or an attacker's page). */
function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      `${origin}${path}`,
      { method, headers: { host, ...(text ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : undefined, cookies: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const cookieOf = (answer: Answer) => answer.cookies[0]!.split(';')[0]!;

async function signIn(): Promise<string> {
  const answer = await call('POST', '/api/v1/session', { origin }, { token: TEST_TOKEN });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return cookieOf(answer);
}

test('sign in with the token: an HttpOnly, SameSite=Strict session cookie that reads and, from the dashboard, changes', async () => {
  const wrong = await call('POST', '/api/v1/session', { origin }, { token: 'not-the-token-0123456789' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.field, 'token');
  assert.deepEqual(wrong.cookies, []);
  const answer = await call('POST', '/api/v1/session', { origin }, { token: TEST_TOKEN });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.principal, 'session');
  assert.ok(Date.parse(answer.body.expiresAt) > Date.now() + 6 * 86_400_000);
  assert.match(answer.cookies[0]!, /^algodeck_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
  const cookie = cookieOf(answer);
  assert.equal((await call('GET', '/api/v1/ticker', { cookie })).status, 200);
  const session = await call('GET', '/api/v1/session', { cookie });
  assert.equal(session.body.principal, 'session');
  assert.ok(Date.parse(session.body.expiresAt) > Date.now() + 6 * 86_400_000, 'the session says when it ends if unused');
  // The cookie's lifetime follows the sliding expiry, with the same value.
  assert.equal(cookieOf(session), cookie);
  assert.match(session.cookies[0]!, /; Max-Age=(60479\d|604800); HttpOnly; SameSite=Strict$/);
  const subscribed = await call('POST', '/api/v1/ticker/subscriptions', { cookie, origin }, { instruments: ['NSE:INFY'] });
  assert.equal(subscribed.status, 200, JSON.stringify(subscribed.body));
  // What only the owner's token may do stays the owner's.
  const owner = await call('PUT', '/api/v1/broker/credentials', { cookie, origin }, { apiKey: 'abcd1234', apiSecret: 'x' });
  assert.equal(owner.status, 403);
  assert.equal((await call('GET', '/api/v1/ticker', { cookie: 'algodeck_session=garbage' })).status, 401);
});

test('another site cannot ride on the cookie: cross-site changes, a missing Origin, a rebinding Host, a cross-site sign-in', async () => {
  const cookie = await signIn();
  const body = { instruments: ['NSE:TCS'] };
  const refusals: Array<[string, Record<string, string>]> = [
    ['a page on another site', { cookie, origin: 'https://evil.example' }],
    ['another port of this host', { cookie, origin: `http://127.0.0.1:${Number(new URL(origin).port) + 1}` }],
    ['no Origin at all', { cookie }],
    ['a DNS-rebinding name', { cookie, origin, host: `evil.example:${new URL(origin).port}` }],
  ];
  for (const [who, headers] of refusals) {
    const answer = await call('POST', '/api/v1/ticker/subscriptions', headers, body);
    assert.equal(answer.status, 403, who);
    assert.equal(answer.body.error.code, 'forbidden', who);
  }
  const rebound = await call('GET', '/api/v1/ticker', { cookie, host: `evil.example:${new URL(origin).port}` });
  assert.equal(rebound.status, 403, 'a rebinding page cannot even read');
  const crossSignIn = await call('POST', '/api/v1/session', { origin: 'https://evil.example' }, { token: TEST_TOKEN });
  assert.equal(crossSignIn.status, 403);
  assert.ok(!(await t.api.call('getTicker')).subscriptions.some((s) => s.instrument === 'NSE:TCS'), 'nothing changed');
  // A bearer token carries no ambient credential: a cockpit on another origin may use it.
  const withToken = await call('GET', '/api/v1/ticker', { authorization: `Bearer ${TEST_TOKEN}`, origin: 'app://cockpit' });
  assert.equal(withToken.status, 200);
});

test('the stream opens with the cookie only from the dashboard\'s own origin', async () => {
  const cookie = await signIn();
  const open = (headers: Record<string, string>) =>
    new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(`${origin.replace('http', 'ws')}/api/v1/stream`, { headers });
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => undefined);
    });
  assert.equal(await open({ cookie, origin }), 'open');
  assert.equal(await open({ cookie, origin: 'https://evil.example' }), 403);
  assert.equal(await open({ cookie }), 403);
  assert.equal(await open({ cookie: 'algodeck_session=unknown-session-id-0000000000000000000000000', origin }), 401);
});

test('a password: set from a session (10 characters at least), then it signs in; every other browser is signed out', async () => {
  const cookie = await signIn();
  const other = await signIn();
  const short = await call('PUT', '/api/v1/session/password', { cookie, origin }, { password: 'short' });
  assert.equal(short.status, 400);
  assert.equal(short.body.error.field, 'password');
  const set = await call('PUT', '/api/v1/session/password', { cookie, origin }, { password: 'correct horse battery' });
  assert.equal(set.status, 200);
  assert.equal(set.body.passwordSet, true);
  const renewed = cookieOf(set);
  assert.equal((await call('GET', '/api/v1/ticker', { cookie: renewed })).status, 200, 'the browser that set it stays signed in');
  assert.equal((await call('GET', '/api/v1/ticker', { cookie: other })).status, 401, 'the others are signed out');
  assert.equal((await call('GET', '/api/v1/ticker', { cookie })).status, 401, 'its old session too');
  const wrong = await call('POST', '/api/v1/session', { origin }, { password: 'wrong horse battery' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.field, 'password');
  const right = await call('POST', '/api/v1/session', { origin }, { password: 'correct horse battery' });
  assert.equal(right.status, 200);
  const both = await call('POST', '/api/v1/session', { origin }, { password: 'correct horse battery', token: TEST_TOKEN });
  assert.equal(both.status, 400);
});

test('sign-out ends the session and clears the cookie', async () => {
  const cookie = await signIn();
  const out = await call('DELETE', '/api/v1/session', { cookie, origin });
  assert.equal(out.status, 200);
  assert.match(out.cookies[0]!, /^algodeck_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  assert.equal((await call('GET', '/api/v1/ticker', { cookie })).status, 401);
});

test('failed sign-ins are limited: the sixth try within a minute is refused, even with the right token', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await call('POST', '/api/v1/session', { origin }, { token: `wrong-token-${i}-0123456789` })).status, 401);
  const limited = await call('POST', '/api/v1/session', { origin }, { token: TEST_TOKEN });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'too_many_attempts');
  assert.match(limited.body.error.message, /try again in \d+ s/);
  assert.equal((await call('GET', '/api/v1/ticker', { authorization: `Bearer ${TEST_TOKEN}` })).status, 200, 'the API token still works');
});
