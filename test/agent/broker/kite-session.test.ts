import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { KiteSession } from '../../../agent/broker/kite/kite-session';
import { FileSecretStore } from '../../../agent/broker/secret-store';
import { startSimTickerServer, type SimTickerServer } from '../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../agent/market/sim/universe';
import { AgentDb } from '../../../agent/store/agent-db';
import type { ApiError } from '../../../shared/errors';
import { waitFor } from '../../helpers/wait';

let emulator: SimTickerServer;
const dirs: string[] = [];
const log = pino({ level: 'silent' });

before(async () => {
  emulator = await startSimTickerServer({ universe: buildUniverse({ generated: 0 }), apiKey: 'sessionkey1', accessToken: 'first-token', apiSecret: 'the-secret' });
});
after(async () => {
  await emulator.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function session(now?: () => number) {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-session-'));
  dirs.push(dir);
  const db = new AgentDb(join(dir, 'agent.db'));
  return new KiteSession({ db, secrets: new FileSecretStore(dir), root: emulator.httpUrl, loginRoot: emulator.httpUrl, log, ...(now ? { now } : {}) });
}

/** What the user's browser does: the login page, and the request token and state from its redirect. */
async function redirectOf(loginUrl: string): Promise<{ requestToken: string; state: string }> {
  const location = new URL((await fetch(loginUrl, { redirect: 'manual' })).headers.get('location')!);
  return { requestToken: location.searchParams.get('request_token')!, state: location.searchParams.get('state')! };
}

test('a login: credentials, the login URL, the exchange; listeners hear the token; the state is good once', async () => {
  const kite = session();
  assert.throws(() => kite.loginUrl(), (error: ApiError) => error.code === 'broker_not_configured');
  kite.setCredentials('sessionkey1', 'the-secret');
  const heard: Array<string | null> = [];
  kite.onToken((token) => heard.push(token));
  const { requestToken, state } = await redirectOf(kite.loginUrl());
  const result = await kite.completeLogin(requestToken, state);
  assert.equal(result.session, 'logged-in');
  assert.equal(heard.length, 1);
  assert.equal(heard[0], kite.accessToken);
  await assert.rejects(kite.completeLogin(requestToken, state), (error: ApiError) => error.code === 'broker_login_failed');
});

test('the session expires at 06:00 IST by the clock, and a new API key ends it', async () => {
  let now = Date.parse('2026-12-01T10:00:00+05:30');
  const kite = session(() => now);
  kite.setCredentials('sessionkey1', 'the-secret');
  const { requestToken, state } = await redirectOf(kite.loginUrl());
  await kite.completeLogin(requestToken, state);
  assert.equal(kite.session().expiresAt, '2026-12-02T00:30:00.000Z');
  now = Date.parse('2026-12-02T05:59:00+05:30');
  assert.equal(kite.session().session, 'logged-in');
  now = Date.parse('2026-12-02T06:00:00+05:30');
  assert.equal(kite.session().session, 'expired');
  assert.equal(kite.usableToken, null, 'an expired token is not handed to connections');
  const heard: Array<string | null> = [];
  kite.onToken((token) => heard.push(token));
  kite.setCredentials('otherkey22', 'other-secret');
  assert.deepEqual(heard, [null]);
  assert.equal(kite.session().session, 'needs-login');
});

test('a refusal of the ticker is checked with Kite: a stale one changes nothing, a real one ends the session', async () => {
  const kite = session();
  kite.setCredentials('sessionkey1', 'the-secret');
  const { requestToken, state } = await redirectOf(kite.loginUrl());
  await kite.completeLogin(requestToken, state);
  const checks = () => emulator.stats().rest.requests.other;
  const before = checks();
  kite.checkToken();
  kite.checkToken(); // three workers report at once: one check
  await waitFor('the check', () => checks() === before + 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(checks(), before + 1);
  assert.equal(kite.session().session, 'logged-in', 'the current token works: the refusal was for an older one');
  emulator.faults.expireTokens();
  kite.checkToken();
  await waitFor('expired', () => kite.session().session === 'expired');
});
