/**
 * The dashboard served at a real agent's root: its files with their headers, to the agent's own
 * names only, nothing outside its folder whatever the path says, the API's answers unchanged,
 * and a page that says how to build it when it is not built.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dashboardDir, dashboardUrl } from '../../../agent/server/dashboard-files';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';

/** What lies beside the dashboard's folder: no request may ever read it. */
const SECRET = 'SECRET-NEXT-TO-THE-DASHBOARD';
const INDEX = '<!doctype html><title>AlgoDeck</title><script type="module" src="./assets/x-abc123.js"></script>';
const SCRIPT = 'console.log("dashboard");';

let t: TestAgent;
let root: string;
let port: number;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'algodeck-dashboard-'));
  const site = join(root, 'site');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), INDEX);
  writeFileSync(join(site, 'assets', 'x-abc123.js'), SCRIPT);
  writeFileSync(join(site, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(site, '.env'), SECRET);
  writeFileSync(join(root, 'package.json'), SECRET);
  writeFileSync(join(root, 'agent.db'), SECRET);
  t = await startTestAgent({ workers: 1, dashboardDir: site, publicNames: ['Agent.Example.net'] });
  port = t.agent.port;
});
after(async () => {
  await t?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Raw HTTP: the path and the Host exactly as given, no normalizing by a client. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET', agentPort = port): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: agentPort, path, method, headers: { host: `127.0.0.1:${agentPort}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const csp = (host: string) =>
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  `connect-src 'self' ws://${host} wss://${host}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`;

function assertDashboardHeaders(answer: Answer, host: string, what: string): void {
  assert.equal(answer.headers['content-security-policy'], csp(host), what);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(answer.headers['x-frame-options'], 'DENY', what);
}

test('the dashboard at the root, no token needed: index.html never cached, hashed assets cached for good', async () => {
  const host = `127.0.0.1:${port}`;
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.equal(index.text, INDEX);
  assert.match(String(index.headers['content-type']), /^text\/html/);
  assert.equal(index.headers['cache-control'], 'no-store');
  assertDashboardHeaders(index, host, '/');
  const byName = await get('/index.html');
  assert.equal(byName.text, INDEX);
  assert.equal(byName.headers['cache-control'], 'no-store');
  const script = await get('/assets/x-abc123.js');
  assert.equal(script.status, 200);
  assert.equal(script.text, SCRIPT);
  assert.match(String(script.headers['content-type']), /javascript/);
  assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
  assertDashboardHeaders(script, host, 'asset');
  const icon = await get('/favicon.svg');
  assert.equal(icon.status, 200);
  assert.equal(icon.headers['cache-control'], 'no-cache', 'other files are checked against their ETag');
  const head = await get('/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  // A session cookie changes nothing: the files are the same for everyone.
  assert.equal((await get('/', { cookie: 'algodeck_session=garbage' })).status, 200);
});

test('the files are served only under the agent\'s names: a DNS-rebinding page gets nothing', async () => {
  for (const path of ['/', '/index.html', '/assets/x-abc123.js', '/nope']) {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`]) {
      const answer = await get(path, { host });
      assert.equal(answer.status, 403, `${path} as ${host}`);
      assert.equal(JSON.parse(answer.text).error.code, 'forbidden');
      assert.ok(!answer.text.includes('AlgoDeck') && !answer.text.includes('dashboard"'), `${path} as ${host}: ${answer.text}`);
    }
  }
  // The public name, in any case; the CSP then names it for the stream.
  const named = await get('/', { host: `agent.example.NET:${port}` });
  assert.equal(named.status, 200);
  assertDashboardHeaders(named, `agent.example.net:${port}`, 'public name');
  assert.equal((await get('/', { host: `localhost:${port}` })).status, 200);
});

test('no path reaches outside the dashboard folder, nor lists it, nor shows a dotfile', async () => {
  const hostile = [
    '/../package.json',
    '/../agent.db',
    '/%2e%2e/package.json',
    '/%2E%2E/agent.db',
    '/%2e%2e%2fpackage.json',
    '/assets/../../agent.db',
    '/assets/..%2f..%2fagent.db',
    '/assets/%2e%2e/%2e%2e/agent.db',
    '/assets/%2e%2e%2f%2e%2e%2fagent.db',
    '/assets/..%5c..%5cagent.db',
    '/..%5cagent.db',
    '/%5c..%5cagent.db',
    '/assets%5c..%5c..%5cagent.db',
    '/..%255cagent.db',
    '/%252e%252e/agent.db',
    '/..%c0%afagent.db',
    '/..\\agent.db',
    '//package.json',
    `/${root.slice(1)}/agent.db`,
    `/%2f${root.slice(1)}/agent.db`,
    '/./index.html/../../agent.db',
    '/.env',
    '/%2eenv',
    '/assets/.%2e/.%2e/agent.db',
    '/index.html%00.js',
    '/assets/',
    '/assets',
    '/assets/.',
  ];
  for (const path of hostile) {
    const answer = await get(path);
    assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status} ${answer.text}`);
    assert.ok(!answer.text.includes(SECRET), `${path} leaked a file`);
    assert.ok(!answer.text.includes('x-abc123.js') || path.startsWith('/assets'), `${path} listed a folder`);
    assert.ok(!/<a href|<li/.test(answer.text), `${path} listed a folder`);
    assert.match(String(answer.headers['content-type']), /^application\/json/, path);
  }
  assert.equal((await get('/')).status, 200, 'the agent is still serving');
});

test('the API keeps its answers: unknown API paths, unknown other paths, methods the dashboard does not take', async () => {
  const bearer = { authorization: `Bearer ${TEST_TOKEN}` };
  const stranger = await get('/api/v1/nope');
  assert.equal(stranger.status, 401, 'not even which API paths exist is told to a stranger');
  const missing = await get('/api/v1/nope', bearer);
  assert.equal(missing.status, 404);
  assert.deepEqual(JSON.parse(missing.text), { error: { code: 'not_found', message: 'No such endpoint: GET /api/v1/nope.' } });
  assert.equal(missing.headers['content-security-policy'], undefined, 'API answers are not the dashboard\'s');
  const wrongVerb = await get('/api/v1/session/password', bearer);
  assert.equal(wrongVerb.status, 405);
  assert.equal(wrongVerb.headers.allow, 'PUT');
  assert.equal((await get('/api/v1/../../agent.db', bearer)).status, 404);
  const other = await get('/nope');
  assert.equal(other.status, 404, 'an unknown non-API path: the API-shaped 404, no page in its place');
  assert.deepEqual(JSON.parse(other.text), { error: { code: 'not_found', message: 'No such endpoint: GET /nope.' } });
  assert.equal((await get('/nope', {}, 'POST')).status, 401, 'only GET and HEAD are the dashboard\'s');
  assert.equal((await get('/', {}, 'DELETE')).status, 401);
  assert.equal((await get('/', bearer, 'DELETE')).status, 404, 'as before: the 404 names API paths alone for 405');
  assert.equal((await get('/api/v1/health')).status, 200);
});

test('a public name passes the site guard: sign-in and changes from the dashboard reached by that name', async () => {
  const host = `agent.example.net:${port}`;
  const origin = `http://${host}`;
  const call = (method: string, path: string, headers: Record<string, string>, body: unknown) =>
    new Promise<{ status: number; cookie: string | undefined }>((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host, 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
      });
      req.on('error', reject);
      req.end(text);
    });
  const signedIn = await call('POST', '/api/v1/session', { origin }, { token: TEST_TOKEN });
  assert.equal(signedIn.status, 200);
  const cookie = signedIn.cookie!;
  assert.equal((await call('POST', '/api/v1/ticker/subscriptions', { cookie, origin }, { instruments: ['NSE:INFY'] })).status, 200);
  assert.equal((await call('POST', '/api/v1/ticker/subscriptions', { cookie, origin: 'http://evil.example' }, { instruments: ['NSE:INFY'] })).status, 403);
  assert.equal((await call('POST', '/api/v1/ticker/subscriptions', { cookie, origin: `https://${host}` }, { instruments: ['NSE:INFY'] })).status, 403, 'another scheme');
});

test('not built: the root says how to build it, and the API works', async (context) => {
  const missing = join(root, 'not-built');
  const bare = await startTestAgent({ workers: 1, dashboardDir: missing });
  context.after(() => bare.stop());
  const page = await get('/', {}, 'GET', bare.agent.port);
  assert.equal(page.status, 503);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.text, /not built/);
  assert.match(page.text, /npm run build/);
  assert.ok(!page.text.includes(root), 'the folder is not told to strangers');
  assertDashboardHeaders(page, `127.0.0.1:${bare.agent.port}`, 'not built');
  assert.equal((await get('/', { host: `evil.example:${bare.agent.port}` }, 'GET', bare.agent.port)).status, 403);
  assert.equal((await get('/assets/x-abc123.js', {}, 'GET', bare.agent.port)).status, 404);
  assert.equal((await bare.request('GET', '/api/v1/ticker')).status, 200);
  // Built while the agent runs: served at once.
  mkdirSync(missing);
  writeFileSync(join(missing, 'index.html'), INDEX);
  const built = await get('/', {}, 'GET', bare.agent.port);
  assert.equal(built.status, 200);
  assert.equal(built.text, INDEX);
});

test('the dashboard folder: the one given, else dist/renderer beside the bundle or the project\'s from source', () => {
  assert.equal(dashboardDir(undefined, 'file:///opt/algodeck/dist/agent/cli.mjs'), '/opt/algodeck/dist/renderer');
  assert.equal(dashboardDir(null, 'file:///opt/algodeck/dist/bench/agent-process.mjs'), '/opt/algodeck/dist/renderer');
  assert.equal(dashboardDir(null, 'file:///home/me/algodeck/agent/server/dashboard-files.ts'), '/home/me/algodeck/dist/renderer');
  assert.equal(dashboardDir('', 'file:///home/me/algodeck/agent/server/dashboard-files.ts'), '/home/me/algodeck/dist/renderer');
  assert.equal(dashboardDir('/srv/dashboard'), '/srv/dashboard');
  assert.equal(dashboardDir('build/site'), join(process.cwd(), 'build/site'), 'a relative folder is taken from the working directory');
  // The real module, run from source as here: the project's own dist/renderer.
  assert.equal(dashboardDir(), fileURLToPath(new URL('../../../dist/renderer', import.meta.url)));
  assert.equal(t.agent.dashboard.dir, join(root, 'site'));
});

test('the dashboard URL shown to a user: a public name first, loopback for a listen-everywhere address', () => {
  assert.equal(dashboardUrl('http', '127.0.0.1', 7420), 'http://127.0.0.1:7420/');
  assert.equal(dashboardUrl('https', '0.0.0.0', 7420), 'https://127.0.0.1:7420/');
  assert.equal(dashboardUrl('https', '::', 7420), 'https://127.0.0.1:7420/');
  assert.equal(dashboardUrl('https', '::1', 7420), 'https://[::1]:7420/');
  assert.equal(dashboardUrl('https', '0.0.0.0', 443, ['agent.example.net', 'other.example']), 'https://agent.example.net/');
  assert.equal(dashboardUrl('http', '10.0.0.5', 80), 'http://10.0.0.5/');
  assert.equal(t.agent.dashboard.url, `http://agent.example.net:${port}/`);
});
