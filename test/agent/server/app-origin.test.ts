/**
 * The desktop app's page (`app://algodeck`) calls agents from its own origin with a bearer token:
 * preflights answered for it alone, its answers readable by it, and never with a cookie.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { DESKTOP_APP_ORIGIN } from '../../../shared/desktop';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';

let t: TestAgent;

before(async () => {
  t = await startTestAgent({ workers: 1 });
});
after(() => t.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(`${t.agent.url}${path}`, { method, headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data ? JSON.parse(data) : undefined }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const preflight = (origin: string, method = 'PUT') =>
  call('OPTIONS', '/api/v1/ticker/workers', { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' });

test('a preflight from the desktop app is answered without a token: its methods and headers, no credentials', async () => {
  const answer = await preflight(DESKTOP_APP_ORIGIN);
  assert.equal(answer.status, 204);
  assert.equal(answer.headers['access-control-allow-origin'], DESKTOP_APP_ORIGIN);
  assert.match(String(answer.headers['access-control-allow-methods']), /\bPUT\b/);
  assert.match(String(answer.headers['access-control-allow-headers']), /Authorization/i);
  assert.equal(answer.headers['access-control-allow-credentials'], undefined, 'cookies never cross origins');
  assert.match(String(answer.headers.vary), /Origin/);
});

test('a preflight from any other origin gets no CORS answer: refused as another site\'s request', async () => {
  for (const origin of ['https://evil.example', 'app://algodeck.evil', 'app://other', 'null', `${DESKTOP_APP_ORIGIN}/`]) {
    const answer = await preflight(origin);
    assert.equal(answer.headers['access-control-allow-origin'], undefined, origin);
    assert.equal(answer.status, 403, origin);
    assert.equal(answer.body.error.code, 'forbidden');
  }
});

test('with a bearer token the app reads and changes, and may read the answers, errors included', async () => {
  const headers = { origin: DESKTOP_APP_ORIGIN, authorization: `Bearer ${TEST_TOKEN}` };
  const read = await call('GET', '/api/v1/ticker', headers);
  assert.equal(read.status, 200);
  assert.equal(read.headers['access-control-allow-origin'], DESKTOP_APP_ORIGIN);
  assert.equal(read.body.workers.length, 1);
  const refused = await call('PUT', '/api/v1/ticker/workers', headers, { count: 0 });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers['access-control-allow-origin'], DESKTOP_APP_ORIGIN, 'the page can show the agent\'s reason');
  assert.equal(refused.body.error.field, 'count');
  const changed = await call('PUT', '/api/v1/ticker/workers', headers, { count: 2 });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.workers.length, 2);
});

test('without a token the app gets 401, and a session cookie from the app\'s origin is refused for changes', async () => {
  const bare = await call('GET', '/api/v1/ticker', { origin: DESKTOP_APP_ORIGIN });
  assert.equal(bare.status, 401);
  const signIn = await call('POST', '/api/v1/session', { origin: t.agent.url }, { token: TEST_TOKEN });
  const cookie = String((signIn.headers['set-cookie'] as string[])[0]).split(';')[0]!;
  const riding = await call('PUT', '/api/v1/ticker/workers', { origin: DESKTOP_APP_ORIGIN, cookie }, { count: 1 });
  assert.equal(riding.status, 403);
  assert.equal(riding.body.error.code, 'forbidden');
});
