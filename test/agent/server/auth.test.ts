import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Authenticator, bearerToken, generateToken, isLoopbackHost, OwnerToken, protocolToken, TokenVerifier } from '../../../agent/server/auth';
import type { Principal } from '../../../shared/contract/scopes';

test('the verifier accepts only the exact token', () => {
  const token = generateToken();
  const verifier = new TokenVerifier(token);
  assert.equal(verifier.verify(token), true);
  const hostile = [undefined, '', ' ', token.slice(0, -1), `${token} `, ` ${token}`, token.toUpperCase(), `${token}\0`, token + token, 'x'.repeat(100_000)];
  for (const candidate of hostile) assert.equal(verifier.verify(candidate), false, JSON.stringify(candidate?.slice(0, 20)));
});

test('generated tokens are long and distinct', () => {
  const tokens = new Set(Array.from({ length: 50 }, generateToken));
  assert.equal(tokens.size, 50);
  for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{43}$/);
});

test('bearer headers are read strictly', () => {
  const table: Array<[string | undefined, string | undefined]> = [
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['Bearer abc def', undefined],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Basic abc', undefined],
    ['abc', undefined],
    ['Token abc', undefined],
    [' Bearer abc', undefined],
    ['Bearer\tabc', undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of table) assert.equal(bearerToken(header), expected, String(header));
});

test('the token offered as a subprotocol', () => {
  const table: Array<[string | string[] | undefined, string | undefined]> = [
    ['algodeck.v1, bearer.abc', 'abc'],
    ['bearer.abc', 'abc'],
    ['bearer.', undefined],
    ['algodeck.v1', undefined],
    ['xbearer.abc', undefined],
    [['bearer.abc'], undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of table) assert.equal(protocolToken(header), expected, String(header));
});

test('loopback addresses', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '127.0.0.1.example.com', 'localhost.evil']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

test('the authenticator asks each resolver and accepts only principals of a known kind', () => {
  const owner = generateToken();
  const auth = new Authenticator(new OwnerToken(owner));
  assert.deepEqual(auth.resolve(owner), { kind: 'owner' });
  // A careless resolver that looks tokens up in a plain object.
  const table: Record<string, Principal> = { 'task-token-0123456789': { kind: 'task', taskId: 't1' } };
  const remove = auth.add({ resolve: (token) => table[token] });
  assert.deepEqual(auth.resolve('task-token-0123456789'), { kind: 'task', taskId: 't1' });
  for (const hostile of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', undefined]) {
    assert.equal(auth.resolve(hostile), undefined, String(hostile));
  }
  remove();
  remove();
  assert.equal(auth.resolve('task-token-0123456789'), undefined, 'a removed resolver is not asked');
  assert.deepEqual(auth.resolve(owner), { kind: 'owner' }, 'removing twice removed only itself');
});
