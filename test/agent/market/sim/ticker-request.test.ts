import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KiteSessions } from '../../../../agent/market/sim/kite-sessions';
import { hasTickerCredentials, parseTickerRequest } from '../../../../agent/market/sim/ticker-request';

test('parses the three Kite ticker requests', () => {
  assert.deepEqual(parseTickerRequest('{"a":"subscribe","v":[408065,256265]}'), { action: 'subscribe', tokens: [408065, 256265] });
  assert.deepEqual(parseTickerRequest('{"a":"unsubscribe","v":[]}'), { action: 'unsubscribe', tokens: [] });
  assert.deepEqual(parseTickerRequest('{"a":"mode","v":["full",[408065]]}'), { action: 'mode', mode: 'full', tokens: [408065] });
});

test('hostile or malformed requests are errors, never exceptions', () => {
  const bad = [
    '', ' ', 'not json', '{', 'null', '0', '"subscribe"', '[]', '{}', '{"a":"subscribe"}',
    '{"a":"subscribe","v":"408065"}', '{"a":"subscribe","v":["408065"]}', '{"a":"subscribe","v":[-1]}',
    '{"a":"subscribe","v":[1.5]}', '{"a":"subscribe","v":[4294967296]}', '{"a":"subscribe","v":[null]}',
    '{"a":"mode","v":["fast",[1]]}', '{"a":"mode","v":["full"]}', '{"a":"mode","v":[[1],"full"]}',
    '{"a":"mode","v":{"0":"full","1":[1]}}', '{"a":"__proto__","v":[]}', '{"a":"SUBSCRIBE","v":[1]}',
    '{"a":"subscribe","v":[1e400]}',
  ];
  for (const text of bad) {
    const result = parseTickerRequest(text);
    assert.ok('error' in result, `accepted ${JSON.stringify(text)}`);
    assert.match(result.error, /^Invalid message/);
  }
});

test('credentials must match exactly, once each', () => {
  const user = { userId: 'AB1234', userName: 'A', userShortname: 'A', email: 'a@example.com' };
  const expected = new KiteSessions({ apiKey: 'key1', apiSecret: 'secret', accessToken: 'tok1', redirectUrl: 'http://127.0.0.1/cb', user });
  const good = ['/?api_key=key1&access_token=tok1', '/?api_key=key1&access_token=tok1&uid=1700000000000', '?access_token=tok1&api_key=key1'];
  for (const url of good) assert.equal(hasTickerCredentials(url, expected), true, url);
  const bad = [
    undefined, '', '/', '/?api_key=key1', '/?access_token=tok1', '/?api_key=key1&access_token=tok2',
    '/?api_key=key2&access_token=tok1', '/?api_key=KEY1&access_token=tok1', '/?api_key=key1&access_token=tok1x',
    '/?api_key=key1&access_token=tok', '/?api_key=key1&access_token=tok1&access_token=tok1',
    '/?api_key=key1&api_key=evil&access_token=tok1', '/?api_key=key1%00&access_token=tok1',
    '/?api_key= key1&access_token=tok1', '//evil.example/?api_key=x&access_token=y', 'http://[::1',
  ];
  for (const url of bad) assert.equal(hasTickerCredentials(url, expected), false, String(url));
  const empty = new KiteSessions({ apiKey: '', apiSecret: '', accessToken: '', redirectUrl: 'http://127.0.0.1/cb', user });
  assert.equal(hasTickerCredentials('/?api_key=&access_token=', empty), false, 'empty secrets never match');
});
