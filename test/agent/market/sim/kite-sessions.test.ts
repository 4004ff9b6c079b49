import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { KiteError } from '../../../../agent/market/sim/kite-http';
import { KiteSessions, REQUEST_TOKEN_TTL_MS, randomToken, tokenDigest } from '../../../../agent/market/sim/kite-sessions';

const KEY = 'key1';
const SECRET = 'secret1';
const user = { userId: 'AB1234', userName: 'Simulated Trader', userShortname: 'Simulated', email: 'trader@example.com' };

function store(now = () => 1_700_000_000_000) {
  return new KiteSessions({ apiKey: KEY, apiSecret: SECRET, accessToken: 'tok1', redirectUrl: 'http://127.0.0.1:7420/cb?app=1', user, now });
}

function requestToken(sessions: KiteSessions, redirectParams?: string): string {
  const query = new URLSearchParams({ api_key: KEY, v: '3', ...(redirectParams === undefined ? {} : { redirect_params: redirectParams }) });
  const outcome = sessions.loginRedirect(query);
  assert.ok('location' in outcome);
  return new URL(outcome.location).searchParams.get('request_token')!;
}

function checksum(token: string, secret = SECRET, key = KEY): string {
  return createHash('sha256').update(key + token + secret).digest('hex');
}

function fields(token: string, sum = checksum(token), key = KEY): URLSearchParams {
  return new URLSearchParams({ api_key: key, request_token: token, checksum: sum });
}

function refusal(status: number, type: string, message: string) {
  return (error: unknown) => error instanceof KiteError && error.status === status && error.errorType === type && error.message === message;
}

test('tokens look like Kite tokens and do not repeat', () => {
  const tokens = new Set(Array.from({ length: 200 }, () => randomToken()));
  assert.equal(tokens.size, 200);
  for (const token of tokens) assert.match(token, /^[A-Za-z0-9]{32}$/);
  assert.match(randomToken(16), /^[A-Za-z0-9]{16}$/);
});

test('the REST header must carry this key and a live token, exactly', () => {
  const sessions = store();
  assert.equal(sessions.authorizes('token key1:tok1'), true);
  const bad = [
    undefined, '', 'token', 'token key1', 'token key1:', 'token :tok1', 'token key1:tok2', 'token key2:tok1',
    'Token key1:tok1', 'token  key1:tok1', 'token key1:tok1 ', 'bearer key1:tok1', 'Bearer tok1', 'token key1:tok1x',
    'token key1:tok', 'token KEY1:tok1', 'token key1:tok1\u0000', 'token key1::tok1',
  ];
  for (const header of bad) assert.equal(sessions.authorizes(header), false, JSON.stringify(header));
  assert.equal(sessions.isValid('key1', ''), false);
});

test('the login redirect carries a fresh request token, Kite’s fields and the app’s redirect_params', () => {
  const sessions = store();
  const outcome = sessions.loginRedirect(new URLSearchParams({ api_key: KEY, v: '3', redirect_params: 'state=a b&next=/x?y=1&request_token=evil&status=failed' }));
  assert.ok('location' in outcome);
  const url = new URL(outcome.location);
  assert.equal(`${url.origin}${url.pathname}`, 'http://127.0.0.1:7420/cb');
  assert.deepEqual([...url.searchParams.keys()], ['app', 'request_token', 'action', 'type', 'status', 'state', 'next']);
  assert.match(url.searchParams.get('request_token')!, /^[A-Za-z0-9]{32}$/);
  assert.deepEqual(
    [url.searchParams.get('app'), url.searchParams.get('action'), url.searchParams.get('type'), url.searchParams.get('status')],
    ['1', 'login', 'login', 'success'],
  );
  assert.equal(url.searchParams.get('state'), 'a b');
  assert.equal(url.searchParams.get('next'), '/x?y=1');
  assert.notEqual(requestToken(sessions), requestToken(sessions));
  for (const query of ['', 'api_key=key2', 'api_key=KEY1', 'api_key=key1&api_key=key1', 'api_key=']) {
    assert.deepEqual(sessions.loginRedirect(new URLSearchParams(query)), { error: 'Invalid `api_key`.' }, query);
  }
});

test('a request token becomes an access token once, with the right checksum only', () => {
  const sessions = store();
  const token = requestToken(sessions);
  assert.throws(() => sessions.createSession(fields(token, checksum(token, 'wrong'))), refusal(403, 'TokenException', 'Invalid checksum'));
  assert.throws(() => sessions.createSession(fields(token, checksum(token).toUpperCase())), refusal(403, 'TokenException', 'Invalid checksum'));
  // A wrong checksum does not use the request token up.
  const session = sessions.createSession(fields(token));
  assert.match(String(session.access_token), /^[A-Za-z0-9]{32}$/);
  assert.equal(session.api_key, KEY);
  assert.equal(session.login_time, '2023-11-15 03:43:20');
  assert.equal(sessions.isValid(KEY, String(session.access_token)), true);
  assert.equal(sessions.isValid(KEY, 'tok1'), true, 'earlier sessions stay valid');
  assert.throws(() => sessions.createSession(fields(token)), refusal(403, 'TokenException', 'Token is invalid or has expired.'));
  assert.throws(() => sessions.createSession(fields('never-issued')), refusal(403, 'TokenException', 'Token is invalid or has expired.'));
});

test('missing fields are input errors; another key is refused', () => {
  const sessions = store();
  const token = requestToken(sessions);
  for (const name of ['api_key', 'request_token', 'checksum']) {
    const partial = fields(token);
    partial.delete(name);
    assert.throws(() => sessions.createSession(partial), refusal(400, 'InputException', `Missing ${name}`));
  }
  assert.throws(() => sessions.createSession(fields(token, checksum(token, SECRET, 'key2'), 'key2')), refusal(403, 'TokenException', 'Invalid `api_key`.'));
  assert.equal(sessions.createSession(fields(token)).api_key, KEY, 'the refusals left the token usable');
});

test('request tokens expire after five minutes', () => {
  let now = 1_700_000_000_000;
  const sessions = store(() => now);
  const early = requestToken(sessions);
  const late = requestToken(sessions);
  now += REQUEST_TOKEN_TTL_MS - 1;
  assert.ok(sessions.createSession(fields(early)).access_token);
  now += 1;
  assert.throws(() => sessions.createSession(fields(late)), refusal(403, 'TokenException', 'Token is invalid or has expired.'));
});

test('invalidating a token ends it alone and tells the listeners; expiring ends every token', () => {
  const sessions = store();
  const revoked: Array<string | null> = [];
  sessions.onRevoke((digest) => revoked.push(digest));
  const issued = String(sessions.createSession(fields(requestToken(sessions))).access_token);
  sessions.invalidate(KEY, 'tok1');
  assert.equal(sessions.isValid(KEY, 'tok1'), false);
  assert.equal(sessions.isValid(KEY, issued), true);
  sessions.invalidate(KEY, 'tok1'); // again: nothing left to revoke, nobody told
  sessions.invalidate(KEY, 'never-issued');
  assert.deepEqual(revoked, [tokenDigest('tok1')]);
  assert.throws(() => sessions.invalidate('key2', issued), refusal(400, 'InputException', 'Invalid `api_key`.'));
  const pending = requestToken(sessions);
  sessions.expireAll();
  assert.deepEqual(revoked, [tokenDigest('tok1'), null]);
  assert.equal(sessions.isValid(KEY, issued), false);
  assert.throws(() => sessions.createSession(fields(pending)), refusal(403, 'TokenException', 'Token is invalid or has expired.'));
  const fresh = String(sessions.createSession(fields(requestToken(sessions))).access_token);
  assert.equal(sessions.authorizes(`token ${KEY}:${fresh}`), true, 'logging in works again after the expiry');
});

test('the profile is Kite’s shape', () => {
  const profile = store().profile();
  assert.deepEqual(Object.keys(profile).sort(), [
    'avatar_url', 'broker', 'email', 'exchanges', 'meta', 'order_types', 'products', 'user_id', 'user_name', 'user_shortname', 'user_type',
  ]);
  assert.equal(profile.user_id, 'AB1234');
  assert.equal(profile.broker, 'ZERODHA');
});
