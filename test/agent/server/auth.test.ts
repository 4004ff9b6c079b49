import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerToken, generateToken, isLoopbackHost, protocolToken, TokenVerifier } from '../../../agent/server/auth';

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
